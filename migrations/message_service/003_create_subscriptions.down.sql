-- message_service 003 down (all dialects)
DROP TABLE IF EXISTS notification_subscriptions;
