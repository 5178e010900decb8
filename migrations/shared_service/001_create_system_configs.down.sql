-- shared_service 001 down (SQLite, MySQL): drops the table and its seed rows.
DROP TABLE IF EXISTS system_configs;
