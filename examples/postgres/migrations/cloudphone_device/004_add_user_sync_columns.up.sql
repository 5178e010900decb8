-- cloudphone_device 004: redundant owner columns synced from user-service by events
-- (the case's "待完成任务 1": userName, userEmail, userTenantId on the device entity)
ALTER TABLE devices
    ADD COLUMN user_name      VARCHAR(64),
    ADD COLUMN user_email     VARCHAR(255),
    ADD COLUMN user_tenant_id UUID;

COMMENT ON COLUMN devices.user_name      IS '从 user-service 同步';
COMMENT ON COLUMN devices.user_email     IS '从 user-service 同步';
COMMENT ON COLUMN devices.user_tenant_id IS '从 user-service 同步';
