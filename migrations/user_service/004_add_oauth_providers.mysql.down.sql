-- user_service 004 down (MySQL / MariaDB): DROP INDEX needs ON <table> here.
DROP INDEX idx_users_registered_via ON users;
ALTER TABLE users DROP COLUMN last_login_provider, DROP COLUMN registered_via;
DROP TABLE IF EXISTS user_oauth_accounts;
DROP TABLE IF EXISTS oauth_providers;
