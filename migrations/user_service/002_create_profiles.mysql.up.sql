-- user_service 002: 用户资料表 (MySQL / MariaDB)
CREATE TABLE user_profiles (
    user_uuid     VARCHAR(36)  NOT NULL COMMENT '用户UUID',
    nickname      VARCHAR(50)  NULL COMMENT '昵称',
    real_name     VARCHAR(50)  NULL COMMENT '真实姓名',
    gender        ENUM('male', 'female', 'unknown') NOT NULL DEFAULT 'unknown' COMMENT '性别',
    birthday      DATE         NULL COMMENT '生日',
    bio           VARCHAR(500) NULL COMMENT '个人简介',
    country_code  CHAR(2)      NOT NULL DEFAULT 'CN' COMMENT '国家代码',
    province      VARCHAR(50)  NULL COMMENT '省份',
    city          VARCHAR(50)  NULL COMMENT '城市',
    timezone      VARCHAR(64)  NOT NULL DEFAULT 'Asia/Shanghai' COMMENT '时区',
    locale        VARCHAR(16)  NOT NULL DEFAULT 'zh-CN' COMMENT '语言',
    created_at    TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT '创建时间',
    updated_at    TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT '更新时间',
    PRIMARY KEY (user_uuid),
    KEY idx_user_profiles_region (country_code, province, city)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='用户资料表';
