-- product_service 002: 商品表 (SQLite) — one row per SPU
CREATE TABLE products (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    spu_code        VARCHAR(32)   NOT NULL UNIQUE,          -- 商品编码
    category_id     INTEGER       NOT NULL REFERENCES categories (id),
    name            VARCHAR(200)  NOT NULL,
    subtitle        VARCHAR(300),
    brand           VARCHAR(100),
    description     TEXT,                                   -- 商品详情 (HTML)
    main_image_url  VARCHAR(500),
    price           DECIMAL(12,2) NOT NULL CHECK (price >= 0),     -- 售价
    market_price    DECIMAL(12,2) CHECK (market_price >= 0),       -- 划线价
    currency        CHAR(3)       NOT NULL DEFAULT 'CNY',
    status          VARCHAR(16)   NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'on_sale', 'off_shelf', 'deleted')),
    attributes      TEXT CHECK (attributes IS NULL OR json_valid(attributes)),
    sales_count     INTEGER       NOT NULL DEFAULT 0,
    published_at    DATETIME,
    created_at      DATETIME      NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      DATETIME      NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_products_category  ON products (category_id, status);
CREATE INDEX idx_products_status    ON products (status, published_at);
CREATE INDEX idx_products_brand     ON products (brand);
