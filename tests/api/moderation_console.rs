//! Moderators read the engagement behind a wage-arrears report: only an engagement a report is
//! about, only within their districts, each read audited; every other role keeps its old answer.

use serde_json::{Value, json};

use crate::helpers::*;

/// A disputed, completed engagement in Beijing (朝阳) whose worker filed a wage-arrears report.
pub struct Arrears {
    pub employer: String,
    pub employer_id: i64,
    pub worker: String,
    pub worker_id: i64,
    pub shift: i64,
    pub engagement: i64,
    pub report: i64,
}

/// A worked engagement on a published instant shift on `day` (08:00–12:00), left completed (not
/// yet reported). The app's clock moves to the end of the work; days must come in order.
pub async fn worked_engagement(app: &TestApp, day: i64) -> (String, i64, String, i64, i64, i64) {
    let (employer, employer_id) = app.employer(true).await;
    let mut b = shift_body();
    b["take_mode"] = json!("instant");
    b["headcount"] = json!(2);
    b["slots"] = json!([{"start": at(day, 8), "end": at(day, 12)}]);
    b["valid_through"] = json!(at(day + 3, 0));
    let s = app.post("/api/v1/shifts", Some(&employer), b).await;
    s.assert(201);
    let shift = s.body["id"].as_i64().unwrap();
    let (worker, worker_id) = app.worker().await;
    let e = app.post(&format!("/api/v1/shifts/{shift}/applications"), Some(&worker), json!({})).await;
    e.assert(201);
    let engagement = e.body["id"].as_i64().unwrap();
    let start = chrono::DateTime::parse_from_rfc3339(&at(day, 8)).unwrap().naive_utc();
    if start > app.clock.now() {
        app.clock.advance(start - app.clock.now());
    }
    app.post(&format!("/api/v1/engagements/{engagement}/check-in"), Some(&worker), json!({"lat": 39.9087, "lng": 116.4605})).await.assert(200);
    app.clock.advance(chrono::Duration::hours(4));
    app.post(&format!("/api/v1/engagements/{engagement}/check-out"), Some(&worker), json!({})).await.assert(200);
    app.post(&format!("/api/v1/engagements/{engagement}/complete"), Some(&employer), json!({"hours": 4, "amount_fen": 14000})).await.assert(200);
    (employer, employer_id, worker, worker_id, shift, engagement)
}

/// [`worked_engagement`], disputed by the worker and reported as wage arrears.
pub async fn arrears(app: &TestApp, day: i64) -> Arrears {
    let (employer, employer_id, worker, worker_id, shift, engagement) = worked_engagement(app, day).await;
    app.post(&format!("/api/v1/engagements/{engagement}/dispute"), Some(&worker), json!({"reason": "只付了一半"})).await.assert(200);
    let r = app.post(&format!("/api/v1/engagements/{engagement}/arrears-report"), Some(&worker), json!({"note": "多次催要未果"})).await;
    r.assert(201);
    Arrears { employer, employer_id, worker, worker_id, shift, engagement, report: r.body["id"].as_i64().unwrap() }
}

/// A staff token of `role`, limited to `prefix` by the admin when given.
pub async fn staff_in(app: &TestApp, admin: &str, role: &str, prefix: Option<&str>) -> (String, i64) {
    let t = app.staff(role).await;
    let me = app.get("/api/v1/auth/me", Some(&t)).await.body["id"].as_i64().unwrap();
    if let Some(p) = prefix {
        app.put(&format!("/api/v1/staff/{me}/scope"), Some(admin), json!({"adcodes": [p]})).await.assert(204);
    }
    (t, me)
}

async fn private_reads(app: &TestApp, admin: &str, worker_id: i64) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/audit?target_type=worker&target_id={worker_id}"), Some(admin)).await;
    r.assert(200);
    r.body["items"].as_array().unwrap().iter().filter(|i| i["action"] == "worker.read_private").cloned().collect()
}

