-- cloudphone_user 003: per-user resource quotas and API keys for the open API
CREATE TABLE quotas (
    id                  UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id             UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    max_devices         INTEGER     NOT NULL DEFAULT 1,
    max_concurrent      INTEGER     NOT NULL DEFAULT 1,
    max_cpu_cores       INTEGER     NOT NULL DEFAULT 2,
    max_memory_mb       INTEGER     NOT NULL DEFAULT 4096,
    max_storage_gb      INTEGER     NOT NULL DEFAULT 32,
    max_bandwidth_mbps  INTEGER     NOT NULL DEFAULT 10,
    used_devices        INTEGER     NOT NULL DEFAULT 0,
    valid_from          TIMESTAMPTZ NOT NULL DEFAULT now(),
    valid_until         TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uk_quotas_user_id UNIQUE (user_id),
    CONSTRAINT ck_quotas_used CHECK (used_devices >= 0 AND used_devices <= max_devices)
);

CREATE TABLE api_keys (
    id            UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       UUID         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          VARCHAR(64)  NOT NULL,
    key_prefix    VARCHAR(16)  NOT NULL,
    key_hash      VARCHAR(128) NOT NULL,
    scopes        TEXT[]       NOT NULL DEFAULT '{}',
    last_used_at  TIMESTAMPTZ,
    expires_at    TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT uk_api_keys_key_hash UNIQUE (key_hash)
);

CREATE INDEX idx_api_keys_user_id    ON api_keys (user_id);
CREATE INDEX idx_api_keys_key_prefix ON api_keys (key_prefix);
