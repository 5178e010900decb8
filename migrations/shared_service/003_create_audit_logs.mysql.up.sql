-- shared_service 003: 审计日志表 (MySQL / MariaDB)
CREATE TABLE audit_logs (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    service_name   VARCHAR(50)  NOT NULL COMMENT '来源服务',
    actor          VARCHAR(100) NOT NULL COMMENT '操作人',
    action         VARCHAR(32)  NOT NULL COMMENT '操作类型',
    resource_type  VARCHAR(64)  NOT NULL COMMENT '资源类型',
    resource_id    VARCHAR(128) NOT NULL COMMENT '资源ID',
    before_data    JSON         NULL COMMENT '变更前数据',
    after_data     JSON         NULL COMMENT '变更后数据',
    ip_address     VARCHAR(45)  NULL COMMENT 'IP地址',
    trace_id       VARCHAR(64)  NULL COMMENT '链路追踪ID',
    created_at     TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '记录时间',
    PRIMARY KEY (id),
    KEY idx_audit_logs_resource (resource_type, resource_id),
    KEY idx_audit_logs_actor (actor),
    KEY idx_audit_logs_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='审计日志表';
