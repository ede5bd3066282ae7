//! The in-app inbox (站内信): every notification queued for an account lands there too, with or
//! without an email address, and is worded when read; each user sees and marks only their own.

use std::time::Duration;

use chrono::DateTime;
use serde_json::{Value, json};

use crate::helpers::*;

async fn post_shift(app: &TestApp, token: &str, take_mode: &str, day: i64) -> i64 {
    let mut b = shift_body();
    b["take_mode"] = json!(take_mode);
    b["headcount"] = json!(2);
    b["slots"] = json!([{"start": at(day, 8), "end": at(day, 12)}]);
    b["valid_through"] = json!(at(6, 0));
    let r = app.post("/api/v1/shifts", Some(token), b).await;
    r.assert(201);
    r.body["id"].as_i64().unwrap()
}

async fn act(app: &TestApp, id: i64, action: &str, token: &str) -> Resp {
    let body = match action {
        "check-in" | "check-out" => json!({"lat": 39.9087, "lng": 116.4605}),
        _ => json!({}),
    };
    let r = app.post(&format!("/api/v1/engagements/{id}/{action}"), Some(token), body).await;
    r.assert(200);
    r
}

/// The worker can come on `day` from 06:00 to 14:00 and the index has it, so invitations to an
/// 08:00–12:00 shift that day match.
async fn available_on(app: &TestApp, worker: &str, worker_id: i64, day: i64, shift: i64, employer: &str) {
    let mut a = availability_body();
    a["windows"] = json!({"dated": [{"start": at(day, 6), "end": at(day, 14)}]});
    app.post("/api/v1/availability", Some(worker), a).await.assert(201);
    eventually(Duration::from_secs(5), || async {
        let r = app.get(&format!("/api/v1/shifts/{shift}/matches"), Some(employer)).await;
        r.body["items"].as_array().is_some_and(|items| items.iter().any(|i| i["worker_id"] == worker_id))
    })
    .await;
}

async fn inbox(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/inbox{query}"), Some(token)).await;
    r.assert(200);
    r.body["items"].as_array().unwrap().clone()
}

async fn unread(app: &TestApp, token: &str) -> i64 {
    let r = app.get("/api/v1/inbox/unread-count", Some(token)).await;
    r.assert(200);
    r.body["unread"].as_i64().unwrap()
}

/// The worker's item of `kind` about engagement `id`.
fn item<'a>(items: &'a [Value], kind: &str, id: i64) -> &'a Value {
    let link = format!("/api/v1/engagements/{id}");
    items.iter().find(|i| i["kind"] == kind && i["link"] == link.as_str()).unwrap_or_else(|| panic!("no {kind} for {id} in {items:#?}"))
}

