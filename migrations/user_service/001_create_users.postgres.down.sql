-- user_service 001 down (PostgreSQL): tables first, then the ENUM types they used
DROP TABLE IF EXISTS user_login_history;
DROP TABLE IF EXISTS users;
DROP TYPE IF EXISTS login_status;
DROP TYPE IF EXISTS user_status;
