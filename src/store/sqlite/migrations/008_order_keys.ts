/**
 * Per-key ordering: the key a delivery is ordered by on its endpoint (NULL
 * for unordered ones), and an index of the unfinished ones by key, so
 * "is an older delivery of this key still unfinished?" is one probe.
 */
export const orderKeys = `
ALTER TABLE deliveries ADD COLUMN order_key TEXT;
CREATE INDEX deliveries_order ON deliveries (endpoint, order_key, id)
  WHERE order_key IS NOT NULL AND state IN ('pending', 'in_flight');
`;
