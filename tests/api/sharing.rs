//! 共享用工 (labour sharing) over HTTP: a surplus and a shortage posted by two verified
//! enterprises, matched both ways with reasons, brokered by staff of the district into an
//! agreement both agree to, run and ended, and counted; then the hostile variants, each generated
//! in a loop: fee fields, fee words however disguised, households and individual businesses,
//! unverified enterprises, forged ids, other enterprises' posts and agreements, staff of other
//! districts, every illegal state and action pair, and replays. Each bad request is a structured
//! error and leaves no row behind.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::bodies::employer_body;
use crate::helpers::*;

/// The local date `days` from today (Asia/Shanghai), `YYYY-MM-DD`.
fn day(days: i64) -> String {
    ((Utc::now() + Duration::hours(8)).date_naive() + Duration::days(days)).format("%Y-%m-%d").to_string()
}

/// An employer of `kind`, verified by a moderator when asked. Returns (token, employer id).
async fn firm(app: &TestApp, kind: &str, verified: bool, name: &str) -> (String, i64) {
    let (token, _, _) = app.register("employer").await;
    let mut body = employer_body();
    body["kind"] = json!(kind);
    body["name"] = json!(name);
    if kind != "enterprise" {
        body.as_object_mut().unwrap().remove("credit_code");
    }
    let r = app.put("/api/v1/employers/me", Some(&token), body).await;
    r.assert(200);
    let id = r.body["id"].as_i64().unwrap();
    if verified {
        let m = app.staff("moderator").await;
        app.post(&format!("/api/v1/employers/{id}/verify"), Some(&m), json!({})).await.assert(200);
    }
    (token, id)
}

/// A post near 建国路 (`km_north` km north of it).
fn post_body(side: &str, cats: &[&str], headcount: i64, from: i64, to: i64, km_north: f64) -> Value {
    json!({
        "side": side,
        "categories": cats,
        "headcount": headcount,
        "start_date": day(from),
        "end_date": day(to),
        "address": "北京市朝阳区建国路88号",
        "lat": 39.9087 + km_north / 111.195,
        "lng": 116.4605,
        "note": "酒店客房保洁，每天8小时，由原单位照常发放工资并缴纳社保。"
    })
}

async fn post(app: &TestApp, token: &str, body: Value) -> i64 {
    let r = app.post("/api/v1/sharing/posts", Some(token), body).await;
    r.assert(201);
    r.body["id"].as_i64().unwrap()
}

fn propose_body(surplus: i64, shortage: i64, headcount: i64) -> Value {
    json!({
        "surplus_post_id": surplus,
        "shortage_post_id": shortage,
        "headcount": headcount,
        "consenting_workers": headcount,
        "consent_note": "员工书面同意书已核验，原件存借出方人事部",
        "terms": "借出员工在借入方酒店做客房保洁，每天8小时，借入方提供安全培训和劳动保护用品。"
    })
}

async fn me_id(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/auth/me", Some(token)).await.body["id"].as_i64().unwrap()
}

/// Rows of a table, counted directly.
async fn rows(app: &TestApp, table: &'static str) -> i64 {
    let db = lingong::db::Db::connect(&app.db.url, 1, std::time::Duration::from_secs(5)).unwrap();
    db.run(move |conn| {
        use diesel::prelude::*;
        use lingong::db::schema::{audit_log, sharing_agreements, sharing_posts};
        Ok(match table {
            "posts" => sharing_posts::table.count().get_result::<i64>(conn)?,
            "agreements" => sharing_agreements::table.count().get_result::<i64>(conn)?,
            _ => audit_log::table.count().get_result::<i64>(conn)?,
        })
    })
    .await
    .unwrap()
}

async fn counts(app: &TestApp, prefix: &str) -> lingong::services::sharing::SharingCounts {
    let db = lingong::db::Db::connect(&app.db.url, 1, std::time::Duration::from_secs(5)).unwrap();
    let prefix = prefix.to_string();
    let (from, to) = (Utc::now().naive_utc() - Duration::days(1), Utc::now().naive_utc() + Duration::days(1));
    db.run(move |conn| lingong::services::sharing::counts(conn, &|a: Option<&str>| a.is_some_and(|a| a.starts_with(prefix.as_str())), from, to)).await.unwrap()
}

/// A lender and a borrower, verified, with a surplus and a shortage that match.
struct Pair {
    lender: String,
    borrower: String,
    surplus: i64,
    shortage: i64,
}

async fn pair(app: &TestApp, headcount: i64) -> Pair {
    let (lender, _) = firm(app, "enterprise", true, "甲酒店管理有限公司").await;
    let (borrower, _) = firm(app, "enterprise", true, "乙物业服务有限公司").await;
    let surplus = post(app, &lender, post_body("surplus", &["cleaning", "housekeeping"], headcount, 0, 20, 0.0)).await;
    let shortage = post(app, &borrower, post_body("shortage", &["cleaning"], headcount, 0, 10, 3.0)).await;
    Pair { lender, borrower, surplus, shortage }
}

async fn act(app: &TestApp, token: &str, id: i64, action: &str) -> Resp {
    app.post(&format!("/api/v1/sharing/agreements/{id}/{action}"), Some(token), json!({})).await
}

