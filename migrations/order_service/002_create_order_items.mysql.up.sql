-- order_service 002: 订单明细 (MySQL / MariaDB)
CREATE TABLE order_items (
    id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    order_id           BIGINT UNSIGNED NOT NULL COMMENT '订单ID',
    product_id         BIGINT UNSIGNED NOT NULL COMMENT '商品ID (product_service)',
    variant_id         BIGINT UNSIGNED NULL COMMENT '规格ID (product_service)',
    sku_code           VARCHAR(64)   NOT NULL COMMENT 'SKU 编码',
    product_name       VARCHAR(200)  NOT NULL COMMENT '商品名称',
    product_image_url  VARCHAR(500)  NULL COMMENT '商品图片',
    unit_price         DECIMAL(12,2) NOT NULL COMMENT '单价',
    quantity           INT UNSIGNED  NOT NULL COMMENT '数量',
    discount_amount    DECIMAL(12,2) NOT NULL DEFAULT 0 COMMENT '优惠分摊',
    subtotal           DECIMAL(12,2) NOT NULL COMMENT '小计',
    product_snapshot   JSON          NULL COMMENT '下单时的商品快照',
    created_at         TIMESTAMP     NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    PRIMARY KEY (id),
    KEY idx_order_items_order (order_id),
    KEY idx_order_items_product (product_id),
    CONSTRAINT ck_order_items_quantity CHECK (quantity > 0),
    CONSTRAINT fk_order_items_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='订单明细';
