-- user_service 003 down (all dialects)
DROP TABLE IF EXISTS auth_tokens;
