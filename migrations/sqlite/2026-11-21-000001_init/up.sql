CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    role TEXT NOT NULL,
    phone TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE auth_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX auth_tokens_user ON auth_tokens(user_id);

CREATE TABLE employers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL UNIQUE REFERENCES users(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    credit_code TEXT,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    address TEXT NOT NULL,
    lat DOUBLE NOT NULL,
    lng DOUBLE NOT NULL,
    adcode TEXT,
    description TEXT NOT NULL DEFAULT '',
    verified BOOLEAN NOT NULL DEFAULT 0,
    verified_at TIMESTAMP,
    verified_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX employers_credit_code ON employers(credit_code);

CREATE TABLE workers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL UNIQUE REFERENCES users(id),
    display_name TEXT NOT NULL,
    skills TEXT NOT NULL DEFAULT '[]',
    lat DOUBLE,
    lng DOUBLE,
    radius_km DOUBLE NOT NULL DEFAULT 5,
    expected_pay_fen BIGINT,
    expected_pay_unit TEXT,
    id_number_masked TEXT,
    id_number_hash TEXT UNIQUE,
    key_groups TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    group_zh TEXT NOT NULL,
    keywords TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE shifts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    employer_id BIGINT NOT NULL REFERENCES employers(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    requirements TEXT NOT NULL,
    category_code TEXT NOT NULL REFERENCES categories(code),
    headcount INTEGER NOT NULL,
    address TEXT NOT NULL,
    lat DOUBLE NOT NULL,
    lng DOUBLE NOT NULL,
    adcode TEXT,
    pay_amount_fen BIGINT NOT NULL,
    pay_unit TEXT NOT NULL,
    settlement TEXT NOT NULL,
    employment_type TEXT NOT NULL,
    take_mode TEXT NOT NULL DEFAULT 'apply',
    valid_through TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    closed_at TIMESTAMP
);
CREATE INDEX shifts_employer ON shifts(employer_id, id);
CREATE INDEX shifts_status ON shifts(status, valid_through);

CREATE TABLE shift_slots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shift_id BIGINT NOT NULL REFERENCES shifts(id) ON DELETE CASCADE,
    start_at TIMESTAMP NOT NULL,
    end_at TIMESTAMP NOT NULL
);
CREATE INDEX shift_slots_shift ON shift_slots(shift_id, start_at);

CREATE TABLE availability (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    worker_id BIGINT NOT NULL REFERENCES workers(id),
    lat DOUBLE NOT NULL,
    lng DOUBLE NOT NULL,
    radius_km DOUBLE NOT NULL,
    adcode TEXT,
    categories TEXT NOT NULL DEFAULT '[]',
    min_pay_fen BIGINT,
    min_pay_unit TEXT,
    note TEXT NOT NULL DEFAULT '',
    dated_windows TEXT NOT NULL DEFAULT '[]',
    weekly_windows TEXT NOT NULL DEFAULT '[]',
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX availability_worker ON availability(worker_id, id);

-- Every write that changes what search shows appends here in the same transaction; each process
-- applies entries after the last one it applied.
CREATE TABLE search_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

INSERT INTO categories (code, name_zh, name_en, group_zh, keywords, created_at) VALUES
    ('cleaning', '保洁', 'Cleaning', '家庭服务', '保洁员 家庭保洁 开荒保洁 清洁 打扫 钟点工', CURRENT_TIMESTAMP),
    ('housekeeping', '家政服务', 'Housekeeping', '家庭服务', '家政 保姆 钟点工 做饭 收纳', CURRENT_TIMESTAMP),
    ('elderly_care', '养老护理', 'Elderly care', '照护服务', '养老 护工 陪护 养老服务师 健康照护', CURRENT_TIMESTAMP),
    ('childcare', '育婴托幼', 'Childcare', '照护服务', '育婴员 月嫂 托育 托幼 看护儿童', CURRENT_TIMESTAMP),
    ('moving', '搬家搬运', 'Moving', '物流运输', '搬家 搬运 拆装 装车 卸车', CURRENT_TIMESTAMP),
    ('renovation', '装修', 'Renovation', '建筑装修', '装修 油漆 瓦工 木工 装修管家 贴砖', CURRENT_TIMESTAMP),
    ('plumbing_electrical', '水电维修', 'Plumbing and electrical', '维修服务', '水电工 水管 电路 维修 安装', CURRENT_TIMESTAMP),
    ('appliance_repair', '家电维修', 'Appliance repair', '维修服务', '家电 空调 清洗 安装 维修', CURRENT_TIMESTAMP),
    ('kitchen_helper', '餐饮帮厨', 'Kitchen helper', '餐饮服务', '帮厨 洗碗 切配 后厨 厨房', CURRENT_TIMESTAMP),
    ('waiter', '服务员', 'Waiter / waitress', '餐饮服务', '服务员 传菜 收银 前厅 酒店', CURRENT_TIMESTAMP),
    ('delivery', '网约配送', 'Delivery rider', '物流运输', '网约配送员 外卖 骑手 跑腿 配送', CURRENT_TIMESTAMP),
    ('parcel_sorting', '快递分拣', 'Parcel sorting', '物流运输', '分拣 快递 打包 扫描 夜班', CURRENT_TIMESTAMP),
    ('warehouse', '仓储装卸', 'Warehouse and loading', '物流运输', '仓库 装卸 理货 叉车 上架', CURRENT_TIMESTAMP),
    ('construction_helper', '建筑小工', 'Construction helper', '建筑装修', '小工 杂工 工地 搬砖 钢筋', CURRENT_TIMESTAMP),
    ('gardening', '绿化养护', 'Gardening and landscaping', '公共服务', '绿化 园林 修剪 浇水 养护', CURRENT_TIMESTAMP),
    ('security', '保安', 'Security guard', '公共服务', '保安 门岗 巡逻 安保 秩序维护', CURRENT_TIMESTAMP),
    ('promotion', '促销推广', 'Promotion', '销售推广', '促销 导购 地推 派单 发传单', CURRENT_TIMESTAMP),
    ('live_sales', '直播销售', 'Live-stream sales', '销售推广', '直播 主播 互联网营销师 直播销售员 带货', CURRENT_TIMESTAMP),
    ('community_health', '社群健康', 'Community health assistant', '照护服务', '社群健康助理员 健康管理 随访 社区', CURRENT_TIMESTAMP),
    ('beauty_hair', '美容美发', 'Beauty and hairdressing', '生活服务', '美容 美发 美甲 理发', CURRENT_TIMESTAMP),
    ('driver', '司机', 'Driver', '物流运输', '司机 驾驶 货车 代驾 送货', CURRENT_TIMESTAMP),
    ('farm_work', '农业采摘', 'Farm work', '农业', '采摘 农业 种植 收割 果园 茶叶', CURRENT_TIMESTAMP),
    ('event_staff', '会展活动', 'Event staff', '公共服务', '会展 活动 礼仪 布展 志愿', CURRENT_TIMESTAMP),
    ('grid_worker', '城市管理网格员', 'Community grid worker', '公共服务', '网格员 社区 巡查 登记', CURRENT_TIMESTAMP),
    ('beverage_maker', '调饮师', 'Beverage maker', '餐饮服务', '调饮 奶茶 咖啡 饮品', CURRENT_TIMESTAMP),
    ('data_entry', '数据录入与标注', 'Data entry and labelling', '办公服务', '录入 标注 文员 打字 数据', CURRENT_TIMESTAMP),
    ('other', '其他', 'Other', '其他', '其他 杂活 临时工', CURRENT_TIMESTAMP);
