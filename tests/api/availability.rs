use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn availability_crud() {
    let app = spawn_app().await;
    let (token, worker_id) = app.worker().await;
    let r = app.post("/api/v1/availability", Some(&token), availability_body()).await;
    r.assert(201);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["worker_id"], worker_id);
    assert_eq!(r.body["windows"]["dated"][0]["start"], at(3, 8));
    // Weekly windows come back sorted by weekday; an end before the start runs past midnight.
    assert_eq!(r.body["windows"]["weekly"], json!([{"weekday": 5, "start": "22:00", "end": "06:00"}, {"weekday": 6, "start": "08:00", "end": "18:00"}]));
    assert_eq!(r.body["adcode"], "110105000000");
    assert_eq!(r.body["active"], true);

    let path = format!("/api/v1/availability/{id}");
    app.get(&path, Some(&token)).await.assert(200);
    let r = app.patch(&path, Some(&token), json!({"radius_km": 12, "windows": {"weekly": [{"weekday": 7, "start": "09:00", "end": "17:00"}]}})).await;
    r.assert(200);
    assert_eq!(r.body["radius_km"], 12.0);
    assert_eq!(r.body["windows"]["dated"], json!([]));
    assert_eq!(r.body["note"], "周末有空，可接日结");

    let second = app.post("/api/v1/availability", Some(&token), availability_body()).await.body["id"].as_i64().unwrap();
    let list = app.get("/api/v1/workers/me/availability?limit=1", Some(&token)).await;
    assert_eq!(list.body["items"][0]["id"], second);
    let next = list.body["next_cursor"].as_str().unwrap();
    let list2 = app.get(&format!("/api/v1/workers/me/availability?limit=1&cursor={next}"), Some(&token)).await;
    assert_eq!(list2.body["items"][0]["id"], id);

    app.delete(&path, Some(&token)).await.assert(204);
    app.get(&path, Some(&token)).await.assert_error(404, "not_found");
    app.delete(&path, Some(&token)).await.assert(404);
}

#[tokio::test]
async fn availability_belongs_to_its_worker() {
    let app = spawn_app().await;
    let (owner, _) = app.worker().await;
    let (other, _) = app.worker().await;
    let (employer, _) = app.employer(true).await;
    let id = app.post("/api/v1/availability", Some(&owner), availability_body()).await.body["id"].as_i64().unwrap();
    let path = format!("/api/v1/availability/{id}");
    for t in [&other, &employer] {
        app.get(&path, Some(t)).await.assert_error(403, "forbidden");
        app.patch(&path, Some(t), json!({"radius_km": 1})).await.assert_error(403, "forbidden");
        app.delete(&path, Some(t)).await.assert_error(403, "forbidden");
    }
    app.post("/api/v1/availability", Some(&employer), availability_body()).await.assert_error(403, "forbidden");
    let station = app.staff("station_staff").await;
    app.get(&path, Some(&station)).await.assert(200);
    app.get(&path, None).await.assert_error(401, "unauthorized");
    // A worker without a profile is told to create one.
    let (bare, _, _) = app.register("worker").await;
    app.post("/api/v1/availability", Some(&bare), availability_body()).await.assert_error(409, "worker_profile_required");
}

#[tokio::test]
async fn availability_validation() {
    let app = spawn_app().await;
    let (token, _) = app.worker().await;
    let r = app
        .post(
            "/api/v1/availability",
            Some(&token),
            json!({"lat": 39.9, "lng": 116.4, "radius_km": 500, "categories": ["moonwalking"],
                   "windows": {"dated": [{"start": at(3, 18), "end": at(3, 8)}], "weekly": [{"weekday": 8, "start": "8am", "end": "12:00"}, {"weekday": 1, "start": "09:00", "end": "09:00"}]}}),
        )
        .await;
    r.assert_error(422, "validation_failed");
    assert_eq!(
        r.fields(),
        ["radius_km", "categories[0]", "windows.dated[0].end", "windows.weekly[0].weekday", "windows.weekly[0].start", "windows.weekly[1].end"]
    );
    let r = app.post("/api/v1/availability", Some(&token), json!({"lat": 39.9, "lng": 116.4, "radius_km": 5})).await;
    assert_eq!(r.fields(), ["windows"]);
    let r = app
        .post(
            "/api/v1/availability",
            Some(&token),
            json!({"lat": 39.9, "lng": 116.4, "radius_km": 5, "windows": {"weekly": [{"weekday": 1, "start": "25:00", "end": "12:00"}]}}),
        )
        .await;
    assert_eq!(r.fields(), ["windows.weekly[0].start"]);
    assert_eq!(app.get("/api/v1/workers/me/availability", Some(&token)).await.body["items"], json!([]));
}
