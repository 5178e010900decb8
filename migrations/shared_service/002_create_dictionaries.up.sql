-- shared_service 002: 数据字典 (portable SQL: SQLite, PostgreSQL and MySQL all run this file)
-- A natural composite key (dict_type, dict_code) avoids dialect-specific auto-increment ids.
CREATE TABLE dictionaries (
    dict_type    VARCHAR(64)  NOT NULL,              -- 字典类型, e.g. order_status
    dict_code    VARCHAR(64)  NOT NULL,              -- 字典编码
    dict_label   VARCHAR(128) NOT NULL,              -- 显示名称
    label_en     VARCHAR(128),                       -- English label
    sort_order   INTEGER      NOT NULL DEFAULT 0,
    is_enabled   BOOLEAN      NOT NULL DEFAULT TRUE,
    description  VARCHAR(500),
    created_at   TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at   TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (dict_type, dict_code)
);

CREATE INDEX idx_dictionaries_type_sort ON dictionaries (dict_type, sort_order);

/* Seed data shared by all services.
   Note: the labels below contain ';', quotes and '--' -- none of them ends a statement. */
INSERT INTO dictionaries (dict_type, dict_code, dict_label, label_en, sort_order, is_enabled, description) VALUES
    ('order_status', 'pending_payment', '待支付', 'Pending payment', 10, TRUE, NULL),
    ('order_status', 'paid',            '已支付', 'Paid',            20, TRUE, NULL),
    ('order_status', 'shipped',         '已发货', 'Shipped',         30, TRUE, NULL),
    ('order_status', 'completed',       '已完成', 'Completed',       40, TRUE, NULL),
    ('order_status', 'cancelled',       '已取消', 'Cancelled',       50, TRUE, 'Cancelled by buyer; or auto-cancelled after order.auto_cancel_minutes'),
    ('order_status', 'refunded',        '已退款', 'Refunded',        60, TRUE, 'Refund issued -- see payments.status = ''refunded''');

INSERT INTO dictionaries (dict_type, dict_code, dict_label, label_en, sort_order, is_enabled, description) VALUES
    ('payment_channel', 'alipay',     '支付宝',   'Alipay',     10, TRUE,  NULL),
    ('payment_channel', 'wechat_pay', '微信支付', 'WeChat Pay', 20, TRUE,  NULL),
    ('payment_channel', 'union_pay',  '银联',     'UnionPay',   30, TRUE,  NULL),
    ('payment_channel', 'card',       '银行卡',   'Card',       40, TRUE,  'Visa; Mastercard; JCB'),
    ('payment_channel', 'balance',    '余额支付', 'Balance',    50, FALSE, 'Disabled until wallet service launches');

INSERT INTO dictionaries (dict_type, dict_code, dict_label, label_en, sort_order, is_enabled, description) VALUES
    ('gender', 'male',    '男',   'Male',    10, TRUE, NULL),
    ('gender', 'female',  '女',   'Female',  20, TRUE, NULL),
    ('gender', 'unknown', '保密', 'Unknown', 30, TRUE, NULL);
