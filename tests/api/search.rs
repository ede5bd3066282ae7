use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

fn shift_at(title: &str, description: &str, category: &str, lat: f64, lng: f64) -> Value {
    let mut b = shift_body();
    b["title"] = json!(title);
    b["description"] = json!(description);
    b["category"] = json!(category);
    b["lat"] = json!(lat);
    b["lng"] = json!(lng);
    b
}

async fn post(app: &TestApp, token: &str, body: Value) -> i64 {
    let r = app.post("/api/v1/shifts", Some(token), body).await;
    r.assert(201);
    r.body["id"].as_i64().unwrap()
}

async fn search_ids(app: &TestApp, query: &str) -> Vec<i64> {
    let r = app.get(&format!("/api/v1/shifts/search?{query}"), None).await;
    r.assert(200);
    r.body["items"].as_array().unwrap().iter().map(|i| i["shift"]["id"].as_i64().unwrap()).collect()
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn chinese_queries_rank_as_expected() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    let cleaner = post(&app, &token, shift_at("招聘保洁员", "写字楼日常保洁，日结", "cleaning", 39.90, 116.40)).await;
    let home = post(&app, &token, shift_at("家庭保洁", "钟点工上门打扫", "cleaning", 39.91, 116.41)).await;
    let bank = post(&app, &token, shift_at("食堂帮厨", "中国农业发展银行职工食堂帮厨，周末班", "kitchen_helper", 39.92, 116.42)).await;
    let movers = post(&app, &token, shift_at("居民搬家搬运工", "周末居民搬家，家具拆装", "moving", 39.93, 116.43)).await;
    let hk = post(&app, &token, shift_at("家政服务员", "家政保洁，日结工资", "housekeeping", 39.94, 116.44)).await;
    eventually(Duration::from_secs(5), || async { search_ids(&app, "limit=50").await.len() == 5 }).await;

    let mut got = search_ids(&app, &format!("q={}", enc("保洁"))).await;
    got.sort();
    assert_eq!(got, [cleaner, home, hk]);
    assert_eq!(search_ids(&app, &format!("q={}", enc("农业"))).await, [bank]);
    assert_eq!(search_ids(&app, &format!("q={}", enc("搬家 周末"))).await, [movers]);
    assert_eq!(search_ids(&app, &format!("q={}", enc("家政 日结"))).await, [hk]);
    // The title word counts more than one buried in a description.
    let ranked = search_ids(&app, &format!("q={}", enc("帮厨"))).await;
    assert_eq!(ranked, [bank]);
    let mut py = search_ids(&app, "q=baojie").await;
    py.sort();
    assert_eq!(py, [cleaner, home, hk]);
    assert!(search_ids(&app, "q=bj").await.contains(&movers), "bj = 搬家 as well as 保洁");
    // A single character finds words the dictionary does not know.
    assert!(search_ids(&app, &format!("q={}", enc("拆"))).await.contains(&movers));
    assert!(search_ids(&app, &format!("q={}", enc("宇航员"))).await.is_empty());

    let r = app.get(&format!("/api/v1/shifts/search?q={}", enc("保洁")), None).await;
    let first = &r.body["items"][0];
    assert!(first["score"].as_f64().unwrap() > 0.0);
    assert!(first["reasons"]["text"].as_f64().unwrap() > 0.0);
    assert_eq!(r.body["total"], 3);
    assert_eq!(r.body["facets"]["category"]["cleaning"], 2);
    assert!(!r.text.contains("13812345678"), "contact details stay hidden in search");
}

/// Great-circle distance by the spherical law of cosines, independent of the service's haversine.
fn cosine_law_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let dl = (b.1 - a.1).to_radians();
    6371.0088 * (p1.sin() * p2.sin() + p1.cos() * p2.cos() * dl.cos()).clamp(-1.0, 1.0).acos()
}

