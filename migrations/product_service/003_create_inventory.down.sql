-- product_service 003 down (all dialects): the journal references inventory, so it goes first
DROP TABLE IF EXISTS inventory_movements;
DROP TABLE IF EXISTS inventory;
