-- cross_service 001: 添加分布式锁表（所有服务数据库） (SQLite)
-- Shared set: applied to every service database (user, product, order, message,
-- analytics and shared service). Table and columns as in the seed's
-- 001_add_distributed_locks.
CREATE TABLE distributed_locks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    lock_key      VARCHAR(255)  NOT NULL UNIQUE,     -- 锁键名 (indexed by UNIQUE)
    lock_value    VARCHAR(255)  NOT NULL,            -- 锁值 (owner token; release only if it matches)
    service_name  VARCHAR(50)   NOT NULL,            -- 服务名称
    instance_id   VARCHAR(100)  NOT NULL,            -- 实例ID
    ttl_seconds   INTEGER       NOT NULL,            -- 过期时间(秒)
    acquired_at   DATETIME      NOT NULL,            -- 获取时间
    expires_at    DATETIME      NOT NULL,            -- 过期时间
    metadata      VARCHAR(1000)                      -- 元数据
);

CREATE INDEX idx_distributed_locks_service_name ON distributed_locks (service_name);
CREATE INDEX idx_distributed_locks_expires_at   ON distributed_locks (expires_at);
