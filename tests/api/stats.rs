//! 统计监测 and 求人倍率 through the API and the pages, against figures counted by hand from a
//! fixture made through the API: shifts in four districts of three provinces (one fully taken,
//! one published outside the period), claims (one cancelled late), seekers with no occupation,
//! one, and two, seekers who are not active, and key-group workers.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::helpers::*;
use crate::pages::{PageClient, urlencode};

/// A page client signed in with an API token (a page session is the same token).
fn signed_in(app: &TestApp, token: &str) -> PageClient {
    let mut c = PageClient::new(app);
    c.cookies.insert("lg_session".into(), token.to_string());
    c
}

/// County points of the data (each is its own nearest county).
const CHAOYANG: (f64, f64) = (39.921506, 116.443205);
const HAIDIAN: (f64, f64) = (39.95993, 116.298262);
const NANSHAN: (f64, f64) = (22.533287, 113.930413);
const FUTIAN: (f64, f64) = (22.521521, 114.055072);
const HUANGPU: (f64, f64) = (31.231739, 121.484428);

async fn shift(app: &TestApp, employer: &str, category: &str, at_point: (f64, f64), headcount: i64, county: &str) -> i64 {
    let mut b = shift_body();
    b["category"] = json!(category);
    b["take_mode"] = json!("instant");
    b["headcount"] = json!(headcount);
    b["lat"] = json!(at_point.0);
    b["lng"] = json!(at_point.1);
    b["valid_through"] = json!(at(5, 0));
    let r = app.post("/api/v1/shifts", Some(employer), b).await;
    r.assert(201);
    assert_eq!(r.body["status"], "published", "{}", r.text);
    assert_eq!(r.body["adcode"].as_str().map(|a| &a[..6]), Some(county), "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// A worker with these skills, home point and key groups; returns (token, worker id).
async fn person(app: &TestApp, skills: &[&str], home: Option<(f64, f64)>, key_groups: &[&str]) -> (String, i64) {
    let (token, _, _) = app.register("worker").await;
    let mut body = json!({"display_name": "李秀英", "skills": skills, "key_groups": key_groups});
    if let Some((lat, lng)) = home {
        body["lat"] = json!(lat);
        body["lng"] = json!(lng);
    }
    let r = app.put("/api/v1/workers/me", Some(&token), body).await;
    r.assert(200);
    (token, r.body["id"].as_i64().unwrap())
}

async fn available(app: &TestApp, token: &str, point: (f64, f64), categories: &[&str], weekly: bool, active: bool) {
    let mut a = availability_body();
    a["lat"] = json!(point.0);
    a["lng"] = json!(point.1);
    a["categories"] = json!(categories);
    a["active"] = json!(active);
    a["windows"] =
        if weekly { json!({"weekly": [{"weekday": 6, "start": "08:00", "end": "18:00"}]}) } else { json!({"dated": [{"start": at(3, 8), "end": at(3, 18)}]}) };
    app.post("/api/v1/availability", Some(token), a).await.assert(201);
}

async fn claim(app: &TestApp, shift: i64, token: &str) -> i64 {
    let r = app.post(&format!("/api/v1/shifts/{shift}/applications"), Some(token), json!({})).await;
    r.assert(201);
    assert_eq!(r.body["state"], "confirmed", "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// Sets a shift's first publication back by `days` (what a shift published last quarter looks like).
async fn publish_earlier(app: &TestApp, shift: i64, days: i64) {
    let db = lingong::db::Db::connect(&app.db.url, 1, std::time::Duration::from_secs(5)).unwrap();
    db.run(move |conn| {
        use diesel::prelude::*;
        use lingong::db::schema::shifts;
        let at: chrono::NaiveDateTime = shifts::table.find(shift).select(shifts::published_at).first::<Option<chrono::NaiveDateTime>>(conn)?.unwrap();
        diesel::update(shifts::table.find(shift)).set(shifts::published_at.eq(at - chrono::Duration::days(days))).execute(conn)?;
        Ok(())
    })
    .await
    .unwrap();
}

/// The fixture; the hand counts are in the tests.
///
/// | shift | occupation | county        | headcount | held | open |
/// | S1    | cleaning   | 110105 朝阳   | 10        | 6 (+1 cancelled late) | 4 |
/// | S2    | moving     | 110105 朝阳   | 3         | 3    | 0    |
/// | S3    | cleaning   | 110108 海淀   | 6         | 0    | 6    |
/// | S4    | cleaning   | 440305 南山   | 4         | 0    | 4    |
/// | S5    | moving     | 440304 福田   | 7         | 0    | 7    |
/// | S6    | cleaning   | 310101 黄浦   | 9         | 0    | 9    |
/// | S7    | moving     | 310101 黄浦   | 6         | 0    | 6    |
/// | S8    | cleaning   | 110105 朝阳   | 5, published 100 days earlier: outside the period |
///
/// Seekers: K1–K6 (cleaning, 朝阳, 下岗失业; K1 also 高校毕业生) claim S1; L1 (cleaning, 朝阳)
/// claims S1 and cancels; M1–M3 (cleaning, 朝阳) claim S2; W6 (no occupation, no home, weekly
/// availability in 海淀); W7 (cleaning + moving, 海淀, dated availability); N1–N3 (cleaning, 南山,
/// weekly availability). Not seekers: X1 (profile only), X2 (inactive availability).
async fn fixture(app: &TestApp) {
    let (employer, _) = app.employer(true).await;
    let s1 = shift(app, &employer, "cleaning", CHAOYANG, 10, "110105").await;
    let s2 = shift(app, &employer, "moving", CHAOYANG, 3, "110105").await;
    shift(app, &employer, "cleaning", HAIDIAN, 6, "110108").await;
    shift(app, &employer, "cleaning", NANSHAN, 4, "440305").await;
    shift(app, &employer, "moving", FUTIAN, 7, "440304").await;
    shift(app, &employer, "cleaning", HUANGPU, 9, "310101").await;
    shift(app, &employer, "moving", HUANGPU, 6, "310101").await;
    let s8 = shift(app, &employer, "cleaning", CHAOYANG, 5, "110105").await;
    publish_earlier(app, s8, 100).await;
    for i in 0..6 {
        let groups: &[&str] = if i == 0 { &["laid_off", "graduate"] } else { &["laid_off"] };
        let (k, _) = person(app, &["cleaning"], Some(CHAOYANG), groups).await;
        claim(app, s1, &k).await;
    }
    let (l1, _) = person(app, &["cleaning"], Some(CHAOYANG), &[]).await;
    let e = claim(app, s1, &l1).await;
    app.post(&format!("/api/v1/engagements/{e}/cancel"), Some(&l1), json!({"reason": "家里有事"})).await.assert(200);
    for _ in 0..3 {
        let (m, _) = person(app, &["cleaning"], Some(CHAOYANG), &[]).await;
        claim(app, s2, &m).await;
    }
    let (w6, _) = person(app, &[], None, &[]).await;
    available(app, &w6, HAIDIAN, &[], true, true).await;
    let (w7, _) = person(app, &["cleaning", "moving"], Some(HAIDIAN), &[]).await;
    available(app, &w7, HAIDIAN, &[], false, true).await;
    for _ in 0..3 {
        let (n, _) = person(app, &["cleaning"], Some(NANSHAN), &[]).await;
        available(app, &n, NANSHAN, &["cleaning"], true, true).await;
    }
    person(app, &["cleaning"], Some(CHAOYANG), &[]).await;
    let (x2, _) = person(app, &["moving"], Some(CHAOYANG), &[]).await;
    available(app, &x2, CHAOYANG, &["moving"], true, false).await;
}

/// Every late cancellation counts as late (the fixture cancels days ahead).
async fn app_with_fixture() -> TestApp {
    let app = spawn_with(|c| c.engagements.late_cancel_hours = 10_000).await;
    fixture(&app).await;
    app
}

/// The period around now: from yesterday to five days on (Beijing dates).
fn window() -> String {
    let day = |d: i64| at(d, 0)[..10].to_string();
    format!("from={}&to={}", day(-1), day(5))
}

fn rows(body: &Value) -> HashMap<String, Value> {
    body["rows"].as_array().unwrap().iter().map(|r| (r["key"].as_str().unwrap().to_string(), r.clone())).collect()
}

#[tokio::test]
async fn staff_figures_match_the_hand_counts_by_occupation_district_and_level() {
    let app = app_with_fixture().await;
    let admin = app.staff("admin").await;
    let r = app.get(&format!("/api/v1/stats?{}&group_by=category", window()), Some(&admin)).await;
    r.assert(200);
    let by = rows(&r.body);
    let c = &by["cleaning"];
    // S1, S3, S4, S6 (S8 was published outside the period).
    assert_eq!((c["postings"].as_i64(), c["places"].as_i64(), c["fills"].as_i64()), (Some(4), Some(29), Some(6)), "{c}");
    assert_eq!(c["confirmed"], 7, "six held and one cancelled");
    assert_eq!((c["late_cancels_by_worker"].as_i64(), c["late_cancels_by_employer"].as_i64()), (Some(1), Some(0)));
    assert_eq!(c["late_cancel_rate"], 0.1429);
    assert_eq!(c["fill_rate"], 0.2069);
    assert_eq!(c["median_hourly_pay_fen"], 3500);
    // Open: 4 + 6 + 4 + 9; seekers listing cleaning: K1–K6, L1, M1–M3, W7, N1–N3.
    assert_eq!((c["open_places"].as_i64(), c["seekers"].as_i64(), c["ratio"].as_f64()), (Some(23), Some(14), Some(1.64)), "{c}");
    let m = &by["moving"];
    assert_eq!((m["postings"].as_i64(), m["places"].as_i64(), m["fills"].as_i64(), m["filled_shifts"].as_i64()), (Some(3), Some(16), Some(3), Some(1)));
    // S2 fully taken is 0 open; W7 is the one seeker listing moving (X2's availability is off).
    assert_eq!((m["open_places"].as_i64(), m["seekers"].as_i64(), m["ratio"].as_f64()), (Some(13), Some(1), Some(13.0)), "{m}");
    let t = &r.body["total"];
    // W6 lists no occupation: counted in the total only. X1 and X2 are not seekers.
    assert_eq!(
        (t["postings"].as_i64(), t["places"].as_i64(), t["open_places"].as_i64(), t["seekers"].as_i64(), t["ratio"].as_f64()),
        (Some(7), Some(45), Some(36), Some(15), Some(2.4))
    );
    assert!(r.body["as_of"].as_str().is_some_and(|s| s.ends_with("+08:00")), "{}", r.text);
    assert!(r.body["extra"].is_array(), "the extension point is there");

    // Districts, rolled up: county, city (first 4 digits + 00), province (first 2 + 0000).
    for (level, expect) in [
        (
            "county",
            vec![("110105", 4, 10, Some(0.4)), ("110108", 6, 2, Some(3.0)), ("310101", 15, 0, None), ("440305", 4, 3, Some(1.33)), ("440304", 7, 0, None)],
        ),
        ("city", vec![("110100", 10, 12, Some(0.83)), ("310100", 15, 0, None), ("440300", 11, 3, Some(3.67))]),
        ("province", vec![("110000", 10, 12, Some(0.83)), ("310000", 15, 0, None), ("440000", 11, 3, Some(3.67))]),
    ] {
        let r = app.get(&format!("/api/v1/stats?{}&group_by=district&level={level}", window()), Some(&admin)).await;
        r.assert(200);
        let by = rows(&r.body);
        assert_eq!(by.len(), expect.len(), "{level}: {:?}", by.keys().collect::<Vec<_>>());
        for (code, open, seekers, ratio) in expect {
            let row = &by[code];
            assert_eq!(row["open_places"], open, "{level} {code}");
            assert_eq!(row["seekers"], seekers, "{level} {code}");
            // No seekers: no ratio (shown as —), never infinity or NaN.
            assert_eq!(row["ratio"].as_f64(), ratio, "{level} {code}");
        }
    }

    // One district only; its totals are its own.
    let r = app.get(&format!("/api/v1/stats?{}&group_by=total&district=440300", window()), Some(&admin)).await;
    r.assert(200);
    assert_eq!((r.body["total"]["open_places"].as_i64(), r.body["total"]["seekers"].as_i64()), (Some(11), Some(3)));

    // Weeks and months cover the period; their figures add up to the period's places.
    for g in ["week", "month"] {
        let r = app.get(&format!("/api/v1/stats?{}&group_by={g}", window()), Some(&admin)).await;
        r.assert(200);
        let places: i64 = r.body["rows"].as_array().unwrap().iter().map(|x| x["places"].as_i64().unwrap()).sum();
        assert_eq!(places, 45, "{g}");
    }
    let r = app.get(&format!("/api/v1/stats?{}&group_by=employment_type", window()), Some(&admin)).await;
    assert_eq!(rows(&r.body)["gig"]["places"], 45);
    assert!(rows(&r.body)["gig"]["seekers"].is_null(), "seekers choose no employment type");
}

#[tokio::test]
async fn key_group_placements_are_staff_only_counts_suppressed_and_audited() {
    let app = app_with_fixture().await;
    let admin = app.staff("admin").await;
    let r = app.get(&format!("/api/v1/stats?{}&group_by=category", window()), Some(&admin)).await;
    r.assert(200);
    let cells = |row: &Value| -> HashMap<String, Value> {
        row["key_group_placements"].as_array().unwrap().iter().map(|c| (c["group"].as_str().unwrap().to_string(), c["count"].clone())).collect()
    };
    let total = cells(&r.body["total"]);
    // Six placed 下岗失业 workers (one also 高校毕业生): the 1 is suppressed, and so is the 6 beside
    // it (any − laid_off would give graduate's count otherwise); `any` stays.
    assert_eq!(total["any"]["value"], 6, "{}", r.text);
    assert_eq!(total["graduate"]["suppressed"], true);
    assert!(total["graduate"]["value"].is_null());
    assert_eq!(total["laid_off"]["suppressed"], true);
    assert_eq!(total["veteran"]["value"], 0);
    let cleaning = cells(&rows(&r.body)["cleaning"]);
    assert_eq!(cleaning["graduate"]["suppressed"], true);
    assert_eq!(cleaning["laid_off"]["suppressed"], true);
    // Each read is in the audit log.
    let log = app.get("/api/v1/audit?target_type=stats", Some(&admin)).await;
    log.assert(200);
    assert!(log.body["items"].as_array().unwrap().iter().any(|e| e["action"] == "stats.read"), "{}", log.text);
    // Nobody else reads staff figures.
    let (worker, _) = app.worker().await;
    let (employer, _) = app.employer(true).await;
    for who in [Some(worker.as_str()), Some(employer.as_str())] {
        app.get("/api/v1/stats", who).await.assert_error(403, "forbidden");
    }
    app.get("/api/v1/stats", None).await.assert(401);
    // The public table never carries them, in JSON or CSV.
    let p = app.get("/api/v1/stats/public", None).await;
    p.assert(200);
    let csv = app.get("/api/v1/stats/public?format=csv", None).await;
    for text in [&p.text, &csv.text] {
        for word in ["key_group", "laid_off", "graduate", "重点群体"] {
            assert!(!text.contains(word), "{word} in {text}");
        }
    }
}

/// Equations a table's reader can write: `total = Σ parts`. With exactly one unknown in one,
/// it is solved; the suppression must never leave one so.
fn solvable(entries: &[&Value]) -> bool {
    entries.iter().filter(|c| c["suppressed"] == true).count() == 1
}

#[tokio::test]
async fn the_public_table_is_exact_suppressed_and_cannot_be_undone_by_subtraction() {
    let app = app_with_fixture().await;
    let national = app.get("/api/v1/stats/public", None).await;
    national.assert(200);
    let by = rows(&national.body);
    let t = &national.body["total"];
    assert_eq!((t["openings"]["value"].as_i64(), t["seekers"]["value"].as_i64(), t["ratio"].as_f64()), (Some(36), Some(15), Some(2.4)), "{}", national.text);
    assert_eq!((by["cleaning"]["openings"]["value"].as_i64(), by["moving"]["openings"]["value"].as_i64()), (Some(23), Some(13)));
    // One seeker lists moving: suppressed, and cleaning's 14 with it (all − cleaning would give it).
    assert_eq!(by["moving"]["seekers"]["suppressed"], true);
    assert_eq!(by["cleaning"]["seekers"]["suppressed"], true);
    assert!(by["moving"]["ratio"].is_null() && by["cleaning"]["ratio"].is_null(), "a ratio with a hidden count is hidden");
    assert_eq!((by["waiter"]["openings"]["value"].as_i64(), by["waiter"]["seekers"]["value"].as_i64()), (Some(0), Some(0)));
    assert!(by["waiter"]["ratio"].is_null(), "no seekers: no ratio");

    // 黄浦: 15 open places, nobody looking: ratio —, not infinity.
    let huangpu = app.get("/api/v1/stats/public?district=310101", None).await;
    huangpu.assert(200);
    assert_eq!((huangpu.body["total"]["openings"]["value"].as_i64(), huangpu.body["total"]["seekers"]["value"].as_i64()), (Some(15), Some(0)));
    assert!(huangpu.body["total"]["ratio"].is_null());
    // 南山's 4 open places are not published.
    let nanshan = app.get("/api/v1/stats/public?district=440305", None).await;
    assert_eq!(nanshan.body["total"]["openings"]["suppressed"], true, "{}", nanshan.text);
    assert!(!nanshan.text.contains("\"value\":4"), "{}", nanshan.text);

    // Every table a reader can fetch, and every sum they can write between them.
    let mut tables: HashMap<&str, Value> = HashMap::new();
    tables.insert("", national.body.clone());
    for code in ["110000", "310000", "440000", "440300", "110105", "110108", "310101", "440305", "440304"] {
        let r = app.get(&format!("/api/v1/stats/public?district={code}"), None).await;
        r.assert(200);
        tables.insert(code, r.body);
    }
    let keys: Vec<String> = by.keys().cloned().chain(["all".to_string()]).collect();
    let cell = |t: &Value, key: &str, measure: &str| -> Value { if key == "all" { t["total"][measure].clone() } else { rows(t)[key][measure].clone() } };
    let mut checked = 0;
    for (code, t) in &tables {
        // Openings: the occupations of a district add up to its total.
        let mut entries = vec![cell(t, "all", "openings")];
        entries.extend(by.keys().map(|k| cell(t, k, "openings")));
        assert!(!solvable(&entries.iter().collect::<Vec<_>>()), "{code}: one hidden cell in a sum");
        checked += 1;
    }
    // Districts add up to their parent, for every occupation and both counts.
    for (parent, kids) in [("", vec!["110000", "310000", "440000"]), ("440000", vec!["440300"]), ("440300", vec!["440305", "440304"])] {
        for key in &keys {
            for measure in ["openings", "seekers"] {
                let mut entries = vec![cell(&tables[parent], key, measure)];
                entries.extend(kids.iter().map(|k| cell(&tables[k], key, measure)));
                assert!(!solvable(&entries.iter().collect::<Vec<_>>()), "{parent:?} {kids:?} {key} {measure}: {entries:?}");
                let shown: Vec<i64> = entries.iter().filter_map(|e| e["value"].as_i64()).collect();
                if shown.len() == entries.len() {
                    assert_eq!(shown[0], shown[1..].iter().sum::<i64>(), "{parent:?} {key} {measure} adds up");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked}");

    // CSV: UTF-8 with a byte-order mark, the public columns.
    let csv = app.get("/api/v1/stats/public?format=csv&district=310101", None).await;
    csv.assert(200);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.text.starts_with('\u{feff}'), "{:?}", &csv.text[..10]);
    assert!(csv.text.contains("需求人数") && csv.text.contains("求职人数") && csv.text.contains("求人倍率"));
    assert!(csv.text.contains(",15,0,—"), "{}", csv.text);
    // Cached: the same figures and the same as-of time.
    let again = app.get("/api/v1/stats/public", None).await;
    assert_eq!(again.body["as_of"], national.body["as_of"]);
}

#[tokio::test]
async fn staff_outside_a_district_see_nothing_of_it() {
    let app = app_with_fixture().await;
    let admin = app.staff("admin").await;
    let m = app.staff("moderator").await;
    let me = app.get("/api/v1/auth/me", Some(&m)).await.body["id"].as_i64().unwrap();
    app.put(&format!("/api/v1/staff/{me}/scope"), Some(&admin), json!({"adcodes": ["4403"]})).await.assert(204);
    let r = app.get(&format!("/api/v1/stats?{}&group_by=district", window()), Some(&m)).await;
    r.assert(200);
    let by = rows(&r.body);
    assert_eq!(by.keys().map(String::as_str).collect::<std::collections::BTreeSet<_>>(), ["440304", "440305"].into_iter().collect());
    assert_eq!(
        (r.body["total"]["open_places"].as_i64(), r.body["total"]["seekers"].as_i64(), r.body["total"]["places"].as_i64()),
        (Some(11), Some(3), Some(11))
    );
    // Asking for somewhere else, or for a wider area, is refused.
    for d in ["110105", "110000", "440000", "310101", "110105026"] {
        app.get(&format!("/api/v1/stats?district={d}"), Some(&m)).await.assert_error(403, "forbidden");
    }
    app.get("/api/v1/stats?district=440305", Some(&m)).await.assert(200);
    // The page too.
    let page = signed_in(&app, &m).get(&format!("/console/stats?{}&group_by=district", window())).await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.text);
    assert!(page.text.contains("data-key=\"440305\"") && !page.text.contains("data-key=\"110105\""), "{}", page.text);
}

#[tokio::test]
async fn hostile_parameters_are_field_errors_in_both_languages() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let mut cases: Vec<(String, &str)> = Vec::new();
    for p in ["2026-13", "2026-00", "2026-Q5", "2019", "2999", "abcd", "2026-W48", "2026-11-01", "%00", "2026-Q1;DROP", "１２３４", "-1"] {
        cases.push((format!("period={p}"), "period"));
    }
    for (from, to, field) in [
        ("2026-02-30", "2026-03-01", "from"),
        ("2026-1-1", "2026-01-02", "from"),
        ("2026-03-01", "2026-02-01", "to"),
        ("2020-01-01", "2026-01-01", "to"),
        ("1970-01-01", "1970-01-02", "from"),
        ("2026-01-01", "", "to"),
        ("", "2026-01-01", "from"),
        ("9999-01-01", "9999-01-02", "from"),
    ] {
        cases.push((format!("from={from}&to={to}"), field));
    }
    cases.push(("period=2026-11&from=2026-11-01&to=2026-11-02".into(), "period"));
    for g in ["x", "Category", "category;", "shift_id", "1", "CATEGORY", "district\u{0}"] {
        cases.push((format!("group_by={}", urlencode(g)), "group_by"));
    }
    for l in ["town", "County", "0", "street"] {
        cases.push((format!("level={l}"), "level"));
    }
    for d in ["999999", "000000", "11", "1101", "110105000001", "abcdef", "11010", "110105' OR 1=1", "４４０３０５", "1101050260001"] {
        cases.push((format!("district={}", urlencode(d)), "district"));
    }
    for f in ["xml", "CSV", "json;"] {
        cases.push((format!("format={f}"), "format"));
    }
    assert!(cases.len() > 40);
    for (q, field) in &cases {
        for lang in ["zh-CN", "en"] {
            let r = app.send(app.client.get(format!("{}/api/v1/stats?{q}", app.addr)).header("accept-language", lang), Some(&admin)).await;
            r.assert_error(422, "validation_failed");
            let f = r.body["error"]["fields"].as_array().unwrap();
            assert!(f.iter().any(|x| x["field"] == *field), "{q}: {}", r.text);
            let msg = f.iter().find(|x| x["field"] == *field).unwrap()["message"].as_str().unwrap().to_string();
            if lang == "en" {
                assert!(msg.is_ascii(), "{q}: {msg}");
            } else {
                assert!(!msg.is_ascii(), "{q}: {msg}");
            }
        }
    }
    // The public table takes quarters only (no shorter period can be subtracted from it).
    for p in ["2026-11", "2026", "2026-Q9", "x", "2019-Q1", "2026-q4", "2026-Q4;"] {
        let r = app.get(&format!("/api/v1/stats/public?period={}", urlencode(p)), None).await;
        r.assert(422);
        assert!(matches!(r.field_code("period").as_deref(), Some("invalid_period" | "out_of_range")), "{p}: {}", r.text);
    }
    app.get("/api/v1/stats/public?district=999999", None).await.assert_field(422, "district", "unknown_adcode");
    app.get("/api/v1/stats/public?group_by=category", None).await.assert_field(422, "group_by", "unknown_field");
    app.get("/api/v1/stats?bogus=1", Some(&admin)).await.assert_field(422, "bogus", "unknown_field");
    // A whole year is fine, a day more is not.
    app.get("/api/v1/stats?from=2025-01-01&to=2025-12-31", Some(&admin)).await.assert(200);
    app.get("/api/v1/stats?from=2024-01-01&to=2025-01-01", Some(&admin)).await.assert_field(422, "to", "too_long");
}

#[tokio::test]
async fn pages_show_the_chart_the_table_the_definitions_and_the_csv() {
    let app = app_with_fixture().await;
    let home = app.get("/", None).await;
    assert!(home.text.contains("href=\"/stats\""), "the footer links the public page");
    let page = app.get("/stats", None).await;
    page.assert(200);
    for needle in ["id=\"ratio-table\"", "需求人数", "求职人数", "求人倍率", "id=\"definitions\"", "role=\"img\"", "id=\"as-of\"", "format=csv", "2.40"]
    {
        assert!(page.text.contains(needle), "{needle}");
    }
    assert!(!page.text.contains("<script>"), "the chart is drawn on the server");
    let by_name = app.get("/stats?district=%E9%BB%84%E6%B5%A6", None).await; // 黄浦
    by_name.assert(200);
    assert!(by_name.text.contains("310101"), "a typed name finds its district");
    let bad = app.get("/stats?period=2026-13", None).await;
    bad.assert(422);
    assert!(bad.text.contains("error-summary"));
    let csv = app.get("/stats?format=csv", None).await;
    assert!(csv.text.starts_with('\u{feff}') && csv.text.contains("求人倍率"));

    let admin = app.staff("admin").await;
    let mut staff = signed_in(&app, &admin);
    let page = staff.get(&format!("/console/stats?{}", window())).await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.text);
    for needle in
        ["id=\"stats-table\"", "id=\"key-groups\"", "role=\"img\"", "id=\"csv-link\"", "id=\"definitions\"", "data-key=\"cleaning\"", "console-nav-stats"]
    {
        assert!(page.text.contains(needle), "{needle}");
    }
    let csv = staff.get(&format!("/console/stats?{}&format=csv", window())).await;
    assert_eq!(csv.status.as_u16(), 200);
    assert!(csv.text.starts_with('\u{feff}') && csv.text.contains("cleaning"), "{}", csv.text);
    let bad = staff.get("/console/stats?group_by=nope").await;
    assert_eq!(bad.status.as_u16(), 422);
    assert!(bad.text.contains("error-summary"));
    let (worker, _) = app.worker().await;
    assert_eq!(signed_in(&app, &worker).get("/console/stats").await.status.as_u16(), 403);
}
