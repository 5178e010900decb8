-- cross_service 001 down
DROP TABLE IF EXISTS event_outbox;
