//! Community employment service stations: admins create them and assign their staff, and the
//! station decides where its staff may act.

use lingong::domain::GeoPoint;
use lingong::services::districts::Districts;
use serde_json::{Value, json};

use crate::helpers::*;

/// 望京, in 北京 朝阳区.
const WANGJING: (f64, f64) = (39.9965, 116.4704);

fn station_body(name: &str) -> Value {
    json!({"name": name, "address": "北京市朝阳区望京街道阜通东大街6号", "lat": WANGJING.0, "lng": WANGJING.1, "adcode": "110105000000"})
}

fn unique_name() -> String {
    format!("望京街道社区就业服务站{}", unique())
}

async fn user_id(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/auth/me", Some(token)).await.body["id"].as_i64().unwrap()
}

async fn audit(app: &TestApp, admin: &str, target_type: &str, target_id: i64) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/audit?target_type={target_type}&target_id={target_id}"), Some(admin)).await;
    r.assert(200);
    r.body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_admin_creates_a_station_and_assigns_its_staff() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let admin_id = user_id(&app, &admin).await;
    let name = unique_name();
    let r = app.post("/api/v1/stations", Some(&admin), station_body(&name)).await;
    r.assert(201);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["name"], name);
    assert_eq!(r.body["adcode"], "110105000000");
    assert_eq!(r.body["counties"], json!(["110105"]), "the station serves its own county by default: {}", r.text);
    assert_eq!(r.body["radius_km"], 5.0);
    assert!(r.body["district"].as_str().unwrap().contains("朝阳区"), "{}", r.text);
    assert_eq!(r.body["staff"], json!([]));
    let created = audit(&app, &admin, "station", id).await;
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0]["action"], "station.create");
    assert_eq!(created[0]["actor_id"], admin_id);
    assert_eq!(created[0]["after"]["name"], name);

    // Given counties (6- or 12-digit, a city too) and a radius are kept, as prefixes.
    let mut body = station_body(&unique_name());
    body["counties"] = json!(["110105", "110113000000", "110105", "110100000000"]);
    body["radius_km"] = json!(12.5);
    let r = app.post("/api/v1/stations", Some(&admin), body).await;
    r.assert(201);
    assert_eq!(r.body["counties"], json!(["110105", "110113", "1101"]), "{}", r.text);
    assert_eq!(r.body["radius_km"], 12.5);

    let staff = app.staff("station_staff").await;
    let staff_id = user_id(&app, &staff).await;
    let r = app.put(&format!("/api/v1/stations/{id}/staff/{staff_id}"), Some(&admin), json!({})).await;
    r.assert(200);
    assert_eq!(r.body["staff"][0]["id"], staff_id, "{}", r.text);
    assert_eq!(r.body["staff"][0]["role"], "station_staff");
    // Assigning again changes nothing and records nothing more.
    app.put(&format!("/api/v1/stations/{id}/staff/{staff_id}"), Some(&admin), json!({})).await.assert(200);
    let entries: Vec<Value> = audit(&app, &admin, "user", staff_id).await.into_iter().filter(|e| e["action"] == "station.staff").collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["before"], json!({"station_id": null}));
    assert_eq!(entries[0]["after"], json!({"station_id": id}));

    // Every staff member reads stations; the station's staff are listed with it.
    for t in [&admin, &staff, &app.staff("moderator").await] {
        let r = app.get(&format!("/api/v1/stations/{id}"), Some(t)).await;
        r.assert(200);
        assert_eq!(r.body["staff"].as_array().unwrap().len(), 1);
        let all = app.get("/api/v1/stations", Some(t)).await;
        all.assert(200);
        let listed = all.body["items"].as_array().unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed.iter().find(|s| s["id"] == id).unwrap()["staff"][0]["id"], staff_id);
    }
    let (worker, _) = app.worker().await;
    app.get(&format!("/api/v1/stations/{id}"), Some(&worker)).await.assert_error(403, "forbidden");
    app.get("/api/v1/stations", None).await.assert_error(401, "unauthorized");
    app.get("/api/v1/stations/999999", Some(&admin)).await.assert_error(404, "not_found");

    // Taking the member off: audited; a second removal finds no such member.
    let r = app.delete(&format!("/api/v1/stations/{id}/staff/{staff_id}"), Some(&admin)).await;
    r.assert(200);
    assert_eq!(r.body["staff"], json!([]));
    app.delete(&format!("/api/v1/stations/{id}/staff/{staff_id}"), Some(&admin)).await.assert_error(404, "not_found");
    let entries: Vec<Value> = audit(&app, &admin, "user", staff_id).await.into_iter().filter(|e| e["action"] == "station.staff").collect();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0]["after"], json!({"station_id": null}));
}

