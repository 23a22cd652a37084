/**
 * Unfinished deliveries per endpoint by creation time, for the oldest-pending
 * gauge. Ids do not give it: a requeued or moved delivery keeps its old id but
 * starts over (`created_at` now), so the lowest id is not always the oldest.
 * Partial, like `deliveries_unfinished`: as small as the backlog.
 */
export const unfinishedAge = `
CREATE INDEX deliveries_unfinished_age ON deliveries (endpoint, created_at)
  WHERE state IN ('pending', 'in_flight');
`;
