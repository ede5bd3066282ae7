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

// ---------------------------------------------------------------------------------------------
// The whole matrix: every staff route × every role × inside / outside the caller's districts.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Moderator,
    Station,
    Admin,
    Worker,
    Employer,
    Anonymous,
}

const EVERYONE: [Who; 6] = [Who::Moderator, Who::Station, Who::Admin, Who::Worker, Who::Employer, Who::Anonymous];

/// What a staff route is, for the expected answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A moderator's or admin's action (verify, block, decide, resolve, hide, close).
    ModeratorAct,
    /// A moderator's read that answers 404 to anyone else (a report).
    ModeratorRead404,
    /// A read for any staff member, refused (403) outside their districts.
    StaffRead,
    /// A read for any staff member, "not found" outside their districts (an unpublished shift).
    StaffRead404,
    /// A staff search, filtered to the caller's districts (always 200 for staff).
    StaffSearch,
    /// Admins only, no district involved.
    AdminOnly,
}

/// The designed answer: the statuses allowed for `who` on a route of `kind`, in or out of scope.
fn expected(kind: Kind, who: Who, in_scope: bool) -> &'static [u16] {
    use Kind::*;
    use Who::*;
    let staff = matches!(who, Moderator | Station | Admin);
    let moderates = matches!(who, Moderator | Admin);
    match kind {
        ModeratorAct if who == Anonymous => &[401],
        ModeratorAct if moderates && in_scope => &[200, 409],
        ModeratorAct => &[403],
        ModeratorRead404 if moderates && in_scope => &[200],
        ModeratorRead404 => &[404],
        StaffRead if who == Anonymous => &[401],
        StaffRead if staff && in_scope => &[200],
        StaffRead => &[403],
        StaffRead404 if staff && in_scope => &[200],
        StaffRead404 => &[404],
        StaffSearch if who == Anonymous => &[401],
        StaffSearch if staff => &[200],
        StaffSearch => &[403],
        AdminOnly if who == Anonymous => &[401],
        AdminOnly if who == Admin => &[200],
        AdminOnly => &[403],
    }
}

/// Everything the walk touches, in Beijing: a pending shift and its employer, a report, a worker
/// with availability, a published shift with a rated, completed engagement.
struct World {
    pending_shift: i64,
    employer: i64,
    report: i64,
    worker: i64,
    availability: i64,
    published_shift: i64,
    rating: i64,
}

async fn world(app: &TestApp) -> World {
    let (pending_shift, employer, report) = beijing_fixtures(app).await;
    let (worker_token, worker) = app.worker().await;
    let a = app.post("/api/v1/availability", Some(&worker_token), availability_body()).await;
    a.assert(201);
    let availability = a.body["id"].as_i64().unwrap();
    // A completed engagement with a rating, for the hide-rating route.
    let (boss, _) = app.employer(true).await;
    let mut b = shift_body();
    b["take_mode"] = json!("instant");
    b["headcount"] = json!(2);
    b["valid_through"] = json!(at(5, 0));
    let s = app.post("/api/v1/shifts", Some(&boss), b).await;
    s.assert(201);
    let published_shift = s.body["id"].as_i64().unwrap();
    let e = app.post(&format!("/api/v1/shifts/{published_shift}/applications"), Some(&worker_token), json!({})).await;
    e.assert(201);
    let engagement = e.body["id"].as_i64().unwrap();
    let start = chrono::DateTime::parse_from_rfc3339(&at(2, 8)).unwrap().naive_utc();
    app.clock.advance(start - app.clock.now());
    app.post(&format!("/api/v1/engagements/{engagement}/check-in"), Some(&worker_token), json!({"lat": 39.9087, "lng": 116.4605})).await.assert(200);
    app.clock.advance(chrono::Duration::hours(4));
    app.post(&format!("/api/v1/engagements/{engagement}/check-out"), Some(&worker_token), json!({})).await.assert(200);
    app.post(&format!("/api/v1/engagements/{engagement}/complete"), Some(&boss), json!({"hours": 4, "amount_fen": 14000})).await.assert(200);
    let r = app.post(&format!("/api/v1/engagements/{engagement}/rating"), Some(&boss), json!({"score": 1, "comment": "骂人的话"})).await;
    r.assert(201);
    World { pending_shift, employer, report, worker, availability, published_shift, rating: r.body["id"].as_i64().unwrap() }
}

/// Every staff route: kind, method, path, body. Reads come first, so the actions meet the
/// fixtures as made (later actions may meet a state they do not apply to: 409, allowed).
fn staff_routes(w: &World) -> Vec<(Kind, &'static str, String, Option<Value>)> {
    use Kind::*;
    vec![
        (ModeratorRead404, "GET", format!("/api/v1/reports/{}", w.report), None),
        (StaffRead, "GET", format!("/api/v1/workers/{}", w.worker), None),
        (StaffRead, "GET", format!("/api/v1/availability/{}", w.availability), None),
        (StaffRead, "GET", format!("/api/v1/shifts/{}/matches", w.published_shift), None),
        (StaffRead404, "GET", format!("/api/v1/shifts/{}", w.pending_shift), None),
        (StaffSearch, "GET", "/api/v1/availability/search?lat=39.92&lng=116.46&radius_km=10".to_string(), None),
        (AdminOnly, "GET", "/api/v1/audit".to_string(), None),
        (ModeratorAct, "POST", format!("/api/v1/moderation/ratings/{}/hide", w.rating), Some(json!({"reason": "含辱骂内容"}))),
        (ModeratorAct, "POST", format!("/api/v1/employers/{}/verify", w.employer), Some(json!({}))),
        (ModeratorAct, "POST", format!("/api/v1/moderation/shifts/{}/approve", w.pending_shift), Some(json!({}))),
        (ModeratorAct, "POST", format!("/api/v1/moderation/shifts/{}/reject", w.pending_shift), Some(json!({"reason_code": "incomplete"}))),
        (ModeratorAct, "POST", format!("/api/v1/moderation/shifts/{}/take-down", w.pending_shift), Some(json!({"reason_code": "unsafe"}))),
        (ModeratorAct, "POST", format!("/api/v1/moderation/reports/{}/resolve", w.report), Some(json!({"resolution": "已核实并处理"}))),
        (ModeratorAct, "POST", format!("/api/v1/employers/{}/block", w.employer), Some(json!({"reason": "核实存在欠薪"}))),
        (ModeratorAct, "POST", format!("/api/v1/employers/{}/unblock", w.employer), Some(json!({"reason": "问题已整改"}))),
        (ModeratorAct, "POST", format!("/api/v1/shifts/{}/close", w.published_shift), Some(json!({}))),
    ]
}

