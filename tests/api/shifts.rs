use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn verified_employers_publish_at_once_others_wait_for_review() {
    let app = spawn_app().await;
    let (verified, emp_id) = app.employer(true).await;
    let r = app.post("/api/v1/shifts", Some(&verified), shift_body()).await;
    r.assert(201);
    assert_eq!(r.body["status"], "published");
    assert_eq!(r.body["employer"]["id"], emp_id);
    assert_eq!(r.body["employer"]["verified"], true);
    assert_eq!(r.body["title"], "家庭保洁员（日结）");
    assert_eq!(r.body["category_name"], "保洁");
    assert_eq!(r.body["pay"], json!({"amount_fen": 3500, "unit": "hour"}));
    assert_eq!(r.body["take_mode"], "apply");
    assert_eq!(r.body["adcode"], "110105000000");
    assert_eq!(r.body["slots"][0]["start"], at(2, 8));
    assert!(r.body["published_at"].is_string());
    // Contact details never appear on a shift.
    assert!(!r.text.contains("13812345678"));
    let id = r.body["id"].as_i64().unwrap();
    let public = app.get(&format!("/api/v1/shifts/{id}"), None).await;
    public.assert(200);
    assert_eq!(public.body["description"], "负责住户家庭日常保洁，厨房和卫生间清洁，工具由公司提供。");

    let (unverified, _) = app.employer(false).await;
    let r = app.post("/api/v1/shifts", Some(&unverified), shift_body()).await;
    r.assert(201);
    assert_eq!(r.body["status"], "pending_review");
    assert!(r.body["published_at"].is_null());
    let pending = r.body["id"].as_i64().unwrap();
    // Not public until reviewed: the owner and staff see it, nobody else.
    app.get(&format!("/api/v1/shifts/{pending}"), None).await.assert_error(404, "not_found");
    app.get(&format!("/api/v1/shifts/{pending}"), Some(&verified)).await.assert(404);
    app.get(&format!("/api/v1/shifts/{pending}"), Some(&unverified)).await.assert(200);
    let moderator = app.staff("moderator").await;
    app.get(&format!("/api/v1/shifts/{pending}"), Some(&moderator)).await.assert(200);
    app.get("/api/v1/shifts/987654", None).await.assert_error(404, "not_found");
    app.get("/api/v1/shifts/not-a-number", None).await.assert(404);
}

#[tokio::test]
async fn shift_validation_names_every_field_and_stores_nothing() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    let mut body = shift_body();
    body["slots"] = json!([{"start": at(2, 12), "end": at(2, 8)}, {"start": "明天早上", "end": at(3, 8)}]);
    body["pay"] = json!({"amount_fen": 0, "unit": "hour"});
    body["lat"] = json!(-91);
    body["headcount"] = json!(0);
    body["category"] = json!("astronaut");
    body["settlement"] = json!("monthly");
    body["valid_through"] = json!("2020-01-01T00:00:00+08:00");
    let r = app.post("/api/v1/shifts", Some(&token), body).await;
    r.assert_error(422, "validation_failed");
    assert_eq!(r.fields(), ["category", "headcount", "lat", "slots[0].end", "slots[1].start", "pay.amount_fen", "settlement", "valid_through"]);
    assert_eq!(r.field_code("slots[0].end").unwrap(), "end_before_start");
    assert_eq!(r.field_code("pay.amount_fen").unwrap(), "must_be_positive");
    assert_eq!(r.field_code("lat").unwrap(), "out_of_range");

    let mut body = shift_body();
    body["pay"] = json!({"amount_fen": -100, "unit": "hour"});
    body["slots"] = json!([{"start": at(2, 8), "end": at(2, 12)}, {"start": at(2, 10), "end": at(2, 14)}]);
    let r = app.post("/api/v1/shifts", Some(&token), body).await;
    assert_eq!(r.fields(), ["slots[1]", "pay.amount_fen"]);
    assert_eq!(r.field_code("slots[1]").unwrap(), "overlapping_slots");

    // A wrongly typed value names its field.
    let mut body = shift_body();
    body["headcount"] = json!("three");
    let r = app.post("/api/v1/shifts", Some(&token), body).await;
    r.assert_error(422, "validation_failed");
    assert_eq!(r.fields(), ["headcount"]);
    // So does an unknown one.
    let mut body = shift_body();
    body["salary"] = json!(100);
    let r = app.post("/api/v1/shifts", Some(&token), body).await;
    assert_eq!(r.fields(), ["salary"]);
    assert_eq!(r.field_code("salary").unwrap(), "unknown_field");

    let list = app.get("/api/v1/employers/me/shifts", Some(&token)).await;
    assert_eq!(list.body["items"], json!([]));
}

