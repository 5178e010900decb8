-- order_service 004: 物流信息 (MySQL / MariaDB)
ALTER TABLE orders
    ADD COLUMN receiver_name    VARCHAR(50) NULL COMMENT '收货人' AFTER buyer_remark,
    ADD COLUMN receiver_phone   VARCHAR(20) NULL COMMENT '收货人电话' AFTER receiver_name,
    ADD COLUMN shipping_address JSON        NULL COMMENT '收货地址' AFTER receiver_phone,
    ADD COLUMN shipping_method  VARCHAR(20) NOT NULL DEFAULT 'express' COMMENT '配送方式' AFTER shipping_address,
    ADD COLUMN shipped_at       DATETIME    NULL COMMENT '发货时间' AFTER paid_at;

CREATE TABLE shipments (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    shipment_no      VARCHAR(32)  NOT NULL COMMENT '包裹号',
    order_id         BIGINT UNSIGNED NOT NULL COMMENT '订单ID',
    carrier_code     VARCHAR(16)  NOT NULL COMMENT '承运商: sf/jd/zto/yto/ems',
    tracking_no      VARCHAR(64)  NULL COMMENT '运单号',
    status           ENUM('pending', 'picked_up', 'in_transit', 'delivered', 'exception', 'returned')
                     NOT NULL DEFAULT 'pending' COMMENT '物流状态',
    package_count    SMALLINT UNSIGNED NOT NULL DEFAULT 1 COMMENT '件数',
    weight_grams     INT UNSIGNED NULL COMMENT '重量(克)',
    shipped_at       DATETIME     NULL COMMENT '发货时间',
    delivered_at     DATETIME     NULL COMMENT '签收时间',
    tracking_events  JSON         NULL COMMENT '物流轨迹',
    created_at       TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_at       TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_shipments_shipment_no (shipment_no),
    KEY idx_shipments_order (order_id),
    KEY idx_shipments_tracking (carrier_code, tracking_no),
    CONSTRAINT fk_shipments_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='物流包裹';
