-- message_service 003: 订阅偏好 (portable SQL: SQLite, PostgreSQL and MySQL all run this file)
-- Which topics a user wants on which channel. The natural key (user, topic, channel)
-- means no auto-increment id, so one file serves every dialect.
CREATE TABLE notification_subscriptions (
    user_uuid           VARCHAR(36)  NOT NULL,
    topic               VARCHAR(64)  NOT NULL,        -- order_updates / promotions / price_drop ...
    channel             VARCHAR(16)  NOT NULL,        -- email / sms / push / in_app
    is_subscribed       BOOLEAN      NOT NULL DEFAULT TRUE,
    quiet_hours_start   CHAR(5),                      -- 'HH:MM' local time, e.g. '22:00'
    quiet_hours_end     CHAR(5),                      -- e.g. '08:00'
    unsubscribed_at     TIMESTAMP    NULL,
    unsubscribe_reason  VARCHAR(200),
    created_at          TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at          TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (user_uuid, topic, channel),
    CHECK (channel IN ('email', 'sms', 'push', 'in_app'))
);

-- "who gets promotions by SMS?" — fan-out queries go by topic first
CREATE INDEX idx_notification_subscriptions_topic ON notification_subscriptions (topic, channel, is_subscribed);
