-- cloudphone_device 001 down
DROP TABLE IF EXISTS nodes;
