-- product_service 001: 商品分类表 (SQLite)
-- A category tree stored as an adjacency list plus a materialised path
-- ('/1/12/57/') for cheap subtree queries.
CREATE TABLE categories (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id   INTEGER REFERENCES categories (id) ON DELETE RESTRICT,  -- NULL = root
    name        VARCHAR(100) NOT NULL,                    -- 分类名称
    slug        VARCHAR(100) NOT NULL UNIQUE,             -- URL 标识
    level       INTEGER      NOT NULL DEFAULT 1 CHECK (level BETWEEN 1 AND 4),
    path        VARCHAR(255) NOT NULL DEFAULT '/',
    sort_order  INTEGER      NOT NULL DEFAULT 0,
    icon_url    VARCHAR(500),
    is_visible  BOOLEAN      NOT NULL DEFAULT 1,
    created_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_categories_parent ON categories (parent_id, sort_order);
CREATE INDEX idx_categories_path   ON categories (path);
