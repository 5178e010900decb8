-- order_service 002: 订单明细 (SQLite)
-- product_snapshot freezes name/price/options at purchase time, because product_service
-- data may change afterwards.
CREATE TABLE order_items (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id           INTEGER       NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id         INTEGER       NOT NULL,             -- product_service products.id
    variant_id         INTEGER,                            -- product_service product_variants.id
    sku_code           VARCHAR(64)   NOT NULL,
    product_name       VARCHAR(200)  NOT NULL,
    product_image_url  VARCHAR(500),
    unit_price         DECIMAL(12,2) NOT NULL CHECK (unit_price >= 0),
    quantity           INTEGER       NOT NULL CHECK (quantity > 0),
    discount_amount    DECIMAL(12,2) NOT NULL DEFAULT 0,
    subtotal           DECIMAL(12,2) NOT NULL,
    product_snapshot   TEXT CHECK (product_snapshot IS NULL OR json_valid(product_snapshot)),
    created_at         DATETIME      NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_order_items_order   ON order_items (order_id);
CREATE INDEX idx_order_items_product ON order_items (product_id);
