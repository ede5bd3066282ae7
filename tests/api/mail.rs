//! Mail through a real SMTP server (`smtp_sink`, in this process, over TCP) and the outbox's
//! exactly-once delivery across a killed worker and across concurrent workers.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lingong::domain::notification::{Notification, ReportReceived};
use serde_json::json;

use crate::helpers::*;
use crate::smtp_sink::SmtpSink;

async fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "condition not met within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn mail_reaches_a_real_smtp_server() {
    let sink = SmtpSink::start(0);
    let app = spawn_with(|c| {
        c.mail.transport = lingong::config::MailTransportKind::Smtp;
        c.mail.smtp_url = sink.url();
        c.mail.poll_interval_ms = 50;
    })
    .await;
    let phone = format!("135{:08}", unique() % 100_000_000);
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"role": "employer", "phone": phone, "password": "a-good-passphrase", "display_name": "王经理", "email": "wang@example.com"}),
        )
        .await;
    let token = r.body["token"].as_str().unwrap().to_string();
    let emp = app.put("/api/v1/employers/me", Some(&token), employer_body()).await.body["id"].as_i64().unwrap();
    let id = app.post("/api/v1/shifts", Some(&token), shift_body()).await.body["id"].as_i64().unwrap();
    let moderator = app.staff("moderator").await;
    app.post(&format!("/api/v1/moderation/shifts/{id}/reject"), Some(&moderator), json!({"reason_code": "illegal_fee", "reason": "要求交押金"}))
        .await
        .assert(200);
    app.post(&format!("/api/v1/employers/{emp}/verify"), Some(&moderator), json!({})).await.assert(200);
    wait_for(Duration::from_secs(15), || sink.messages().len() >= 2).await;
    let mails = sink.messages();
    let rejected = mails.iter().find(|m| m.subject.contains("未通过审核")).expect("rejection mail");
    assert_eq!(rejected.rcpt_tos, ["wang@example.com"]);
    assert!(rejected.subject.contains("家庭保洁员（日结）"));
    let body = &rejected.body;
    assert!(body.contains("要求交押金") && body.contains("asks workers to pay"), "{body}");
    assert!(rejected.mail_from.contains("no-reply@lingong.localhost"));
    assert!(mails.iter().any(|m| m.subject.contains("实名认证已通过")));
    assert_eq!(sink.messages().len(), 2, "each event is mailed once");
}

fn enqueue(db: &lingong::db::Db, n: usize) {
    let mut conn = db.get().unwrap();
    for i in 0..n {
        db.write_on(&mut conn, |tx| {
            let note = Notification::ReportReceived(ReportReceived { report_id: i as i64 });
            lingong::services::outbox::enqueue(tx, Some(format!("person{i}@example.com")), &note)
        })
        .unwrap();
    }
}

