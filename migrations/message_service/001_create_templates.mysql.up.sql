-- message_service 001: 消息模板 (MySQL / MariaDB)
CREATE TABLE message_templates (
    id                    BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    template_code         VARCHAR(64)  NOT NULL COMMENT '模板编码',
    channel               ENUM('email', 'sms', 'push', 'in_app') NOT NULL COMMENT '渠道',
    locale                VARCHAR(16)  NOT NULL DEFAULT 'zh-CN' COMMENT '语言',
    subject               VARCHAR(200) NULL COMMENT '标题',
    content               TEXT         NOT NULL COMMENT '内容',
    variables             JSON         NULL COMMENT '模板变量列表',
    provider_template_id  VARCHAR(64)  NULL COMMENT '短信服务商模板ID',
    is_active             TINYINT(1)   NOT NULL DEFAULT 1 COMMENT '是否启用',
    version               INT UNSIGNED NOT NULL DEFAULT 1 COMMENT '版本',
    created_by            VARCHAR(64)  NULL COMMENT '创建人',
    created_at            TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_at            TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_message_templates_code (template_code, channel, locale),
    KEY idx_message_templates_channel (channel, is_active)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='消息模板';

-- Built-in templates (contents contain ';' and '' on purpose)
INSERT INTO message_templates (template_code, channel, locale, subject, content, variables, provider_template_id) VALUES
    ('order_paid', 'sms', 'zh-CN', NULL,
     '【电商平台】您的订单{{order_no}}已支付成功; 我们将尽快为您发货。',
     '["order_no"]', 'SMS_465820001'),
    ('order_shipped', 'email', 'en-US', 'Your order {{order_no}} has shipped',
     '<p>Hi {{nickname}};</p><p>Good news: we''ve handed your parcel to {{carrier}} (tracking no. {{tracking_no}}).</p>',
     '["order_no", "nickname", "carrier", "tracking_no"]', NULL),
    ('password_reset', 'email', 'zh-CN', '重置密码',
     '<p>{{nickname}}，您好：</p><p>点击链接重置密码（30分钟内有效）：<a href="{{reset_url}}">{{reset_url}}</a></p>',
     '["nickname", "reset_url"]', NULL);
