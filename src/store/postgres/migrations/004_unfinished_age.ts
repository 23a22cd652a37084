/**
 * The oldest unfinished delivery is the one that started longest ago (a
 * requeued or moved one starts over): one index probe per endpoint, as
 * SQLite's migration 004.
 */
export const unfinishedAge = `
CREATE INDEX deliveries_unfinished_age ON deliveries (endpoint, created_at) WHERE state IN ('pending', 'in_flight');
`;
