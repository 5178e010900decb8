-- cloudphone_device 002: device templates (Android image + size) and the cloud phones themselves
CREATE TABLE device_templates (
    id               UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    name             VARCHAR(64)  NOT NULL,
    android_version  VARCHAR(16)  NOT NULL,
    image            VARCHAR(255) NOT NULL,
    cpu_cores        INTEGER      NOT NULL DEFAULT 2,
    memory_mb        INTEGER      NOT NULL DEFAULT 4096,
    storage_gb       INTEGER      NOT NULL DEFAULT 32,
    resolution       VARCHAR(16)  NOT NULL DEFAULT '1080x1920',
    dpi              INTEGER      NOT NULL DEFAULT 480,
    is_public        BOOLEAN      NOT NULL DEFAULT true,
    created_at       TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT uk_device_templates_name UNIQUE (name)
);

CREATE TABLE devices (
    id             UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    name           VARCHAR(128) NOT NULL,
    user_id        UUID,                                   -- cloudphone_user.users.id (no FK across databases)
    tenant_id      UUID,
    node_id        UUID         REFERENCES nodes (id) ON DELETE SET NULL,
    template_id    UUID         REFERENCES device_templates (id) ON DELETE SET NULL,
    status         VARCHAR(16)  NOT NULL DEFAULT 'creating',
    container_id   VARCHAR(128),
    adb_host       VARCHAR(255),
    adb_port       INTEGER,
    cpu_cores      INTEGER      NOT NULL,
    memory_mb      INTEGER      NOT NULL,
    storage_gb     INTEGER      NOT NULL,
    android_id     VARCHAR(64),
    imei           VARCHAR(32),
    mac_address    MACADDR,
    properties     JSONB        NOT NULL DEFAULT '{}'::jsonb,
    expires_at     TIMESTAMPTZ,
    last_active_at TIMESTAMPTZ,
    created_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    deleted_at     TIMESTAMPTZ,
    CONSTRAINT ck_devices_status CHECK (status IN ('creating', 'running', 'stopped', 'paused', 'error', 'deleting', 'deleted'))
);

CREATE INDEX idx_devices_user_id     ON devices (user_id);
CREATE INDEX idx_devices_tenant_id   ON devices (tenant_id);
CREATE INDEX idx_devices_node_id     ON devices (node_id);
CREATE INDEX idx_devices_status      ON devices (status) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX uk_devices_container_id ON devices (container_id) WHERE container_id IS NOT NULL;

-- keeps updated_at honest whatever the writer (a $$ body: dbfleet's splitter keeps it whole)
CREATE FUNCTION devices_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER trg_devices_updated_at
    BEFORE UPDATE ON devices
    FOR EACH ROW EXECUTE FUNCTION devices_touch_updated_at();