#[tokio::test]
async fn geo_radius_bbox_and_distances_match_real_city_pairs() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    // District points from the shipped data: 东城区 (Beijing), 和平区 (Tianjin), 浦东新区 (Shanghai).
    let beijing = (39.928353, 116.416357);
    let tianjin = (39.117196, 117.218760);
    let shanghai = (31.221517, 121.544379);
    let bj = post(&app, &token, shift_at("北京岗位", "北京的保洁工作", "cleaning", beijing.0, beijing.1)).await;
    let tj = post(&app, &token, shift_at("天津岗位", "天津的保洁工作", "cleaning", tianjin.0, tianjin.1)).await;
    let sh = post(&app, &token, shift_at("上海岗位", "上海的保洁工作", "cleaning", shanghai.0, shanghai.1)).await;
    // 天津 has no configured wage floor, so its shift waits for a moderator.
    let m = app.staff("moderator").await;
    app.post(&format!("/api/v1/moderation/shifts/{tj}/approve"), Some(&m), json!({})).await.assert(200);
    eventually(Duration::from_secs(5), || async { search_ids(&app, "").await.len() == 3 }).await;

    let r = app.get(&format!("/api/v1/shifts/search?lat={}&lng={}&radius_km=150&sort=distance", beijing.0, beijing.1), None).await;
    r.assert(200);
    let items = r.body["items"].as_array().unwrap();
    let ids: Vec<i64> = items.iter().map(|i| i["shift"]["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [bj, tj]);
    let d = items[1]["distance_km"].as_f64().unwrap();
    let expected = cosine_law_km(beijing, tianjin);
    assert!((d - expected).abs() < 0.05 * expected.max(1.0) / 10.0, "Beijing–Tianjin {d} vs {expected}");
    assert!((100.0..125.0).contains(&d), "Beijing–Tianjin is about 113 km: {d}");
    assert_eq!(items[0]["distance_km"], 0.0);
    assert_eq!(items[1]["reasons"]["distance_km"].as_f64().unwrap(), d);

    let far = app.get(&format!("/api/v1/shifts/search?lat={}&lng={}&radius_km=200", shanghai.0, shanghai.1), None).await;
    let ids: Vec<i64> = far.body["items"].as_array().unwrap().iter().map(|i| i["shift"]["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [sh]);
    // A map view of north China.
    let mut in_box = search_ids(&app, "bbox=115,38,118,41").await;
    in_box.sort();
    assert_eq!(in_box, [bj, tj]);
    app.get("/api/v1/shifts/search?bbox=118,38,115,41", None).await.assert_error(422, "validation_failed");
    app.get("/api/v1/shifts/search?lat=95&lng=116", None).await.assert(422);
    app.get("/api/v1/shifts/search?sort=distance", None).await.assert(422);
}

#[tokio::test]
async fn filters_sorts_and_pages() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    let mut ids = Vec::new();
    for (i, (pay, settlement, day)) in [(3000, "daily", 2), (4000, "weekly", 3), (5000, "daily", 4)].into_iter().enumerate() {
        let mut b = shift_at(&format!("仓库理货员{i}"), "仓库理货上架", "warehouse", 31.23, 121.47);
        b["pay"] = json!({"amount_fen": pay, "unit": "hour"});
        b["settlement"] = json!(settlement);
        b["slots"] = json!([{"start": at(day, 9), "end": at(day, 13)}]);
        b["valid_through"] = json!(at(day, 0));
        b["adcode"] = json!("310101");
        ids.push(post(&app, &token, b).await);
    }
    eventually(Duration::from_secs(5), || async { search_ids(&app, "").await.len() == 3 }).await;
    assert_eq!(search_ids(&app, "sort=pay").await, [ids[2], ids[1], ids[0]]);
    assert_eq!(search_ids(&app, "sort=start").await, [ids[0], ids[1], ids[2]]);
    assert_eq!(search_ids(&app, "settlement=weekly").await, [ids[1]]);
    assert_eq!(search_ids(&app, "min_pay_fen=3500&sort=pay").await, [ids[2], ids[1]]);
    assert_eq!(search_ids(&app, "adcode=3101&sort=start").await.len(), 3);
    assert!(search_ids(&app, "adcode=4403").await.is_empty());
    assert!(search_ids(&app, "category=cleaning").await.is_empty());
    // Time window: only the shift on day 3.
    let from = enc(&at(3, 0));
    let to = enc(&at(3, 23));
    assert_eq!(search_ids(&app, &format!("from={from}&to={to}")).await, [ids[1]]);
    // Pages.
    let p1 = app.get("/api/v1/shifts/search?sort=start&limit=2", None).await;
    assert_eq!(p1.body["total"], 3);
    let cursor = p1.body["next_cursor"].as_str().unwrap().to_string();
    let p2 = app.get(&format!("/api/v1/shifts/search?sort=start&limit=2&cursor={cursor}"), None).await;
    assert_eq!(p2.body["items"][0]["shift"]["id"], ids[2]);
    assert!(p2.body["next_cursor"].is_null());
    let r = app.get("/api/v1/shifts/search?limit=101&pay_unit=month&settlement=x&sort=best", None).await;
    assert_eq!(r.fields(), ["limit", "pay_unit", "settlement", "sort"]);
}

#[tokio::test]
async fn search_follows_every_change() {
    let app = spawn_with(|c| c.search.expiry_interval_secs = 1).await;
    let (verified, _) = app.employer(true).await;
    let (unverified, _) = app.employer(false).await;
    let id = post(&app, &verified, shift_at("快递分拣员", "分拨中心包裹分拣扫描", "parcel_sorting", 22.54, 114.05)).await;
    let pending = post(&app, &unverified, shift_at("快递分拣员", "分拨中心包裹分拣扫描", "parcel_sorting", 22.54, 114.05)).await;
    let q = format!("q={}", enc("分拣"));
    eventually(Duration::from_secs(5), || async { search_ids(&app, &q).await == [id] }).await;
    assert!(!search_ids(&app, &q).await.contains(&pending), "unpublished shifts are not searchable");

    // An edit changes what finds it.
    app.patch(&format!("/api/v1/shifts/{id}"), Some(&verified), json!({"title": "仓库装卸工", "description": "货车装卸，按件计酬", "category": "warehouse"}))
        .await
        .assert(200);
    eventually(Duration::from_secs(5), || async { search_ids(&app, &format!("q={}", enc("装卸"))).await == [id] }).await;
    assert!(search_ids(&app, &q).await.is_empty());

    // Closing removes it.
    app.post(&format!("/api/v1/shifts/{id}/close"), Some(&verified), json!({})).await.assert(200);
    eventually(Duration::from_secs(5), || async { search_ids(&app, "").await.is_empty() }).await;

    // Expiry needs nobody: a shift whose validity passes leaves the results by itself and the
    // background run marks it expired.
    let mut b = shift_at("促销员", "商场新品促销推广", "promotion", 22.54, 114.05);
    let valid = chrono::Utc::now() + chrono::Duration::seconds(2);
    b["valid_through"] = json!(valid.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).to_rfc3339());
    let soon = post(&app, &verified, b).await;
    eventually(Duration::from_secs(5), || async { search_ids(&app, "").await.contains(&soon) || chrono::Utc::now() > valid }).await;
    eventually(Duration::from_secs(5), || async { search_ids(&app, "").await.is_empty() }).await;
    eventually(Duration::from_secs(10), || async { app.get(&format!("/api/v1/shifts/{soon}"), Some(&verified)).await.body["status"] == "expired" }).await;
}

#[tokio::test]
async fn workers_see_shifts_they_can_reach_in_time() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    // Saturday after next, 09:00–13:00 local.
    let today = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).date_naive();
    let mut sat = today + chrono::Duration::days(7);
    while chrono::Datelike::weekday(&sat) != chrono::Weekday::Sat {
        sat += chrono::Duration::days(1);
    }
    let slot = |h1: u32, h2: u32| json!([{"start": format!("{sat}T{h1:02}:00:00+08:00"), "end": format!("{sat}T{h2:02}:00:00+08:00")}]);
    let mut near = shift_at("周末保洁", "小区公共区域保洁", "cleaning", 39.9100, 116.4600);
    near["slots"] = slot(9, 13);
    near["valid_through"] = json!(format!("{sat}T08:00:00+08:00"));
    let near_id = post(&app, &employer, near.clone()).await;
    let mut partial = near.clone();
    partial["slots"] = slot(16, 20);
    let partial_id = post(&app, &employer, partial).await;
    let mut far = near.clone();
    far["lat"] = json!(40.2);
    let _far = post(&app, &employer, far).await;
    let mut other_kind = near.clone();
    other_kind["category"] = json!("security");
    let _other = post(&app, &employer, other_kind).await;
    let mut cheap = near.clone();
    cheap["pay"] = json!({"amount_fen": 2800, "unit": "hour"});
    let cheap_id = post(&app, &employer, cheap).await;

    let (worker, _) = app.worker().await;
    let mut avail = availability_body();
    avail["lat"] = json!(39.92);
    avail["lng"] = json!(116.46);
    avail["radius_km"] = json!(5);
    avail["categories"] = json!(["cleaning"]);
    avail["min_pay"] = json!({"amount_fen": 3000, "unit": "hour"});
    avail["windows"] = json!({"weekly": [{"weekday": 6, "start": "08:00", "end": "18:00"}]});
    app.post("/api/v1/availability", Some(&worker), avail).await.assert(201);

    eventually(Duration::from_secs(5), || async { search_ids(&app, "").await.len() == 5 }).await;
    let r = app.get("/api/v1/workers/me/matches", Some(&worker)).await;
    r.assert(200);
    let items = r.body["items"].as_array().unwrap();
    let ids: Vec<i64> = items.iter().map(|i| i["shift"]["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [near_id, cheap_id, partial_id], "{}", r.text);
    assert_eq!(items[0]["reasons"]["time_fit"], "full");
    assert_eq!(items[0]["reasons"]["pay_ok"], true);
    assert_eq!(items[1]["reasons"]["pay_ok"], false);
    assert_eq!(items[2]["reasons"]["time_fit"], "partial");
    assert!(items[0]["distance_km"].as_f64().unwrap() < 5.0);
    let (employer_token, _) = app.employer(true).await;
    app.get("/api/v1/workers/me/matches", Some(&employer_token)).await.assert_error(403, "forbidden");
}

#[tokio::test]
async fn employers_see_who_can_come_without_private_data() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let shift = post(&app, &employer, shift_at("保洁", "办公室日常保洁", "cleaning", 39.9100, 116.4600)).await;
    // Two workers who can come (one in a key group), one too far away.
    let mut tokens = Vec::new();
    for (name, lat, groups) in [("王秀英", 39.92, json!(["laid_off"])), ("李建国", 39.915, json!([])), ("赵远", 40.5, json!([]))] {
        let (t, _, _) = app.register("worker").await;
        app.put("/api/v1/workers/me", Some(&t), json!({"display_name": name, "key_groups": groups})).await.assert(200);
        let mut a = availability_body();
        a["lat"] = json!(lat);
        a["lng"] = json!(116.46);
        a["windows"] = json!({"dated": [{"start": at(1, 0), "end": at(4, 0)}]});
        app.post("/api/v1/availability", Some(&t), a).await.assert(201);
        tokens.push(t);
    }
    let path = format!("/api/v1/shifts/{shift}/matches");
    eventually(Duration::from_secs(5), || async { app.get(&path, Some(&employer)).await.body["total"] == 2 }).await;
    let r = app.get(&path, Some(&employer)).await;
    let names: Vec<&str> = r.body["items"].as_array().unwrap().iter().map(|i| i["display_name"].as_str().unwrap()).collect();
    assert!(names.contains(&"王**") && names.contains(&"李**"), "{names:?}");
    assert!(!r.text.contains("priority_group") && !r.text.contains("laid_off") && !r.text.contains("phone"), "{}", r.text);
    assert_eq!(r.body["items"][0]["reasons"]["time_fit"], "full");

    // Staff see the policy boost: the key-group worker ranks first.
    let staff = app.staff("moderator").await;
    let s = app.get(&path, Some(&staff)).await;
    assert_eq!(s.body["items"][0]["display_name"], "王秀英");
    assert_eq!(s.body["items"][0]["reasons"]["priority_group"], true);

    let (other, _) = app.employer(true).await;
    app.get(&path, Some(&other)).await.assert_error(403, "forbidden");
    app.get(&path, Some(&tokens[0])).await.assert_error(403, "forbidden");
}

