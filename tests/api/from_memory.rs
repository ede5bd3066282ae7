//! Search and matches answer from the engine's memory (its result cards), and signed-in requests
//! from a token cache: what they show is what the database shows — the same shifts, the same
//! coarsened home of a household employer for each viewer — and changes reach them within the
//! follower's bound, revocations within 5 s on every replica. (That a search needs no database at
//! all is shown by the fault tests, with the database really stopped.)

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

/// How long the change-log follower may take to bring a change into search here.
const FOLLOWER: Duration = Duration::from_secs(5);

async fn post(app: &TestApp, token: &str, body: Value) -> i64 {
    let r = app.post("/api/v1/shifts", Some(token), body).await;
    r.assert(201);
    r.body["id"].as_i64().unwrap()
}

fn items(r: &Resp) -> Vec<Value> {
    r.body["items"].as_array().unwrap_or_else(|| panic!("no items: {}", r.text)).clone()
}

fn ids(r: &Resp) -> Vec<i64> {
    items(r).iter().map(|i| i["shift"]["id"].as_i64().unwrap()).collect()
}

/// Every result's shift is exactly what reading that shift from the database shows the same
/// viewer (`GET /shifts/{id}` for a signed-in viewer reads the database), field for field.
async fn same_as_database(app: &TestApp, results: &Resp, reader: &str, who: &str) {
    for item in items(results) {
        let id = item["shift"]["id"].as_i64().unwrap();
        let db = app.get(&format!("/api/v1/shifts/{id}"), Some(reader)).await;
        db.assert(200);
        assert_eq!(item["shift"], db.body, "{who}: shift {id} from memory differs from the database");
    }
}

/// The worker can come on day 2 from 06:00 to 14:00 near the test point: the shifts below match.
async fn available(app: &TestApp, token: &str) {
    let mut a = availability_body();
    a["windows"] = json!({"dated": [{"start": at(2, 6), "end": at(2, 14)}]});
    app.post("/api/v1/availability", Some(token), a).await.assert(201);
}

#[tokio::test]
async fn search_and_matches_from_memory_show_what_the_database_shows_to_each_viewer() {
    let app = spawn_app().await;
    let (company, _) = app.employer(true).await;
    let (home_owner, _) = app.household().await;
    let plain = post(&app, &company, shift_body()).await;
    let mut b = shift_body();
    b["title"] = json!("仓库理货员（周结）");
    b["pay"] = json!({"amount_fen": 22000, "unit": "day"});
    b["settlement"] = json!("weekly");
    let daily = post(&app, &company, b).await;
    let mut b = shift_body();
    b["address"] = json!(HOUSEHOLD_HOME);
    b["take_mode"] = json!("instant");
    let home = post(&app, &home_owner, b).await;

    // A worker taken on at the home, and one who is not.
    let (taken, _) = app.worker().await;
    let (stranger, _) = app.worker().await;
    let c = app.post(&format!("/api/v1/shifts/{home}/applications"), Some(&taken), json!({})).await;
    c.assert(201);
    assert_eq!(c.body["state"], "confirmed");
    for w in [&taken, &stranger] {
        available(&app, w).await;
    }
    let search = "/api/v1/shifts/search?lat=39.92&lng=116.46";
    eventually(FOLLOWER, || async { app.get(search, None).await.body["total"] == 3 }).await;

    // The public: every kind of query gives the shifts the database has, the home coarsened and
    // the distance to it too.
    for query in ["", "&q=%E4%BF%9D%E6%B4%81", "&sort=pay", "&settlement=weekly", "&radius_km=1", "&limit=1", "&limit=1&cursor=1"] {
        let r = app.get(&format!("{search}{query}"), None).await;
        r.assert(200);
        same_as_database(&app, &r, &stranger, &format!("anonymous {query:?}")).await;
        for item in items(&r) {
            if item["shift"]["id"] == home {
                assert!(is_coarse_home(&item["shift"]), "{query:?}: {item}");
                let d = item["distance_km"].as_f64().unwrap();
                assert!(d >= 1.0 && (d * 2.0).fract() == 0.0, "{query:?}: a coarse distance {item}");
            }
        }
        assert!(!r.text.contains("88号院"), "{query:?}: {}", r.text);
    }
    let all = app.get(search, None).await;
    let mut found = ids(&all);
    found.sort();
    assert_eq!(found, [plain, daily, home]);
    assert_eq!(ids(&app.get(&format!("{search}&settlement=weekly"), None).await), [daily]);

    // A worker's matches: the worker taken on sees the home exactly, the stranger coarsely — each
    // exactly as the database shows them the shift.
    for (who, token, exact) in [("taken on", &taken, true), ("stranger", &stranger, false)] {
        let r = eventually(FOLLOWER, || async { app.get("/api/v1/workers/me/matches", Some(token)).await.body["total"] == 3 }).await;
        let m = app.get("/api/v1/workers/me/matches", Some(token)).await;
        m.assert(200);
        same_as_database(&app, &m, token, who).await;
        let at_home = items(&m).into_iter().find(|i| i["shift"]["id"] == home).unwrap_or_else(|| panic!("{who} after {r:?}: {}", m.text));
        assert_eq!(at_home["shift"]["address"] == HOUSEHOLD_HOME, exact, "{who}: {at_home}");
        assert_eq!(is_coarse_home(&at_home["shift"]), !exact, "{who}: {at_home}");
    }
}

