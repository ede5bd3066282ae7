//! Screening what workers read, through the API: disguised deposits, employer profiles, identity
//! changes, notes. The rules themselves are unit-tested in `src/listing/tests.rs`.

use serde_json::{Value, json};

use crate::helpers::*;

/// The deposit demand `入职需交押金300元` in the disguises scams use.
fn disguised_deposits() -> Vec<(&'static str, String)> {
    let plain = "入职需交押金300元";
    let spaced: String = plain.chars().map(|c| format!("{c} ")).collect();
    vec![
        ("plain", plain.to_string()),
        ("spaces", spaced),
        ("dashes", "入职需交押-金300元".to_string()),
        ("dots", "入职需交押.金300元".to_string()),
        ("zero-width", plain.chars().flat_map(|c| [c, '\u{200B}']).collect()),
        ("joiners", "入职需交押\u{200D}金\u{2060}300元".to_string()),
        ("traditional", "入職需交押金300元".to_string()),
        ("full-width", "入职需交押金３００元".to_string()),
        ("kangxi", "\u{2F0A}职需交押\u{2FA6}300元".to_string()),
        ("homophone", "入职需交押金300元".replace("押金", "保正金")),
        ("pinyin", "入职需交yajin300元".to_string()),
        ("warning", "正规公司绝非骗子入职需交押金300元".to_string()),
    ]
}

fn with(field: &str, text: &str) -> Value {
    let mut b = shift_body();
    b[field] = json!(text);
    b
}

async fn search_ids(app: &TestApp, q: &str) -> Vec<i64> {
    let enc: String = q.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
    let r = app.get(&format!("/api/v1/shifts/search?q={enc}"), None).await;
    r.assert(200);
    r.body["items"].as_array().unwrap().iter().map(|i| i["shift"]["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn disguised_deposits_are_refused_by_post_and_check_in_every_field() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    for (name, text) in disguised_deposits() {
        for field in ["description", "requirements", "title"] {
            let r = app.post("/api/v1/shifts/check", Some(&token), with(field, &text)).await;
            r.assert(200);
            assert_eq!(r.body["decision"], "refuse", "{name} in {field}: {}", r.text);
            let r = app.post("/api/v1/shifts", Some(&token), with(field, &text)).await;
            r.assert_error(422, "posting_refused");
            assert!(r.fields().contains(&field.to_string()), "{name} in {field}: {}", r.text);
        }
    }
    // An address a worker reads is screened too.
    let r = app.post("/api/v1/shifts", Some(&token), with("address", "北京市朝阳区建国路88号，入职需交押金300元")).await;
    assert_eq!(r.field_code("address").as_deref(), Some("worker_charge"), "{}", r.text);
    // A title of invisible characters is no title.
    let r = app.post("/api/v1/shifts/check", Some(&token), with("title", "\u{200B}\u{200B}\u{200B}")).await;
    assert_eq!(r.body["decision"], "refuse", "{}", r.text);
    // Nothing was stored; an honest posting still publishes at once.
    assert_eq!(app.get("/api/v1/employers/me/shifts", Some(&token)).await.body["items"], json!([]));
    let r = app.post("/api/v1/shifts", Some(&token), with("description", "小区保洁，不收取任何费用，免押金，公司承担体检费")).await;
    r.assert(201);
    assert_eq!(r.body["status"], "published");
}

#[tokio::test]
async fn a_scam_in_the_employer_profile_is_refused_with_findings() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    for (field, text) in
        [("description", "本公司长期招工，入职需交押金300元"), ("name", "入職需交押金300元有限公司"), ("address", "北京市朝阳区建国路88号 入职先交服装费200元")]
    {
        let mut b = employer_body();
        b[field] = json!(text);
        let r = app.put("/api/v1/employers/me", Some(&token), b).await;
        r.assert_error(422, "validation_failed");
        assert!(r.fields().contains(&field.to_string()), "{field}: {}", r.text);
        assert!(r.text.contains("worker_charge"), "{field}: {}", r.text);
    }
    // The profile is unchanged and still verified.
    let me = app.get("/api/v1/employers/me", Some(&token)).await;
    assert_eq!(me.body["description"], employer_body()["description"]);
    assert_eq!(me.body["verified"], true);
}

