-- user_service 003: 认证令牌表 (MySQL / MariaDB)
CREATE TABLE auth_tokens (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    user_uuid           VARCHAR(36)  NOT NULL COMMENT '用户UUID',
    token_type          ENUM('access', 'refresh', 'password_reset', 'email_verify') NOT NULL COMMENT '令牌类型',
    token_hash          CHAR(64)     NOT NULL COMMENT '令牌SHA-256哈希（不存明文）',
    client_id           VARCHAR(64)  NOT NULL DEFAULT 'web' COMMENT '客户端',
    scopes              VARCHAR(500) NULL COMMENT '授权范围，空格分隔',
    device_fingerprint  VARCHAR(64)  NULL COMMENT '设备指纹',
    ip_address          VARCHAR(45)  NULL COMMENT 'IP地址',
    expires_at          DATETIME     NOT NULL COMMENT '过期时间',
    revoked_at          DATETIME     NULL COMMENT '吊销时间',
    revoked_reason      VARCHAR(100) NULL COMMENT '吊销原因',
    last_used_at        DATETIME     NULL COMMENT '最后使用时间',
    created_at          TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_auth_tokens_token_hash (token_hash),
    KEY idx_auth_tokens_user_type (user_uuid, token_type),
    KEY idx_auth_tokens_expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='认证令牌表';
