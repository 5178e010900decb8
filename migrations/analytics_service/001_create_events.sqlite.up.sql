-- analytics_service 001: 行为事件表 (SQLite)
-- Raw tracking events from apps and services; append-only.
CREATE TABLE events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        VARCHAR(36)   NOT NULL UNIQUE,        -- client-generated UUID, for de-duplication
    event_name      VARCHAR(64)   NOT NULL,               -- page_view / add_to_cart / order_paid ...
    user_uuid       VARCHAR(36),                          -- NULL before login
    anonymous_id    VARCHAR(64),                          -- device / cookie id
    session_id      VARCHAR(64),
    source_service  VARCHAR(50)   NOT NULL,               -- app / web / order_service ...
    platform        VARCHAR(16)   NOT NULL DEFAULT 'web'
                    CHECK (platform IN ('ios', 'android', 'web', 'mini_program', 'server')),
    app_version     VARCHAR(20),
    properties      TEXT CHECK (properties IS NULL OR json_valid(properties)),
    client_ip       VARCHAR(45),
    user_agent      VARCHAR(1000),
    occurred_at     DATETIME      NOT NULL,               -- client clock
    received_at     DATETIME      NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_events_name_time    ON events (event_name, occurred_at);
CREATE INDEX idx_events_user_time    ON events (user_uuid, occurred_at);
CREATE INDEX idx_events_session      ON events (session_id);
CREATE INDEX idx_events_received_at  ON events (received_at);
