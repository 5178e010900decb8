-- order_service 002 down (all dialects)
DROP TABLE IF EXISTS order_items;
