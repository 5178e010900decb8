-- user_service 004: 第三方登录 (SQLite)
-- A catalogue of OAuth providers, the accounts users linked, and two new columns on users.

CREATE TABLE oauth_providers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_code   VARCHAR(20)  NOT NULL UNIQUE,     -- wechat / alipay / apple / github
    display_name    VARCHAR(50)  NOT NULL,
    authorize_url   VARCHAR(500) NOT NULL,
    token_url       VARCHAR(500) NOT NULL,
    userinfo_url    VARCHAR(500),
    default_scopes  VARCHAR(200),
    is_enabled      BOOLEAN      NOT NULL DEFAULT 1,
    sort_order      INTEGER      NOT NULL DEFAULT 0,
    created_at      DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE user_oauth_accounts (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    user_uuid          VARCHAR(36)  NOT NULL,
    provider_code      VARCHAR(20)  NOT NULL REFERENCES oauth_providers (provider_code),
    provider_user_id   VARCHAR(128) NOT NULL,            -- openid / sub
    union_id           VARCHAR(128),                     -- WeChat unionid
    access_token_enc   TEXT,                             -- encrypted at rest by the app
    refresh_token_enc  TEXT,
    token_expires_at   DATETIME,
    profile            TEXT CHECK (profile IS NULL OR json_valid(profile)),
    linked_at          DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_used_at       DATETIME,
    UNIQUE (provider_code, provider_user_id)
);

CREATE INDEX idx_user_oauth_accounts_user_uuid ON user_oauth_accounts (user_uuid);

-- New columns on users. SQLite can only add one column per ALTER TABLE.
ALTER TABLE users ADD COLUMN registered_via VARCHAR(20) NOT NULL DEFAULT 'password';
ALTER TABLE users ADD COLUMN last_login_provider VARCHAR(20);
CREATE INDEX idx_users_registered_via ON users (registered_via);

INSERT INTO oauth_providers (provider_code, display_name, authorize_url, token_url, userinfo_url, default_scopes, sort_order) VALUES
    ('wechat', '微信',    'https://open.weixin.qq.com/connect/qrconnect',        'https://api.weixin.qq.com/sns/oauth2/access_token',   'https://api.weixin.qq.com/sns/userinfo', 'snsapi_login', 10),
    ('alipay', '支付宝',  'https://openauth.alipay.com/oauth2/publicAppAuthorize.htm', 'https://openapi.alipay.com/gateway.do',        NULL,                                      'auth_user',    20),
    ('apple',  'Apple',   'https://appleid.apple.com/auth/authorize',            'https://appleid.apple.com/auth/token',                NULL,                                      'name email',   30),
    ('github', 'GitHub',  'https://github.com/login/oauth/authorize',            'https://github.com/login/oauth/access_token',         'https://api.github.com/user',            'read:user user:email', 40);
