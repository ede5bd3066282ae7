//! Request bodies every test starts from: a valid employer profile, shift and availability near
//! 北京朝阳 建国路, days ahead in Asia/Shanghai. Shared by the API and the fault tests.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

/// RFC 3339 in +08:00, `days` and `hours` from now, on the hour.
pub fn at(days: i64, hour: u32) -> String {
    let local = (Utc::now() + Duration::hours(8)).date_naive() + Duration::days(days);
    format!("{}T{:02}:00:00+08:00", local.format("%Y-%m-%d"), hour)
}

pub fn employer_body() -> Value {
    json!({
        "name": "北京城市综合服务有限公司",
        "kind": "enterprise",
        "credit_code": "91350100M000100Y43",
        "contact_name": "王经理",
        "contact_phone": "13812345678",
        "address": "北京市朝阳区建国路88号",
        "lat": 39.9087,
        "lng": 116.4605,
        "description": "社区家政与保洁服务"
    })
}

pub fn shift_body() -> Value {
    json!({
        "title": "家庭保洁员（日结）",
        "description": "负责住户家庭日常保洁，厨房和卫生间清洁，工具由公司提供。",
        "requirements": "身体健康，做事细心",
        "category": "cleaning",
        "headcount": 3,
        "address": "北京市朝阳区建国路88号",
        "lat": 39.9087,
        "lng": 116.4605,
        "slots": [{"start": at(2, 8), "end": at(2, 12)}],
        "pay": {"amount_fen": 3500, "unit": "hour"},
        "settlement": "daily",
        "employment_type": "gig",
        "valid_through": at(2, 0)
    })
}

pub fn availability_body() -> Value {
    json!({
        "lat": 39.92,
        "lng": 116.46,
        "radius_km": 5,
        "categories": ["cleaning", "housekeeping"],
        "min_pay": {"amount_fen": 2500, "unit": "hour"},
        "note": "周末有空，可接日结",
        "windows": {
            "dated": [{"start": at(3, 8), "end": at(3, 18)}],
            "weekly": [{"weekday": 6, "start": "08:00", "end": "18:00"}, {"weekday": 5, "start": "22:00", "end": "06:00"}]
        }
    })
}
