-- cloudphone_billing 004: redundant names synced from user-service and device-service
-- (the case's "待完成任务 1": userName and deviceName on the order entity)
ALTER TABLE orders
    ADD COLUMN user_name   VARCHAR(64),
    ADD COLUMN device_name VARCHAR(128);

COMMENT ON COLUMN orders.user_name   IS '从 user-service 同步';
COMMENT ON COLUMN orders.device_name IS '从 device-service 同步';
