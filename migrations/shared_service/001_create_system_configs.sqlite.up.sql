-- shared_service 001: 系统配置表 (SQLite)
-- Platform-wide settings read by every service. Values are stored as text and
-- interpreted according to value_type.
CREATE TABLE system_configs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    config_key    VARCHAR(128) NOT NULL UNIQUE,              -- 配置键, e.g. order.auto_cancel_minutes
    config_value  TEXT         NOT NULL,                     -- 配置值
    value_type    VARCHAR(16)  NOT NULL DEFAULT 'string'
                  CHECK (value_type IN ('string', 'int', 'bool', 'json')),
    config_group  VARCHAR(64)  NOT NULL DEFAULT 'general',   -- 配置分组
    description   VARCHAR(500),
    is_encrypted  BOOLEAN      NOT NULL DEFAULT 0,           -- 是否加密存储
    updated_by    VARCHAR(64),                               -- 最后修改人
    created_at    DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at    DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_system_configs_group ON system_configs (config_group);

-- Default settings. Several values contain semicolons, quotes and "--" on purpose:
-- they are data and must not split the statement.
INSERT INTO system_configs (config_key, config_value, value_type, config_group, description) VALUES
    ('site.name',                 '电商平台',                                     'string', 'general', '站点名称'),
    ('order.auto_cancel_minutes', '30',                                           'int',    'order',   '未支付订单自动取消时间（分钟）'),
    ('payment.channels',          '["alipay", "wechat_pay", "card"]',             'json',   'payment', '启用的支付渠道'),
    ('export.csv_delimiter',      ';',                                            'string', 'export',  'CSV delimiter; zh-CN/de-DE Excel expects ";"'),
    ('maintenance.banner',        'Maintenance 02:00-04:00 UTC; checkout may be slow -- sorry!', 'string', 'general', '维护公告'),
    ('notify.email_footer',       'Please don''t reply; this mailbox is not monitored.',        'string', 'notify',  '邮件页脚'),
    ('notify.sms_signature',      '【电商平台】',                                 'string', 'notify',  '短信签名');
