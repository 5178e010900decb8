-- cloudphone_device 001: the host nodes the cloud phones run on (device-service, port 30002)
CREATE TABLE nodes (
    id                UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    name              VARCHAR(64)  NOT NULL,
    hostname          VARCHAR(255) NOT NULL,
    ip_address        INET         NOT NULL,
    region            VARCHAR(32)  NOT NULL,
    zone              VARCHAR(32),
    status            VARCHAR(16)  NOT NULL DEFAULT 'online',
    cpu_cores         INTEGER      NOT NULL,
    memory_mb         INTEGER      NOT NULL,
    storage_gb        INTEGER      NOT NULL,
    max_devices       INTEGER      NOT NULL DEFAULT 32,
    running_devices   INTEGER      NOT NULL DEFAULT 0,
    labels            JSONB        NOT NULL DEFAULT '{}'::jsonb,
    last_heartbeat_at TIMESTAMPTZ,
    created_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT uk_nodes_name     UNIQUE (name),
    CONSTRAINT ck_nodes_status   CHECK (status IN ('online', 'offline', 'maintenance', 'draining')),
    CONSTRAINT ck_nodes_capacity CHECK (running_devices BETWEEN 0 AND max_devices)
);

CREATE INDEX idx_nodes_region_status ON nodes (region, status);
CREATE INDEX idx_nodes_labels        ON nodes USING gin (labels);
