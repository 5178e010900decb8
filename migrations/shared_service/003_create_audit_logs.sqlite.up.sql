-- shared_service 003: 审计日志表 (SQLite)
CREATE TABLE audit_logs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    service_name   VARCHAR(50)  NOT NULL,                 -- 来源服务
    actor          VARCHAR(100) NOT NULL,                 -- 操作人 (user uuid, admin account or db role)
    action         VARCHAR(32)  NOT NULL,                 -- insert / update / delete / login ...
    resource_type  VARCHAR(64)  NOT NULL,
    resource_id    VARCHAR(128) NOT NULL,
    before_data    TEXT CHECK (before_data IS NULL OR json_valid(before_data)),
    after_data     TEXT CHECK (after_data  IS NULL OR json_valid(after_data)),
    ip_address     VARCHAR(45),
    trace_id       VARCHAR(64),                           -- 链路追踪ID
    created_at     DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_audit_logs_resource   ON audit_logs (resource_type, resource_id);
CREATE INDEX idx_audit_logs_actor      ON audit_logs (actor);
CREATE INDEX idx_audit_logs_created_at ON audit_logs (created_at);
