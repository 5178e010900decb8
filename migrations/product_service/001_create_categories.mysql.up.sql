-- product_service 001: 商品分类表 (MySQL / MariaDB)
CREATE TABLE categories (
    id          BIGINT UNSIGNED  NOT NULL AUTO_INCREMENT COMMENT '主键',
    parent_id   BIGINT UNSIGNED  NULL COMMENT '父分类ID, NULL 为根',
    name        VARCHAR(100)     NOT NULL COMMENT '分类名称',
    slug        VARCHAR(100)     NOT NULL COMMENT 'URL 标识',
    level       TINYINT UNSIGNED NOT NULL DEFAULT 1 COMMENT '层级 1-4',
    path        VARCHAR(255)     NOT NULL DEFAULT '/' COMMENT '物化路径, 如 /1/12/57/',
    sort_order  INT              NOT NULL DEFAULT 0 COMMENT '排序',
    icon_url    VARCHAR(500)     NULL COMMENT '图标',
    is_visible  TINYINT(1)       NOT NULL DEFAULT 1 COMMENT '是否展示',
    created_at  TIMESTAMP        NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_at  TIMESTAMP        NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_categories_slug (slug),
    KEY idx_categories_parent (parent_id, sort_order),
    KEY idx_categories_path (path),
    CONSTRAINT ck_categories_level CHECK (level BETWEEN 1 AND 4),
    CONSTRAINT fk_categories_parent FOREIGN KEY (parent_id) REFERENCES categories (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='商品分类表';
