-- cloudphone_app 002: which app is installed on which cloud phone
CREATE TABLE device_applications (
    id              UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    device_id       UUID         NOT NULL,                 -- cloudphone_device.devices.id (no FK across databases)
    application_id  UUID         NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    status          VARCHAR(16)  NOT NULL DEFAULT 'installing',
    error_message   VARCHAR(500),
    installed_at    TIMESTAMPTZ,
    uninstalled_at  TIMESTAMPTZ,
    created_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT uk_device_applications UNIQUE (device_id, application_id),
    CONSTRAINT ck_device_applications_status CHECK (status IN ('installing', 'installed', 'failed', 'uninstalling', 'uninstalled'))
);

CREATE INDEX idx_device_applications_application_id ON device_applications (application_id);
