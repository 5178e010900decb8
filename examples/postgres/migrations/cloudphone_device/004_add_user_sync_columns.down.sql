-- cloudphone_device 004 down
ALTER TABLE devices
    DROP COLUMN IF EXISTS user_tenant_id,
    DROP COLUMN IF EXISTS user_email,
    DROP COLUMN IF EXISTS user_name;
