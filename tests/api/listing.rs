//! The free-listing rules as every posting path applies them.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn fee_scams_are_refused_quoting_the_phrase_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    let mut b = shift_body();
    b["description"] = json!("仓库分拣打包，入职需先交300元服装费，干满一个月退还");
    let r = app.post("/api/v1/shifts", Some(&token), b).await;
    r.assert_error(422, "posting_refused");
    assert_eq!(r.field_code("description").as_deref(), Some("worker_charge"));
    assert!(r.text.contains("服装费"), "{}", r.text);
    let mut b = shift_body();
    b["requirements"] = json!("身份证原件押在公司，离职时归还");
    let r = app.post("/api/v1/shifts", Some(&token), b).await;
    assert_eq!(r.field_code("requirements").as_deref(), Some("id_document_withheld"), "{}", r.text);
    assert_eq!(app.get("/api/v1/employers/me/shifts", Some(&token)).await.body["items"], json!([]));

    // Honest negations pass and publish at once for a verified employer.
    let mut b = shift_body();
    b["description"] = json!("小区保洁，不收取任何费用，免费培训，包工服，公司承担体检费");
    let r = app.post("/api/v1/shifts", Some(&token), b).await;
    r.assert(201);
    assert_eq!(r.body["status"], "published");
}

#[tokio::test]
async fn pay_below_the_district_floor_is_refused() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    // 北京 26.4 元/小时: 26 is below, 26.4 is at the floor.
    let mut b = shift_body();
    b["pay"] = json!({"amount_fen": 2600, "unit": "hour"});
    let r = app.post("/api/v1/shifts", Some(&token), b.clone()).await;
    r.assert_error(422, "posting_refused");
    assert_eq!(r.field_code("pay").as_deref(), Some("below_minimum_wage"));
    b["pay"] = json!({"amount_fen": 2640, "unit": "hour"});
    app.post("/api/v1/shifts", Some(&token), b.clone()).await.assert(201);
    // Day pay is judged over the slot's hours: 100 元 for 4 hours is 25 元 an hour.
    b["pay"] = json!({"amount_fen": 10000, "unit": "day"});
    assert_eq!(app.post("/api/v1/shifts", Some(&token), b).await.field_code("pay").as_deref(), Some("below_minimum_wage"));
}

#[tokio::test]
async fn part_time_limits_apply() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    let mut b = shift_body();
    b["employment_type"] = json!("part_time");
    b["slots"] = json!([{"start": at(2, 8), "end": at(2, 13)}]);
    let r = app.post("/api/v1/shifts", Some(&token), b.clone()).await;
    r.assert_error(422, "posting_refused");
    assert!(r.text.contains("part_time_daily_hours"), "{}", r.text);
    b["slots"] = json!([{"start": at(2, 8), "end": at(2, 12)}]);
    b["probation_days"] = json!(7);
    assert!(app.post("/api/v1/shifts", Some(&token), b.clone()).await.text.contains("part_time_probation"));
    b["probation_days"] = json!(0);
    app.post("/api/v1/shifts", Some(&token), b).await.assert(201);
}

#[tokio::test]
async fn soft_findings_send_even_verified_postings_to_review() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    let mut b = shift_body();
    b["requirements"] = json!("限男性，35岁以下");
    let r = app.post("/api/v1/shifts", Some(&token), b).await;
    r.assert(201);
    assert_eq!(r.body["status"], "pending_review");
    let moderator = app.staff("moderator").await;
    let q = app.get("/api/v1/moderation/queue", Some(&moderator)).await;
    let codes: Vec<&str> = q.body["items"][0]["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"sex_discrimination") && codes.contains(&"age_limit"), "{codes:?}");
    assert_eq!(q.body["items"][0]["risk"], 1);
}

