-- product_service 004: 商品规格 (SKU) (MySQL / MariaDB)
CREATE TABLE product_variants (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    product_id    BIGINT UNSIGNED NOT NULL COMMENT '商品ID',
    sku_code      VARCHAR(64)   NOT NULL COMMENT 'SKU 编码',
    variant_name  VARCHAR(200)  NOT NULL COMMENT '规格名称',
    options       JSON          NOT NULL COMMENT '规格选项',
    price         DECIMAL(12,2) NOT NULL COMMENT '售价',
    barcode       VARCHAR(32)   NULL COMMENT '条码',
    weight_grams  INT UNSIGNED  NULL COMMENT '重量(克)',
    is_default    TINYINT(1)    NOT NULL DEFAULT 0 COMMENT '是否默认规格',
    status        ENUM('active', 'disabled') NOT NULL DEFAULT 'active' COMMENT '状态',
    sort_order    INT           NOT NULL DEFAULT 0 COMMENT '排序',
    created_at    TIMESTAMP     NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_at    TIMESTAMP     NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_product_variants_sku (sku_code),
    KEY idx_product_variants_product (product_id, sort_order),
    CONSTRAINT ck_product_variants_price CHECK (price >= 0),
    CONSTRAINT fk_product_variants_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='商品规格 (SKU)';

ALTER TABLE products  ADD COLUMN has_variants TINYINT(1) NOT NULL DEFAULT 0 COMMENT '是否多规格' AFTER status;
ALTER TABLE inventory ADD COLUMN variant_id BIGINT UNSIGNED NULL COMMENT '规格ID; NULL 表示按商品计库存' AFTER product_id;
CREATE INDEX idx_inventory_variant ON inventory (variant_id);
