-- product_service 004: 商品规格 (SKU) (SQLite)
-- Products gain variants (colour / size / capacity ...); stock can be kept per variant.
CREATE TABLE product_variants (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id    INTEGER       NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    sku_code      VARCHAR(64)   NOT NULL UNIQUE,
    variant_name  VARCHAR(200)  NOT NULL,                 -- e.g. 黑色 / 256GB
    options       TEXT          NOT NULL DEFAULT '{}' CHECK (json_valid(options)),  -- {"颜色": "黑色", "容量": "256GB"}
    price         DECIMAL(12,2) NOT NULL CHECK (price >= 0),
    barcode       VARCHAR(32),
    weight_grams  INTEGER,
    is_default    BOOLEAN       NOT NULL DEFAULT 0,
    status        VARCHAR(16)   NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    sort_order    INTEGER       NOT NULL DEFAULT 0,
    created_at    DATETIME      NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at    DATETIME      NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_product_variants_product ON product_variants (product_id, sort_order);

ALTER TABLE products  ADD COLUMN has_variants BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE inventory ADD COLUMN variant_id INTEGER;   -- NULL = stock kept per product
CREATE INDEX idx_inventory_variant ON inventory (variant_id);
