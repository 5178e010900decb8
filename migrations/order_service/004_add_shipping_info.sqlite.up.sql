-- order_service 004: 物流信息 (SQLite)
-- Receiver details move onto the order; parcels are tracked in shipments
-- (an order may ship in several parcels).
ALTER TABLE orders ADD COLUMN receiver_name VARCHAR(50);
ALTER TABLE orders ADD COLUMN receiver_phone VARCHAR(20);
ALTER TABLE orders ADD COLUMN shipping_address TEXT;   -- JSON: {"province": ..., "city": ..., "detail": ...}
ALTER TABLE orders ADD COLUMN shipping_method VARCHAR(20) NOT NULL DEFAULT 'express';
ALTER TABLE orders ADD COLUMN shipped_at DATETIME;

CREATE TABLE shipments (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    shipment_no      VARCHAR(32)  NOT NULL UNIQUE,
    order_id         INTEGER      NOT NULL REFERENCES orders (id),
    carrier_code     VARCHAR(16)  NOT NULL,                -- sf / jd / zto / yto / ems
    tracking_no      VARCHAR(64),
    status           VARCHAR(16)  NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'picked_up', 'in_transit', 'delivered', 'exception', 'returned')),
    package_count    INTEGER      NOT NULL DEFAULT 1,
    weight_grams     INTEGER,
    shipped_at       DATETIME,
    delivered_at     DATETIME,
    tracking_events  TEXT CHECK (tracking_events IS NULL OR json_valid(tracking_events)),
    created_at       DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_shipments_order    ON shipments (order_id);
CREATE INDEX idx_shipments_tracking ON shipments (carrier_code, tracking_no);
