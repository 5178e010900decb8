-- order_service 001: 订单表 (SQLite)
-- Amounts are in the order's currency; user_uuid refers to user_service by value
-- (no cross-database foreign keys between services).
CREATE TABLE orders (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    order_no         VARCHAR(32)   NOT NULL UNIQUE,       -- 订单号, e.g. 202501011230001234
    user_uuid        VARCHAR(36)   NOT NULL,              -- 下单用户
    status           VARCHAR(20)   NOT NULL DEFAULT 'pending_payment'
                     CHECK (status IN ('pending_payment', 'paid', 'shipped', 'completed',
                                       'cancelled', 'refunding', 'refunded')),
    item_count       INTEGER       NOT NULL DEFAULT 0,
    total_amount     DECIMAL(12,2) NOT NULL DEFAULT 0,    -- 商品总额
    discount_amount  DECIMAL(12,2) NOT NULL DEFAULT 0,    -- 优惠金额
    shipping_fee     DECIMAL(12,2) NOT NULL DEFAULT 0,    -- 运费
    payable_amount   DECIMAL(12,2) NOT NULL DEFAULT 0 CHECK (payable_amount >= 0),  -- 应付金额
    currency         CHAR(3)       NOT NULL DEFAULT 'CNY',
    coupon_code      VARCHAR(32),
    source_channel   VARCHAR(20)   NOT NULL DEFAULT 'app'
                     CHECK (source_channel IN ('app', 'web', 'mini_program', 'h5')),
    buyer_remark     VARCHAR(500),                        -- 买家留言
    paid_at          DATETIME,
    cancelled_at     DATETIME,
    cancel_reason    VARCHAR(200),
    completed_at     DATETIME,
    created_at       DATETIME      NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       DATETIME      NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_orders_user_created   ON orders (user_uuid, created_at);
CREATE INDEX idx_orders_status_created ON orders (status, created_at);