#[tokio::test]
async fn moderators_read_the_engagement_behind_an_arrears_report_in_their_districts_only() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let a = arrears(&app, 2).await;
    // A second engagement on another shift that no report names.
    let (_, _, _, plain_worker, _, plain) = worked_engagement(&app, 3).await;
    let path = |id: i64| format!("/api/v1/engagements/{id}");

    // (role, scope prefix, answer for the reported engagement, answer for the unreported one)
    let cases: [(&str, Option<&str>, u16, u16); 7] = [
        ("moderator", None, 200, 404),
        ("moderator", Some("11"), 200, 404),
        ("moderator", Some("110105"), 200, 404),
        ("moderator", Some("4403"), 403, 404),
        ("admin", None, 200, 404),
        ("admin", Some("31"), 403, 404),
        ("station_staff", Some("11"), 403, 403),
    ];
    let mut expected_reads = 0;
    for (role, prefix, reported, unreported) in cases {
        let (token, me) = staff_in(&app, &admin, role, prefix).await;
        let r = app.get(&path(a.engagement), Some(&token)).await;
        assert_eq!(r.status.as_u16(), reported, "{role} {prefix:?}: {}", r.text);
        let r2 = app.get(&path(plain), Some(&token)).await;
        assert_eq!(r2.status.as_u16(), unreported, "{role} {prefix:?} on an engagement without a report: {}", r2.text);
        if reported == 200 {
            expected_reads += 1;
            // Both parties by name, the timeline, attendance and pay: the facts of the complaint.
            assert_eq!(r.body["worker"]["name"], "李秀英", "{}", r.text);
            assert!(r.body["worker"]["phone"].as_str().is_some_and(|p| p.len() == 11), "{}", r.text);
            assert_eq!(r.body["employer"]["name"], "北京城市综合服务有限公司");
            assert_eq!(r.body["employer"]["contact_phone"], "13812345678");
            assert_eq!(r.body["state"], "disputed");
            assert_eq!(r.body["arrears_report_id"], a.report);
            assert_eq!(r.body["amount_fen"], 14000);
            assert_eq!(r.body["attendance"].as_array().unwrap().len(), 1);
            let trail: Vec<&str> = r.body["events"].as_array().unwrap().iter().map(|e| e["to_state"].as_str().unwrap()).collect();
            assert_eq!(trail, ["confirmed", "checked_in", "checked_out", "completed", "disputed"]);
            // Each read is on record: who, whose data, through what.
            let reads = private_reads(&app, &admin, a.worker_id).await;
            assert_eq!(reads.len(), expected_reads, "one audit entry per read");
            assert_eq!(reads[0]["actor_id"], me);
            assert_eq!(reads[0]["after"]["via"], "engagements.get");
        } else {
            assert_eq!(private_reads(&app, &admin, a.worker_id).await.len(), expected_reads, "{role} {prefix:?}: a refused read is not recorded");
        }
    }
    assert!(private_reads(&app, &admin, plain_worker).await.is_empty(), "nothing was shown of the unreported engagement's worker");

    // The parties still read it as before; other workers and employers are told it does not exist.
    app.get(&path(a.engagement), Some(&a.worker)).await.assert(200);
    app.get(&path(a.engagement), Some(&a.employer)).await.assert(200);
    let (other_worker, _) = app.worker().await;
    let (other_employer, _) = app.employer(true).await;
    app.get(&path(a.engagement), Some(&other_worker)).await.assert_error(404, "not_found");
    app.get(&path(a.engagement), Some(&other_employer)).await.assert_error(404, "not_found");
    app.get(&path(a.engagement), None).await.assert(401);
    // Reading is all: a moderator cannot move the engagement.
    let (moderator, _) = staff_in(&app, &admin, "moderator", None).await;
    app.post(&format!("/api/v1/engagements/{}/confirm-paid", a.engagement), Some(&moderator), json!({})).await.assert_error(404, "not_found");
    let _ = (a.employer_id, a.shift);
}
