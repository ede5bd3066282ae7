use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

async fn outbox_rows(app: &TestApp) -> Vec<(String, Option<String>, String)> {
    let db = lingong::db::Db::connect(&app.db.url, 1, Duration::from_secs(5)).unwrap();
    db.run(|conn| {
        use diesel::prelude::*;
        use lingong::db::schema::outbox;
        Ok(outbox::table.order(outbox::id.asc()).select((outbox::kind, outbox::recipient, outbox::status)).load(conn)?)
    })
    .await
    .unwrap()
}

async fn wait_until(limit: Duration, mut f: impl AsyncFnMut() -> bool) {
    let start = std::time::Instant::now();
    while !f().await {
        assert!(start.elapsed() < limit, "condition not met within {limit:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// An employer whose account has an email address (so mail is sent, not skipped).
async fn employer_with_email(app: &TestApp, email: &str) -> (String, i64) {
    let phone = format!("135{:08}", unique() % 100_000_000);
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"role": "employer", "phone": phone, "password": "a-good-passphrase", "display_name": "王经理", "email": email}),
        )
        .await;
    r.assert(201);
    let token = r.body["token"].as_str().unwrap().to_string();
    let id = app.put("/api/v1/employers/me", Some(&token), employer_body()).await.body["id"].as_i64().unwrap();
    (token, id)
}

fn in_search(body: &Value, id: i64) -> bool {
    body["items"].as_array().unwrap().iter().any(|i| i["shift"]["id"] == id)
}

#[tokio::test]
async fn a_moderators_day() {
    let app = spawn_with(|c| c.mail.poll_interval_ms = 50).await;
    let (employer, _) = employer_with_email(&app, "boss@example.com").await;
    let moderator = app.staff("moderator").await;
    let admin = app.staff("admin").await;

    // An unverified employer's posting waits in the queue.
    let id = app.post("/api/v1/shifts", Some(&employer), shift_body()).await.body["id"].as_i64().unwrap();
    let q = app.get("/api/v1/moderation/queue", Some(&moderator)).await;
    q.assert(200);
    assert_eq!(q.body["items"][0]["shift"]["id"], id);
    app.get("/api/v1/moderation/queue", Some(&employer)).await.assert_error(403, "forbidden");

    // Rejected with a canned reason plus text, which the employer sees and acts on.
    let reasons = app.get("/api/v1/moderation/reasons", None).await;
    assert!(reasons.body.as_array().unwrap().iter().any(|r| r["code"] == "incomplete"));
    let r = app
        .post(&format!("/api/v1/moderation/shifts/{id}/reject"), Some(&moderator), json!({"reason_code": "incomplete", "reason": "请写明具体工作时间"}))
        .await;
    r.assert(200);
    assert_eq!(r.body["status"], "rejected");
    let mine = app.get(&format!("/api/v1/shifts/{id}"), Some(&employer)).await;
    assert_eq!(mine.body["rejection_code"], "incomplete");
    assert!(mine.body["rejection_reason"].as_str().unwrap().contains("请写明具体工作时间"));
    app.post(&format!("/api/v1/moderation/shifts/{id}/reject"), Some(&moderator), json!({"reason_code": "other"})).await.assert(422);

    // Fixed and resubmitted, then approved: published and searchable.
    let r = app
        .patch(&format!("/api/v1/shifts/{id}"), Some(&employer), json!({"description": "负责住户家庭日常保洁，每天上午 8 点到 12 点，工具由公司提供。"}))
        .await;
    assert_eq!(r.body["status"], "pending_review");
    let r = app.post(&format!("/api/v1/moderation/shifts/{id}/approve"), Some(&moderator), json!({})).await;
    r.assert(200);
    assert_eq!(r.body["status"], "published");
    app.post(&format!("/api/v1/moderation/shifts/{id}/approve"), Some(&moderator), json!({})).await.assert_error(409, "invalid_state");
    wait_until(Duration::from_secs(5), async || in_search(&app.get("/api/v1/shifts/search", None).await.body, id)).await;

    // Taken down: gone from search.
    let r = app.post(&format!("/api/v1/moderation/shifts/{id}/take-down"), Some(&moderator), json!({"reason_code": "false_information"})).await;
    assert_eq!(r.body["status"], "taken_down");
    wait_until(Duration::from_secs(5), async || !in_search(&app.get("/api/v1/shifts/search", None).await.body, id)).await;

    // Bulk: two pending shifts rejected at once; a published one fails on its own.
    let a = app.post("/api/v1/shifts", Some(&employer), shift_body()).await.body["id"].as_i64().unwrap();
    let b = app.post("/api/v1/shifts", Some(&employer), shift_body()).await.body["id"].as_i64().unwrap();
    let r = app.post("/api/v1/moderation/bulk", Some(&moderator), json!({"action": "reject", "shift_ids": [a, b, id], "reason_code": "discrimination"})).await;
    r.assert(200);
    let oks: Vec<bool> = r.body.as_array().unwrap().iter().map(|x| x["ok"].as_bool().unwrap()).collect();
    assert_eq!(oks, [true, true, false]);

    // Every action is in the audit log, readable by admins only.
    let log = app.get(&format!("/api/v1/audit?target_type=shift&target_id={id}"), Some(&admin)).await;
    log.assert(200);
    let actions: Vec<&str> = log.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["shift.take_down", "shift.approve", "shift.reject"]);
    assert_eq!(log.body["items"][2]["before"]["status"], "pending_review");
    assert_eq!(log.body["items"][2]["after"]["status"], "rejected");
    app.get("/api/v1/audit", Some(&moderator)).await.assert_error(403, "forbidden");

    // The employer was told each time, through the outbox.
    wait_until(Duration::from_secs(10), async || outbox_rows(&app).await.iter().filter(|r| r.2 == "sent").count() >= 5).await;
    let mails = outbox_rows(&app).await;
    let kinds: Vec<&str> = mails.iter().map(|m| m.0.as_str()).collect();
    for k in ["shift_rejected", "shift_approved", "shift_taken_down"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    assert!(mails.iter().all(|m| m.1.as_deref() == Some("boss@example.com")));
}

