-- cross_service 001: 添加分布式锁表（所有服务数据库） (MySQL / MariaDB)
CREATE TABLE distributed_locks (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    lock_key      VARCHAR(255)  NOT NULL COMMENT '锁键名',
    lock_value    VARCHAR(255)  NOT NULL COMMENT '锁值',
    service_name  VARCHAR(50)   NOT NULL COMMENT '服务名称',
    instance_id   VARCHAR(100)  NOT NULL COMMENT '实例ID',
    ttl_seconds   INT UNSIGNED  NOT NULL COMMENT '过期时间(秒)',
    acquired_at   DATETIME(3)   NOT NULL COMMENT '获取时间',
    expires_at    DATETIME(3)   NOT NULL COMMENT '过期时间',
    metadata      VARCHAR(1000) NULL COMMENT '元数据',
    PRIMARY KEY (id),
    UNIQUE KEY uk_distributed_locks_lock_key (lock_key),
    KEY idx_distributed_locks_service_name (service_name),
    KEY idx_distributed_locks_expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='分布式锁表';
