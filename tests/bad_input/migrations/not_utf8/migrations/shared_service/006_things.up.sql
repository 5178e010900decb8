INSERT INTO system_configs (config_key) VALUES ('café');
