-- analytics_service 001: 行为事件表 (MySQL / MariaDB)
CREATE TABLE events (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    event_id        CHAR(36)      NOT NULL COMMENT '客户端生成的事件UUID, 用于去重',
    event_name      VARCHAR(64)   NOT NULL COMMENT '事件名',
    user_uuid       VARCHAR(36)   NULL COMMENT '用户UUID',
    anonymous_id    VARCHAR(64)   NULL COMMENT '匿名设备ID',
    session_id      VARCHAR(64)   NULL COMMENT '会话ID',
    source_service  VARCHAR(50)   NOT NULL COMMENT '来源',
    platform        ENUM('ios', 'android', 'web', 'mini_program', 'server') NOT NULL DEFAULT 'web' COMMENT '平台',
    app_version     VARCHAR(20)   NULL COMMENT '应用版本',
    properties      JSON          NULL COMMENT '事件属性',
    client_ip       VARCHAR(45)   NULL COMMENT '客户端IP',
    user_agent      VARCHAR(1000) NULL COMMENT '用户代理',
    occurred_at     DATETIME(3)   NOT NULL COMMENT '事件发生时间 (客户端时钟)',
    received_at     DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT '服务端接收时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_events_event_id (event_id),
    KEY idx_events_name_time (event_name, occurred_at),
    KEY idx_events_user_time (user_uuid, occurred_at),
    KEY idx_events_session (session_id),
    KEY idx_events_received_at (received_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='行为事件表';