#[tokio::test]
async fn the_audit_log_is_append_only() {
    let app = spawn_app().await;
    let (_, emp) = app.employer(true).await;
    let db = lingong::db::Db::connect(&app.db.url, 1, Duration::from_secs(5)).unwrap();
    let (upd, del) = db
        .run(|conn| {
            use diesel::prelude::*;
            use lingong::db::schema::audit_log;
            let upd = diesel::update(audit_log::table).set(audit_log::reason.eq("rewritten")).execute(conn).is_err();
            let del = diesel::delete(audit_log::table).execute(conn).is_err();
            Ok((upd, del))
        })
        .await
        .unwrap();
    assert!(upd && del, "the database refuses to change or delete audit entries");
    let admin = app.staff("admin").await;
    let log = app.get(&format!("/api/v1/audit?target_type=employer&target_id={emp}"), Some(&admin)).await;
    assert_eq!(log.body["items"][0]["action"], "employer.verify");
}

#[tokio::test]
async fn blocked_employers_disappear_and_cannot_post() {
    let app = spawn_app().await;
    let (employer, emp_id) = app.employer(true).await;
    let id = app.post("/api/v1/shifts", Some(&employer), shift_body()).await.body["id"].as_i64().unwrap();
    wait_until(Duration::from_secs(5), async || in_search(&app.get("/api/v1/shifts/search", None).await.body, id)).await;
    let moderator = app.staff("moderator").await;
    let r = app.post(&format!("/api/v1/employers/{emp_id}/block"), Some(&moderator), json!({"reason": "经查实拖欠工资"})).await;
    r.assert(200);
    assert_eq!(r.body["blocked"], true);
    wait_until(Duration::from_secs(5), async || !in_search(&app.get("/api/v1/shifts/search", None).await.body, id)).await;
    let r = app.post("/api/v1/shifts", Some(&employer), shift_body()).await;
    r.assert_error(403, "employer_blocked");
    assert!(r.text.contains("拖欠工资"));
    app.post(&format!("/api/v1/employers/{emp_id}/block"), Some(&employer), json!({"reason": "x"})).await.assert(403);
    app.post(&format!("/api/v1/employers/{emp_id}/unblock"), Some(&moderator), json!({"reason": "已结清工资"})).await.assert(200);
    app.post("/api/v1/shifts", Some(&employer), shift_body()).await.assert(201);
    wait_until(Duration::from_secs(5), async || in_search(&app.get("/api/v1/shifts/search", None).await.body, id)).await;
}