#[tokio::test]
async fn an_agreement_plays_through_from_posts_to_ended_and_is_counted() {
    let app = spawn_app().await;
    let p = pair(&app, 5).await;
    // Both ways: the surplus sees the shortage, the shortage the surplus, with reasons.
    for (token, id, other) in [(&p.lender, p.surplus, p.shortage), (&p.borrower, p.shortage, p.surplus)] {
        let r = app.get(&format!("/api/v1/sharing/posts/{id}/matches"), Some(token)).await;
        r.assert(200);
        let items = r.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{}", r.text);
        assert_eq!(items[0]["post"]["id"], other);
        let codes: Vec<&str> = items[0]["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["skills", "dates", "headcount", "distance"]);
        for reason in items[0]["reasons"].as_array().unwrap() {
            assert!(!reason["zh"].as_str().unwrap().is_empty() && !reason["en"].as_str().unwrap().is_empty(), "{reason}");
        }
        assert_eq!(items[0]["headcount"], 5);
        assert!((items[0]["distance_km"].as_f64().unwrap() - 3.0).abs() < 0.2);
    }
    let staff = app.staff("moderator").await;
    let mails_before = mail_kinds(&app).await.len();
    let r = app.post("/api/v1/sharing/agreements", Some(&staff), propose_body(p.surplus, p.shortage, 3)).await;
    r.assert(201);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["state"], "proposed");
    assert_eq!(r.body["wages_paid_by"], "lender");
    assert_eq!(r.body["social_insurance_paid_by"], "lender");
    assert_eq!(r.body["injury_responsibility"], "lender");
    assert_eq!(r.body["start_date"], day(0));
    assert_eq!(r.body["end_date"], day(10));
    assert_eq!(r.body["actions"], json!(["cancel"]), "staff may only cancel a proposal");
    // The agreement holds 3 of each post's 5.
    assert_eq!(app.get(&format!("/api/v1/sharing/posts/{}", p.surplus), Some(&p.lender)).await.body["remaining"], 2);
    // Both enterprises see it, with what each may do.
    for token in [&p.lender, &p.borrower] {
        let r = app.get(&format!("/api/v1/sharing/agreements/{id}"), Some(token)).await;
        r.assert(200);
        assert_eq!(r.body["actions"], json!(["agree", "cancel"]));
        let list = app.get("/api/v1/sharing/agreements", Some(token)).await;
        assert_eq!(list.body["items"][0]["id"], id);
    }
    let r = act(&app, &p.lender, id, "agree").await;
    r.assert(200);
    assert_eq!(r.body["state"], "proposed");
    assert_eq!(r.body["lender_agreed"], true);
    // A replayed agreement is refused, and changes nothing.
    act(&app, &p.lender, id, "agree").await.assert_error(409, "already_agreed");
    let r = act(&app, &p.borrower, id, "agree").await;
    r.assert(200);
    assert_eq!(r.body["state"], "agreed");
    let r = act(&app, &p.borrower, id, "start").await;
    r.assert(200);
    assert_eq!(r.body["state"], "running");
    act(&app, &p.borrower, id, "start").await.assert_error(409, "sharing_wrong_state");
    let r = act(&app, &staff, id, "end").await;
    r.assert(200);
    assert_eq!(r.body["state"], "ended");
    assert_eq!(r.body["actions"], json!([]));
    act(&app, &p.lender, id, "end").await.assert_error(409, "sharing_wrong_state");
    // Each change told both enterprises: proposed, agreed by the lender, agreed, running, ended.
    let mails: Vec<(String, Value)> = mail_kinds(&app).await.into_iter().skip(mails_before).filter(|(k, _)| k == "sharing_agreement").collect();
    let events: Vec<&str> = mails.iter().map(|(_, p)| p["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["proposed", "proposed", "agreed_by_lender", "agreed_by_lender", "agreed", "agreed", "running", "running", "ended", "ended"]);
    for token in [&p.lender, &p.borrower] {
        let inbox = app.get("/api/v1/inbox", Some(token)).await;
        let kinds: Vec<&str> = inbox.body["items"].as_array().unwrap().iter().filter_map(|i| i["kind"].as_str()).collect();
        assert_eq!(kinds.iter().filter(|k| **k == "sharing_agreement").count(), 5, "{}", inbox.text);
    }
    // Each transition is audited, with who did it.
    let admin = app.staff("admin").await;
    let audit = app.get(&format!("/api/v1/audit?target_type=sharing_agreement&target_id={id}"), Some(&admin)).await;
    let actions: Vec<&str> = audit.body["items"].as_array().unwrap().iter().map(|i| i["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["sharing.end", "sharing.start", "sharing.agree", "sharing.agree", "sharing.propose"]);
    // Counted by district prefix: Beijing has it, Shenzhen does not.
    let c = counts(&app, "11").await;
    assert_eq!((c.surplus_posts, c.shortage_posts, c.surplus_headcount, c.shortage_headcount), (1, 1, 5, 5));
    assert_eq!(c.agreements["ended"], 1);
    assert_eq!(c.agreements["proposed"], 0);
    assert_eq!(c.headcount_shared, 3);
    assert_eq!(counts(&app, "").await, c);
    let none = counts(&app, "4403").await;
    assert_eq!((none.surplus_posts, none.headcount_shared), (0, 0));
    assert!(none.agreements.values().all(|n| *n == 0));
    // The same figures in the statistics, for the district and the asker's scope.
    let period = format!("from={}&to={}", day(-1), day(1));
    let extra = |body: &Value| -> std::collections::HashMap<String, i64> {
        body["extra"].as_array().unwrap().iter().map(|x| (x["key"].as_str().unwrap().to_string(), x["value"].as_i64().unwrap())).collect()
    };
    let x = extra(&app.get(&format!("/api/v1/stats?{period}"), Some(&admin)).await.body);
    assert_eq!((x["sharing_surplus_headcount"], x["sharing_shortage_headcount"], x["sharing_agreements"], x["sharing_headcount_shared"]), (5, 5, 1, 3));
    let m = app.staff("moderator").await;
    let me = app.get("/api/v1/auth/me", Some(&m)).await.body["id"].as_i64().unwrap();
    app.put(&format!("/api/v1/staff/{me}/scope"), Some(&admin), json!({"adcodes": ["4403"]})).await.assert(204);
    let x = extra(&app.get(&format!("/api/v1/stats?{period}"), Some(&m)).await.body);
    assert_eq!((x["sharing_agreements"], x["sharing_headcount_shared"]), (0, 0), "another district's staff see none of it");
    // An ended agreement no longer holds anyone.
    assert_eq!(app.get(&format!("/api/v1/sharing/posts/{}", p.surplus), Some(&p.lender)).await.body["remaining"], 5);
}

#[tokio::test]
async fn matching_runs_both_ways_ranked_with_reasons() {
    let app = spawn_app().await;
    let (need_token, _) = firm(&app, "enterprise", true, "缺人物业有限公司").await;
    let shortage = post(&app, &need_token, post_body("shortage", &["cleaning", "housekeeping"], 4, 2, 11, 0.0)).await;
    // The enterprise's own surplus is never its match.
    post(&app, &need_token, post_body("surplus", &["cleaning", "housekeeping"], 4, 2, 11, 0.0)).await;
    let mut lenders = Vec::new();
    for (name, cats, headcount, from, to, km) in [
        ("全能酒店有限公司", vec!["cleaning", "housekeeping"], 4, 0, 20, 1.0),
        ("半技能酒店有限公司", vec!["cleaning"], 4, 0, 20, 1.0),
        ("人少酒店有限公司", vec!["cleaning", "housekeeping"], 1, 0, 20, 1.0),
        ("远方酒店有限公司", vec!["cleaning", "housekeeping"], 4, 0, 20, 30.0),
        ("太远酒店有限公司", vec!["cleaning", "housekeeping"], 4, 0, 20, 60.0),
        ("不对口酒店有限公司", vec!["security"], 4, 0, 20, 1.0),
        ("不同期酒店有限公司", vec!["cleaning", "housekeeping"], 4, 12, 20, 1.0),
    ] {
        let (token, _) = firm(&app, "enterprise", true, name).await;
        let id = post(&app, &token, post_body("surplus", &cats, headcount, from, to, km)).await;
        lenders.push((name, token, id));
    }
    let r = app.get(&format!("/api/v1/sharing/posts/{shortage}/matches"), Some(&need_token)).await;
    r.assert(200);
    let items = r.body["items"].as_array().unwrap();
    let ids: Vec<i64> = items.iter().map(|i| i["post"]["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 4, "too far, no common skill and no common day do not match: {}", r.text);
    assert_eq!(ids[0], lenders[0].2, "the one that meets everything comes first");
    for (_, _, id) in &lenders[4..] {
        assert!(!ids.contains(id));
    }
    let scores: Vec<f64> = items.iter().map(|i| i["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let partial = items.iter().find(|i| i["post"]["id"] == lenders[1].2).unwrap();
    assert!(partial["reasons"][0]["en"].as_str().unwrap().contains("1 of the 2"), "{partial}");
    let few = items.iter().find(|i| i["post"]["id"] == lenders[2].2).unwrap();
    assert_eq!(few["headcount"], 1);
    // And the other way: each matching surplus finds the shortage.
    for (name, token, id) in &lenders[..4] {
        let r = app.get(&format!("/api/v1/sharing/posts/{id}/matches"), Some(token)).await;
        assert_eq!(r.body["items"][0]["post"]["id"], shortage, "{name}: {}", r.text);
    }
    // A withdrawn post neither matches nor is matched.
    app.post(&format!("/api/v1/sharing/posts/{}/withdraw", lenders[0].2), Some(&lenders[0].1), json!({})).await.assert(200);
    app.post(&format!("/api/v1/sharing/posts/{}/withdraw", lenders[0].2), Some(&lenders[0].1), json!({})).await.assert_error(409, "post_withdrawn");
    let r = app.get(&format!("/api/v1/sharing/posts/{shortage}/matches"), Some(&need_token)).await;
    assert!(!r.body["items"].as_array().unwrap().iter().any(|i| i["post"]["id"] == lenders[0].2));
    assert_eq!(app.get(&format!("/api/v1/sharing/posts/{}/matches", lenders[0].2), Some(&lenders[0].1)).await.body["items"], json!([]));
}

#[tokio::test]
async fn fee_fields_and_any_unknown_field_are_refused_with_nothing_stored() {
    let app = spawn_app().await;
    let p = pair(&app, 5).await;
    let staff = app.staff("moderator").await;
    let (posts, agreements, audit) = (rows(&app, "posts").await, rows(&app, "agreements").await, rows(&app, "audit").await);
    let keys = [
        "fee",
        "fees",
        "price",
        "deposit",
        "service_fee",
        "agency_fee",
        "management_fee",
        "commission",
        "margin",
        "charge",
        "payment",
        "fee_fen",
        "price_fen",
        "cost",
        "管理费",
        "服务费",
        "Fee",
        "wages_paid_by",
        "social_insurance_paid_by",
    ];
    for key in keys {
        for value in [json!(100), json!("0"), json!(null), json!({"amount_fen": 1})] {
            let mut body = post_body("surplus", &["cleaning"], 2, 0, 5, 0.0);
            body[key] = value.clone();
            let r = app.post("/api/v1/sharing/posts", Some(&p.lender), body).await;
            r.assert_field(422, key, "unknown_field");
            let mut body = propose_body(p.surplus, p.shortage, 1);
            body[key] = value;
            let r = app.post("/api/v1/sharing/agreements", Some(&staff), body).await;
            r.assert_field(422, key, "unknown_field");
        }
        let r = app.post("/api/v1/sharing/agreements/1/cancel", Some(&staff), json!({ key: 1 })).await;
        assert!(r.status == 422 || r.status == 404, "{key}: {}", r.text);
    }
    assert_eq!((rows(&app, "posts").await, rows(&app, "agreements").await, rows(&app, "audit").await), (posts, agreements, audit));
}

#[tokio::test]
async fn fee_words_in_free_text_are_refused_however_disguised() {
    let app = spawn_app().await;
    let p = pair(&app, 5).await;
    let staff = app.staff("moderator").await;
    let (posts, agreements) = (rows(&app, "posts").await, rows(&app, "agreements").await);
    // The listing screening reads through spacing, full-width forms and traditional characters.
    let words = ["押金", "中介费", "服务费", "管理费", "介绍费", "保证金"];
    let disguise = |w: &str, how: usize| -> String {
        match how {
            0 => w.to_string(),
            1 => w.chars().map(|c| c.to_string()).collect::<Vec<_>>().join(" "),
            2 => w.chars().map(|c| c.to_string()).collect::<Vec<_>>().join("\u{3000}"),
            3 => w.replace('费', "費").replace('务', "務").replace('绍', "紹").replace('证', "證"),
            _ => w.chars().map(|c| c.to_string()).collect::<Vec<_>>().join("\u{200b}"),
        }
    };
    let mut refused = 0;
    for w in words {
        for how in 0..5 {
            let text = format!("每借出一名员工，借入方需向我方支付{}300元。", disguise(w, how));
            let mut body = post_body("surplus", &["cleaning"], 2, 0, 5, 0.0);
            body["note"] = json!(text);
            let r = app.post("/api/v1/sharing/posts", Some(&p.lender), body).await;
            r.assert(422);
            assert!(r.fields().contains(&"note".to_string()), "{text}: {}", r.text);
            let mut body = propose_body(p.surplus, p.shortage, 1);
            body["terms"] = json!(format!("借入方每月支付{}，按人头计算，另行结算。", disguise(w, how)));
            let r = app.post("/api/v1/sharing/agreements", Some(&staff), body).await;
            r.assert(422);
            assert!(r.fields().contains(&"terms".to_string()), "{w} {how}: {}", r.text);
            refused += 2;
        }
    }
    assert_eq!(refused, words.len() * 10);
    // Plain text with no charge passes.
    post(&app, &p.lender, post_body("surplus", &["cleaning"], 2, 0, 5, 0.0)).await;
    assert_eq!((rows(&app, "posts").await, rows(&app, "agreements").await), (posts + 1, agreements));
}

#[tokio::test]
async fn only_verified_enterprises_take_part() {
    let app = spawn_app().await;
    let body = post_body("surplus", &["cleaning"], 2, 0, 5, 0.0);
    for (kind, verified, code) in [
        ("household", true, "not_an_enterprise"),
        ("household", false, "not_an_enterprise"),
        ("individual", true, "not_an_enterprise"),
        ("individual", false, "not_an_enterprise"),
        ("enterprise", false, "employer_not_verified"),
    ] {
        let (token, _) = firm(&app, kind, verified, "某某家庭服务").await;
        for side in ["surplus", "shortage"] {
            let mut b = body.clone();
            b["side"] = json!(side);
            let r = app.post("/api/v1/sharing/posts", Some(&token), b).await;
            r.assert_field(422, "employer", code);
            let en = app.send(app.client.post(format!("{}/api/v1/sharing/posts", app.addr)).header("Accept-Language", "en").json(&body), Some(&token)).await;
            assert!(en.body["error"]["fields"][0]["message"].as_str().unwrap().is_ascii(), "English message: {}", en.text);
        }
    }
    // A worker, a profile-less employer and nobody at all.
    let (worker, _) = app.worker().await;
    app.post("/api/v1/sharing/posts", Some(&worker), body.clone()).await.assert_error(403, "forbidden");
    let (bare, _, _) = app.register("employer").await;
    app.post("/api/v1/sharing/posts", Some(&bare), body.clone()).await.assert_error(409, "employer_profile_required");
    app.post("/api/v1/sharing/posts", None, body.clone()).await.assert(401);
    assert_eq!(rows(&app, "posts").await, 0);
    // Every field wrong at once: each named, nothing stored.
    let (ok, _) = firm(&app, "enterprise", true, "正常企业有限公司").await;
    let bad = json!({"side": "both", "categories": ["no_such"], "headcount": 0, "start_date": "2026-1-1", "end_date": day(-3), "address": "", "lat": 91.0, "lng": 0.0, "note": ""});
    let r = app.post("/api/v1/sharing/posts", Some(&ok), bad).await;
    r.assert(422);
    for f in ["side", "categories[0]", "headcount", "start_date", "address", "lat", "note"] {
        assert!(r.fields().contains(&f.to_string()), "{f}: {}", r.text);
    }
    for (start, end, field, code) in
        [(5, 2, "end_date", "end_before_start"), (-10, -2, "end_date", "in_the_past"), (0, 400, "end_date", "too_long"), (400, 401, "start_date", "too_far")]
    {
        let r = app.post("/api/v1/sharing/posts", Some(&ok), post_body("surplus", &["cleaning"], 1, start, end, 0.0)).await;
        r.assert_field(422, field, code);
    }
    assert_eq!(rows(&app, "posts").await, 0);
}

#[tokio::test]
async fn forged_ids_and_other_enterprises_things_are_not_found() {
    let app = spawn_app().await;
    let p = pair(&app, 5).await;
    let (other, _) = firm(&app, "enterprise", true, "旁观企业有限公司").await;
    let staff = app.staff("moderator").await;
    let id = app.post("/api/v1/sharing/agreements", Some(&staff), propose_body(p.surplus, p.shortage, 1)).await.body["id"].as_i64().unwrap();
    for forged in ["abc", "-1", "0", "99999999", "1e3", "%EF%BC%91", "1.5", "9223372036854775808"] {
        for path in
            [format!("/api/v1/sharing/posts/{forged}"), format!("/api/v1/sharing/posts/{forged}/matches"), format!("/api/v1/sharing/agreements/{forged}")]
        {
            app.get(&path, Some(&p.lender)).await.assert_error(404, "not_found");
        }
        app.post(&format!("/api/v1/sharing/posts/{forged}/withdraw"), Some(&p.lender), json!({})).await.assert_error(404, "not_found");
        app.post(&format!("/api/v1/sharing/agreements/{forged}/agree"), Some(&p.lender), json!({})).await.assert_error(404, "not_found");
    }
    app.post(&format!("/api/v1/sharing/agreements/{id}/approve"), Some(&p.lender), json!({})).await.assert_error(404, "route_not_found");
    // Another enterprise sees none of it, and cannot move it.
    for post_id in [p.surplus, p.shortage] {
        app.get(&format!("/api/v1/sharing/posts/{post_id}"), Some(&other)).await.assert_error(404, "not_found");
        app.get(&format!("/api/v1/sharing/posts/{post_id}/matches"), Some(&other)).await.assert_error(404, "not_found");
        app.post(&format!("/api/v1/sharing/posts/{post_id}/withdraw"), Some(&other), json!({})).await.assert_error(404, "not_found");
    }
    // The borrower cannot withdraw the lender's post either.
    app.post(&format!("/api/v1/sharing/posts/{}/withdraw", p.surplus), Some(&p.borrower), json!({})).await.assert_error(404, "not_found");
    app.get(&format!("/api/v1/sharing/agreements/{id}"), Some(&other)).await.assert_error(404, "not_found");
    for action in ["agree", "start", "end", "cancel"] {
        act(&app, &other, id, action).await.assert_error(404, "not_found");
    }
    assert_eq!(app.get("/api/v1/sharing/agreements", Some(&other)).await.body["items"], json!([]));
    assert_eq!(app.get("/api/v1/sharing/posts", Some(&other)).await.body["items"], json!([]));
    // Forged post ids in a proposal: each named, nothing stored.
    let before = rows(&app, "agreements").await;
    for (surplus, shortage, field, code) in [
        (99999, p.shortage, "surplus_post_id", "unknown_post"),
        (p.surplus, 99999, "shortage_post_id", "unknown_post"),
        (p.shortage, p.shortage, "surplus_post_id", "wrong_side"),
        (p.surplus, p.surplus, "shortage_post_id", "wrong_side"),
        (-1, p.shortage, "surplus_post_id", "unknown_post"),
    ] {
        let r = app.post("/api/v1/sharing/agreements", Some(&staff), propose_body(surplus, shortage, 1)).await;
        r.assert_field(422, field, code);
    }
    // More staff than both posts still have free, too few consents, dates outside both posts.
    let mut b = propose_body(p.surplus, p.shortage, 5);
    app.post("/api/v1/sharing/agreements", Some(&staff), b.clone()).await.assert_field(422, "headcount", "too_many");
    b = propose_body(p.surplus, p.shortage, 2);
    b["consenting_workers"] = json!(1);
    app.post("/api/v1/sharing/agreements", Some(&staff), b).await.assert_field(422, "consenting_workers", "consent_missing");
    b = propose_body(p.surplus, p.shortage, 1);
    b["end_date"] = json!(day(15));
    app.post("/api/v1/sharing/agreements", Some(&staff), b).await.assert_field(422, "start_date", "outside_overlap");
    b = propose_body(p.surplus, p.shortage, 1);
    b["injury_responsibility"] = json!("borrower");
    app.post("/api/v1/sharing/agreements", Some(&staff), b.clone()).await.assert_field(422, "injury_note", "required");
    b["injury_note"] = json!("双方约定工伤由借入方先行承担");
    app.post("/api/v1/sharing/agreements", Some(&staff), b).await.assert(201);
    assert_eq!(rows(&app, "agreements").await, before + 1);
    // A flood of proposals at once never shares more staff than the posts have free.
    let free = app.get(&format!("/api/v1/sharing/posts/{}", p.surplus), Some(&p.lender)).await.body["remaining"].as_i64().unwrap();
    let results =
        futures_util::future::join_all((0..8).map(|_| app.post("/api/v1/sharing/agreements", Some(&staff), propose_body(p.surplus, p.shortage, 1)))).await;
    let made = results.iter().filter(|r| r.status == 201).count() as i64;
    assert_eq!(made, free, "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(
        results
            .iter()
            .filter(|r| r.status != 201)
            .all(|r| r.status == 422 && r.field_code("headcount").is_some() || r.field_code("shortage_post_id").as_deref() == Some("not_a_match"))
    );
    assert_eq!(app.get(&format!("/api/v1/sharing/posts/{}", p.surplus), Some(&p.lender)).await.body["remaining"], 0);
    // Enterprises do not propose; they ask staff.
    app.post("/api/v1/sharing/agreements", Some(&p.lender), propose_body(p.surplus, p.shortage, 1)).await.assert_error(403, "forbidden");
}

#[tokio::test]
async fn staff_of_other_districts_are_refused_and_station_staff_of_this_one_broker() {
    let app = spawn_app().await;
    let p = pair(&app, 5).await;
    let admin = app.staff("admin").await;
    let elsewhere = app.staff("moderator").await;
    let elsewhere_id = me_id(&app, &elsewhere).await;
    for scope in [json!(["4403"]), json!(["110108"]), json!(["120101", "310104"])] {
        app.put(&format!("/api/v1/staff/{elsewhere_id}/scope"), Some(&admin), json!({"adcodes": scope})).await.assert(204);
        let r = app.post("/api/v1/sharing/agreements", Some(&elsewhere), propose_body(p.surplus, p.shortage, 1)).await;
        r.assert_error(403, "forbidden");
        app.get(&format!("/api/v1/sharing/posts/{}", p.shortage), Some(&elsewhere)).await.assert_error(403, "forbidden");
        app.get(&format!("/api/v1/sharing/posts/{}/matches", p.shortage), Some(&elsewhere)).await.assert_error(403, "forbidden");
        assert_eq!(app.get("/api/v1/sharing/posts", Some(&elsewhere)).await.body["items"], json!([]));
    }
    assert_eq!(rows(&app, "agreements").await, 0);
    // The station at 建国路 covers the place of work.
    let station = app.station().await;
    let r = app.get("/api/v1/sharing/posts", Some(&station.staff)).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2, "{}", r.text);
    let r = app.post("/api/v1/sharing/agreements", Some(&station.staff), propose_body(p.surplus, p.shortage, 1)).await;
    r.assert(201);
    let id = r.body["id"].as_i64().unwrap();
    // Staff elsewhere can neither read nor move it.
    app.get(&format!("/api/v1/sharing/agreements/{id}"), Some(&elsewhere)).await.assert_error(403, "forbidden");
    for action in ["agree", "start", "end", "cancel"] {
        act(&app, &elsewhere, id, action).await.assert_error(403, "forbidden");
    }
    assert_eq!(app.get("/api/v1/sharing/agreements", Some(&elsewhere)).await.body["items"], json!([]));
    assert_eq!(app.get(&format!("/api/v1/sharing/agreements/{id}"), Some(&p.lender)).await.body["state"], "proposed");
    // Workers see nothing of sharing.
    let (worker, _) = app.worker().await;
    app.get("/api/v1/sharing/posts", Some(&worker)).await.assert_error(403, "forbidden");
    app.get(&format!("/api/v1/sharing/agreements/{id}"), Some(&worker)).await.assert_error(404, "not_found");
}

/// Brings a fresh agreement (1 of the pair's staff) to `state`.
async fn agreement_in(app: &TestApp, p: &Pair, staff: &str, state: &str) -> i64 {
    let r = app.post("/api/v1/sharing/agreements", Some(staff), propose_body(p.surplus, p.shortage, 1)).await;
    r.assert(201);
    let id = r.body["id"].as_i64().unwrap();
    let steps: &[(&str, &str)] = match state {
        "proposed" => &[],
        "agreed" => &[("lender", "agree"), ("borrower", "agree")],
        "running" => &[("lender", "agree"), ("borrower", "agree"), ("staff", "start")],
        "ended" => &[("lender", "agree"), ("borrower", "agree"), ("staff", "start"), ("staff", "end")],
        _ => &[("staff", "cancel")],
    };
    for (who, action) in steps {
        let token = match *who {
            "lender" => &p.lender,
            "borrower" => &p.borrower,
            _ => staff,
        };
        act(app, token, id, action).await.assert(200);
    }
    id
}

#[tokio::test]
async fn every_state_and_action_pair_follows_the_one_rule_and_replays_are_refused() {
    let app = spawn_app().await;
    let p = pair(&app, 1000).await;
    let staff = app.staff("moderator").await;
    let states = ["proposed", "agreed", "running", "ended", "cancelled"];
    let actions = ["agree", "start", "end", "cancel"];
    let parties = ["staff", "lender", "borrower"];
    let allowed = |state: &str, action: &str, party: &str| match action {
        "agree" => state == "proposed" && party != "staff",
        "start" => state == "agreed",
        "end" => state == "running",
        _ => matches!(state, "proposed" | "agreed"),
    };
    let mut shared = std::collections::HashMap::new();
    for state in states {
        shared.insert(state, agreement_in(&app, &p, &staff, state).await);
    }
    let mut checked = 0;
    for state in states {
        for action in actions {
            for party in parties {
                let token = match party {
                    "lender" => &p.lender,
                    "borrower" => &p.borrower,
                    _ => &staff,
                };
                let audit_before = rows(&app, "audit").await;
                if allowed(state, action, party) {
                    let id = agreement_in(&app, &p, &staff, state).await;
                    let r = act(&app, token, id, action).await;
                    r.assert(200);
                    // The same move again is refused: a replay changes nothing.
                    let again = act(&app, token, id, action).await;
                    again.assert(409);
                    assert!(["already_agreed", "sharing_wrong_state"].contains(&again.body["error"]["code"].as_str().unwrap()), "{}", again.text);
                } else {
                    let id = shared[state];
                    let r = act(&app, token, id, action).await;
                    let want = if action == "agree" && party == "staff" { 403 } else { 409 };
                    r.assert(want);
                    assert!(!r.body["error"]["message"].as_str().unwrap().is_empty());
                    assert_eq!(rows(&app, "audit").await, audit_before, "{state} {action} {party}: nothing recorded");
                    assert_eq!(app.get(&format!("/api/v1/sharing/agreements/{id}"), Some(&staff)).await.body["state"], state, "{action} {party}");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 60);
    // Cancelling with a reason keeps it; a reason naming a charge is refused.
    let id = agreement_in(&app, &p, &staff, "proposed").await;
    let r = app.post(&format!("/api/v1/sharing/agreements/{id}/cancel"), Some(&p.borrower), json!({"reason": "收取中介费500元后再谈"})).await;
    r.assert(422);
    assert_eq!(r.fields(), ["reason"], "{}", r.text);
    assert_eq!(app.get(&format!("/api/v1/sharing/agreements/{id}"), Some(&staff)).await.body["state"], "proposed");
    let r = app.post(&format!("/api/v1/sharing/agreements/{id}/cancel"), Some(&p.borrower), json!({"reason": "订单取消，暂不需要"})).await;
    r.assert(200);
    assert_eq!(r.body["cancel_reason"], "订单取消，暂不需要");
}

#[tokio::test]
async fn the_pages_post_match_broker_and_agree_without_javascript() {
    use crate::pages::PageClient;
    let app = spawn_app().await;
    let p = pair(&app, 5).await;
    let mut lender = PageClient::new(&app);
    lender.cookies.insert("lg_session".into(), p.lender.clone());
    let home = lender.get("/employer/sharing").await;
    assert_eq!(home.status, 200, "{}", home.text);
    assert!(home.text.contains("id=\"sharing-policy\"") && home.text.contains("不得以营利为目的"));
    assert!(home.text.contains(&format!("data-id=\"{}\"", p.surplus)));
    // Posting on the page: a fee word comes back at its field, nothing stored; a clean one posts.
    let before = rows(&app, "posts").await;
    let form = |note: &'static str| {
        vec![
            ("side", "surplus".to_string()),
            ("categories", "cleaning".to_string()),
            ("headcount", "2".to_string()),
            ("start_date", day(0)),
            ("end_date", day(5)),
            ("address", "北京市朝阳区建国路88号".to_string()),
            ("lat", "39.9087".to_string()),
            ("lng", "116.4605".to_string()),
            ("note", note.to_string()),
        ]
    };
    let bad = form("借入方每人每月支付中介费300元");
    let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = lender.submit("/employer/sharing/new?side=surplus", "/employer/sharing/new", &pairs).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"note-error\""), "{}", r.text);
    assert_eq!(rows(&app, "posts").await, before);
    let good = form("酒店客房保洁，每天8小时。");
    let pairs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = lender.submit("/employer/sharing/new?side=surplus", "/employer/sharing/new", &pairs).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(r.location().starts_with("/employer/sharing/posts/"));
    let page = lender.get(&format!("/employer/sharing/posts/{}", p.surplus)).await;
    assert!(page.text.contains("id=\"sharing-matches\"") && page.text.contains(&format!("data-id=\"{}\"", p.shortage)), "{}", page.text);
    assert!(page.text.contains("data-code=\"skills\""));
    // Staff broker on the console page.
    let staff_token = app.staff("moderator").await;
    let mut staff = PageClient::new(&app);
    staff.cookies.insert("lg_session".into(), staff_token.clone());
    let console = staff.get("/console/sharing").await;
    assert_eq!(console.status, 200, "{}", console.text);
    let post_page = format!("/console/sharing/posts/{}", p.shortage);
    let page = staff.get(&post_page).await;
    assert!(page.text.contains(&format!("id=\"propose-{}\"", p.surplus)), "{}", page.text);
    let (from, other) = (p.shortage.to_string(), p.surplus.to_string());
    let mut fields = vec![
        ("from", from.as_str()),
        ("other", other.as_str()),
        ("surplus_post_id", other.as_str()),
        ("shortage_post_id", from.as_str()),
        ("headcount", "2"),
        ("consenting_workers", "1"),
        ("consent_note", "书面同意书已核验"),
        ("injury_responsibility", "lender"),
        ("terms", "借出员工在借入方做保洁，每天8小时，借入方负责安全培训。"),
    ];
    let r = staff.submit(&post_page, "/console/sharing/agreements", &fields).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains(&format!("id=\"consenting_workers-{}-error\"", p.surplus)), "{}", r.text);
    assert_eq!(rows(&app, "agreements").await, 0);
    fields[5] = ("consenting_workers", "2");
    let r = staff.submit(&post_page, "/console/sharing/agreements", &fields).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let id: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
    // The lender agrees on its page; the button is there only while it may press it.
    let page = lender.get(&format!("/employer/sharing/agreements/{id}")).await;
    assert!(page.text.contains("id=\"action-agree\""), "{}", page.text);
    let r = lender.submit(&format!("/employer/sharing/agreements/{id}"), &format!("/employer/sharing/agreements/{id}/agree"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = lender.get(&format!("/employer/sharing/agreements/{id}")).await;
    assert!(!page.text.contains("id=\"action-agree\"") && page.text.contains("id=\"action-cancel\""), "{}", page.text);
    // A replay from a stale page is said on the page.
    let r = lender.submit(&format!("/employer/sharing/agreements/{id}"), &format!("/employer/sharing/agreements/{id}/agree"), &[]).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("error-summary"));
    assert_eq!(app.get(&format!("/api/v1/sharing/agreements/{id}"), Some(&p.lender)).await.body["lender_agreed"], true);
}

#[tokio::test]
async fn lists_page_through_each_viewers_posts_and_agreements_once_newest_first() {
    let app = spawn_app().await;
    let p = pair(&app, 5).await;
    let (other, _) = firm(&app, "enterprise", true, "丙餐饮管理有限公司").await;
    // The lender's posts alternate between 朝阳 (near the station) and 海淀 (far from it); a
    // third enterprise posts in 朝阳 too.
    let mut haidian = post_body("surplus", &["cleaning"], 2, 1, 9, 0.0);
    haidian["address"] = json!("北京市海淀区上地十街1号");
    haidian["lat"] = json!(40.0300);
    haidian["lng"] = json!(116.2700);
    let (mut lender_ids, mut near, mut far) = (vec![p.surplus], vec![p.surplus, p.shortage], vec![]);
    for i in 0..7 {
        let id = post(&app, &p.lender, if i % 2 == 0 { haidian.clone() } else { post_body("surplus", &["cleaning"], 2, 1, 9, 0.5) }).await;
        lender_ids.push(id);
        if i % 2 == 0 {
            far.push(id)
        } else {
            near.push(id)
        }
        let id = post(&app, &other, post_body("shortage", &["cleaning"], 1, 1, 5, 1.0)).await;
        near.push(id);
    }
    let newest_first = |mut v: Vec<i64>| {
        v.sort_unstable_by(|a, b| b.cmp(a));
        v
    };
    let mut all = [near.clone(), far.clone()].concat();
    all = newest_first(all);
    let admin = app.staff("admin").await;
    let haidian_staff = app.staff("moderator").await;
    let hid = me_id(&app, &haidian_staff).await;
    app.put(&format!("/api/v1/staff/{hid}/scope"), Some(&admin), json!({"adcodes": ["110108"]})).await.assert(204);
    let station = app.station().await;
    let national = app.staff("moderator").await;
    for limit in [1, 2, 3, 100] {
        assert_eq!(app.walk("/api/v1/sharing/posts", Some(&p.lender), limit).await, newest_first(lender_ids.clone()), "lender, limit {limit}");
        assert_eq!(app.walk("/api/v1/sharing/posts", Some(&station.staff), limit).await, newest_first(near.clone()), "station, limit {limit}");
        assert_eq!(app.walk("/api/v1/sharing/posts", Some(&haidian_staff), limit).await, newest_first(far.clone()), "海淀, limit {limit}");
        assert_eq!(app.walk("/api/v1/sharing/posts", Some(&national), limit).await, all, "national, limit {limit}");
    }
    // Agreements: three brokered from the pair, seen by both enterprises and the station, by
    // neither the third enterprise nor 海淀's staff.
    let mut agreements = Vec::new();
    for _ in 0..3 {
        let r = app.post("/api/v1/sharing/agreements", Some(&station.staff), propose_body(p.surplus, p.shortage, 1)).await;
        r.assert(201);
        agreements.push(r.body["id"].as_i64().unwrap());
    }
    let agreements = newest_first(agreements);
    for limit in [1, 2, 100] {
        for token in [&p.lender, &p.borrower, &station.staff, &national] {
            assert_eq!(app.walk("/api/v1/sharing/agreements", Some(token), limit).await, agreements, "limit {limit}");
        }
        for token in [&other, &haidian_staff] {
            assert_eq!(app.walk("/api/v1/sharing/agreements", Some(token), limit).await, Vec::<i64>::new());
        }
    }
    // A page request the server cannot honour names its field.
    for (query, field) in [("limit=0", "limit"), ("limit=101", "limit"), ("cursor=abc", "cursor"), ("cursor=-3", "cursor"), ("lmit=3", "lmit")] {
        for path in ["/api/v1/sharing/posts", "/api/v1/sharing/agreements"] {
            assert_eq!(app.get(&format!("{path}?{query}"), Some(&p.lender)).await.fields(), [field], "{path}?{query}");
        }
    }
}
