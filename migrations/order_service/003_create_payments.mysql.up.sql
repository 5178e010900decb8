-- order_service 003: 支付记录 (MySQL / MariaDB)
CREATE TABLE payments (
    id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    payment_no        VARCHAR(32)   NOT NULL COMMENT '支付流水号',
    order_id          BIGINT UNSIGNED NOT NULL COMMENT '订单ID',
    channel           ENUM('alipay', 'wechat_pay', 'union_pay', 'card', 'balance') NOT NULL COMMENT '支付渠道',
    amount            DECIMAL(12,2) NOT NULL COMMENT '支付金额',
    currency          CHAR(3)       NOT NULL DEFAULT 'CNY' COMMENT '币种',
    status            ENUM('pending', 'succeeded', 'failed', 'closed', 'refunded') NOT NULL DEFAULT 'pending' COMMENT '支付状态',
    channel_trade_no  VARCHAR(64)   NULL COMMENT '渠道交易号',
    paid_at           DATETIME      NULL COMMENT '支付成功时间',
    failure_code      VARCHAR(64)   NULL COMMENT '失败码',
    failure_message   VARCHAR(500)  NULL COMMENT '失败原因',
    callback_payload  JSON          NULL COMMENT '渠道回调原文',
    created_at        TIMESTAMP     NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_at        TIMESTAMP     NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_payments_payment_no (payment_no),
    UNIQUE KEY uk_payments_channel_trade_no (channel, channel_trade_no),
    KEY idx_payments_order (order_id),
    KEY idx_payments_status (status, created_at),
    CONSTRAINT ck_payments_amount CHECK (amount > 0),
    CONSTRAINT fk_payments_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='支付记录';