#[tokio::test]
async fn only_admins_create_stations_and_assign_staff() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let id = app.post("/api/v1/stations", Some(&admin), station_body(&unique_name())).await.body["id"].as_i64().unwrap();
    let member = app.staff("station_staff").await;
    let member_id = user_id(&app, &member).await;
    let (worker, _) = app.worker().await;
    let (employer, _) = app.employer(false).await;
    let others = [app.staff("moderator").await, app.staff("station_staff").await, worker, employer];
    for t in &others {
        app.post("/api/v1/stations", Some(t), station_body(&unique_name())).await.assert_error(403, "forbidden");
        app.put(&format!("/api/v1/stations/{id}/staff/{member_id}"), Some(t), json!({})).await.assert_error(403, "forbidden");
        app.delete(&format!("/api/v1/stations/{id}/staff/{member_id}"), Some(t)).await.assert_error(403, "forbidden");
    }
    app.post("/api/v1/stations", None, station_body(&unique_name())).await.assert_error(401, "unauthorized");
    // Nothing was created by the refused requests.
    assert_eq!(app.get("/api/v1/stations", Some(&admin)).await.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn station_requests_are_validated_field_by_field() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let mut cases: Vec<(&str, Value, &str)> = Vec::new();
    for name in [json!(""), json!("站"), json!("站".repeat(41)), json!(null), json!("  a ")] {
        cases.push(("name", name, ""));
    }
    cases.push(("address", json!(""), ""));
    cases.push(("address", json!(null), ""));
    // Points outside China (Tokyo, the Pacific, Hong Kong, Seoul) and off the globe.
    for (lat, lng) in [(35.68, 139.69), (0.0, -150.0), (22.2819, 114.158), (37.5665, 126.978), (91.0, 116.0), (39.99, 181.0)] {
        // Off the globe, the bad coordinate is named; outside the service area, the point (`lat`).
        let field = if lng > 180.0 { "lng" } else { "lat" };
        cases.push((field, json!([lat, lng]), ""));
    }
    // District codes that are no county, none at all, or disagree with the point (上海 黄浦区).
    for (code, want) in [
        ("999999", "unknown_adcode"),
        ("abc", "unknown_adcode"),
        ("110100000000", "not_a_county"),
        ("110000", "not_a_county"),
        ("310101", "adcode_mismatch"),
        ("", "required"),
    ] {
        cases.push(("adcode", json!(code), want));
    }
    cases.push(("adcode", json!(null), "required"));
    for (i, counties) in [json!(["999999"]), json!(["110105", "123"]), json!([])].into_iter().enumerate() {
        let field = ["counties[0]", "counties[1]", "counties"][i];
        cases.push((field, json!({"counties": counties}), ""));
    }
    for radius in [0.0, 0.5, 0.999, 30.01, 31.0, 100.0, -5.0] {
        cases.push(("radius_km", json!(radius), "out_of_range"));
    }
    for (field, value, code) in &cases {
        let mut body = station_body(&unique_name());
        match *field {
            "lat" | "lng" => {
                body["lat"] = value[0].clone();
                body["lng"] = value[1].clone();
            }
            f if f.starts_with("counties") => body["counties"] = value["counties"].clone(),
            f => body[f] = value.clone(),
        }
        let r = app.post("/api/v1/stations", Some(&admin), body).await;
        r.assert_error(422, "validation_failed");
        assert!(r.fields().contains(&field.to_string()), "{field}={value}: {}", r.text);
        if !code.is_empty() {
            assert_eq!(r.field_code(field).as_deref(), Some(*code), "{field}={value}: {}", r.text);
        }
    }
    // Unknown fields are refused too, and nothing of the above was stored.
    let mut body = station_body(&unique_name());
    body["fee"] = json!(100);
    app.post("/api/v1/stations", Some(&admin), body).await.assert(422);
    assert_eq!(app.get("/api/v1/stations", Some(&admin)).await.body["items"], json!([]));
    // The edges of the radius are allowed.
    for radius in [1.0, 30.0] {
        let mut body = station_body(&unique_name());
        body["radius_km"] = json!(radius);
        app.post("/api/v1/stations", Some(&admin), body).await.assert(201);
    }
}

