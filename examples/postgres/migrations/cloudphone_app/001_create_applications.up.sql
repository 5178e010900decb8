-- cloudphone_app 001: the app catalogue (APKs uploaded to object storage; app-service, port 30003)
CREATE TABLE applications (
    id              UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    package_name    VARCHAR(255) NOT NULL,
    name            VARCHAR(128) NOT NULL,
    version_name    VARCHAR(64)  NOT NULL,
    version_code    INTEGER      NOT NULL,
    min_sdk         INTEGER,
    target_sdk      INTEGER,
    size_bytes      BIGINT       NOT NULL DEFAULT 0,
    sha256          CHAR(64)     NOT NULL,
    object_key      VARCHAR(500) NOT NULL,
    icon_url        VARCHAR(500),
    category        VARCHAR(64),
    tenant_id       UUID,
    uploaded_by     UUID,
    status          VARCHAR(16)  NOT NULL DEFAULT 'available',
    created_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT uk_applications_package_version UNIQUE (package_name, version_code),
    CONSTRAINT ck_applications_status CHECK (status IN ('uploading', 'available', 'deprecated', 'deleted'))
);

CREATE INDEX idx_applications_tenant_id ON applications (tenant_id);
CREATE INDEX idx_applications_category  ON applications (category);
