-- cloudphone_device 002 down (dropping the table drops its trigger; the function goes after)
DROP TABLE IF EXISTS devices;
DROP FUNCTION IF EXISTS devices_touch_updated_at();
DROP TABLE IF EXISTS device_templates;