#[tokio::test]
async fn names_are_unique_and_only_station_staff_belong_to_a_station() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let name = unique_name();
    let id = app.post("/api/v1/stations", Some(&admin), station_body(&name)).await.body["id"].as_i64().unwrap();
    app.post("/api/v1/stations", Some(&admin), station_body(&name)).await.assert_error(409, "station_exists");
    // Surrounding spaces do not make another name.
    app.post("/api/v1/stations", Some(&admin), station_body(&format!("  {name} "))).await.assert_error(409, "station_exists");
    let (worker, _) = app.worker().await;
    let (employer, _) = app.employer(false).await;
    for t in [app.staff("moderator").await, app.staff("admin").await, worker, employer] {
        let uid = user_id(&app, &t).await;
        app.put(&format!("/api/v1/stations/{id}/staff/{uid}"), Some(&admin), json!({})).await.assert_error(409, "not_station_staff");
    }
    let member = user_id(&app, &app.staff("station_staff").await).await;
    app.put(&format!("/api/v1/stations/999999/staff/{member}"), Some(&admin), json!({})).await.assert_error(404, "not_found");
    app.put(&format!("/api/v1/stations/{id}/staff/999999"), Some(&admin), json!({})).await.assert_error(404, "not_found");
    // A member moves between stations.
    let other = app.post("/api/v1/stations", Some(&admin), station_body(&unique_name())).await.body["id"].as_i64().unwrap();
    app.put(&format!("/api/v1/stations/{id}/staff/{member}"), Some(&admin), json!({})).await.assert(200);
    let r = app.put(&format!("/api/v1/stations/{other}/staff/{member}"), Some(&admin), json!({})).await;
    assert_eq!(r.body["staff"][0]["id"], member, "{}", r.text);
    assert_eq!(app.get(&format!("/api/v1/stations/{id}"), Some(&admin)).await.body["staff"], json!([]));
}

/// The point `km` from `from` towards `bearing_deg`.
fn offset(from: GeoPoint, km: f64, bearing_deg: f64) -> GeoPoint {
    let (d, b) = (km / lingong::domain::geo::EARTH_RADIUS_KM, bearing_deg.to_radians());
    let (lat1, lng1) = (from.lat.to_radians(), from.lng.to_radians());
    let lat2 = (lat1.sin() * d.cos() + lat1.cos() * d.sin() * b.cos()).asin();
    let lng2 = lng1 + (b.sin() * d.sin() * lat1.cos()).atan2(d.cos() - lat1.sin() * lat2.sin());
    GeoPoint { lat: lat2.to_degrees(), lng: lng2.to_degrees() }
}

