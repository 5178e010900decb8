-- cloudphone_app 001 down
DROP TABLE IF EXISTS applications;
