//! The `lingong` binary as an operator runs it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::*;

fn lingong(db: &TestDb) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lingong"));
    c.env("LINGONG_DATABASE__URL", &db.url).env("LINGONG_LOG__LEVEL", "info").env_remove("LINGONG_REDIS__URL");
    c
}

#[test]
fn migrate_seed_and_create_staff() {
    let db = TestDb::new();
    let out = lingong(&db).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("applied"));
    let again = lingong(&db).arg("migrate").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&again.stdout).trim(), "migrations up to date");

    let out = lingong(&db).args(["seed", "--demo"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("demo market loaded"));
    let again = lingong(&db).args(["seed", "--demo"]).output().unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("already loaded"));

    let out = lingong(&db).arg("reindex").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("indexed") && report.contains("60 availability records"), "{report}");

    let out = lingong(&db)
        .args(["admin", "create-user", "--role", "moderator", "--phone", "13912340000", "--password", "moderator-pass", "--name", "审核员"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = lingong(&db).args(["admin", "create-user", "--role", "worker", "--phone", "139", "--password", "x", "--name", "n"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--role") && err.contains("--phone") && err.contains("--password"), "{err}");
}

#[test]
fn bad_configuration_names_the_key() {
    let db = TestDb::new();
    let out = lingong(&db).env("LINGONG_DATABASE__POOL_SIZE", "lots").arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).to_lowercase().contains("database.pool_size"));
    let out = lingong(&db).args(["--database-url", "mysql://x/y", "migrate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("database.url"));
    let out = lingong(&db).args(["serve", "--bind", "not-an-address"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("server.bind"));
}

/// Starts `lingong serve` on port 0 and returns the child and the port it logged.
fn serve(db: &TestDb, dir: &std::path::Path, extra: &[&str], redis: Option<(&str, &str)>) -> (std::process::Child, u16) {
    let mut cmd = lingong(db);
    cmd.current_dir(dir).args(["serve", "--bind", "127.0.0.1:0"]).args(extra).stderr(Stdio::piped());
    if let Some((url, prefix)) = redis {
        cmd.env("LINGONG_REDIS__URL", url).env("LINGONG_REDIS__KEY_PREFIX", prefix);
    }
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("port=").nth(1) {
                let _ = tx.send(rest.split(|c: char| !c.is_ascii_digit()).next().and_then(|p| p.parse::<u16>().ok()));
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(Some(p)) => (child, p),
        other => {
            let _ = child.kill();
            panic!("serve did not log its port: {other:?}");
        }
    }
}

#[test]
fn serve_runs_the_demo_and_stops_cleanly_on_sigterm() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let (mut child, port) = serve(&db, dir.path(), &["--demo"], None);
    let url = format!("http://127.0.0.1:{port}");
    let body: serde_json::Value = reqwest::blocking_get(&format!("{url}/api/v1/categories"));
    assert!(body["items"].as_array().unwrap().len() > 20);
    let search: serde_json::Value = reqwest::blocking_get(&format!("{url}/api/v1/shifts/search?limit=1"));
    // Every demo shift but the unverified employer's 7 is published (piece rates too: they carry
    // their minutes per piece).
    assert_eq!(search["total"].as_u64(), Some(53), "the demo market is searchable: {search}");
    // The demo station staff member works at a station, so the desk works from the first sign-in.
    let staff = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let c = ::reqwest::Client::new();
        let login: serde_json::Value = c
            .post(format!("{url}/api/v1/auth/login"))
            .json(&serde_json::json!({"phone": "13900000002", "password": "lingong-demo"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["token"].as_str().unwrap_or_else(|| panic!("{login}")).to_string();
        c.get(format!("{url}/api/v1/stations")).bearer_auth(token).send().await.unwrap().json::<serde_json::Value>().await.unwrap()
    });
    let station = &staff["items"][0];
    assert_eq!(station["name"], "建外街道社区就业服务站", "{staff}");
    assert_eq!(station["staff"][0]["display_name"], "社区服务站小何", "{staff}");
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test]
async fn a_killed_replica_catches_up_after_restart() {
    // Replica A in this process; replica B a real `lingong serve` process on the same database.
    let a = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let redis = redis_url().map(|u| (u, a.config.redis.key_prefix.clone()));
    let redis_ref = redis.as_ref().map(|(u, p)| (u.as_str(), p.as_str()));
    let (mut b, port) = serve(&a.db, dir.path(), &[], redis_ref);
    let (token, _) = a.employer(true).await;
    let first = a.post("/api/v1/shifts", Some(&token), shift_body()).await.body["id"].as_i64().unwrap();
    let total_on_b = |port: u16| async move {
        let v: serde_json::Value = ::reqwest::get(format!("http://127.0.0.1:{port}/api/v1/shifts/search")).await.unwrap().json().await.unwrap();
        v["items"].as_array().unwrap().iter().map(|i| i["shift"]["id"].as_i64().unwrap()).collect::<Vec<_>>()
    };
    let start = std::time::Instant::now();
    while total_on_b(port).await != [first] {
        assert!(start.elapsed() < Duration::from_secs(10), "B never saw A's shift");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Kill B outright, post while it is down, start it again.
    b.kill().unwrap();
    b.wait().unwrap();
    let second = a.post("/api/v1/shifts", Some(&token), shift_body()).await.body["id"].as_i64().unwrap();
    let (mut b2, port2) = serve(&a.db, dir.path(), &[], redis_ref);
    let mut ids = total_on_b(port2).await;
    ids.sort();
    assert_eq!(ids, [first, second]);
    b2.kill().unwrap();
    let _ = b2.wait();
}

mod reqwest {
    /// A tiny blocking GET over a throwaway runtime (the test itself is synchronous).
    pub fn blocking_get(url: &str) -> serde_json::Value {
        tokio::runtime::Runtime::new().unwrap().block_on(async { ::reqwest::get(url).await.unwrap().json().await.unwrap() })
    }
}

#[tokio::test]
async fn reindex_makes_running_replicas_rebuild() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    let r = app.post("/api/v1/shifts", Some(&token), shift_body()).await;
    let id = r.body["id"].as_i64().unwrap();
    // Change a shift behind the service's back (as a restore or a manual fix would): the running
    // index does not know until someone reindexes.
    let db = lingong::db::Db::connect(&app.db.url, 1, Duration::from_secs(5)).unwrap();
    db.run(move |conn| {
        use diesel::prelude::*;
        use lingong::db::schema::shifts;
        diesel::update(shifts::table.find(id)).set(shifts::title.eq("水电维修工")).execute(conn)?;
        Ok(())
    })
    .await
    .unwrap();
    let find = |app: &TestApp| {
        let url = format!("{}/api/v1/shifts/search?q=%E6%B0%B4%E7%94%B5", app.addr); // 水电
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap().json::<serde_json::Value>().await.unwrap()["total"].as_u64().unwrap() }
    };
    assert_eq!(find(&app).await, 0);
    let url = app.db.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_lingong")).env("LINGONG_DATABASE__URL", url).env_remove("LINGONG_REDIS__URL").arg("reindex").output().unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let start = std::time::Instant::now();
    while find(&app).await != 1 {
        assert!(start.elapsed() < Duration::from_secs(10), "the running replica did not rebuild");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn admins_create_stations_and_assign_staff_from_the_command_line() {
    use diesel::prelude::*;
    use lingong::db::schema::users;
    let db = TestDb::new();
    let run = |args: &[&str]| {
        let out = lingong(&db).args(args).output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    for (role, phone) in [("admin", "13912340001"), ("station_staff", "13912340002"), ("moderator", "13912340003")] {
        let (ok, _, err) = run(&["admin", "create-user", "--role", role, "--phone", phone, "--password", "staff-passphrase", "--name", "工作人员"]);
        assert!(ok, "{err}");
    }
    let station_at = |by: &str, name: &str, (lat, lng): (&str, &str), extra: &[&str]| {
        let address = "北京市朝阳区望京街道阜通东大街6号";
        let mut args = vec!["admin", "create-station", "--by", by, "--name", name, "--address", address, "--lat", lat, "--lng", lng, "--adcode", "110105"];
        args.extend_from_slice(extra);
        run(&args)
    };
    let station = |by: &str, name: &str, extra: &[&str]| station_at(by, name, ("39.9965", "116.4704"), extra);
    let (ok, out, err) = station("13912340001", "望京街道社区就业服务站", &["--counties", "110105,110113", "--radius-km", "8"]);
    assert!(ok, "{err}");
    assert!(out.contains("望京街道社区就业服务站") && out.contains("110105,110113") && out.contains("8 km"), "{out}");
    let id: i64 = out.split("(id ").nth(1).and_then(|s| s.split(')').next()).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{out}"));

    // Refusals print the operation's message and exit non-zero: each invalid field as its flag,
    // a taken name, a non-admin actor, an unknown actor.
    let (ok, _, err) = station_at("13912340001", "望", ("-33.86", "151.2"), &["--radius-km", "50"]);
    assert!(!ok);
    for flag in ["--name", "--radius-km", "--lat"] {
        assert!(err.contains(flag), "{flag}: {err}");
    }
    let (ok, _, err) = station("13912340001", "望京街道社区就业服务站", &[]);
    assert!(!ok && err.contains("station_exists"), "{err}");
    let (ok, _, err) = station("13912340003", "另一个服务站", &[]);
    assert!(!ok && err.contains("forbidden"), "{err}");
    let (ok, _, err) = station("13912349999", "另一个服务站", &[]);
    assert!(!ok && err.contains("not_found"), "{err}");

    let assign = |staff: &str, station: &str| run(&["admin", "assign-station", "--by", "13912340001", "--station", station, "--staff", staff]);
    let (ok, out, err) = assign("13912340002", &id.to_string());
    assert!(ok, "{err}");
    assert!(out.contains("望京街道社区就业服务站"), "{out}");
    let (ok, _, err) = assign("13912340003", &id.to_string());
    assert!(!ok && err.contains("not_station_staff"), "{err}");
    let (ok, _, err) = assign("13912340002", "999999");
    assert!(!ok && err.contains("not_found"), "{err}");

    // What the commands stored.
    let pool = lingong::db::Db::connect(&db.url, 1, Duration::from_secs(5)).unwrap();
    let mut conn = pool.get().unwrap();
    let at: Option<i64> = users::table.filter(users::phone.eq("13912340002")).select(users::station_id).first(&mut *conn).unwrap();
    assert_eq!(at, Some(id));
    let row = lingong::services::stations::by_id(&mut conn, id).unwrap();
    assert_eq!((row.adcode.as_str(), row.counties.as_str(), row.radius_km), ("110105000000", r#"["110105","110113"]"#, 8.0));
}