#[tokio::test]
async fn posting_is_free() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    for key in ["fee", "price", "deposit", "listing_fee"] {
        let mut body = shift_body();
        body[key] = json!(1000);
        let r = app.post("/api/v1/shifts", Some(&token), body).await;
        r.assert_error(422, "posting_is_free");
        assert_eq!(r.fields(), [key]);
    }
    let id = app.post("/api/v1/shifts", Some(&token), shift_body()).await.body["id"].as_i64().unwrap();
    app.patch(&format!("/api/v1/shifts/{id}"), Some(&token), json!({"price": 5})).await.assert_error(422, "posting_is_free");
}

#[tokio::test]
async fn roles_and_ownership_are_enforced() {
    let app = spawn_app().await;
    let (owner, _) = app.employer(true).await;
    let (other, _) = app.employer(true).await;
    let (worker, _) = app.worker().await;
    app.post("/api/v1/shifts", None, shift_body()).await.assert_error(401, "unauthorized");
    app.post("/api/v1/shifts", Some(&worker), shift_body()).await.assert_error(403, "forbidden");
    let id = app.post("/api/v1/shifts", Some(&owner), shift_body()).await.body["id"].as_i64().unwrap();
    let path = format!("/api/v1/shifts/{id}");
    app.patch(&path, Some(&other), json!({"headcount": 9})).await.assert_error(403, "forbidden");
    app.patch(&path, Some(&worker), json!({"headcount": 9})).await.assert_error(403, "forbidden");
    app.post(&format!("{path}/close"), Some(&other), json!({})).await.assert_error(403, "forbidden");
    app.post(&format!("{path}/close"), Some(&worker), json!({})).await.assert_error(403, "forbidden");
    assert_eq!(app.get(&path, None).await.body["headcount"], 3);

    // An employer without a profile is told to create one.
    let (bare, _, _) = app.register("employer").await;
    app.post("/api/v1/shifts", Some(&bare), shift_body()).await.assert_error(409, "employer_profile_required");
}

#[tokio::test]
async fn patch_merges_revalidates_and_close_ends_editing() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    let id = app.post("/api/v1/shifts", Some(&token), shift_body()).await.body["id"].as_i64().unwrap();
    let path = format!("/api/v1/shifts/{id}");
    let r = app
        .patch(&path, Some(&token), json!({"headcount": 5, "pay": {"amount_fen": 4000, "unit": "hour"}, "slots": [{"start": at(4, 9), "end": at(4, 13)}, {"start": at(5, 9), "end": at(5, 13)}]}))
        .await;
    r.assert(200);
    assert_eq!(r.body["headcount"], 5);
    assert_eq!(r.body["pay"]["amount_fen"], 4000);
    assert_eq!(r.body["slots"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["title"], "家庭保洁员（日结）");
    assert_eq!(r.body["status"], "published");

    // An invalid change is refused whole: nothing of it lands.
    let r = app.patch(&path, Some(&token), json!({"headcount": 7, "pay": {"amount_fen": 0, "unit": "hour"}})).await;
    r.assert_error(422, "validation_failed");
    assert_eq!(r.fields(), ["pay.amount_fen"]);
    let now = app.get(&path, None).await;
    assert_eq!(now.body["headcount"], 5);

    let r = app.post(&format!("{path}/close"), Some(&token), json!({})).await;
    r.assert(200);
    assert_eq!(r.body["status"], "closed");
    app.post(&format!("{path}/close"), Some(&token), json!({})).await.assert_error(409, "already_closed");
    app.patch(&path, Some(&token), json!({"headcount": 2})).await.assert_error(409, "not_editable");
    // Closed shifts remain readable as a record.
    app.get(&path, None).await.assert(200);
}