#[tokio::test]
async fn reports_hide_a_shift_until_reviewed_and_reporters_follow_them() {
    let app = spawn_with(|c| {
        // Weighted: an anonymous reporter counts 0.5, a new account without completed work 0.25.
        c.moderation.report_hide_threshold = 1;
        c.mail.poll_interval_ms = 50;
    })
    .await;
    let (employer, emp_id) = app.employer(true).await;
    let id = app.post("/api/v1/shifts", Some(&employer), shift_body()).await.body["id"].as_i64().unwrap();
    wait_until(Duration::from_secs(5), async || in_search(&app.get("/api/v1/shifts/search", None).await.body, id)).await;

    // An anonymous report with an email for the outcome.
    let r = app
        .post(
            "/api/v1/reports",
            None,
            json!({"target_type": "shift", "target_id": id, "kind": "illegal_fee", "description": "面试时要求先交200元服装费", "email": "citizen@example.com"}),
        )
        .await;
    r.assert(201);
    let report_id = r.body["id"].as_i64().unwrap();
    let follow = r.body["follow_token"].as_str().unwrap().to_string();
    assert_eq!(r.body["status"], "open");
    app.get(&format!("/api/v1/reports/{report_id}"), None).await.assert(404);
    assert_eq!(app.get(&format!("/api/v1/reports/{report_id}?token={follow}"), None).await.body["status"], "open");
    // The same person again does not count twice; two more people do.
    app.post("/api/v1/reports", None, json!({"target_type": "shift", "target_id": id, "kind": "illegal_fee", "description": "又一次要求交服装费"}))
        .await
        .assert(201);
    assert!(in_search(&app.get("/api/v1/shifts/search", None).await.body, id));
    let (other, _) = app.worker().await;
    app.post("/api/v1/reports", Some(&other), json!({"target_type": "shift", "target_id": id, "kind": "fake_job", "description": "现场没有这份工作"}))
        .await
        .assert(201);
    assert!(in_search(&app.get("/api/v1/shifts/search", None).await.body, id));
    let (worker, _) = app.worker().await;
    app.post("/api/v1/reports", Some(&worker), json!({"target_type": "shift", "target_id": id, "kind": "fake_job", "description": "到了现场发现没有这份工作"}))
        .await
        .assert(201);
    wait_until(Duration::from_secs(5), async || !in_search(&app.get("/api/v1/shifts/search", None).await.body, id)).await;
    // Hidden by reports: not readable by the public either, while its owner still sees it.
    app.get(&format!("/api/v1/shifts/{id}"), None).await.assert(404);
    app.get(&format!("/api/v1/shifts/{id}"), Some(&worker)).await.assert(404);
    app.get(&format!("/api/v1/shifts/{id}"), Some(&employer)).await.assert(200);
    // Reports against the employer are grouped in the queue.
    app.post(
        "/api/v1/reports",
        Some(&worker),
        json!({"target_type": "employer", "target_id": emp_id, "kind": "wage_arrears", "description": "上个月的工资还没发"}),
    )
    .await
    .assert(201);
    let moderator = app.staff("moderator").await;
    let q = app.get("/api/v1/moderation/queue", Some(&moderator)).await;
    assert_eq!(q.body["items"][0]["shift"]["id"], id);
    assert_eq!(q.body["items"][0]["hidden_by_reports"], true);
    assert_eq!(q.body["items"][0]["open_reports"], 4);
    assert_eq!(q.body["reported_employers"][0]["employer_id"], emp_id);
    assert_eq!(q.body["reported_employers"][0]["open_reports"], 5);
    // The address given with the anonymous report confirms it through the mailed link.
    let link = crate::hardening::confirmation_link(&app, report_id).await;
    app.get(&link, None).await.assert(200);

    // Taken down: the reports on the shift are resolved and the reporter is told.
    app.post(&format!("/api/v1/moderation/shifts/{id}/take-down"), Some(&moderator), json!({"reason_code": "illegal_fee"})).await.assert(200);
    let followed = app.get(&format!("/api/v1/reports/{report_id}?token={follow}"), None).await;
    assert_eq!(followed.body["status"], "resolved");
    assert!(followed.body["resolution"].as_str().unwrap().contains("向劳动者收取费用"));
    wait_until(Duration::from_secs(10), async || {
        outbox_rows(&app).await.iter().any(|m| m.0 == "report_resolved" && m.1.as_deref() == Some("citizen@example.com") && m.2 == "sent")
    })
    .await;
    // Reporters without an email are skipped, visibly.
    assert!(outbox_rows(&app).await.iter().any(|m| m.0 == "report_received" && m.2 == "skipped_no_email"));

    let r = app.post("/api/v1/reports", None, json!({"target_type": "planet", "target_id": 1, "kind": "bad", "description": "x"})).await;
    assert_eq!(r.fields(), ["target_type", "kind", "description"]);
    app.post("/api/v1/reports", None, json!({"target_type": "shift", "target_id": 999999, "kind": "other", "description": "不存在的岗位"})).await.assert(422);
}

