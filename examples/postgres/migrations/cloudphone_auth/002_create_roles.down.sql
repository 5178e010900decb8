-- cloudphone_auth 002 down
DROP TABLE IF EXISTS user_roles;
DROP TABLE IF EXISTS roles;
