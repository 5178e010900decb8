-- message_service 001: 消息模板 (SQLite)
-- Placeholders use {{name}}; one template per (code, channel, locale).
CREATE TABLE message_templates (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    template_code         VARCHAR(64)  NOT NULL,          -- e.g. order_paid
    channel               VARCHAR(16)  NOT NULL CHECK (channel IN ('email', 'sms', 'push', 'in_app')),
    locale                VARCHAR(16)  NOT NULL DEFAULT 'zh-CN',
    subject               VARCHAR(200),                   -- email subject / push title
    content               TEXT         NOT NULL,
    variables             TEXT CHECK (variables IS NULL OR json_valid(variables)),  -- ["order_no", ...]
    provider_template_id  VARCHAR(64),                    -- SMS provider's approved template id
    is_active             BOOLEAN      NOT NULL DEFAULT 1,
    version               INTEGER      NOT NULL DEFAULT 1,
    created_by            VARCHAR(64),
    created_at            DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at            DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (template_code, channel, locale)
);

CREATE INDEX idx_message_templates_channel ON message_templates (channel, is_active);

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