#[tokio::test]
async fn reports_are_rate_limited() {
    let app = spawn_with(|c| c.moderation.report_requests = 2).await;
    let (_, emp_id) = app.employer(true).await;
    let body = json!({"target_type": "employer", "target_id": emp_id, "kind": "other", "description": "测试举报内容"});
    app.post("/api/v1/reports", None, body.clone()).await.assert(201);
    app.post("/api/v1/reports", None, body.clone()).await.assert(201);
    app.post("/api/v1/reports", None, body).await.assert_error(429, "rate_limited");
}

#[tokio::test]
async fn moderators_see_and_act_only_in_their_districts() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(false).await;
    let beijing = app.post("/api/v1/shifts", Some(&employer), shift_body()).await.body["id"].as_i64().unwrap();
    let mut sz = shift_body();
    sz["lat"] = json!(22.54);
    sz["lng"] = json!(113.93);
    let shenzhen = app.post("/api/v1/shifts", Some(&employer), sz).await.body["id"].as_i64().unwrap();
    let admin = app.staff("admin").await;
    let moderator = app.staff("moderator").await;
    let me = app.get("/api/v1/auth/me", Some(&moderator)).await.body["id"].as_i64().unwrap();
    app.put(&format!("/api/v1/staff/{me}/scope"), Some(&moderator), json!({"adcodes": ["4403"]})).await.assert(403);
    app.put(&format!("/api/v1/staff/{me}/scope"), Some(&admin), json!({"adcodes": ["4403"]})).await.assert(204);
    let q = app.get("/api/v1/moderation/queue", Some(&moderator)).await;
    let ids: Vec<i64> = q.body["items"].as_array().unwrap().iter().map(|i| i["shift"]["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [shenzhen]);
    app.post(&format!("/api/v1/moderation/shifts/{beijing}/approve"), Some(&moderator), json!({})).await.assert_error(403, "forbidden");
    app.post(&format!("/api/v1/moderation/shifts/{shenzhen}/approve"), Some(&moderator), json!({})).await.assert(200);
}

#[tokio::test]
async fn the_policy_states_the_rules_in_both_languages() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/policy", None).await;
    r.assert(200);
    assert!(r.body["free_listing"]["zh"].as_str().unwrap().contains("免费"));
    assert!(r.body["free_listing"]["en"].as_str().unwrap().contains("free"));
    assert_eq!(r.body["report_endpoint"], "/api/v1/reports");
    assert_eq!(r.body["hotline"], "12333");
}
