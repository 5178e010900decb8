-- cloudphone_auth 001 down
DROP TABLE IF EXISTS users;
