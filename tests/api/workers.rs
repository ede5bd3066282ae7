use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn worker_profile_keeps_private_data_private() {
    let app = spawn_app().await;
    let (token, _, phone) = app.register("worker").await;
    app.get("/api/v1/workers/me", Some(&token)).await.assert_error(404, "not_found");
    let r = app
        .put(
            "/api/v1/workers/me",
            Some(&token),
            json!({"display_name": "王秀英", "skills": ["cleaning", "elderly_care"], "lat": 31.23, "lng": 121.47, "radius_km": 8,
                   "expected_pay": {"amount_fen": 3000, "unit": "hour"}, "id_number": "11010519491231002x", "key_groups": ["age_40_50", "laid_off"]}),
        )
        .await;
    r.assert(200);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["id_number_masked"], "110105********002X");
    assert!(!r.text.contains("19491231"), "the full ID number never comes back: {}", r.text);
    assert_eq!(r.body["key_groups"], json!(["age_40_50", "laid_off"]));
    assert_eq!(r.body["expected_pay"], json!({"amount_fen": 3000, "unit": "hour"}));
    assert_eq!(r.body["phone"], phone);

    // Updating without the ID number keeps the one on file.
    let r =
        app.put("/api/v1/workers/me", Some(&token), json!({"display_name": "王秀英", "skills": ["cleaning"], "key_groups": ["age_40_50", "laid_off"]})).await;
    assert_eq!(r.body["id_number_masked"], "110105********002X");
    assert_eq!(app.get("/api/v1/workers/me", Some(&token)).await.body["skills"], json!(["cleaning"]));

    // Employers and other workers cannot read a worker's profile; station staff can.
    let (employer, _) = app.employer(true).await;
    let (other, _) = app.worker().await;
    app.get(&format!("/api/v1/workers/{id}"), Some(&employer)).await.assert_error(403, "forbidden");
    app.get(&format!("/api/v1/workers/{id}"), Some(&other)).await.assert_error(403, "forbidden");
    app.get(&format!("/api/v1/workers/{id}"), None).await.assert_error(401, "unauthorized");
    let station = app.staff("station_staff").await;
    let r = app.get(&format!("/api/v1/workers/{id}"), Some(&station)).await;
    r.assert(200);
    assert_eq!(r.body["key_groups"], json!(["age_40_50", "laid_off"]));
    app.put("/api/v1/workers/me", Some(&employer), json!({"display_name": "x"})).await.assert_error(403, "forbidden");
}

#[tokio::test]
async fn worker_validation() {
    let app = spawn_app().await;
    let (token, _, _) = app.register("worker").await;
    let r = app
        .put(
            "/api/v1/workers/me",
            Some(&token),
            json!({"display_name": "", "skills": ["cleaning", "astronaut"], "lat": 95, "lng": 200, "radius_km": 0,
                   "expected_pay": {"amount_fen": -5, "unit": "hour"}, "id_number": "110105194912310021", "key_groups": ["rich"]}),
        )
        .await;
    r.assert_error(422, "validation_failed");
    assert_eq!(r.fields(), ["display_name", "skills[1]", "lat", "lng", "radius_km", "expected_pay.amount_fen", "id_number", "key_groups[0]"]);
    assert_eq!(r.field_code("id_number").unwrap(), "invalid_id_number");
    // Nothing was stored.
    app.get("/api/v1/workers/me", Some(&token)).await.assert(404);
}

#[tokio::test]
async fn one_id_number_one_account() {
    let app = spawn_app().await;
    let (a, _, _) = app.register("worker").await;
    let (b, _, _) = app.register("worker").await;
    let body = json!({"display_name": "赵军", "id_number": "440524188001010014"});
    app.put("/api/v1/workers/me", Some(&a), body.clone()).await.assert(200);
    app.put("/api/v1/workers/me", Some(&b), body).await.assert_error(409, "id_number_taken");
}

/// A station staff member limited to the districts under `prefix`.
async fn station_in(app: &TestApp, admin: &str, prefix: &str) -> String {
    let t = app.staff("station_staff").await;
    let me = app.get("/api/v1/auth/me", Some(&t)).await.body["id"].as_i64().unwrap();
    app.put(&format!("/api/v1/staff/{me}/scope"), Some(admin), json!({"adcodes": [prefix]})).await.assert(204);
    t
}

#[tokio::test]
async fn a_workers_district_follows_their_home_and_scopes_station_staff() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let beijing = station_in(&app, &admin, "11").await;
    let shanghai = station_in(&app, &admin, "31").await;
    let (token, _, _) = app.register("worker").await;
    // Homes in several cities, one after another: the district moves with the home point.
    for (lat, lng, prefix) in [(39.92, 116.46, "11"), (31.23, 121.47, "31"), (22.54, 113.93, "4403"), (39.99, 116.31, "11")] {
        let r = app.put("/api/v1/workers/me", Some(&token), json!({"display_name": "周梅", "lat": lat, "lng": lng})).await;
        r.assert(200);
        assert!(r.body["adcode"].as_str().unwrap().starts_with(prefix), "{lat},{lng}: {}", r.text);
        let id = r.body["id"].as_i64().unwrap();
        let path = format!("/api/v1/workers/{id}");
        for (staff, area) in [(&beijing, "11"), (&shanghai, "31")] {
            let want = if prefix == area { 200 } else { 403 };
            app.get(&path, Some(staff)).await.assert(want);
        }
    }
    // Without a home point, the district on file stays; a worker who never gave one is placed
    // by their availability.
    let r = app.put("/api/v1/workers/me", Some(&token), json!({"display_name": "周梅"})).await;
    assert!(r.body["adcode"].as_str().unwrap().starts_with("11"), "{}", r.text);
    let (other, _, _) = app.register("worker").await;
    let id = app.put("/api/v1/workers/me", Some(&other), json!({"display_name": "吴刚"})).await.body["id"].as_i64().unwrap();
    app.get(&format!("/api/v1/workers/{id}"), Some(&beijing)).await.assert(403);
    app.post("/api/v1/availability", Some(&other), availability_body()).await.assert(201);
    app.get(&format!("/api/v1/workers/{id}"), Some(&beijing)).await.assert(200);
    app.get(&format!("/api/v1/workers/{id}"), Some(&shanghai)).await.assert(403);
}
