-- user_service 004: 第三方登录 (MySQL / MariaDB)
CREATE TABLE oauth_providers (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    provider_code   VARCHAR(20)  NOT NULL COMMENT '提供方编码',
    display_name    VARCHAR(50)  NOT NULL COMMENT '显示名称',
    authorize_url   VARCHAR(500) NOT NULL COMMENT '授权地址',
    token_url       VARCHAR(500) NOT NULL COMMENT '令牌地址',
    userinfo_url    VARCHAR(500) NULL COMMENT '用户信息地址',
    default_scopes  VARCHAR(200) NULL COMMENT '默认授权范围',
    is_enabled      TINYINT(1)   NOT NULL DEFAULT 1 COMMENT '是否启用',
    sort_order      INT          NOT NULL DEFAULT 0 COMMENT '排序',
    created_at      TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_at      TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_oauth_providers_code (provider_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='第三方登录提供方';

CREATE TABLE user_oauth_accounts (
    id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT '主键',
    user_uuid          VARCHAR(36)  NOT NULL COMMENT '用户UUID',
    provider_code      VARCHAR(20)  NOT NULL COMMENT '提供方编码',
    provider_user_id   VARCHAR(128) NOT NULL COMMENT '第三方用户ID (openid/sub)',
    union_id           VARCHAR(128) NULL COMMENT '微信 unionid',
    access_token_enc   TEXT         NULL COMMENT '加密的访问令牌',
    refresh_token_enc  TEXT         NULL COMMENT '加密的刷新令牌',
    token_expires_at   DATETIME     NULL COMMENT '令牌过期时间',
    profile            JSON         NULL COMMENT '第三方资料快照',
    linked_at          TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '绑定时间',
    last_used_at       DATETIME     NULL COMMENT '最后使用时间',
    PRIMARY KEY (id),
    UNIQUE KEY uk_user_oauth_accounts_provider_user (provider_code, provider_user_id),
    KEY idx_user_oauth_accounts_user_uuid (user_uuid),
    CONSTRAINT fk_user_oauth_accounts_provider
        FOREIGN KEY (provider_code) REFERENCES oauth_providers (provider_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='用户绑定的第三方账号';

ALTER TABLE users
    ADD COLUMN registered_via      VARCHAR(20) NOT NULL DEFAULT 'password' COMMENT '注册方式' AFTER status,
    ADD COLUMN last_login_provider VARCHAR(20) NULL COMMENT '最后一次登录使用的第三方' AFTER last_login_ip;
CREATE INDEX idx_users_registered_via ON users (registered_via);

INSERT INTO oauth_providers (provider_code, display_name, authorize_url, token_url, userinfo_url, default_scopes, sort_order) VALUES
    ('wechat', '微信',    'https://open.weixin.qq.com/connect/qrconnect',        'https://api.weixin.qq.com/sns/oauth2/access_token',   'https://api.weixin.qq.com/sns/userinfo', 'snsapi_login', 10),
    ('alipay', '支付宝',  'https://openauth.alipay.com/oauth2/publicAppAuthorize.htm', 'https://openapi.alipay.com/gateway.do',        NULL,                                      'auth_user',    20),
    ('apple',  'Apple',   'https://appleid.apple.com/auth/authorize',            'https://appleid.apple.com/auth/token',                NULL,                                      'name email',   30),
    ('github', 'GitHub',  'https://github.com/login/oauth/authorize',            'https://github.com/login/oauth/access_token',         'https://api.github.com/user',            'read:user user:email', 40);
