-- cloudphone_user 001: tenants, their departments and users (user-service, port 30001)
CREATE TABLE tenants (
    id           UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    code         VARCHAR(64)  NOT NULL,
    name         VARCHAR(128) NOT NULL,
    status       VARCHAR(16)  NOT NULL DEFAULT 'active',
    contact      VARCHAR(128),
    expires_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT uk_tenants_code  UNIQUE (code),
    CONSTRAINT ck_tenants_status CHECK (status IN ('active', 'suspended', 'closed'))
);

CREATE TABLE departments (
    id          UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   UUID         NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    parent_id   UUID         REFERENCES departments (id) ON DELETE SET NULL,
    name        VARCHAR(128) NOT NULL,
    sort_order  INTEGER      NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE INDEX idx_departments_tenant_id ON departments (tenant_id);
CREATE INDEX idx_departments_parent_id ON departments (parent_id);

CREATE TABLE users (
    id             UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      UUID         REFERENCES tenants (id) ON DELETE SET NULL,
    department_id  UUID         REFERENCES departments (id) ON DELETE SET NULL,
    username       VARCHAR(64)  NOT NULL,
    email          VARCHAR(255) NOT NULL,
    phone          VARCHAR(32),
    full_name      VARCHAR(128),
    avatar_url     VARCHAR(500),
    status         VARCHAR(16)  NOT NULL DEFAULT 'active',
    is_super_admin BOOLEAN      NOT NULL DEFAULT false,
    metadata       JSONB        NOT NULL DEFAULT '{}'::jsonb,
    created_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    deleted_at     TIMESTAMPTZ,
    CONSTRAINT uk_users_username UNIQUE (username),
    CONSTRAINT uk_users_email    UNIQUE (email),
    CONSTRAINT ck_users_status   CHECK (status IN ('active', 'inactive', 'suspended', 'deleted'))
);

CREATE INDEX idx_users_tenant_id     ON users (tenant_id);
CREATE INDEX idx_users_department_id ON users (department_id);
CREATE INDEX idx_users_status        ON users (status) WHERE deleted_at IS NULL;
