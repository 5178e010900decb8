-- cloudphone_device 003 down
DROP TABLE IF EXISTS device_snapshots;