/// A token for `who`, scoped to `prefix` when staff (`None`: an admin without a scope).
async fn caller(app: &TestApp, admin: &str, who: Who, prefix: Option<&str>) -> Option<String> {
    let role = match who {
        Who::Moderator => "moderator",
        Who::Station => "station_staff",
        Who::Admin => "admin",
        Who::Worker => return Some(app.worker().await.0),
        Who::Employer => return Some(app.employer(true).await.0),
        Who::Anonymous => return None,
    };
    let t = app.staff(role).await;
    if let Some(prefix) = prefix {
        let me = app.get("/api/v1/auth/me", Some(&t)).await.body["id"].as_i64().unwrap();
        app.put(&format!("/api/v1/staff/{me}/scope"), Some(admin), json!({"adcodes": [prefix]})).await.assert(204);
    }
    Some(t)
}

#[tokio::test]
async fn every_staff_route_answers_every_role_in_and_out_of_scope_as_designed() {
    let mut failures = Vec::new();
    for who in EVERYONE {
        for in_scope in [true, false] {
            // A fresh market per caller, so one caller's actions never change what the next meets.
            let app = spawn_app().await;
            let admin = app.staff("admin").await;
            let prefix = match (who, in_scope) {
                (Who::Admin, true) => None,
                (_, true) => Some("11"),
                (_, false) => Some("4403"),
            };
            let token = caller(&app, &admin, who, prefix).await;
            let w = world(&app).await;
            // The index follows the database asynchronously: wait until an unscoped admin's search sees the worker.
            let search = "/api/v1/availability/search?lat=39.92&lng=116.46&radius_km=10";
            eventually(std::time::Duration::from_secs(5), || async { app.get(search, Some(&admin)).await.body["total"] == 1 }).await;
            for (kind, method, path, body) in staff_routes(&w) {
                let r = app.req(method.parse().unwrap(), &path, token.as_deref(), body).await;
                let want = expected(kind, who, in_scope);
                if !want.contains(&r.status.as_u16()) {
                    failures.push(format!("{who:?} in_scope={in_scope} {method} {path}: {} (want {want:?}) {}", r.status, r.text));
                }
                if kind == Kind::StaffSearch && r.status.is_success() {
                    let total = r.body["total"].as_u64().unwrap();
                    if total != u64::from(in_scope) {
                        failures.push(format!("{who:?} in_scope={in_scope} search shows {total} workers: {}", r.text));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} answers not as designed:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn staff_reads_of_private_worker_fields_are_audited() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let station = caller(&app, &admin, Who::Station, Some("11")).await.unwrap();
    let station_id = app.get("/api/v1/auth/me", Some(&station)).await.body["id"].as_i64().unwrap();
    let (worker_token, worker) = app.worker().await;
    app.post("/api/v1/availability", Some(&worker_token), availability_body()).await.assert(201);
    let audit = |target: i64| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let r = app.get(&format!("/api/v1/audit?target_type=worker&target_id={target}&actor_id={station_id}"), Some(&admin)).await;
            r.assert(200);
            r.body["items"].as_array().unwrap().iter().filter(|i| i["action"] == "worker.read_private").cloned().collect::<Vec<Value>>()
        }
    };
    assert!(audit(worker).await.is_empty());
    let r = app.get(&format!("/api/v1/workers/{worker}"), Some(&station)).await;
    r.assert(200);
    assert!(r.body["adcode"].as_str().unwrap().starts_with("11"), "the worker's district comes from the home point: {}", r.text);
    let entries = audit(worker).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["after"]["fields"], json!(["phone", "id_number", "key_groups"]));
    assert_eq!(entries[0]["after"]["via"], "workers.get");
    // The availability search shows phone and key groups: one more entry.
    let search = "/api/v1/availability/search?lat=39.92&lng=116.46&radius_km=10";
    eventually(std::time::Duration::from_secs(5), || async { app.get(search, Some(&admin)).await.body["total"] == 1 }).await;
    app.get(search, Some(&station)).await.assert(200);
    let entries = audit(worker).await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0]["after"]["via"], "availability.search");
    // A refused read (out of scope) shows nothing and logs nothing.
    let shenzhen = caller(&app, &admin, Who::Station, Some("4403")).await.unwrap();
    app.get(&format!("/api/v1/workers/{worker}"), Some(&shenzhen)).await.assert_error(403, "forbidden");
    let shenzhen_id = app.get("/api/v1/auth/me", Some(&shenzhen)).await.body["id"].as_i64().unwrap();
    let r = app.get(&format!("/api/v1/audit?target_type=worker&target_id={worker}&actor_id={shenzhen_id}"), Some(&admin)).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 0, "{}", r.text);
}
