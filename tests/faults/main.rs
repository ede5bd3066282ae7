//! Fault tests: real dependencies of the test's own, really broken. Each test starts its own
//! `redis-server` and/or PostgreSQL cluster (`initdb` / `pg_ctl` from `/usr/lib/postgresql/*/bin`)
//! on free ports in a temporary folder — never the shared ones — and checks how lingong degrades:
//! Redis killed and started again, PostgreSQL stopped and started again, one of two replicas
//! SIGKILLed while writing. Latencies are asserted loosely: these check behaviour, not speed.
//!
//! A missing `redis-server` or PostgreSQL server binaries fail these tests with a message saying
//! what to install; they are never skipped.

#[path = "../api/bodies.rs"]
#[allow(dead_code)]
mod bodies;
mod deps;
mod from_memory;
#[path = "../api/staff_account.rs"]
mod staff_account;

use std::time::{Duration, Instant};

use bodies::{employer_body, shift_body};
use deps::{Postgres, Redis, free_port};
use lingong::app::Application;
use lingong::config::Config;
use serde_json::{Value, json};

/// The loose bound a request must answer within while a dependency is down.
const FAST: Duration = Duration::from_secs(1);

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(15)).pool_idle_timeout(Duration::from_secs(1)).build().unwrap()
}

fn phone(n: u64) -> String {
    format!("13{}{:08}", 5 + n % 5, (std::process::id() as u64 * 1000 + n) % 100_000_000)
}

struct App {
    addr: String,
    http: reqwest::Client,
}

struct Answer {
    status: u16,
    body: Value,
    retry_after: Option<String>,
    took: Duration,
}

impl App {
    async fn start(tweak: impl FnOnce(&mut Config)) -> App {
        let mut c = Config::defaults();
        c.server.bind = "127.0.0.1:0".into();
        c.server.workers = 2;
        c.database.pool_size = 4;
        c.rate_limit.auth_requests = 100_000;
        c.rate_limit.shift_creates = 100_000;
        c.mail.transport = lingong::config::MailTransportKind::Memory;
        tweak(&mut c);
        let app = Application::build(c).await.expect("app starts");
        let addr = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        App { addr, http: client() }
    }

    async fn call(&self, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let started = Instant::now();
        let mut r = self.http.request(method, format!("{}{path}", self.addr));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let res = r.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = res.status().as_u16();
        let retry_after = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
        let body = res.json().await.unwrap_or(Value::Null);
        Answer { status, body, retry_after, took: started.elapsed() }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        self.call(reqwest::Method::POST, path, token, Some(body)).await
    }

    async fn register(&self, role: &str, n: u64) -> Answer {
        self.post("/api/v1/auth/register", None, json!({"role": role, "phone": phone(n), "password": "a-good-passphrase", "display_name": "测试用户"})).await
    }
}

#[track_caller]
fn fast(a: &Answer, what: &str, status: u16) {
    assert_eq!(a.status, status, "{what}: {}", a.body);
    assert!(a.took < FAST, "{what} took {:?}", a.took);
}

