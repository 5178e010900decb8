-- cross_service 001 down (all dialects), as in the seed's Down()
DROP TABLE IF EXISTS distributed_locks;
