-- cloudphone_billing 001: plans, orders and their payments (billing-service, port 30005)
CREATE TABLE plans (
    id             UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    code           VARCHAR(64)   NOT NULL,
    name           VARCHAR(128)  NOT NULL,
    billing_cycle  VARCHAR(16)   NOT NULL DEFAULT 'monthly',
    price          NUMERIC(12,2) NOT NULL,
    currency       CHAR(3)       NOT NULL DEFAULT 'CNY',
    device_quota   INTEGER       NOT NULL DEFAULT 1,
    features       JSONB         NOT NULL DEFAULT '{}'::jsonb,
    active         BOOLEAN       NOT NULL DEFAULT true,
    created_at     TIMESTAMPTZ   NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ   NOT NULL DEFAULT now(),
    CONSTRAINT uk_plans_code UNIQUE (code),
    CONSTRAINT ck_plans_cycle CHECK (billing_cycle IN ('hourly', 'daily', 'monthly', 'yearly', 'once')),
    CONSTRAINT ck_plans_price CHECK (price >= 0)
);

CREATE TABLE orders (
    id            UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    order_no      VARCHAR(32)   NOT NULL,
    user_id       UUID          NOT NULL,                  -- cloudphone_user.users.id (no FK across databases)
    tenant_id     UUID,
    device_id     UUID,                                    -- cloudphone_device.devices.id
    plan_id       UUID          REFERENCES plans (id) ON DELETE RESTRICT,
    amount        NUMERIC(12,2) NOT NULL,
    discount      NUMERIC(12,2) NOT NULL DEFAULT 0,
    currency      CHAR(3)       NOT NULL DEFAULT 'CNY',
    status        VARCHAR(16)   NOT NULL DEFAULT 'pending',
    paid_at       TIMESTAMPTZ,
    cancelled_at  TIMESTAMPTZ,
    expires_at    TIMESTAMPTZ,
    created_at    TIMESTAMPTZ   NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ   NOT NULL DEFAULT now(),
    CONSTRAINT uk_orders_order_no UNIQUE (order_no),
    CONSTRAINT ck_orders_status CHECK (status IN ('pending', 'paid', 'cancelled', 'refunded', 'expired')),
    CONSTRAINT ck_orders_amount CHECK (amount >= 0 AND discount >= 0 AND discount <= amount)
);

CREATE INDEX idx_orders_user_time ON orders (user_id, created_at DESC);
CREATE INDEX idx_orders_status    ON orders (status);
CREATE INDEX idx_orders_device_id ON orders (device_id);

CREATE TABLE payments (
    id               UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    payment_no       VARCHAR(32)   NOT NULL,
    order_id         UUID          NOT NULL REFERENCES orders (id) ON DELETE RESTRICT,
    method           VARCHAR(16)   NOT NULL,
    amount           NUMERIC(12,2) NOT NULL,
    currency         CHAR(3)       NOT NULL DEFAULT 'CNY',
    status           VARCHAR(16)   NOT NULL DEFAULT 'pending',
    transaction_id   VARCHAR(128),
    channel_payload  JSONB,
    paid_at          TIMESTAMPTZ,
    refunded_amount  NUMERIC(12,2) NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ   NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ   NOT NULL DEFAULT now(),
    CONSTRAINT uk_payments_payment_no UNIQUE (payment_no),
    CONSTRAINT ck_payments_method CHECK (method IN ('alipay', 'wechat', 'card', 'balance')),
    CONSTRAINT ck_payments_status CHECK (status IN ('pending', 'success', 'failed', 'refunding', 'refunded', 'closed'))
);

CREATE INDEX idx_payments_order_id ON payments (order_id);
CREATE UNIQUE INDEX uk_payments_transaction_id ON payments (method, transaction_id) WHERE transaction_id IS NOT NULL;
