-- order_service 004 down (all dialects): reverse order of the up. None of the added
-- columns is indexed, so plain DROP COLUMN works on SQLite (>= 3.35) as well.
DROP TABLE IF EXISTS shipments;
ALTER TABLE orders DROP COLUMN shipped_at;
ALTER TABLE orders DROP COLUMN shipping_method;
ALTER TABLE orders DROP COLUMN shipping_address;
ALTER TABLE orders DROP COLUMN receiver_phone;
ALTER TABLE orders DROP COLUMN receiver_name;
