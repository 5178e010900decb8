-- user_service 001 down (SQLite, MySQL) — same order as the seed's Down()
DROP TABLE IF EXISTS user_login_history;
DROP TABLE IF EXISTS users;
