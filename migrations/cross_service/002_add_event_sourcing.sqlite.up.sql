-- cross_service 002: 事件溯源 + 事务发件箱（所有服务数据库） (SQLite)
-- event_store   : append-only domain events, one stream per aggregate
-- event_outbox  : events waiting to be published to the message bus, written in the
--                 same transaction as the business change (transactional outbox)
-- aggregate_snapshots : latest state per aggregate, so replays start from a snapshot
CREATE TABLE event_store (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,   -- global order within this database
    event_id              VARCHAR(36)  NOT NULL UNIQUE,
    aggregate_type        VARCHAR(64)  NOT NULL,               -- Order / User / Product ...
    aggregate_id          VARCHAR(64)  NOT NULL,
    aggregate_version     INTEGER      NOT NULL,               -- 1, 2, 3 ... per aggregate
    event_type            VARCHAR(128) NOT NULL,               -- OrderPaid / UserRegistered ...
    event_schema_version  INTEGER      NOT NULL DEFAULT 1,
    payload               TEXT         NOT NULL CHECK (json_valid(payload)),
    metadata              TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
    source_service        VARCHAR(50)  NOT NULL,
    correlation_id        VARCHAR(64),
    causation_id          VARCHAR(64),
    occurred_at           DATETIME     NOT NULL,
    recorded_at           DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (aggregate_type, aggregate_id, aggregate_version)  -- optimistic concurrency per stream
);

CREATE INDEX idx_event_store_type_time   ON event_store (event_type, recorded_at);
CREATE INDEX idx_event_store_correlation ON event_store (correlation_id);

CREATE TABLE event_outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id         VARCHAR(36)  NOT NULL UNIQUE,             -- consumers de-duplicate on this
    topic            VARCHAR(128) NOT NULL,                    -- e.g. order.events
    partition_key    VARCHAR(128),                             -- usually the aggregate id
    payload          TEXT         NOT NULL CHECK (json_valid(payload)),
    headers          TEXT CHECK (headers IS NULL OR json_valid(headers)),
    status           VARCHAR(16)  NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'publishing', 'published', 'failed', 'dead')),
    attempts         INTEGER      NOT NULL DEFAULT 0,
    next_attempt_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_error       VARCHAR(1000),
    published_at     DATETIME,
    created_at       DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_event_outbox_dispatch ON event_outbox (status, next_attempt_at);

CREATE TABLE aggregate_snapshots (
    aggregate_type     VARCHAR(64) NOT NULL,
    aggregate_id       VARCHAR(64) NOT NULL,
    aggregate_version  INTEGER     NOT NULL,
    state              TEXT        NOT NULL CHECK (json_valid(state)),
    created_at         DATETIME    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (aggregate_type, aggregate_id)
);