/// The first search result's shift, once `f` holds of it (within the follower's bound).
async fn search_shows(app: &TestApp, id: i64, what: &str, f: impl Fn(&Value) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        let r = app.get("/api/v1/shifts/search?lat=39.92&lng=116.46", None).await;
        let shift = items(&r).into_iter().map(|i| i["shift"].clone()).find(|s| s["id"] == id);
        if shift.as_ref().is_some_and(&f) || (shift.is_none() && f(&Value::Null)) {
            return started.elapsed();
        }
        assert!(started.elapsed() < FOLLOWER, "{what}: not in search within {FOLLOWER:?}: {}", r.text);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn edits_verification_and_blocks_reach_the_next_search() {
    let app = spawn_app().await;
    let moderator = app.staff("moderator").await;
    // An unverified employer's shift is published once a moderator approves it.
    let (owner, employer) = app.employer(false).await;
    let id = post(&app, &owner, shift_body()).await;
    app.post(&format!("/api/v1/moderation/shifts/{id}/approve"), Some(&moderator), json!({})).await.assert(200);
    search_shows(&app, id, "approved", |s| s["employer"]["verified"] == false).await;
    // The employer verified: its shift's result says so.
    app.post(&format!("/api/v1/employers/{employer}/verify"), Some(&moderator), json!({})).await.assert(200);
    search_shows(&app, id, "verified", |s| s["employer"]["verified"] == true).await;

    // Each edit of what a result shows appears in the next searches (a verified employer's clean
    // edit keeps the shift published: its card is replaced in place).
    let edits = [
        ("title", json!("家庭保洁员（周末日结）")),
        ("headcount", json!(7)),
        ("requirements", json!("身体健康，有相关经验")),
        ("slots", json!([{"start": at(2, 9), "end": at(2, 13)}, {"start": at(3, 9), "end": at(3, 13)}])),
    ];
    for (field, value) in edits {
        let r = app.patch(&format!("/api/v1/shifts/{id}"), Some(&owner), json!({ field: value.clone() })).await;
        r.assert(200);
        assert_eq!(r.body["status"], "published", "{field}: {}", r.text);
        let db = app.get(&format!("/api/v1/shifts/{id}"), Some(&moderator)).await.body;
        let took = search_shows(&app, id, field, |s| *s == db).await;
        eprintln!("{field}: in search after {took:?}");
        if field == "slots" {
            assert_eq!(db["slots"].as_array().unwrap().len(), 2);
        } else {
            assert_eq!(db[field], value, "{field}");
        }
    }

    // Blocked: gone from search; unblocked: back.
    app.post(&format!("/api/v1/employers/{employer}/block"), Some(&moderator), json!({"reason": "经查实拖欠工资"})).await.assert(200);
    search_shows(&app, id, "blocked", |s| s.is_null()).await;
    app.post(&format!("/api/v1/employers/{employer}/unblock"), Some(&moderator), json!({"reason": "已结清工资"})).await.assert(200);
    search_shows(&app, id, "unblocked", |s| s["id"] == id).await;
    // Closed: gone.
    app.post(&format!("/api/v1/shifts/{id}/close"), Some(&owner), json!({})).await.assert(200);
    search_shows(&app, id, "closed", |s| s.is_null()).await;
}

/// A second replica of the same application on the same database (and Redis, when configured).
async fn replica(app: &TestApp) -> TestApp {
    let built = lingong::app::Application::build(app.config.clone()).await.expect("replica starts");
    let addr = format!("http://127.0.0.1:{}", built.port());
    let clock = built.clock();
    tokio::spawn(built.run_until_stopped());
    let client = reqwest::Client::builder().pool_idle_timeout(Duration::from_secs(1)).build().unwrap();
    // The database is the first app's; this one's `db` field is an unused fresh one.
    TestApp { addr, client, config: app.config.clone(), db: TestDb::new(), clock }
}

#[tokio::test]
async fn a_revoked_token_stops_working_at_once_here_and_within_five_seconds_on_every_replica() {
    let a = spawn_app().await;
    let b = replica(&a).await;
    // Without Redis the other replica's cached entry expires (5 s at most); with Redis the
    // revocation is heard on its channel, well before that (2 s is a loose bound for a loaded
    // machine; it normally takes milliseconds).
    let bound = if redis_url().is_some() { Duration::from_secs(2) } else { Duration::from_secs(5) };
    let revocations = ["logout", "logout-everywhere", "password"];
    for how in revocations {
        let (token, _, phone) = a.register("worker").await;
        let login = a.post("/api/v1/auth/login", None, json!({"phone": phone, "password": "a-good-passphrase"})).await;
        login.assert(200);
        let other = login.body["token"].as_str().unwrap().to_string();
        // Both replicas have seen (and cached) both tokens.
        for app in [&a, &b] {
            for t in [&token, &other] {
                app.get("/api/v1/auth/me", Some(t)).await.assert(200);
            }
        }
        let revoked = Instant::now();
        match how {
            "logout" => a.req(Method::POST, "/api/v1/auth/logout", Some(&token), None).await.assert(204),
            "logout-everywhere" => a.req(Method::POST, "/api/v1/auth/logout-everywhere", Some(&token), None).await.assert(204),
            _ => a
                .post("/api/v1/auth/password", Some(&token), json!({"current_password": "a-good-passphrase", "new_password": "brand-new-passphrase"}))
                .await
                .assert(204),
        };
        // Here at once.
        a.get("/api/v1/auth/me", Some(&token)).await.assert_error(401, "unauthorized");
        let other_revoked = how != "logout";
        a.get("/api/v1/auth/me", Some(&other)).await.assert(if other_revoked { 401 } else { 200 });
        // On the other replica within 5 s of the revocation: no request sent later is let in. Each
        // token is polled on its own: the two were cached there at different moments, and under
        // load those moments can be far apart.
        let revoked_here: Vec<&String> = if other_revoked { vec![&token, &other] } else { vec![&token] };
        for t in revoked_here {
            loop {
                let sent = revoked.elapsed();
                let r = b.get("/api/v1/auth/me", Some(t)).await;
                if r.status == 401 {
                    break;
                }
                r.assert(200);
                assert!(sent < bound, "{how}: a revoked token still works on another replica {sent:?} after the revocation");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        if !other_revoked {
            b.get("/api/v1/auth/me", Some(&other)).await.assert(200);
        }
        // A token that is still good keeps working on both, from the cache or not.
        if !other_revoked {
            tokio::time::sleep(Duration::from_secs(5)).await;
            for app in [&a, &b] {
                app.get("/api/v1/auth/me", Some(&other)).await.assert(200);
            }
        }
    }
}
