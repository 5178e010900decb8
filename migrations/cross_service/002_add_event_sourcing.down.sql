-- cross_service 002 down (all dialects): reverse order of the up
DROP TABLE IF EXISTS aggregate_snapshots;
DROP TABLE IF EXISTS event_outbox;
DROP TABLE IF EXISTS event_store;
