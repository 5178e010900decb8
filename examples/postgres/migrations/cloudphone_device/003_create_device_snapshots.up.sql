-- cloudphone_device 003: snapshots (backups) of a cloud phone's disk
CREATE TABLE device_snapshots (
    id            UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    device_id     UUID         NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    name          VARCHAR(128) NOT NULL,
    description   VARCHAR(500),
    status        VARCHAR(16)  NOT NULL DEFAULT 'creating',
    storage_path  VARCHAR(500),
    size_bytes    BIGINT       NOT NULL DEFAULT 0,
    created_by    UUID,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    restored_at   TIMESTAMPTZ,
    CONSTRAINT ck_device_snapshots_status CHECK (status IN ('creating', 'available', 'restoring', 'failed', 'deleted'))
);

CREATE INDEX idx_device_snapshots_device_time ON device_snapshots (device_id, created_at DESC);
