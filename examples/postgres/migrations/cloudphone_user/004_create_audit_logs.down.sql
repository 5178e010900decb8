-- cloudphone_user 004 down
DROP TABLE IF EXISTS login_logs;
DROP TABLE IF EXISTS audit_logs;
