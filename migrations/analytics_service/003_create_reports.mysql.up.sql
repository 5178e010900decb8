-- analytics_service 003: 报表 (MySQL / MariaDB)
CREATE TABLE reports (
    id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    report_code       VARCHAR(64)  NOT NULL COMMENT '报表编码',
    name              VARCHAR(200) NOT NULL COMMENT '报表名称',
    description       VARCHAR(1000) NULL COMMENT '说明',
    category          VARCHAR(32)  NOT NULL DEFAULT 'operations' COMMENT '分类',
    query_definition  JSON         NOT NULL COMMENT '查询定义',
    schedule_cron     VARCHAR(64)  NULL COMMENT 'cron 表达式; NULL 表示仅手动执行',
    output_format     ENUM('csv', 'xlsx', 'pdf') NOT NULL DEFAULT 'xlsx' COMMENT '输出格式',
    recipients        JSON         NULL COMMENT '收件人',
    owner             VARCHAR(64)  NOT NULL COMMENT '负责人',
    is_active         TINYINT(1)   NOT NULL DEFAULT 1 COMMENT '是否启用',
    last_run_at       DATETIME     NULL COMMENT '最后执行时间',
    created_at        TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_at        TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_reports_code (report_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='报表定义';

CREATE TABLE report_runs (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    report_id      BIGINT UNSIGNED NOT NULL COMMENT '报表ID',
    status         ENUM('queued', 'running', 'succeeded', 'failed') NOT NULL DEFAULT 'queued' COMMENT '状态',
    triggered_by   ENUM('schedule', 'manual') NOT NULL DEFAULT 'schedule' COMMENT '触发方式',
    requested_by   VARCHAR(64)  NULL COMMENT '请求人',
    parameters     JSON         NULL COMMENT '执行参数',
    started_at     DATETIME     NULL COMMENT '开始时间',
    finished_at    DATETIME     NULL COMMENT '结束时间',
    row_count      BIGINT UNSIGNED NULL COMMENT '结果行数',
    output_url     VARCHAR(500) NULL COMMENT '结果文件',
    error_message  TEXT         NULL COMMENT '错误信息',
    created_at     TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    PRIMARY KEY (id),
    KEY idx_report_runs_report (report_id, created_at),
    KEY idx_report_runs_status (status),
    CONSTRAINT fk_report_runs_report FOREIGN KEY (report_id) REFERENCES reports (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='报表执行记录';

-- Built-in reports. The strings hold splitter traps on purpose: ';', '--', '/*', '*/'
-- and a cron expression that contains '*/'.
INSERT INTO reports (report_code, name, description, category, query_definition, schedule_cron, output_format, recipients, owner) VALUES
    ('daily_gmv', '每日GMV', 'GMV by category; excludes cancelled and refunded orders -- finance definition v2', 'finance',
     '{"metric": "gmv", "period": "day", "group_by": ["category"]}', '0 2 * * *', 'xlsx',
     '["finance@example.com"]', 'analytics-team'),
    ('funnel_15min', '下单转化漏斗', 'view -> cart -> order -> pay, every 15 minutes /* near real time */', 'operations',
     '{"metric": "conversion_rate", "period": "hour", "steps": ["page_view", "add_to_cart", "order_created", "order_paid"]}', '*/15 * * * *', 'csv',
     NULL, 'growth-team');
