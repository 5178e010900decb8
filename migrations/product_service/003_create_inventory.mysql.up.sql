-- product_service 003: 库存 (MySQL / MariaDB)
CREATE TABLE inventory (
    id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    product_id         BIGINT UNSIGNED NOT NULL COMMENT '商品ID',
    warehouse_code     VARCHAR(32)  NOT NULL COMMENT '仓库编码',
    quantity_on_hand   INT          NOT NULL DEFAULT 0 COMMENT '实物库存',
    quantity_reserved  INT          NOT NULL DEFAULT 0 COMMENT '已锁定库存(未支付订单)',
    safety_stock       INT          NOT NULL DEFAULT 0 COMMENT '安全库存',
    version            INT UNSIGNED NOT NULL DEFAULT 0 COMMENT '乐观锁版本号',
    created_at         TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_at         TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_inventory_product_warehouse (product_id, warehouse_code),
    CONSTRAINT ck_inventory_quantities
        CHECK (quantity_on_hand >= 0 AND quantity_reserved >= 0 AND quantity_reserved <= quantity_on_hand),
    CONSTRAINT fk_inventory_product FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='库存表';

CREATE TABLE inventory_movements (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    inventory_id    BIGINT UNSIGNED NOT NULL COMMENT '库存ID',
    movement_type   ENUM('inbound', 'outbound', 'reserve', 'release', 'adjust') NOT NULL COMMENT '变动类型',
    quantity_delta  INT          NOT NULL COMMENT '变动数量',
    reference_type  VARCHAR(32)  NULL COMMENT '关联单据类型',
    reference_id    VARCHAR(64)  NULL COMMENT '关联单据ID',
    operator        VARCHAR(64)  NULL COMMENT '操作人',
    note            VARCHAR(500) NULL COMMENT '备注',
    created_at      TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '发生时间',
    PRIMARY KEY (id),
    KEY idx_inventory_movements_inventory (inventory_id, created_at),
    KEY idx_inventory_movements_reference (reference_type, reference_id),
    CONSTRAINT fk_inventory_movements_inventory FOREIGN KEY (inventory_id) REFERENCES inventory (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='库存流水';