#[tokio::test]
async fn a_worker_killed_mid_send_leaves_each_mail_sent_once() {
    let sink = SmtpSink::start(1);
    let db_t = TestDb::new();
    let db = lingong::db::Db::connect(&db_t.url, 2, Duration::from_secs(5)).unwrap();
    db.migrate().unwrap();
    enqueue(&db, 5);
    let dir = tempfile::tempdir().unwrap();
    let serve = |sink: &SmtpSink| {
        Command::new(env!("CARGO_BIN_EXE_lingong"))
            .current_dir(dir.path())
            .env("LINGONG_DATABASE__URL", &db_t.url)
            .env_remove("LINGONG_REDIS__URL")
            .env("LINGONG_MAIL__TRANSPORT", "smtp")
            .env("LINGONG_MAIL__SMTP_URL", sink.url())
            .env("LINGONG_MAIL__POLL_INTERVAL_MS", "50")
            .env("LINGONG_MAIL__SMTP_TIMEOUT_SECS", "1")
            .env("LINGONG_MAIL__LEASE_SECS", "2")
            .args(["serve", "--bind", "127.0.0.1:0"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // The first worker claims the batch and stalls inside the SMTP exchange of the first mail.
    let mut first = serve(&sink);
    wait_for(Duration::from_secs(30), || sink.stalled()).await;
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(sink.messages().is_empty(), "nothing was delivered before the kill");
    // A new worker takes over once the lease lapses and sends everything exactly once.
    let mut second = serve(&sink);
    wait_for(Duration::from_secs(30), || sink.messages().len() >= 5).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    second.kill().unwrap();
    let _ = second.wait();
    let mut to: Vec<String> = sink.messages().iter().map(|m| m.rcpt_tos[0].clone()).collect();
    to.sort();
    assert_eq!(to, (0..5).map(|i| format!("person{i}@example.com")).collect::<Vec<_>>());
    let statuses: Vec<String> = db
        .run(|c| {
            use diesel::prelude::*;
            use lingong::db::schema::outbox;
            Ok(outbox::table.select(outbox::status).load(c)?)
        })
        .await
        .unwrap();
    assert!(statuses.iter().all(|s| s == "sent"), "{statuses:?}");
}

#[tokio::test]
async fn concurrent_workers_never_send_an_event_twice() {
    let db_t = TestDb::new();
    let db = lingong::db::Db::connect(&db_t.url, 6, Duration::from_secs(5)).unwrap();
    db.migrate().unwrap();
    enqueue(&db, 60);
    let mailer = lingong::mail::Mailer::Memory(Default::default());
    let mut tasks = Vec::new();
    for w in 0..3 {
        let (db, mailer) = (db.clone(), mailer.clone());
        tasks.push(tokio::spawn(async move {
            let name = format!("worker-{w}");
            while lingong::jobs::send_mail::run_once(&db, &mailer, "lingong <no-reply@lingong.localhost>", &name, Duration::from_secs(60)).await.unwrap() > 0 {}
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let sent = mailer.sent();
    let mut ids: Vec<&str> = sent.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(sent.len(), 60);
    assert_eq!(ids.len(), 60, "no event was sent twice");
}

/// Rows as an older or a broken writer might have left them: the sender refuses them with the
/// reason on the row instead of mailing blanks, and goes on with the rest.
#[tokio::test]
async fn an_unreadable_row_is_failed_with_its_reason_and_never_sent() {
    use diesel::prelude::*;
    use lingong::db::schema::outbox;

    let db_t = TestDb::new();
    let db = lingong::db::Db::connect(&db_t.url, 2, Duration::from_secs(5)).unwrap();
    db.migrate().unwrap();
    let now = db.clock().now();
    let rows = [
        // Written by the code before typed notifications: still reads.
        ("report_resolved", r#"{"report_id": 3, "resolution": "岗位已下架"}"#),
        ("pay_due", r#"{"engagement_id": 12, "title": "家庭保洁员"}"#),
        ("no_such_kind", r#"{"engagement_id": 12}"#),
        ("report_received", "not json"),
    ];
    db.run(move |c| {
        for (kind, payload) in rows {
            diesel::insert_into(outbox::table)
                .values((
                    outbox::kind.eq(kind),
                    outbox::recipient.eq("a@example.com"),
                    outbox::payload.eq(payload),
                    outbox::status.eq("pending"),
                    outbox::next_attempt_at.eq(now),
                    outbox::created_at.eq(now),
                ))
                .execute(c)?;
        }
        Ok(())
    })
    .await
    .unwrap();
    let mailer = lingong::mail::Mailer::Memory(Default::default());
    let handled = lingong::jobs::send_mail::run_once(&db, &mailer, "lingong <no-reply@lingong.localhost>", "w", Duration::from_secs(60)).await.unwrap();
    assert_eq!(handled, 4);
    let sent = mailer.sent();
    assert_eq!(sent.len(), 1, "only the readable row is mailed");
    assert!(sent[0].subject.contains("已处理") && sent[0].body.contains("处理结果：岗位已下架"), "{}", sent[0].body);
    let after: Vec<(String, String, i32, Option<String>)> = db
        .run(|c| Ok(outbox::table.order(outbox::id.asc()).select((outbox::kind, outbox::status, outbox::attempts, outbox::last_error)).load(c)?))
        .await
        .unwrap();
    assert_eq!((after[0].1.as_str(), after[0].3.as_deref()), ("sent", None));
    for (kind, status, attempts, error) in &after[1..] {
        assert_eq!((status.as_str(), *attempts), ("failed", 1), "{kind} fails at once: retrying reads it the same");
        let error = error.as_deref().unwrap_or_default();
        assert!(error.contains(kind.as_str()), "{kind}: {error}");
    }
    assert!(after[1].3.as_deref().unwrap().contains("missing field `hours`"), "{:?}", after[1].3);
    assert!(after[2].3.as_deref().unwrap().contains("unknown variant"), "{:?}", after[2].3);
    // Nothing is left for a later run.
    assert_eq!(lingong::jobs::send_mail::run_once(&db, &mailer, "lingong <no-reply@lingong.localhost>", "w", Duration::from_secs(60)).await.unwrap(), 0);
}
