-- shared_service 003 down (SQLite, MySQL)
DROP TABLE IF EXISTS audit_logs;
