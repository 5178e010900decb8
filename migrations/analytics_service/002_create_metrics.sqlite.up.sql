-- analytics_service 002: 指标汇总表 (SQLite)
-- Pre-aggregated metrics (GMV, DAU, conversion ...) per period and dimension set.
-- dimension_key is a stable hash of the sorted dimensions ('' = no dimensions), so the
-- unique key stays small however many dimensions there are.
CREATE TABLE metrics (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    metric_name    VARCHAR(64)    NOT NULL,               -- gmv / dau / order_count / conversion_rate
    period         VARCHAR(8)     NOT NULL CHECK (period IN ('hour', 'day', 'week', 'month')),
    period_start   DATETIME       NOT NULL,
    dimension_key  VARCHAR(64)    NOT NULL DEFAULT '',
    dimensions     TEXT           NOT NULL DEFAULT '{}' CHECK (json_valid(dimensions)),  -- {"category": "手机", "channel": "app"}
    value          DECIMAL(20,4)  NOT NULL,
    sample_count   INTEGER        NOT NULL DEFAULT 0,
    computed_at    DATETIME       NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (metric_name, period, period_start, dimension_key)
);

CREATE INDEX idx_metrics_period ON metrics (period, period_start);
