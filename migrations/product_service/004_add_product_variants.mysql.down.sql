-- product_service 004 down (MySQL / MariaDB): DROP INDEX needs ON <table> here.
DROP INDEX idx_inventory_variant ON inventory;
ALTER TABLE inventory DROP COLUMN variant_id;
ALTER TABLE products DROP COLUMN has_variants;
DROP TABLE IF EXISTS product_variants;
