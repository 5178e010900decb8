-- product_service 004 down (SQLite, PostgreSQL): reverse order of the up.
-- SQLite refuses to drop an indexed column, so the index goes first.
DROP INDEX IF EXISTS idx_inventory_variant;
ALTER TABLE inventory DROP COLUMN variant_id;
ALTER TABLE products DROP COLUMN has_variants;
DROP TABLE IF EXISTS product_variants;