#[tokio::test]
async fn a_worker_without_email_is_told_in_the_inbox() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let (worker, worker_id) = app.worker().await;
    let me = app.get("/api/v1/auth/me", Some(&worker)).await;
    assert!(me.body["email"].is_null(), "the worker has no address: {}", me.text);
    assert_eq!(unread(&app, &worker).await, 0);

    // An instant claim (day 3), an invitation (day 4), and an application accepted (day 2).
    let claimed = post_shift(&app, &employer, "instant", 3).await;
    let r = app.post(&format!("/api/v1/shifts/{claimed}/applications"), Some(&worker), json!({})).await;
    r.assert(201);
    let claim = r.body["id"].as_i64().unwrap();

    let invited = post_shift(&app, &employer, "apply", 4).await;
    available_on(&app, &worker, worker_id, 4, invited, &employer).await;
    let r = app.post(&format!("/api/v1/shifts/{invited}/invitations"), Some(&employer), json!({"worker_id": worker_id})).await;
    r.assert(201);
    let invitation = r.body["id"].as_i64().unwrap();

    let applied = post_shift(&app, &employer, "apply", 2).await;
    let r = app.post(&format!("/api/v1/shifts/{applied}/applications"), Some(&worker), json!({})).await;
    r.assert(201);
    let application = r.body["id"].as_i64().unwrap();
    act(&app, application, "accept", &employer).await;

    // Worked and completed: pay is due.
    let start = DateTime::parse_from_rfc3339(&at(2, 8)).unwrap().naive_utc();
    app.clock.advance(start - app.clock.now() + chrono::Duration::minutes(1));
    act(&app, application, "check-in", &worker).await;
    app.clock.advance(chrono::Duration::hours(4));
    let r = act(&app, application, "check-out", &worker).await;
    let slot = r.body["slots"][0]["id"].as_i64().unwrap();
    app.put(&format!("/api/v1/engagements/{application}/attendance/{slot}"), Some(&employer), json!({})).await.assert(200);
    act(&app, application, "complete", &employer).await;

    let items = inbox(&app, &worker, "?limit=100").await;
    for (kind, id) in [("claim_confirmed", claim), ("invitation", invitation), ("application_accepted", application), ("pay_due", application)] {
        let i = item(&items, kind, id);
        assert!(i["read_at"].is_null(), "{i}");
        for f in ["title_zh", "title_en", "body_zh", "body_en"] {
            assert!(i[f].as_str().is_some_and(|s| !s.is_empty()), "{kind} {f}: {i}");
        }
        assert!(i["body_zh"].as_str().unwrap().contains("家庭保洁员"), "{i}");
        assert!(i["created_at"].as_str().unwrap().ends_with("+08:00"), "{i}");
    }
    assert!(item(&items, "pay_due", application)["title_zh"].as_str().unwrap().contains("元"), "the amount is in the title");
    let ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    assert_eq!(items[0]["kind"], "pay_due", "the last told is first");

    // Mail stays the second channel: the same notices are in the outbox, visibly unsent.
    let mails = mail_kinds(&app).await;
    for (kind, id) in [("claim_confirmed", claim), ("invitation", invitation), ("application_accepted", application), ("pay_due", application)] {
        assert!(mails.iter().any(|(k, p)| k == kind && p["engagement_id"] == id), "{kind} queued as mail too");
    }

    // The employer (no address either) has theirs: verified, applications received.
    let theirs = inbox(&app, &employer, "").await;
    assert!(theirs.iter().any(|i| i["kind"] == "employer_verified"), "{theirs:#?}");
    item(&theirs, "application_received", application);

    // Reading one lowers the count, once; unread=true leaves it out; read-all clears the rest.
    let total = items.len() as i64;
    assert_eq!(unread(&app, &worker).await, total);
    let first = items[0]["id"].as_i64().unwrap();
    let r = app.post(&format!("/api/v1/inbox/{first}/read"), Some(&worker), json!({})).await;
    r.assert(200);
    let read_at = r.body["read_at"].clone();
    assert!(read_at.is_string(), "{}", r.text);
    assert_eq!(unread(&app, &worker).await, total - 1);
    let again = app.post(&format!("/api/v1/inbox/{first}/read"), Some(&worker), json!({})).await;
    again.assert(200);
    assert_eq!(again.body["read_at"], read_at, "the first reading stays");
    assert_eq!(unread(&app, &worker).await, total - 1);
    let left = inbox(&app, &worker, "?unread=true&limit=100").await;
    assert_eq!(left.len() as i64, total - 1);
    assert!(!left.iter().any(|i| i["id"] == first));
    assert_eq!(inbox(&app, &worker, "?unread=false&limit=100").await.len() as i64, total, "unread=false is everything");
    let r = app.post("/api/v1/inbox/read-all", Some(&worker), json!({})).await;
    r.assert(200);
    assert_eq!(r.body, json!({"unread": 0}));
    assert_eq!(unread(&app, &worker).await, 0);
    assert!(inbox(&app, &worker, "?unread=true").await.is_empty());
    assert!(inbox(&app, &worker, "?limit=100").await.iter().all(|i| i["read_at"].is_string()));
}

