-- user_service 004 down (SQLite, PostgreSQL): reverse order of the up.
-- SQLite refuses to drop an indexed column, so the index goes first.
DROP INDEX IF EXISTS idx_users_registered_via;
ALTER TABLE users DROP COLUMN last_login_provider;
ALTER TABLE users DROP COLUMN registered_via;
DROP TABLE IF EXISTS user_oauth_accounts;
DROP TABLE IF EXISTS oauth_providers;
