-- order_service 001: 订单表 (MySQL / MariaDB)
CREATE TABLE orders (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    order_no         VARCHAR(32)   NOT NULL COMMENT '订单号',
    user_uuid        VARCHAR(36)   NOT NULL COMMENT '下单用户UUID (user_service)',
    status           ENUM('pending_payment', 'paid', 'shipped', 'completed', 'cancelled', 'refunding', 'refunded')
                     NOT NULL DEFAULT 'pending_payment' COMMENT '订单状态',
    item_count       INT UNSIGNED  NOT NULL DEFAULT 0 COMMENT '商品件数',
    total_amount     DECIMAL(12,2) NOT NULL DEFAULT 0 COMMENT '商品总额',
    discount_amount  DECIMAL(12,2) NOT NULL DEFAULT 0 COMMENT '优惠金额',
    shipping_fee     DECIMAL(12,2) NOT NULL DEFAULT 0 COMMENT '运费',
    payable_amount   DECIMAL(12,2) NOT NULL DEFAULT 0 COMMENT '应付金额',
    currency         CHAR(3)       NOT NULL DEFAULT 'CNY' COMMENT '币种',
    coupon_code      VARCHAR(32)   NULL COMMENT '优惠券',
    source_channel   ENUM('app', 'web', 'mini_program', 'h5') NOT NULL DEFAULT 'app' COMMENT '下单渠道',
    buyer_remark     VARCHAR(500)  NULL COMMENT '买家留言',
    paid_at          DATETIME      NULL COMMENT '支付时间',
    cancelled_at     DATETIME      NULL COMMENT '取消时间',
    cancel_reason    VARCHAR(200)  NULL COMMENT '取消原因',
    completed_at     DATETIME      NULL COMMENT '完成时间',
    created_at       TIMESTAMP     NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_at       TIMESTAMP     NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_orders_order_no (order_no),
    KEY idx_orders_user_created (user_uuid, created_at),
    KEY idx_orders_status_created (status, created_at),
    CONSTRAINT ck_orders_payable_amount CHECK (payable_amount >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='订单表';
