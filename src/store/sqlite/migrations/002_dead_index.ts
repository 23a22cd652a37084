/**
 * Dead deliveries per endpoint, for the admin API: the endpoint list counts
 * them and a replay walks them. Partial, so it costs nothing until a delivery
 * dies and stays as small as the dead-letter queue.
 */
export const deadIndex = `
CREATE INDEX deliveries_dead ON deliveries (endpoint, id) WHERE state = 'dead';
`;
