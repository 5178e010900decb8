-- user_service 003: 认证令牌表 (SQLite)
-- Only a SHA-256 hash of each token is stored, never the token itself.
CREATE TABLE auth_tokens (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    user_uuid           VARCHAR(36)  NOT NULL,
    token_type          VARCHAR(20)  NOT NULL
                        CHECK (token_type IN ('access', 'refresh', 'password_reset', 'email_verify')),
    token_hash          CHAR(64)     NOT NULL UNIQUE,          -- hex SHA-256
    client_id           VARCHAR(64)  NOT NULL DEFAULT 'web',   -- web / ios / android / mini_program
    scopes              VARCHAR(500),                          -- space separated
    device_fingerprint  VARCHAR(64),
    ip_address          VARCHAR(45),
    expires_at          DATETIME     NOT NULL,
    revoked_at          DATETIME,
    revoked_reason      VARCHAR(100),
    last_used_at        DATETIME,
    created_at          DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_auth_tokens_user_type  ON auth_tokens (user_uuid, token_type);
CREATE INDEX idx_auth_tokens_expires_at ON auth_tokens (expires_at);
