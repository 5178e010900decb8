-- user_service 001: 创建用户表（用户服务） (MySQL / MariaDB)
CREATE TABLE users (
    id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    user_uuid          VARCHAR(36)  NOT NULL COMMENT '用户UUID（全局唯一）',
    email              VARCHAR(255) NOT NULL COMMENT '邮箱',
    username           VARCHAR(50)  NULL COMMENT '用户名',
    phone              VARCHAR(20)  NULL COMMENT '手机号',
    password_hash      VARCHAR(255) NOT NULL COMMENT '密码哈希',
    status             ENUM('active', 'inactive', 'suspended', 'deleted') NOT NULL DEFAULT 'active' COMMENT '用户状态',
    email_verified_at  DATETIME     NULL COMMENT '邮箱验证时间',
    phone_verified_at  DATETIME     NULL COMMENT '手机验证时间',
    avatar_url         VARCHAR(500) NULL COMMENT '头像URL',
    metadata           JSON         NULL COMMENT '用户元数据',
    last_login_at      DATETIME     NULL COMMENT '最后登录时间',
    last_login_ip      VARCHAR(45)  NULL COMMENT '最后登录IP',
    created_at         TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_at         TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_users_user_uuid (user_uuid),
    UNIQUE KEY uk_users_email (email),
    UNIQUE KEY uk_users_username (username),
    KEY idx_users_phone (phone),
    KEY idx_users_status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='用户主表';

CREATE TABLE user_login_history (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    user_uuid           VARCHAR(36)   NOT NULL COMMENT '用户UUID',
    session_id          VARCHAR(64)   NOT NULL COMMENT '会话ID',
    login_type          VARCHAR(20)   NOT NULL COMMENT '登录方式',
    ip_address          VARCHAR(45)   NOT NULL COMMENT 'IP地址',
    user_agent          VARCHAR(1000) NULL COMMENT '用户代理',
    device_fingerprint  VARCHAR(64)   NULL COMMENT '设备指纹',
    status              ENUM('success', 'failed', 'logout') NOT NULL COMMENT '登录结果',
    failure_reason      VARCHAR(200)  NULL COMMENT '失败原因',
    login_at            DATETIME      NOT NULL COMMENT '登录时间',
    logout_at           DATETIME      NULL COMMENT '退出时间',
    extra_data          JSON          NULL COMMENT '额外数据',
    PRIMARY KEY (id),
    KEY idx_user_login_history_user_uuid (user_uuid),
    KEY idx_user_login_history_session_id (session_id),
    KEY idx_user_login_history_login_at (login_at),
    KEY idx_user_login_history_status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='用户登录历史表';
