-- shared_service 001 down (PostgreSQL): trigger, table, then the trigger function.
DROP TRIGGER IF EXISTS trg_system_configs_updated_at ON system_configs;
DROP TABLE IF EXISTS system_configs;
DROP FUNCTION IF EXISTS set_updated_at();