#[tokio::test]
async fn staff_search_availability() {
    let app = spawn_app().await;
    let (worker, _) = app.worker().await;
    let mut a = availability_body();
    a["note"] = json!("有电动车，会修水电");
    app.post("/api/v1/availability", Some(&worker), a).await.assert(201);
    let station = app.staff("station_staff").await;
    let q = |query: String| {
        let app = &app;
        let station = station.clone();
        async move { app.get(&format!("/api/v1/availability/search?{query}"), Some(&station)).await }
    };
    eventually(Duration::from_secs(5), || async { q(String::new()).await.body["total"] == 1 }).await;
    let r = q(format!("q={}", enc("电动车"))).await;
    assert_eq!(r.body["total"], 1);
    assert!(r.body["items"][0]["worker"]["phone"].is_string());
    assert_eq!(q(format!("q={}", enc("保洁"))).await.body["total"], 1, "category names are searchable");
    assert_eq!(q(format!("q={}", enc("司机"))).await.body["total"], 0);
    assert_eq!(q("lat=39.92&lng=116.46&radius_km=3".into()).await.body["total"], 1);
    assert_eq!(q("lat=31.2&lng=121.4&radius_km=3".into()).await.body["total"], 0);
    // The dated window is day 3 08:00–18:00.
    assert_eq!(q(format!("from={}&to={}", enc(&at(3, 9)), enc(&at(3, 12)))).await.body["total"], 1);
    app.get("/api/v1/availability/search", Some(&worker)).await.assert_error(403, "forbidden");
    let (employer, _) = app.employer(true).await;
    app.get("/api/v1/availability/search", Some(&employer)).await.assert_error(403, "forbidden");
}