async fn eventually(limit: Duration, what: &str, mut f: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !f().await {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Redis killed under a running service with rate limiting on: logins, registrations, shift posts
/// and reports keep answering promptly (limits counted in-process), readiness stays 200
/// `degraded`, and everything is back to `ready` once Redis is started again on its port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_and_started_again() {
    let mut redis = Redis::start(free_port());
    let dir = tempfile::tempdir().unwrap();
    let url = redis.url();
    let db_url = format!("sqlite://{}", dir.path().join("t.db").display());
    let app = App::start(|c| {
        c.database.url = db_url;
        c.redis.url = url;
        c.redis.key_prefix = format!("faults:{}:", std::process::id());
        c.search.index_dir = dir.path().join("index").display().to_string();
    })
    .await;
    let r = app.get("/readyz", None).await;
    assert_eq!((r.status, r.body["status"].as_str()), (200, Some("ready")), "{}", r.body);
    let emp = app.register("employer", 1).await;
    assert_eq!(emp.status, 201, "{}", emp.body);
    let emp_token = emp.body["token"].as_str().unwrap().to_string();
    let p = app.call(reqwest::Method::PUT, "/api/v1/employers/me", Some(&emp_token), Some(employer_body())).await;
    assert_eq!(p.status, 200, "{}", p.body);

    redis.kill();
    // The first calls after the kill meet the broken connection; none may wait for a reconnect.
    for round in 0..3u64 {
        let login = app.post("/api/v1/auth/login", None, json!({"phone": phone(1), "password": "a-good-passphrase"})).await;
        fast(&login, &format!("login {round} with Redis down"), 200);
        let reg = app.register("worker", 10 + round).await;
        fast(&reg, &format!("registration {round} with Redis down"), 201);
        let shift = app.post("/api/v1/shifts", Some(&emp_token), shift_body()).await;
        fast(&shift, &format!("shift post {round} with Redis down"), 201);
        let id = shift.body["id"].as_i64().unwrap();
        let report = app
            .post("/api/v1/reports", None, json!({"target_type": "shift", "target_id": id, "kind": "fake_job", "description": "到了现场发现没有这份工作"}))
            .await;
        fast(&report, &format!("report {round} with Redis down"), 201);
        let ready = app.get("/readyz", None).await;
        fast(&ready, &format!("readyz {round} with Redis down"), 200);
        assert_eq!(ready.body["status"], "degraded", "{}", ready.body);
        assert_eq!(ready.body["checks"], json!({"database": "ok", "redis": "down"}), "{}", ready.body);
    }

    redis.start_again();
    eventually(Duration::from_secs(15), "ready again after Redis came back", async || {
        let r = app.get("/readyz", None).await;
        r.status == 200 && r.body["status"] == "ready"
    })
    .await;
    let login = app.post("/api/v1/auth/login", None, json!({"phone": phone(1), "password": "a-good-passphrase"})).await;
    fast(&login, "login after Redis came back", 200);
}

/// PostgreSQL stopped under a running service: every request, `/readyz` included, answers 503
/// with `Retry-After` at once (the breaker) instead of waiting out the pool timeout; once the
/// database is back the service recovers on its own and what was written before is still there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_and_started_again() {
    let pg = Postgres::start(free_port());
    let dir = tempfile::tempdir().unwrap();
    let url = pg.url();
    let app = App::start(|c| {
        c.database.url = url;
        c.search.index_dir = dir.path().display().to_string();
    })
    .await;
    let r = app.get("/readyz", None).await;
    assert_eq!((r.status, r.body["status"].as_str()), (200, Some("ready")), "{}", r.body);
    assert_eq!(app.register("worker", 100).await.status, 201);

    pg.stop();
    for i in 0..6 {
        let r = app.get("/api/v1/categories", None).await;
        fast(&r, &format!("read {i} with the database down"), 503);
        assert_eq!(r.body["error"]["code"], "database_unavailable");
        assert!(r.retry_after.is_some(), "503 without Retry-After");
        let r = app.register("worker", 101 + i).await;
        fast(&r, &format!("write {i} with the database down"), 503);
        assert!(r.retry_after.is_some(), "503 without Retry-After");
        let r = app.get("/readyz", None).await;
        fast(&r, &format!("readyz {i} with the database down"), 503);
        assert_eq!(r.body["checks"]["database"], "down", "{}", r.body);
        assert!(r.retry_after.is_some(), "readyz 503 without Retry-After");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }

    pg.start_again();
    eventually(Duration::from_secs(20), "ready again after PostgreSQL came back", async || app.get("/readyz", None).await.status == 200).await;
    eventually(Duration::from_secs(10), "serving again", async || app.get("/api/v1/categories", None).await.status == 200).await;
    let login = app.post("/api/v1/auth/login", None, json!({"phone": phone(100), "password": "a-good-passphrase"})).await;
    assert_eq!(login.status, 200, "the account written before the outage is there: {}", login.body);
    assert_eq!(app.register("worker", 120).await.status, 201);
}

