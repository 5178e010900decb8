-- analytics_service 002: 指标汇总表 (MySQL / MariaDB)
CREATE TABLE metrics (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    metric_name    VARCHAR(64)    NOT NULL COMMENT '指标名',
    period         ENUM('hour', 'day', 'week', 'month') NOT NULL COMMENT '统计周期',
    period_start   DATETIME       NOT NULL COMMENT '周期开始时间',
    dimension_key  VARCHAR(64)    NOT NULL DEFAULT '' COMMENT '维度哈希 (空串表示无维度)',
    dimensions     JSON           NOT NULL COMMENT '维度',
    value          DECIMAL(20,4)  NOT NULL COMMENT '指标值',
    sample_count   BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT '样本数',
    computed_at    TIMESTAMP      NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '计算时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_metrics_point (metric_name, period, period_start, dimension_key),
    KEY idx_metrics_period (period, period_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='指标汇总表';
