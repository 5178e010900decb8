-- analytics_service 003: 报表 (SQLite)
-- Report definitions and their runs.
CREATE TABLE reports (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    report_code       VARCHAR(64)  NOT NULL UNIQUE,
    name              VARCHAR(200) NOT NULL,
    description       VARCHAR(1000),
    category          VARCHAR(32)  NOT NULL DEFAULT 'operations',   -- finance / operations / marketing
    query_definition  TEXT         NOT NULL CHECK (json_valid(query_definition)),
    schedule_cron     VARCHAR(64),                                  -- NULL = on demand only
    output_format     VARCHAR(8)   NOT NULL DEFAULT 'xlsx' CHECK (output_format IN ('csv', 'xlsx', 'pdf')),
    recipients        TEXT CHECK (recipients IS NULL OR json_valid(recipients)),
    owner             VARCHAR(64)  NOT NULL,
    is_active         BOOLEAN      NOT NULL DEFAULT 1,
    last_run_at       DATETIME,
    created_at        DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at        DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE report_runs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id      INTEGER      NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    status         VARCHAR(16)  NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    triggered_by   VARCHAR(16)  NOT NULL DEFAULT 'schedule' CHECK (triggered_by IN ('schedule', 'manual')),
    requested_by   VARCHAR(64),
    parameters     TEXT CHECK (parameters IS NULL OR json_valid(parameters)),
    started_at     DATETIME,
    finished_at    DATETIME,
    row_count      INTEGER,
    output_url     VARCHAR(500),
    error_message  TEXT,
    created_at     DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_report_runs_report ON report_runs (report_id, created_at);
CREATE INDEX idx_report_runs_status ON report_runs (status);

-- Built-in reports. The strings hold splitter traps on purpose: ';', '--', '/*', '*/'
-- and a cron expression that contains '*/'.
INSERT INTO reports (report_code, name, description, category, query_definition, schedule_cron, output_format, recipients, owner) VALUES
    ('daily_gmv', '每日GMV', 'GMV by category; excludes cancelled and refunded orders -- finance definition v2', 'finance',
     '{"metric": "gmv", "period": "day", "group_by": ["category"]}', '0 2 * * *', 'xlsx',
     '["finance@example.com"]', 'analytics-team'),
    ('funnel_15min', '下单转化漏斗', 'view -> cart -> order -> pay, every 15 minutes /* near real time */', 'operations',
     '{"metric": "conversion_rate", "period": "hour", "steps": ["page_view", "add_to_cart", "order_created", "order_paid"]}', '*/15 * * * *', 'csv',
     NULL, 'growth-team');
