-- user_service 002: 用户资料表 (portable: SQLite and PostgreSQL run this file;
-- MySQL uses 002_create_profiles.mysql.up.sql for ENUM, COMMENT and ON UPDATE).
-- One profile per user, keyed by the user's UUID, so no auto-increment id is needed.
CREATE TABLE user_profiles (
    user_uuid     VARCHAR(36)  NOT NULL PRIMARY KEY,  -- 用户UUID (1:1 with users)
    nickname      VARCHAR(50),                        -- 昵称
    real_name     VARCHAR(50),                        -- 真实姓名
    gender        VARCHAR(8)   NOT NULL DEFAULT 'unknown'
                  CHECK (gender IN ('male', 'female', 'unknown')),
    birthday      DATE,
    bio           VARCHAR(500),                       -- 个人简介
    country_code  CHAR(2)      NOT NULL DEFAULT 'CN',
    province      VARCHAR(50),
    city          VARCHAR(50),
    timezone      VARCHAR(64)  NOT NULL DEFAULT 'Asia/Shanghai',
    locale        VARCHAR(16)  NOT NULL DEFAULT 'zh-CN',
    created_at    TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at    TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_user_profiles_region ON user_profiles (country_code, province, city);