#[tokio::test]
async fn an_identity_change_loses_verification_and_sends_live_shifts_to_review() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = app.post("/api/v1/shifts", Some(&token), shift_body()).await;
        r.assert(201);
        assert_eq!(r.body["status"], "published");
        ids.push(r.body["id"].as_i64().unwrap());
    }
    eventually(std::time::Duration::from_secs(10), || async { search_ids(&app, "保洁").await.len() == 2 }).await;

    // Editing the description only keeps the verification.
    let mut b = employer_body();
    b["description"] = json!("社区家政与保洁服务，十年老店");
    let r = app.put("/api/v1/employers/me", Some(&token), b).await;
    r.assert(200);
    assert_eq!(r.body["verified"], true);

    // Each identity field, changed, withdraws it and sends published shifts back to review.
    for (field, value) in [("name", json!("北京城市综合服务集团有限公司")), ("kind", json!("individual")), ("credit_code", Value::Null)] {
        // Verified again, and the shifts approved again, before each change.
        let m = app.staff("moderator").await;
        let employer_id = app.get("/api/v1/employers/me", Some(&token)).await.body["id"].as_i64().unwrap();
        app.post(&format!("/api/v1/employers/{employer_id}/verify"), Some(&m), json!({})).await;
        for id in &ids {
            let s = app.get(&format!("/api/v1/shifts/{id}"), Some(&token)).await;
            if s.body["status"] == "pending_review" {
                app.post(&format!("/api/v1/moderation/shifts/{id}/approve"), Some(&m), json!({})).await.assert(200);
            }
        }
        eventually(std::time::Duration::from_secs(10), || async { search_ids(&app, "保洁").await.len() == 2 }).await;

        let mut b = app.get("/api/v1/employers/me", Some(&token)).await.body;
        let mut body = employer_body();
        for k in ["name", "kind", "credit_code", "address", "description"] {
            body[k] = b[k].take();
        }
        body[field] = value.clone();
        let r = app.put("/api/v1/employers/me", Some(&token), body).await;
        r.assert(200);
        assert_eq!(r.body["verified"], false, "{field}: {}", r.text);
        for id in &ids {
            let s = app.get(&format!("/api/v1/shifts/{id}"), Some(&token)).await;
            assert_eq!(s.body["status"], "pending_review", "{field}: {}", s.text);
        }
        // Search drops them.
        eventually(std::time::Duration::from_secs(10), || async { search_ids(&app, "保洁").await.is_empty() }).await;
    }
}

#[tokio::test]
async fn a_profile_the_rules_send_to_review_loses_verification() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    let r = app.post("/api/v1/shifts", Some(&token), shift_body()).await;
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["status"], "published");
    let mut b = employer_body();
    b["description"] = json!("社区家政服务，只招本地人");
    let r = app.put("/api/v1/employers/me", Some(&token), b).await;
    r.assert(200);
    assert_eq!(r.body["verified"], false, "{}", r.text);
    assert_eq!(r.body["description"], "社区家政服务，只招本地人");
    assert_eq!(app.get(&format!("/api/v1/shifts/{id}"), Some(&token)).await.body["status"], "pending_review");
}

#[tokio::test]
async fn notes_on_applications_and_invitations_are_screened() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let r = app.post("/api/v1/shifts", Some(&employer), shift_body()).await;
    let shift = r.body["id"].as_i64().unwrap();
    let (worker, worker_id) = app.worker().await;
    for note in ["面试前先交押金200元", "入職需交押金300元", "入职需交yajin300元"] {
        let r = app.post(&format!("/api/v1/shifts/{shift}/invitations"), Some(&employer), json!({"worker_id": worker_id, "note": note})).await;
        r.assert_error(422, "validation_failed");
        assert!(r.fields().contains(&"note".to_string()), "{note}: {}", r.text);
        let r = app.post(&format!("/api/v1/shifts/{shift}/applications"), Some(&worker), json!({"note": note})).await;
        r.assert_error(422, "validation_failed");
        assert!(r.fields().contains(&"note".to_string()), "{note}: {}", r.text);
    }
    // An ordinary note goes through.
    let r = app.post(&format!("/api/v1/shifts/{shift}/applications"), Some(&worker), json!({"note": "周末有空，住得很近，有保洁经验"})).await;
    assert!(r.status.is_success(), "{}", r.text);
}
