-- cross_service 002: 事件溯源 + 事务发件箱（所有服务数据库） (MySQL / MariaDB)
CREATE TABLE event_store (
    id                    BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '全局序号',
    event_id              CHAR(36)     NOT NULL COMMENT '事件UUID',
    aggregate_type        VARCHAR(64)  NOT NULL COMMENT '聚合类型',
    aggregate_id          VARCHAR(64)  NOT NULL COMMENT '聚合ID',
    aggregate_version     INT UNSIGNED NOT NULL COMMENT '聚合版本号, 每个聚合从 1 递增',
    event_type            VARCHAR(128) NOT NULL COMMENT '事件类型',
    event_schema_version  SMALLINT UNSIGNED NOT NULL DEFAULT 1 COMMENT '事件结构版本',
    payload               JSON         NOT NULL COMMENT '事件内容',
    metadata              JSON         NULL COMMENT '元数据',
    source_service        VARCHAR(50)  NOT NULL COMMENT '来源服务',
    correlation_id        VARCHAR(64)  NULL COMMENT '关联ID',
    causation_id          VARCHAR(64)  NULL COMMENT '因果ID',
    occurred_at           DATETIME(3)  NOT NULL COMMENT '发生时间',
    recorded_at           DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT '记录时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_event_store_event_id (event_id),
    UNIQUE KEY uk_event_store_stream_version (aggregate_type, aggregate_id, aggregate_version),
    KEY idx_event_store_type_time (event_type, recorded_at),
    KEY idx_event_store_correlation (correlation_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='事件存储 (append-only)';

CREATE TABLE event_outbox (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    event_id         CHAR(36)     NOT NULL COMMENT '事件UUID',
    topic            VARCHAR(128) NOT NULL COMMENT '主题',
    partition_key    VARCHAR(128) NULL COMMENT '分区键',
    payload          JSON         NOT NULL COMMENT '消息内容',
    headers          JSON         NULL COMMENT '消息头',
    status           ENUM('pending', 'publishing', 'published', 'failed', 'dead') NOT NULL DEFAULT 'pending' COMMENT '投递状态',
    attempts         INT UNSIGNED NOT NULL DEFAULT 0 COMMENT '投递次数',
    next_attempt_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT '下次投递时间',
    last_error       VARCHAR(1000) NULL COMMENT '最后错误',
    published_at     DATETIME(3)  NULL COMMENT '投递成功时间',
    created_at       DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT '创建时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_event_outbox_event_id (event_id),
    KEY idx_event_outbox_dispatch (status, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='事务发件箱';

CREATE TABLE aggregate_snapshots (
    aggregate_type     VARCHAR(64)  NOT NULL COMMENT '聚合类型',
    aggregate_id       VARCHAR(64)  NOT NULL COMMENT '聚合ID',
    aggregate_version  INT UNSIGNED NOT NULL COMMENT '快照对应的聚合版本',
    state              JSON         NOT NULL COMMENT '聚合状态',
    created_at         TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    PRIMARY KEY (aggregate_type, aggregate_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='聚合快照';
