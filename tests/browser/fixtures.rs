//! What the tests post through the JSON API before the browser looks: the pages under test are
//! the worker's, so the employer's side is set up the short way.

use serde_json::json;

use crate::bodies::{at, shift_body};
use crate::helpers::{TestApp, eventually};

/// A published shift of a verified employer; its id.
pub async fn a_shift(app: &TestApp, take_mode: &str) -> i64 {
    let (employer, _) = app.employer(true).await;
    let mut s = shift_body();
    s["take_mode"] = json!(take_mode);
    s["valid_through"] = json!(at(5, 0));
    let r = app.post("/api/v1/shifts", Some(&employer), s).await;
    r.assert(201);
    r.body["id"].as_i64().unwrap()
}

/// A verified employer's shifts near 北京朝阳 建国路, each different, found by search; their titles.
pub async fn some_shifts(app: &TestApp, n: usize) -> Vec<String> {
    let (employer, _) = app.employer(true).await;
    let kinds = [
        ("家庭保洁员（日结）", "cleaning", "负责住户家庭日常保洁，厨房和卫生间清洁，工具由公司提供。"),
        ("写字楼保洁（周末）", "cleaning", "写字楼公共区域清洁，周末两天，工具由公司提供。"),
        ("仓库搬运工", "warehouse", "仓库货物装卸和码放，需要一定体力，公司提供手套。"),
        ("餐厅帮厨", "kitchen_helper", "餐厅后厨洗菜切配，协助厨师备餐，提供工作餐。"),
    ];
    let mut titles = Vec::new();
    for i in 0..n {
        let (title, category, description) = kinds[i % kinds.len()];
        let mut s = shift_body();
        s["title"] = json!(format!("{title}{}", if i >= kinds.len() { format!(" {}", i + 1) } else { String::new() }));
        s["category"] = json!(category);
        s["description"] = json!(description);
        s["lat"] = json!(39.9087 + 0.002 * i as f64);
        s["slots"] = json!([{"start": at(2 + (i as i64 % 3), 8), "end": at(2 + (i as i64 % 3), 12)}]);
        s["valid_through"] = json!(at(5, 0));
        let r = app.post("/api/v1/shifts", Some(&employer), s).await;
        assert!(r.status.is_success(), "shift {i}: {}", r.text);
        titles.push(r.body["title"].as_str().unwrap().to_string());
    }
    eventually(std::time::Duration::from_secs(10), || async {
        let r = app.get("/api/v1/shifts/search?lat=39.92&lng=116.46&radius_km=10", None).await;
        r.body["items"].as_array().is_some_and(|a| a.len() >= n)
    })
    .await;
    titles
}

/// A worker with a profile near 北京朝阳 who signs in with a phone number; the phone.
pub async fn worker_phone(app: &TestApp) -> String {
    let (token, _, phone) = app.register("worker").await;
    let r = app
        .put("/api/v1/workers/me", Some(&token), json!({"display_name": "李秀英", "skills": ["cleaning"], "lat": 39.92, "lng": 116.46, "radius_km": 5}))
        .await;
    r.assert(200);
    phone
}
