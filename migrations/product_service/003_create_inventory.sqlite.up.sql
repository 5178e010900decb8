-- product_service 003: 库存 (SQLite)
-- Stock per product and warehouse, plus an append-only movement journal.
CREATE TABLE inventory (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id         INTEGER     NOT NULL REFERENCES products (id),
    warehouse_code     VARCHAR(32) NOT NULL,              -- 仓库编码, e.g. SH-01
    quantity_on_hand   INTEGER     NOT NULL DEFAULT 0 CHECK (quantity_on_hand >= 0),   -- 实物库存
    quantity_reserved  INTEGER     NOT NULL DEFAULT 0 CHECK (quantity_reserved >= 0),  -- 已锁定(未支付订单)
    safety_stock       INTEGER     NOT NULL DEFAULT 0,    -- 安全库存
    version            INTEGER     NOT NULL DEFAULT 0,    -- optimistic lock: UPDATE ... WHERE version = ?
    created_at         DATETIME    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at         DATETIME    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (product_id, warehouse_code),
    CHECK (quantity_reserved <= quantity_on_hand)
);

CREATE TABLE inventory_movements (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    inventory_id    INTEGER     NOT NULL REFERENCES inventory (id),
    movement_type   VARCHAR(16) NOT NULL
                    CHECK (movement_type IN ('inbound', 'outbound', 'reserve', 'release', 'adjust')),
    quantity_delta  INTEGER     NOT NULL,
    reference_type  VARCHAR(32),                          -- order / purchase_order / stocktake
    reference_id    VARCHAR(64),
    operator        VARCHAR(64),
    note            VARCHAR(500),
    created_at      DATETIME    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_inventory_movements_inventory ON inventory_movements (inventory_id, created_at);
CREATE INDEX idx_inventory_movements_reference ON inventory_movements (reference_type, reference_id);