#[tokio::test]
async fn nobody_reads_or_marks_another_users_items() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let (worker, _) = app.worker().await;
    let (other, _) = app.worker().await;
    let staff = app.staff("moderator").await;
    let shift = post_shift(&app, &employer, "instant", 3).await;
    app.post(&format!("/api/v1/shifts/{shift}/applications"), Some(&worker), json!({})).await.assert(201);
    let items = inbox(&app, &worker, "").await;
    assert_eq!(items.len(), 1);
    let id = items[0]["id"].as_i64().unwrap();

    // Another worker, the employer and staff alike: not found, and nothing changes.
    for token in [&other, &employer, &staff] {
        app.post(&format!("/api/v1/inbox/{id}/read"), Some(token), json!({})).await.assert_error(404, "not_found");
        assert!(!inbox(&app, token, "?limit=100").await.iter().any(|i| i["id"] == id));
        app.post("/api/v1/inbox/read-all", Some(token), json!({})).await.assert(200);
    }
    assert_eq!(unread(&app, &worker).await, 1, "their item is still unread");
    assert!(inbox(&app, &staff, "").await.is_empty(), "staff have an inbox too");
    assert_eq!(unread(&app, &other).await, 0);
    for bad in [0, -1, id + 1000] {
        app.post(&format!("/api/v1/inbox/{bad}/read"), Some(&worker), json!({})).await.assert_error(404, "not_found");
    }
    app.post("/api/v1/inbox/abc/read", Some(&worker), json!({})).await.assert_error(404, "not_found");

    // Signed out: 401 everywhere.
    app.get("/api/v1/inbox", None).await.assert_error(401, "unauthorized");
    app.get("/api/v1/inbox/unread-count", None).await.assert_error(401, "unauthorized");
    app.post(&format!("/api/v1/inbox/{id}/read"), None, json!({})).await.assert_error(401, "unauthorized");
    app.post("/api/v1/inbox/read-all", None, json!({})).await.assert_error(401, "unauthorized");
}

#[tokio::test]
async fn a_signed_in_reporter_is_told_in_the_inbox_once_and_an_anonymous_one_only_by_mail() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let (worker, _) = app.worker().await;
    let moderator = app.staff("moderator").await;
    let shift = post_shift(&app, &employer, "apply", 3).await;
    let body = json!({"target_type": "shift", "target_id": shift, "kind": "fake_job", "description": "到了现场发现没有这份工作"});
    let report_id = |r: &Resp| r.body["report"]["id"].as_i64().or_else(|| r.body["id"].as_i64()).unwrap();
    let kinds = |items: &[Value], report: i64| -> Vec<String> {
        let link = format!("/api/v1/reports/{report}");
        let mut k: Vec<String> = items.iter().filter(|i| i["link"] == link.as_str()).map(|i| i["kind"].as_str().unwrap().to_string()).collect();
        k.sort();
        k
    };

    // Without an address, and with another address than the account's (confirmed later).
    let r = app.post("/api/v1/reports", Some(&worker), body.clone()).await;
    r.assert(201);
    let plain = report_id(&r);
    let mut other = body.clone();
    other["email"] = json!("elsewhere@example.com");
    let r = app.post("/api/v1/reports", Some(&worker), other).await;
    r.assert(201);
    let elsewhere = report_id(&r);
    let items = inbox(&app, &worker, "").await;
    assert_eq!(kinds(&items, plain), ["report_received"]);
    assert_eq!(kinds(&items, elsewhere), ["report_received"], "the account is told at once, the address after confirming");

    for id in [plain, elsewhere] {
        app.post(&format!("/api/v1/moderation/reports/{id}/resolve"), Some(&moderator), json!({"resolution": "已核实并处理"})).await.assert(200);
    }
    let link = crate::hardening::confirmation_link(&app, elsewhere).await;
    app.get(&link, None).await.assert(200);
    let items = inbox(&app, &worker, "").await;
    for id in [plain, elsewhere] {
        assert_eq!(kinds(&items, id), ["report_received", "report_resolved"], "each once: {items:#?}");
    }
    assert!(items.iter().any(|i| i["body_zh"].as_str().unwrap().contains("已核实并处理")));

    let mut anon = body;
    anon["email"] = json!("someone@example.com");
    app.post("/api/v1/reports", None, anon).await.assert(201);
    assert_eq!(inbox(&app, &worker, "").await.len(), 4, "an anonymous report reaches no inbox");
    assert!(inbox(&app, &moderator, "").await.is_empty());
    assert_eq!(mail_kinds(&app).await.iter().filter(|(k, _)| k == "report_email_confirmation").count(), 2, "both addresses are mailed");
}

