-- message_service 002: 消息发送记录 (SQLite)
-- The outbound queue and its history: one row per message per recipient.
CREATE TABLE messages (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    message_uuid         VARCHAR(36)  NOT NULL UNIQUE,
    template_id          INTEGER REFERENCES message_templates (id) ON DELETE SET NULL,
    channel              VARCHAR(16)  NOT NULL CHECK (channel IN ('email', 'sms', 'push', 'in_app')),
    recipient_uuid       VARCHAR(36),                     -- user_service user_uuid (NULL for guests)
    recipient_address    VARCHAR(255) NOT NULL,           -- email / phone / device token
    subject              VARCHAR(200),
    content              TEXT         NOT NULL,
    status               VARCHAR(16)  NOT NULL DEFAULT 'queued'
                         CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'cancelled')),
    priority             INTEGER      NOT NULL DEFAULT 5, -- 1 = highest
    retry_count          INTEGER      NOT NULL DEFAULT 0,
    max_retries          INTEGER      NOT NULL DEFAULT 3,
    provider             VARCHAR(32),                     -- aliyun_sms / ses / apns / fcm ...
    provider_message_id  VARCHAR(128),
    error_message        VARCHAR(1000),
    scheduled_at         DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    sent_at              DATETIME,
    delivered_at         DATETIME,
    read_at              DATETIME,
    created_at           DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at           DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_messages_recipient ON messages (recipient_uuid, created_at);
CREATE INDEX idx_messages_dispatch  ON messages (status, scheduled_at, priority);
CREATE INDEX idx_messages_provider  ON messages (provider, provider_message_id);
