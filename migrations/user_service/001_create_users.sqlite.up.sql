-- user_service 001: 创建用户表（用户服务） (SQLite)
-- Tables from the seed's 001_create_users: users and user_login_history.
-- SQLite has no ENUM/JSON/COMMENT: enums become CHECK constraints, JSON is TEXT
-- validated with json_valid(), comments live here in the file.

-- 用户主表
CREATE TABLE users (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    user_uuid          VARCHAR(36)  NOT NULL UNIQUE,          -- 用户UUID（全局唯一）
    email              VARCHAR(255) NOT NULL UNIQUE,          -- 邮箱
    username           VARCHAR(50)  UNIQUE,                   -- 用户名
    phone              VARCHAR(20),                           -- 手机号
    password_hash      VARCHAR(255) NOT NULL,                 -- 密码哈希
    status             VARCHAR(16)  NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'inactive', 'suspended', 'deleted')),
    email_verified_at  DATETIME,                              -- 邮箱验证时间
    phone_verified_at  DATETIME,                              -- 手机验证时间
    avatar_url         VARCHAR(500),                          -- 头像URL
    metadata           TEXT CHECK (metadata IS NULL OR json_valid(metadata)), -- 用户元数据
    last_login_at      DATETIME,                              -- 最后登录时间
    last_login_ip      VARCHAR(45),                           -- 最后登录IP
    created_at         DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at         DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- user_uuid, email and username are already indexed by their UNIQUE constraints.
CREATE INDEX idx_users_phone  ON users (phone);
CREATE INDEX idx_users_status ON users (status);

-- 用户登录历史表
CREATE TABLE user_login_history (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    user_uuid           VARCHAR(36)   NOT NULL,               -- 用户UUID
    session_id          VARCHAR(64)   NOT NULL,               -- 会话ID
    login_type          VARCHAR(20)   NOT NULL,               -- 登录方式: password / sms / oauth ...
    ip_address          VARCHAR(45)   NOT NULL,               -- IP地址
    user_agent          VARCHAR(1000),                        -- 用户代理
    device_fingerprint  VARCHAR(64),                          -- 设备指纹
    status              VARCHAR(16)   NOT NULL
                        CHECK (status IN ('success', 'failed', 'logout')),
    failure_reason      VARCHAR(200),                         -- 失败原因
    login_at            DATETIME      NOT NULL,               -- 登录时间
    logout_at           DATETIME,                             -- 退出时间
    extra_data          TEXT CHECK (extra_data IS NULL OR json_valid(extra_data)) -- 额外数据
);

CREATE INDEX idx_user_login_history_user_uuid  ON user_login_history (user_uuid);
CREATE INDEX idx_user_login_history_session_id ON user_login_history (session_id);
CREATE INDEX idx_user_login_history_login_at   ON user_login_history (login_at);
CREATE INDEX idx_user_login_history_status     ON user_login_history (status);
