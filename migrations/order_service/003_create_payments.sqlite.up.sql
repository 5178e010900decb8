-- order_service 003: 支付记录 (SQLite)
-- One order can have several payment attempts; at most one succeeds.
CREATE TABLE payments (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_no        VARCHAR(32)   NOT NULL UNIQUE,      -- 支付流水号
    order_id          INTEGER       NOT NULL REFERENCES orders (id),
    channel           VARCHAR(20)   NOT NULL
                      CHECK (channel IN ('alipay', 'wechat_pay', 'union_pay', 'card', 'balance')),
    amount            DECIMAL(12,2) NOT NULL CHECK (amount > 0),
    currency          CHAR(3)       NOT NULL DEFAULT 'CNY',
    status            VARCHAR(16)   NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'succeeded', 'failed', 'closed', 'refunded')),
    channel_trade_no  VARCHAR(64),                        -- 渠道交易号 (set by the callback)
    paid_at           DATETIME,
    failure_code      VARCHAR(64),
    failure_message   VARCHAR(500),
    callback_payload  TEXT CHECK (callback_payload IS NULL OR json_valid(callback_payload)),
    created_at        DATETIME      NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at        DATETIME      NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (channel, channel_trade_no)
);

CREATE INDEX idx_payments_order  ON payments (order_id);
CREATE INDEX idx_payments_status ON payments (status, created_at);
