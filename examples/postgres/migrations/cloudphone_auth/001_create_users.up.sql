-- cloudphone_auth 001: accounts the API gateway authenticates (api-gateway, port 30000)
CREATE TABLE users (
    id              UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    username        VARCHAR(64)  NOT NULL,
    email           VARCHAR(255) NOT NULL,
    phone           VARCHAR(32),
    password_hash   VARCHAR(255) NOT NULL,
    status          VARCHAR(16)  NOT NULL DEFAULT 'active',
    tenant_id       UUID,
    mfa_enabled     BOOLEAN      NOT NULL DEFAULT false,
    mfa_secret      VARCHAR(128),
    failed_logins   INTEGER      NOT NULL DEFAULT 0,
    locked_until    TIMESTAMPTZ,
    last_login_at   TIMESTAMPTZ,
    last_login_ip   INET,
    created_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT uk_users_username UNIQUE (username),
    CONSTRAINT uk_users_email    UNIQUE (email),
    CONSTRAINT ck_users_status   CHECK (status IN ('active', 'inactive', 'locked', 'deleted'))
);

CREATE INDEX idx_users_tenant_id ON users (tenant_id);
CREATE INDEX idx_users_status    ON users (status);
CREATE INDEX idx_users_phone     ON users (phone);

COMMENT ON TABLE users IS '网关认证账号';
