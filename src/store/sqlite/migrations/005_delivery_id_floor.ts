/**
 * Delivery ids are never handed out twice. SQLite gives a new row the
 * largest id plus one, so once retention pruned the newest deliveries (a
 * relay idle for longer than `storage.retention`) their ids came back, and a
 * `delivery.dead` event or a log line naming one would name a new delivery.
 * The floor remembers the largest id ever deleted; new deliveries are
 * numbered above it and above every stored one.
 */
export const deliveryIdFloor = `
CREATE TABLE delivery_id_floor (id INTEGER NOT NULL);
INSERT INTO delivery_id_floor (id) SELECT coalesce(max(id), 0) FROM deliveries;
CREATE TRIGGER deliveries_id_floor AFTER DELETE ON deliveries
  WHEN OLD.id > (SELECT id FROM delivery_id_floor)
  BEGIN UPDATE delivery_id_floor SET id = OLD.id; END;
`;
