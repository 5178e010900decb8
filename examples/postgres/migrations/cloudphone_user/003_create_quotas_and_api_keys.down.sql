-- cloudphone_user 003 down
DROP TABLE IF EXISTS api_keys;
DROP TABLE IF EXISTS quotas;
