-- shared_service 001: 系统配置表 (MySQL / MariaDB)
CREATE TABLE system_configs (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    config_key    VARCHAR(128)    NOT NULL COMMENT '配置键',
    config_value  TEXT            NOT NULL COMMENT '配置值',
    value_type    ENUM('string', 'int', 'bool', 'json') NOT NULL DEFAULT 'string' COMMENT '值类型',
    config_group  VARCHAR(64)     NOT NULL DEFAULT 'general' COMMENT '配置分组',
    description   VARCHAR(500)    NULL COMMENT '说明',
    is_encrypted  TINYINT(1)      NOT NULL DEFAULT 0 COMMENT '是否加密存储',
    updated_by    VARCHAR(64)     NULL COMMENT '最后修改人',
    created_at    TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_at    TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_system_configs_key (config_key),
    KEY idx_system_configs_group (config_group)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='系统配置表';

/* Default settings. Several values contain semicolons; quotes and "--" on purpose. */
INSERT INTO system_configs (config_key, config_value, value_type, config_group, description) VALUES
    ('site.name',                 '电商平台',                                     'string', 'general', '站点名称'),
    ('order.auto_cancel_minutes', '30',                                           'int',    'order',   '未支付订单自动取消时间（分钟）'),
    ('payment.channels',          '["alipay", "wechat_pay", "card"]',             'json',   'payment', '启用的支付渠道'),
    ('export.csv_delimiter',      ';',                                            'string', 'export',  'CSV delimiter; zh-CN/de-DE Excel expects ";"'),
    ('maintenance.banner',        'Maintenance 02:00-04:00 UTC; checkout may be slow -- sorry!', 'string', 'general', '维护公告'),
    ('notify.email_footer',       'Please don''t reply; this mailbox is not monitored.',        'string', 'notify',  '邮件页脚'),
    ('notify.sms_signature',      '【电商平台】',                                 'string', 'notify',  '短信签名');