#[tokio::test]
async fn two_replicas_stay_in_step_and_a_restarted_one_catches_up() {
    let a = spawn_app().await;
    // A second replica on the same database (and the same Redis channel, when configured).
    let cfg = test_config(&a.db, |c| c.redis.key_prefix = a.config.redis.key_prefix.clone());
    let b = lingong::app::Application::build(cfg.clone()).await.unwrap();
    let b_addr = format!("http://127.0.0.1:{}", b.port());
    tokio::spawn(b.run_until_stopped());
    let search_b = |q: &'static str| {
        let client = a.client.clone();
        let url = format!("{b_addr}/api/v1/shifts/search?{q}");
        async move { client.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let (token, _) = a.employer(true).await;
    let mut waits = Vec::new();
    for i in 0..5 {
        let id = post(&a, &token, shift_at(&format!("装卸工{i}"), "仓库装卸与理货", "warehouse", 30.5, 114.3)).await;
        let waited =
            eventually(Duration::from_secs(5), || async { search_b("limit=100").await["items"].as_array().unwrap().iter().any(|x| x["shift"]["id"] == id) })
                .await;
        waits.push(waited);
    }
    eprintln!("replica lag (post on A → visible on B): {waits:?}");

    // A replica that was down while shifts were posted catches up from the database when it starts.
    let id = post(&a, &token, shift_at("夜班分拣员", "夜班包裹分拣上架", "parcel_sorting", 30.5, 114.3)).await;
    let c = lingong::app::Application::build(cfg).await.unwrap();
    let c_addr = format!("http://127.0.0.1:{}", c.port());
    tokio::spawn(c.run_until_stopped());
    let body: Value = a.client.get(format!("{c_addr}/api/v1/shifts/search?q={}", enc("分拣"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["items"][0]["shift"]["id"], id);
}