#[tokio::test]
async fn unverified_edits_go_back_to_review() {
    let app = spawn_app().await;
    let (token, emp_id) = app.employer(false).await;
    let id = app.post("/api/v1/shifts", Some(&token), shift_body()).await.body["id"].as_i64().unwrap();
    let moderator = app.staff("moderator").await;
    app.post(&format!("/api/v1/employers/{emp_id}/verify"), Some(&moderator), json!({})).await.assert(200);
    // Verification alone does not publish what was posted before it; the next edit does.
    let r = app.patch(&format!("/api/v1/shifts/{id}"), Some(&token), json!({"title": "家庭保洁员（周末）"})).await;
    assert_eq!(r.body["status"], "published");
}

#[tokio::test]
async fn my_shifts_are_paginated_and_filterable() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.post("/api/v1/shifts", Some(&token), shift_body()).await.body["id"].as_i64().unwrap());
    }
    app.post(&format!("/api/v1/shifts/{}/close", ids[0]), Some(&token), json!({})).await.assert(200);
    let p1 = app.get("/api/v1/employers/me/shifts?limit=2", Some(&token)).await;
    p1.assert(200);
    let got: Vec<i64> = p1.body["items"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    assert_eq!(got, [ids[2], ids[1]]);
    let cursor = p1.body["next_cursor"].as_str().unwrap().to_string();
    let p2 = app.get(&format!("/api/v1/employers/me/shifts?limit=2&cursor={cursor}"), Some(&token)).await;
    let got: Vec<i64> = p2.body["items"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    assert_eq!(got, [ids[0]]);
    assert!(p2.body["next_cursor"].is_null());
    let closed = app.get("/api/v1/employers/me/shifts?status=closed", Some(&token)).await;
    assert_eq!(closed.body["items"].as_array().unwrap().len(), 1);
    // Another employer sees only their own.
    let (other, _) = app.employer(true).await;
    assert_eq!(app.get("/api/v1/employers/me/shifts", Some(&other)).await.body["items"], json!([]));
    let r = app.get("/api/v1/employers/me/shifts?limit=500&cursor=x", Some(&token)).await;
    r.assert_error(422, "validation_failed");
    assert_eq!(r.fields(), ["limit", "cursor"]);
    app.get("/api/v1/employers/me/shifts?status=gone", Some(&token)).await.assert(422);
}

#[tokio::test]
async fn shift_creation_is_rate_limited_per_employer() {
    let app = spawn_with(|c| c.rate_limit.shift_creates = 2).await;
    let (token, _) = app.employer(true).await;
    app.post("/api/v1/shifts", Some(&token), shift_body()).await.assert(201);
    app.post("/api/v1/shifts", Some(&token), shift_body()).await.assert(201);
    let r = app.post("/api/v1/shifts", Some(&token), shift_body()).await;
    r.assert_error(429, "rate_limited");
    assert!(r.headers.contains_key("retry-after"));
    // Another employer has a budget of their own.
    let (other, _) = app.employer(true).await;
    app.post("/api/v1/shifts", Some(&other), shift_body()).await.assert(201);
}

/// A piece rate with the employer's minutes per piece has a pay per hour: checked against the
/// local minimum wage, published at once when it reaches it, sorted and filtered per hour like
/// any other rate. Without the estimate a moderator looks; a bad estimate is a field error that
/// stores nothing.
#[tokio::test]
async fn piece_rates_are_compared_per_hour_through_their_minutes_per_piece() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    let piece = |fen: i64, minutes: serde_json::Value| {
        let mut b = shift_body();
        b["pay"] = json!({"amount_fen": fen, "unit": "piece"});
        b["minutes_per_piece"] = minutes;
        b
    };
    // 5 元 a piece at 6 minutes is 50 元 an hour: above 北京's floor, published.
    let r = app.post("/api/v1/shifts", Some(&token), piece(500, json!(6))).await;
    r.assert(201);
    assert_eq!(
        (r.body["status"].as_str(), r.body["pay_per_hour_fen"].as_i64(), r.body["minutes_per_piece"].as_i64()),
        (Some("published"), Some(5000), Some(6))
    );
    let fast = r.body["id"].as_i64().unwrap();
    // 1 元 a piece at 10 minutes is 6 元 an hour: below the floor, refused and not stored.
    let r = app.post("/api/v1/shifts", Some(&token), piece(100, json!(10))).await;
    r.assert_error(422, "posting_refused");
    assert!(r.text.contains("below_minimum_wage") && r.text.contains("10分钟"), "{}", r.text);
    // Without the estimate: no per-hour figure, and review.
    let r = app.post("/api/v1/shifts", Some(&token), piece(500, serde_json::Value::Null)).await;
    r.assert(201);
    assert_eq!((r.body["status"].as_str(), r.body["pay_per_hour_fen"].as_i64()), (Some("pending_review"), None));
    // Estimates out of range are named on their field.
    for bad in [json!(0), json!(-1), json!(601), json!(i64::MAX), json!(i64::MIN)] {
        let r = app.post("/api/v1/shifts", Some(&token), piece(500, bad.clone())).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.fields(), ["minutes_per_piece"], "{bad}: {}", r.text);
        assert!(r.text.contains("1 到 600"), "{}", r.text);
    }
    // Not a whole number: refused before any rule runs.
    for bad in [json!(1.5), json!("6"), json!([6]), json!({"m": 6})] {
        let r = app.post("/api/v1/shifts", Some(&token), piece(500, bad.clone())).await;
        assert_eq!(r.status.as_u16(), 422, "{bad}: {}", r.text);
    }
    let mine = app.get("/api/v1/employers/me/shifts?limit=100", Some(&token)).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 2, "only the two accepted postings are stored: {}", mine.text);

    // Per hour in search: the 50 元/h piece rate passes a 40 元/h minimum and sorts above 35 元/h.
    let hourly = app.post("/api/v1/shifts", Some(&token), shift_body()).await.body["id"].as_i64().unwrap();
    let ids = |q: &'static str| {
        let app = &app;
        async move {
            let r = app.get(&format!("/api/v1/shifts/search?{q}"), None).await;
            r.assert(200);
            r.body["items"].as_array().unwrap().iter().map(|i| i["shift"]["id"].as_i64().unwrap()).collect::<Vec<_>>()
        }
    };
    eventually(std::time::Duration::from_secs(5), || async { ids("limit=50").await.contains(&hourly) }).await;
    assert_eq!(ids("min_pay_fen=4000").await, vec![fast]);
    let by_pay = ids("sort=pay").await;
    let at = |id: i64| by_pay.iter().position(|i| *i == id).unwrap_or_else(|| panic!("{id} not in {by_pay:?}"));
    assert!(at(fast) < at(hourly), "{by_pay:?}");

    // Changing to an hourly rate drops the estimate: it only concerns pieces.
    let r = app.patch(&format!("/api/v1/shifts/{fast}"), Some(&token), json!({"pay": {"amount_fen": 3000, "unit": "hour"}})).await;
    r.assert(200);
    assert!(r.body["minutes_per_piece"].is_null(), "{}", r.text);
}
