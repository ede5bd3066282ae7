use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn employer_profile_round_trip_and_privacy() {
    let app = spawn_app().await;
    let (token, _, _) = app.register("employer").await;
    app.get("/api/v1/employers/me", Some(&token)).await.assert_error(404, "not_found");
    let r = app.put("/api/v1/employers/me", Some(&token), employer_body()).await;
    r.assert(200);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["verified"], false);
    assert_eq!(r.body["contact_phone"], "13812345678");
    // The district is inferred from the point when none is given (朝阳区).
    assert_eq!(r.body["adcode"], "110105000000");

    let me = app.get("/api/v1/employers/me", Some(&token)).await;
    me.assert(200);
    assert_eq!(me.body["name"], "北京城市综合服务有限公司");

    // The public sees the profile without contact details; the owner sees them.
    let public = app.get(&format!("/api/v1/employers/{id}"), None).await;
    public.assert(200);
    assert!(public.body.get("contact_phone").is_none());
    assert!(public.body.get("contact_name").is_none());
    let (worker, _) = app.worker().await;
    assert!(app.get(&format!("/api/v1/employers/{id}"), Some(&worker)).await.body.get("contact_phone").is_none());
    assert_eq!(app.get(&format!("/api/v1/employers/{id}"), Some(&token)).await.body["contact_phone"], "13812345678");
    app.get("/api/v1/employers/999999", None).await.assert_error(404, "not_found");
}

#[tokio::test]
async fn only_moderators_verify_and_identity_changes_withdraw_it() {
    let app = spawn_app().await;
    let (token, id) = app.employer(false).await;
    let (worker, _) = app.worker().await;
    let station = app.staff("station_staff").await;
    for t in [&token, &worker, &station] {
        app.post(&format!("/api/v1/employers/{id}/verify"), Some(t), json!({})).await.assert_error(403, "forbidden");
    }
    let admin = app.staff("admin").await;
    let r = app.post(&format!("/api/v1/employers/{id}/verify"), Some(&admin), json!({})).await;
    r.assert(200);
    assert_eq!(r.body["verified"], true);
    assert!(r.body["verified_at"].as_str().unwrap().ends_with("+08:00"));

    // A new contact keeps verification; a new legal name does not.
    let mut body = employer_body();
    body["contact_name"] = json!("李主管");
    assert_eq!(app.put("/api/v1/employers/me", Some(&token), body.clone()).await.body["verified"], true);
    body["name"] = json!("朝阳新安居家政有限公司");
    assert_eq!(app.put("/api/v1/employers/me", Some(&token), body).await.body["verified"], false);
    app.post("/api/v1/employers/424242/verify", Some(&admin), json!({})).await.assert_error(404, "not_found");
}

#[tokio::test]
async fn employer_validation() {
    let app = spawn_app().await;
    let (token, _, _) = app.register("employer").await;
    // Enterprises need a credit code with a correct check character.
    let mut body = employer_body();
    body["credit_code"] = json!("91350100M000100Y44");
    body["contact_phone"] = json!("010-12345678");
    body["lat"] = json!(123.0);
    body["adcode"] = json!("999999");
    let r = app.put("/api/v1/employers/me", Some(&token), body).await;
    r.assert_error(422, "validation_failed");
    assert_eq!(r.fields(), ["credit_code", "contact_phone", "lat", "adcode"]);
    assert_eq!(r.field_code("credit_code").unwrap(), "invalid_credit_code");

    let mut body = employer_body();
    body.as_object_mut().unwrap().remove("credit_code");
    let r = app.put("/api/v1/employers/me", Some(&token), body.clone()).await;
    assert_eq!(r.fields(), ["credit_code"]);
    // A household employer needs none.
    body["kind"] = json!("household");
    body["name"] = json!("张女士家");
    app.put("/api/v1/employers/me", Some(&token), body).await.assert(200);

    // Workers have no employer profile.
    let (worker, _) = app.worker().await;
    app.put("/api/v1/employers/me", Some(&worker), employer_body()).await.assert_error(403, "forbidden");
    app.get("/api/v1/employers/me", Some(&worker)).await.assert_error(403, "forbidden");
}
