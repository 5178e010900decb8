-- cloudphone_app 002 down
DROP TABLE IF EXISTS device_applications;
