-- shared_service 003 down (PostgreSQL): the audit trigger lives on system_configs (001),
-- so remove it explicitly before dropping its function and the table.
DROP TRIGGER IF EXISTS trg_system_configs_audit ON system_configs;
DROP FUNCTION IF EXISTS audit_system_configs();
DROP TABLE IF EXISTS audit_logs;
