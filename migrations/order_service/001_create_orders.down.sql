-- order_service 001 down (all dialects)
DROP TABLE IF EXISTS orders;
