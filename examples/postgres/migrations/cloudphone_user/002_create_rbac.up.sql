-- cloudphone_user 002: role-based access control (roles, permissions, menus, data scopes)
CREATE TABLE roles (
    id           UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    UUID         REFERENCES tenants (id) ON DELETE CASCADE,
    code         VARCHAR(64)  NOT NULL,
    name         VARCHAR(128) NOT NULL,
    description  VARCHAR(255),
    is_system    BOOLEAN      NOT NULL DEFAULT false,
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- NULL tenant = a platform-wide role; codes are unique per tenant
CREATE UNIQUE INDEX uk_roles_tenant_code ON roles (COALESCE(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), code);

CREATE TABLE permissions (
    id           UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    code         VARCHAR(128) NOT NULL,
    resource     VARCHAR(64)  NOT NULL,
    action       VARCHAR(32)  NOT NULL,
    description  VARCHAR(255),
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT uk_permissions_code UNIQUE (code)
);

CREATE INDEX idx_permissions_resource ON permissions (resource);

CREATE TABLE user_roles (
    user_id     UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id     UUID        NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    granted_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT pk_user_roles PRIMARY KEY (user_id, role_id)
);

CREATE INDEX idx_user_roles_role_id ON user_roles (role_id);

CREATE TABLE role_permissions (
    role_id        UUID        NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission_id  UUID        NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    granted_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT pk_role_permissions PRIMARY KEY (role_id, permission_id)
);

CREATE INDEX idx_role_permissions_permission_id ON role_permissions (permission_id);

CREATE TABLE menus (
    id             UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    parent_id      UUID         REFERENCES menus (id) ON DELETE CASCADE,
    name           VARCHAR(64)  NOT NULL,
    path           VARCHAR(255),
    icon           VARCHAR(64),
    permission_id  UUID         REFERENCES permissions (id) ON DELETE SET NULL,
    sort_order     INTEGER      NOT NULL DEFAULT 0,
    visible        BOOLEAN      NOT NULL DEFAULT true,
    created_at     TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE INDEX idx_menus_parent_id ON menus (parent_id);

CREATE TABLE data_scopes (
    id           UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    role_id      UUID         NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    resource     VARCHAR(64)  NOT NULL,
    scope        VARCHAR(16)  NOT NULL DEFAULT 'self',
    filter       JSONB,
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT uk_data_scopes_role_resource UNIQUE (role_id, resource),
    CONSTRAINT ck_data_scopes_scope CHECK (scope IN ('all', 'tenant', 'department', 'self', 'custom'))
);
