-- cross_service 001: transactional outbox for the event sync the case plans ("实现事件同步":
-- user.updated -> device/billing redundant columns). A service writes its business change
-- and the event in one transaction; a relay publishes pending rows to RabbitMQ.
CREATE TABLE event_outbox (
    id               UUID         PRIMARY KEY DEFAULT gen_random_uuid(),
    aggregate_type   VARCHAR(64)  NOT NULL,
    aggregate_id     VARCHAR(64)  NOT NULL,
    event_type       VARCHAR(128) NOT NULL,
    routing_key      VARCHAR(128) NOT NULL,
    payload          JSONB        NOT NULL,
    headers          JSONB,
    status           VARCHAR(16)  NOT NULL DEFAULT 'pending',
    attempts         INTEGER      NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    last_error       VARCHAR(1000),
    published_at     TIMESTAMPTZ,
    created_at       TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT ck_event_outbox_status CHECK (status IN ('pending', 'published', 'failed', 'dead'))
);

-- the relay polls only what is still to send
CREATE INDEX idx_event_outbox_dispatch  ON event_outbox (next_attempt_at) WHERE status IN ('pending', 'failed');
CREATE INDEX idx_event_outbox_aggregate ON event_outbox (aggregate_type, aggregate_id, created_at);

COMMENT ON TABLE event_outbox IS '事务发件箱: 与业务变更同事务写入, 由中继投递到 RabbitMQ';
