-- cloudphone_billing 004 down
ALTER TABLE orders
    DROP COLUMN IF EXISTS device_name,
    DROP COLUMN IF EXISTS user_name;
