//! Every staff operation goes through one scope guard: a moderator limited to Shenzhen is refused
//! each operation on a Beijing employer's shift, employer and reports, and a moderator limited to
//! Beijing is not refused any of them. The routes are listed once and walked for both.

use serde_json::{Value, json};

use crate::helpers::*;

/// One staff operation on the Beijing fixtures: method, path, body.
fn operations(shift: i64, employer: i64, report: i64) -> Vec<(&'static str, String, Value)> {
    vec![
        ("POST", format!("/api/v1/moderation/shifts/{shift}/reject"), json!({"reason_code": "incomplete"})),
        ("POST", format!("/api/v1/moderation/shifts/{shift}/approve"), json!({})),
        ("POST", format!("/api/v1/moderation/shifts/{shift}/take-down"), json!({"reason_code": "unsafe"})),
        ("POST", format!("/api/v1/shifts/{shift}/close"), json!({})),
        ("POST", format!("/api/v1/employers/{employer}/verify"), json!({})),
        ("POST", format!("/api/v1/employers/{employer}/block"), json!({"reason": "核实存在欠薪"})),
        ("POST", format!("/api/v1/employers/{employer}/unblock"), json!({"reason": "问题已整改"})),
        ("POST", format!("/api/v1/moderation/reports/{report}/resolve"), json!({"resolution": "已核实并处理"})),
    ]
}

async fn scoped_moderator(app: &TestApp, admin: &str, prefix: &str) -> String {
    let m = app.staff("moderator").await;
    let me = app.get("/api/v1/auth/me", Some(&m)).await.body["id"].as_i64().unwrap();
    app.put(&format!("/api/v1/staff/{me}/scope"), Some(admin), json!({"adcodes": [prefix]})).await.assert(204);
    m
}

/// A Beijing employer (unverified, so its shift waits for review), the shift, and a report on it.
async fn beijing_fixtures(app: &TestApp) -> (i64, i64, i64) {
    let (employer_token, employer) = app.employer(false).await;
    let shift = app.post("/api/v1/shifts", Some(&employer_token), shift_body()).await.body["id"].as_i64().unwrap();
    let r = app
        .post("/api/v1/reports", None, json!({"target_type": "employer", "target_id": employer, "kind": "other", "description": "测试举报内容，请核实"}))
        .await;
    r.assert(201);
    (shift, employer, r.body["report"]["id"].as_i64().or_else(|| r.body["id"].as_i64()).expect("report id"))
}

#[tokio::test]
async fn every_staff_operation_is_refused_outside_the_moderators_area() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let shenzhen = scoped_moderator(&app, &admin, "4403").await;
    let (shift, employer, report) = beijing_fixtures(&app).await;
    for (method, path, body) in operations(shift, employer, report) {
        let r = app.req(method.parse().unwrap(), &path, Some(&shenzhen), Some(body)).await;
        assert_eq!(r.status.as_u16(), 403, "{method} {path} must be refused out of scope: {}", r.text);
    }
    // Nothing changed: the shift still waits for review, the employer is neither verified nor blocked.
    let s = app.get(&format!("/api/v1/shifts/{shift}"), Some(&admin)).await;
    assert_eq!(s.body["status"], "pending_review");
    let e = app.get(&format!("/api/v1/employers/{employer}"), Some(&admin)).await;
    assert_eq!(e.body["verified"], false);
    assert_eq!(e.body["blocked"], false);
    // The queue does not show the Beijing shift to the Shenzhen moderator.
    let q = app.get("/api/v1/moderation/queue", Some(&shenzhen)).await;
    assert!(q.body["items"].as_array().unwrap().iter().all(|i| i["shift"]["id"] != shift), "{}", q.text);
    // Reads are scoped too: the report is not there for the Shenzhen moderator.
    app.get(&format!("/api/v1/reports/{report}"), Some(&shenzhen)).await.assert(404);
    // Bulk decisions are refused item by item.
    let b = app.post("/api/v1/moderation/bulk", Some(&shenzhen), json!({"action": "approve", "shift_ids": [shift]})).await;
    b.assert(200);
    assert_eq!(b.body[0]["error"], "forbidden");
}

#[tokio::test]
async fn every_staff_operation_passes_the_guard_inside_the_moderators_area() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let beijing = scoped_moderator(&app, &admin, "11").await;
    let (shift, employer, report) = beijing_fixtures(&app).await;
    app.get(&format!("/api/v1/reports/{report}"), Some(&beijing)).await.assert(200);
    for (method, path, body) in operations(shift, employer, report) {
        let r = app.req(method.parse().unwrap(), &path, Some(&beijing), Some(body)).await;
        // The walk runs the operations in order, so some meet a state they do not apply to
        // (409); none may be refused by the scope guard.
        assert_ne!(r.status.as_u16(), 403, "{method} {path} refused in scope: {}", r.text);
        assert!(r.status.is_success() || r.status.as_u16() == 409, "{method} {path}: {} {}", r.status, r.text);
    }
}

#[tokio::test]
async fn staff_search_over_availability_shows_only_the_staff_members_area() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let shenzhen = scoped_moderator(&app, &admin, "4403").await;
    let beijing = scoped_moderator(&app, &admin, "11").await;
    let (worker, _) = app.worker().await;
    app.post("/api/v1/availability", Some(&worker), availability_body()).await.assert(201);
    let path = "/api/v1/availability/search?lat=39.92&lng=116.46&radius_km=10";
    let total = |r: &Resp| r.body["total"].as_u64().unwrap_or(0);
    // The index follows the database asynchronously: wait until the in-area search sees it.
    eventually(std::time::Duration::from_secs(5), || async { total(&app.get(path, Some(&beijing)).await) == 1 }).await;
    let r = app.get(path, Some(&shenzhen)).await;
    r.assert(200);
    assert_eq!(total(&r), 0, "a Beijing worker is outside a Shenzhen moderator's area: {}", r.text);
    assert_eq!(total(&app.get(path, Some(&admin)).await), 1, "an admin without a scope sees everywhere");
}