#[tokio::test]
async fn material_edits_are_judged_again() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    let id = app.post("/api/v1/shifts", Some(&token), shift_body()).await.body["id"].as_i64().unwrap();
    let path = format!("/api/v1/shifts/{id}");
    // A harmless change keeps it published.
    assert_eq!(app.patch(&path, Some(&token), json!({"headcount": 4})).await.body["status"], "published");
    // A change that raises a finding goes back to review.
    let r = app.patch(&path, Some(&token), json!({"description": "高薪日结，日赚千元，轻松上手的保洁工作"})).await;
    assert_eq!(r.body["status"], "pending_review", "{}", r.text);
    // One that breaks a hard rule is refused and changes nothing.
    app.patch(&path, Some(&token), json!({"pay": {"amount_fen": 1500, "unit": "hour"}})).await.assert_error(422, "posting_refused");
    assert_eq!(app.get(&path, Some(&token)).await.body["pay"]["amount_fen"], 3500);
}

#[tokio::test]
async fn check_explains_without_storing() {
    let app = spawn_app().await;
    let (verified, _) = app.employer(true).await;
    let (unverified, _) = app.employer(false).await;
    let r = app.post("/api/v1/shifts/check", Some(&verified), shift_body()).await;
    r.assert(200);
    assert_eq!(r.body["decision"], "publish");
    assert_eq!(r.body["findings"], json!([]));
    assert_eq!(app.post("/api/v1/shifts/check", Some(&unverified), shift_body()).await.body["decision"], "review");
    let mut b = shift_body();
    b["description"] = json!("招聘保洁员，月入过万，报名需交100元报名费");
    let r = app.post("/api/v1/shifts/check", Some(&verified), b).await;
    assert_eq!(r.body["decision"], "refuse");
    let f: Vec<(&str, &str)> = r.body["findings"].as_array().unwrap().iter().map(|f| (f["code"].as_str().unwrap(), f["severity"].as_str().unwrap())).collect();
    assert!(f.contains(&("worker_charge", "refuse")), "{f:?}");
    assert!(f.contains(&("hype", "review")), "{f:?}");
    let charge = r.body["findings"].as_array().unwrap().iter().find(|x| x["code"] == "worker_charge").unwrap();
    assert!(charge["matched"].as_str().unwrap().contains("报名费"));
    assert!(charge["message"]["zh"].as_str().is_some() && charge["message"]["en"].as_str().is_some());
    // Incomplete bodies get a refuse with every missing field listed, not an error.
    let r = app.post("/api/v1/shifts/check", Some(&verified), json!({"title": "保洁"})).await;
    r.assert(200);
    assert_eq!(r.body["decision"], "refuse");
    let fields: Vec<&str> = r.body["findings"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"pay") && fields.contains(&"valid_through"), "{fields:?}");
    assert_eq!(app.get("/api/v1/employers/me/shifts", Some(&verified)).await.body["items"], json!([]));
    let (worker, _) = app.worker().await;
    app.post("/api/v1/shifts/check", Some(&worker), shift_body()).await.assert(403);
}

#[tokio::test]
async fn staff_extend_the_rules_without_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let rules = std::fs::read_to_string(root.join("listing_rules.toml")).unwrap().replacen("strict = [", "strict = [\n  \"茶水费\",", 1);
    std::fs::write(dir.path().join("listing_rules.toml"), rules).unwrap();
    std::fs::copy(root.join("wage_floors.toml"), dir.path().join("wage_floors.toml")).unwrap();
    let path = dir.path().to_string_lossy().to_string();
    let app = spawn_with(|c| c.listing.rules_dir = path).await;
    let (token, _) = app.employer(true).await;
    let mut b = shift_body();
    b["description"] = json!("每天需交茶水费20元，负责保洁工作");
    let r = app.post("/api/v1/shifts", Some(&token), b).await;
    r.assert_error(422, "posting_refused");
    assert!(r.text.contains("茶水费"));
    // A bad rules file stops the service from starting, naming the problem.
    std::fs::write(dir.path().join("listing_rules.toml"), "fees = 3").unwrap();
    let db = TestDb::new();
    let cfg = test_config(&db, |c| c.listing.rules_dir = dir.path().to_string_lossy().to_string());
    let err = cfg.validate().unwrap_err().to_string();
    assert!(err.contains("listing.rules_dir") && err.contains("listing_rules.toml"), "{err}");
}