/// Two real `lingong` processes on one PostgreSQL; one is SIGKILLed while both take writes. Every
/// write it acknowledged is there, the other replica serves on without a failed request, and the
/// killed one's index folder, left behind, is removed when it starts again (the other's stays).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replica_killed_mid_write() {
    let pg = Postgres::start(free_port());
    let index_dir = tempfile::tempdir().unwrap();
    let mut a = deps::Replica::start(&pg.url(), index_dir.path());
    let b = deps::Replica::start(&pg.url(), index_dir.path());
    let http = client();
    for r in [&a, &b] {
        r.wait_ready(&http).await;
    }
    let folders = deps::index_folders(index_dir.path());
    assert_eq!(folders.len(), 2, "one index folder per replica: {folders:?}");
    let a_folder = folders.iter().find(|(_, pid)| *pid == a.pid()).expect("A's folder").0.clone();
    let b_folder = folders.iter().find(|(_, pid)| *pid == b.pid()).expect("B's folder").0.clone();

    // Writers on both replicas; A is killed while they run.
    let write = {
        let http = http.clone();
        move |addr: String, n: u64| {
            let http = http.clone();
            async move {
                let body = json!({"role": "worker", "phone": phone(n), "password": "a-good-passphrase", "display_name": "测试用户"});
                match http.post(format!("{addr}/api/v1/auth/register")).json(&body).send().await {
                    Ok(r) if r.status() == 201 => Ok(r.json::<Value>().await.map_err(|e| e.to_string())?["token"].as_str().unwrap().to_string()),
                    Ok(r) => Err(format!("status {}", r.status())),
                    Err(e) => Err(e.to_string()),
                }
            }
        }
    };
    let (a_addr, b_addr) = (a.addr(), b.addr());
    let mut tasks = Vec::new();
    for w in 0..4u64 {
        let (a_addr, b_addr) = (a_addr.clone(), b_addr.clone());
        let write = write.clone();
        tasks.push(tokio::spawn(async move {
            let (mut on_a, mut on_b, mut b_failures) = (Vec::new(), Vec::new(), Vec::new());
            let started = Instant::now();
            let mut i = 0;
            while started.elapsed() < Duration::from_secs(4) {
                let n = 1000 + w * 10_000 + i;
                i += 1;
                if let Ok(t) = write(a_addr.clone(), n).await {
                    on_a.push(t);
                }
                match write(b_addr.clone(), n + 5_000).await {
                    Ok(t) => on_b.push(t),
                    Err(e) => b_failures.push(e),
                }
            }
            (on_a, on_b, b_failures)
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    a.kill();
    let (mut on_a, mut on_b) = (Vec::new(), Vec::new());
    for t in tasks {
        let (ta, tb, failures) = t.await.unwrap();
        assert!(failures.is_empty(), "the surviving replica failed requests: {failures:?}");
        on_a.extend(ta);
        on_b.extend(tb);
    }
    assert!(!on_a.is_empty() && !on_b.is_empty(), "both replicas took writes before the kill");
    // Everything acknowledged — by the killed replica too — is there, read through the survivor.
    for t in on_a.iter().chain(&on_b) {
        let r = http.get(format!("{b_addr}/api/v1/auth/me")).bearer_auth(t).send().await.unwrap();
        assert_eq!(r.status(), 200, "an acknowledged registration is missing");
    }
    assert!(a_folder.exists(), "SIGKILL leaves the folder behind");

    let a2 = deps::Replica::start(&pg.url(), index_dir.path());
    a2.wait_ready(&http).await;
    assert!(!a_folder.exists(), "the killed replica's index folder is removed at the next start");
    assert!(b_folder.exists(), "a live replica's folder is never removed");
    let now: Vec<u32> = deps::index_folders(index_dir.path()).into_iter().map(|(_, pid)| pid).collect();
    assert_eq!(now.len(), 2, "{now:?}");
    assert!(now.contains(&a2.pid()) && now.contains(&b.pid()), "{now:?}");
    // Both serve, and the restarted one sees what the killed one wrote.
    let r = http.get(format!("{}/api/v1/auth/me", a2.addr())).bearer_auth(&on_a[0]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    drop((a2, b));
}