/// Queues `n` notifications for `user_id` the way every use case does.
async fn queue(app: &TestApp, user_id: i64, n: usize) {
    use lingong::domain::notification::{Notification, WaitlistOffer};
    let db = lingong::db::Db::connect(&app.db.url, 1, Duration::from_secs(5)).unwrap();
    db.tx(move |tx| {
        for i in 0..n {
            let note = Notification::WaitlistOffer(WaitlistOffer { engagement_id: 1000 + i as i64, title: format!("岗位{i}") });
            lingong::services::outbox::enqueue_to_user(tx, user_id, &note)?;
        }
        Ok(())
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_inbox_pages_newest_first_with_and_without_the_unread_filter() {
    let app = spawn_app().await;
    let (worker, user_id, _) = app.register("worker").await;
    let (other, other_id, _) = app.register("employer").await;
    queue(&app, user_id, 23).await;
    queue(&app, other_id, 3).await;
    assert_eq!(unread(&app, &worker).await, 23);

    // Every page size walks every item once, newest first, and stops.
    let walk = |query: String| {
        let (app, worker) = (&app, &worker);
        async move {
            let mut seen: Vec<i64> = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let q = format!("?{query}{}", cursor.as_deref().map(|c| format!("&cursor={c}")).unwrap_or_default());
                let r = app.get(&format!("/api/v1/inbox{q}"), Some(worker)).await;
                r.assert(200);
                seen.extend(r.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()));
                match r.body["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_string()),
                    None => break,
                }
                assert!(seen.len() <= 100, "the walk ends");
            }
            seen
        }
    };
    let all = walk("limit=100".into()).await;
    assert_eq!(all.len(), 23);
    assert!(all.windows(2).all(|w| w[0] > w[1]), "{all:?}");
    for limit in [1, 2, 5, 7, 22, 23, 24] {
        assert_eq!(walk(format!("limit={limit}")).await, all, "limit {limit}");
    }
    assert_eq!(inbox(&app, &worker, "").await.len(), 20, "20 by default");

    // Mark every third read; the unread walk is the rest, in order.
    for id in all.iter().step_by(3) {
        app.post(&format!("/api/v1/inbox/{id}/read"), Some(&worker), json!({})).await.assert(200);
    }
    let rest: Vec<i64> = all.iter().enumerate().filter(|(i, _)| i % 3 != 0).map(|(_, id)| *id).collect();
    assert_eq!(unread(&app, &worker).await, rest.len() as i64);
    for limit in [1, 4, 15, 100] {
        assert_eq!(walk(format!("unread=true&limit={limit}")).await, rest, "unread, limit {limit}");
    }
    assert_eq!(unread(&app, &other).await, 3, "the other account's items are its own");

    // Bad paging or filter: the structured 422, naming the field.
    for (query, field) in
        [("limit=0", "limit"), ("limit=101", "limit"), ("cursor=abc", "cursor"), ("cursor=-3", "cursor"), ("unread=maybe", "unread"), ("color=red", "color")]
    {
        let r = app.get(&format!("/api/v1/inbox?{query}"), Some(&worker)).await;
        r.assert_error(422, "validation_failed");
        assert!(r.fields().iter().any(|f| f == field) || r.text.contains(field), "{query}: {}", r.text);
    }
}

/// Items are stored as the notification and worded when read: a row written in an older stored
/// form (fields in another order) reads with today's wording, and one this build cannot read
/// still shows rather than failing the whole inbox.
#[tokio::test]
async fn items_are_worded_when_read() {
    let app = spawn_app().await;
    let (worker, user_id, _) = app.register("worker").await;
    let db = lingong::db::Db::connect(&app.db.url, 1, Duration::from_secs(5)).unwrap();
    db.tx(move |tx| {
        use diesel::prelude::*;
        use lingong::db::schema::inbox;
        let now = tx.now();
        for (kind, payload) in [("application_declined", r#"{"title": "旧岗位", "engagement_id": 12}"#), ("no_such_kind", r#"{"x": 1}"#)] {
            diesel::insert_into(inbox::table)
                .values((inbox::user_id.eq(user_id), inbox::kind.eq(kind), inbox::payload.eq(payload), inbox::created_at.eq(now)))
                .execute(tx.conn())?;
        }
        Ok(())
    })
    .await
    .unwrap();
    let items = inbox(&app, &worker, "").await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["kind"], "no_such_kind");
    assert_eq!(items[0]["title_en"], "Notice");
    let declined = &items[1];
    let expected =
        lingong::inbox::render(&lingong::domain::notification::Notification::ApplicationDeclined(lingong::domain::notification::ApplicationDeclined {
            engagement_id: 12,
            title: "旧岗位".into(),
        }));
    assert_eq!(declined["title_zh"], expected.title_zh.as_str());
    assert_eq!(declined["body_en"], expected.body_en.as_str());
    assert_eq!(declined["link"], "/api/v1/engagements/12");
    assert_eq!(unread(&app, &worker).await, 2);
}