#[tokio::test]
async fn a_station_decides_where_its_staff_read_worker_profiles() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let centre = GeoPoint { lat: WANGJING.0, lng: WANGJING.1 };
    let radius = 5.0;
    // The station serves 朝阳 and, across the city, 房山 (110111): far away, but its county.
    let mut body = station_body(&unique_name());
    body["counties"] = json!(["110105", "110111"]);
    body["radius_km"] = json!(radius);
    let station = app.post("/api/v1/stations", Some(&admin), body).await.body["id"].as_i64().unwrap();
    let staff = app.staff("station_staff").await;
    let staff_id = user_id(&app, &staff).await;
    // An admin-set scope (上海) applies until the staff member joins the station, and again after.
    app.put(&format!("/api/v1/staff/{staff_id}/scope"), Some(&admin), json!({"adcodes": ["31"]})).await.assert(204);

    // Homes around the station, near and far, and one in 房山 beyond the radius.
    let mut homes: Vec<GeoPoint> = Vec::new();
    for bearing in (0..360).step_by(60).map(f64::from) {
        for km in [1.5, 4.5, 9.0, 25.0] {
            homes.push(offset(centre, km, bearing));
        }
    }
    let fangshan = Districts::get().by_code("110111000000").unwrap();
    homes.push(GeoPoint { lat: fangshan.lat, lng: fangshan.lng });
    let mut workers: Vec<(i64, bool, String)> = Vec::new();
    for p in &homes {
        let (token, _, _) = app.register("worker").await;
        let r = app.put("/api/v1/workers/me", Some(&token), json!({"display_name": "周梅", "lat": p.lat, "lng": p.lng})).await;
        r.assert(200);
        let county = r.body["adcode"].as_str().unwrap().to_string();
        let covered = p.haversine_km(&centre) <= radius || county.starts_with("110105") || county.starts_with("110111");
        workers.push((r.body["id"].as_i64().unwrap(), covered, county));
    }
    let (inside, outside) = (workers.iter().filter(|w| w.1).count(), workers.iter().filter(|w| !w.1).count());
    assert!(inside >= 8 && outside >= 4, "the homes test both sides: {inside} covered, {outside} not");
    assert!(
        workers.iter().any(|(_, _, c)| !c.starts_with("110105"))
            && workers.iter().zip(&homes).any(|(w, p)| !w.2.starts_with("110105") && p.haversine_km(&centre) <= radius),
        "some home within the radius lies in another county: {workers:?}"
    );
    assert!(workers.iter().zip(&homes).any(|(w, p)| w.2.starts_with("110111") && p.haversine_km(&centre) > radius), "one home is covered by county alone");

    let read_all = |expect: &'static str| {
        let (app, staff, workers) = (&app, staff.clone(), workers.clone());
        async move {
            let mut wrong = Vec::new();
            for (id, covered, county) in &workers {
                let r = app.get(&format!("/api/v1/workers/{id}"), Some(&staff)).await;
                let want = match expect {
                    "station" if *covered => 200,
                    _ => 403,
                };
                if r.status.as_u16() != want {
                    wrong.push(format!("{expect}: worker {id} in {county} (covered {covered}): {} want {want}", r.status));
                }
            }
            wrong
        }
    };
    let mut wrong = read_all("shanghai").await;
    app.put(&format!("/api/v1/stations/{station}/staff/{staff_id}"), Some(&admin), json!({})).await.assert(200);
    wrong.extend(read_all("station").await);
    app.delete(&format!("/api/v1/stations/{station}/staff/{staff_id}"), Some(&admin)).await.assert(200);
    wrong.extend(read_all("shanghai").await);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // A moderator keeps the scope an admin set, whatever the stations.
    let moderator = app.staff("moderator").await;
    let mod_id = user_id(&app, &moderator).await;
    app.put(&format!("/api/v1/staff/{mod_id}/scope"), Some(&admin), json!({"adcodes": ["31"]})).await.assert(204);
    for (id, _, _) in &workers {
        app.get(&format!("/api/v1/workers/{id}"), Some(&moderator)).await.assert(403);
    }
}
