//! Starts the real application on port 0 with a fresh database per test: a temporary SQLite file,
//! or — when `LINGONG_TEST_DATABASE_URL` is set — a new PostgreSQL database created for the test
//! (and a fresh Redis key prefix when `LINGONG_TEST_REDIS_URL` is set).

use std::sync::atomic::{AtomicU64, Ordering};

pub use crate::bodies::*;
use chrono::Utc;
use diesel::{Connection, RunQueryDsl};
use lingong::app::Application;
use lingong::config::Config;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub fn unique() -> u64 {
    // Unique across the test threads of this process and across runs sharing one Redis/PostgreSQL.
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    (std::process::id() as u64 % 100_000) * 1000 + n
}

pub fn pg_admin_url() -> Option<String> {
    std::env::var("LINGONG_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty())
}

pub fn redis_url() -> Option<String> {
    std::env::var("LINGONG_TEST_REDIS_URL").ok().filter(|s| !s.is_empty())
}

/// A database of the test's own, dropped with it.
pub struct TestDb {
    pub url: String,
    pg: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl TestDb {
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        match pg_admin_url() {
            Some(admin) => {
                let name = format!("lingong_t_{}_{}", unique(), rand_suffix());
                lingong::db::init_tls();
                let mut conn = diesel::PgConnection::establish(&admin).expect("LINGONG_TEST_DATABASE_URL must be reachable");
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).expect("create test database");
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).expect("postgres URL has a database path");
                TestDb { url: format!("{base}/{name}"), pg: Some((admin, name)), _dir: dir }
            }
            None => TestDb { url: format!("sqlite://{}", dir.path().join("test.db").display()), pg: None, _dir: dir },
        }
    }
}

fn rand_suffix() -> u32 {
    (Utc::now().timestamp_subsec_nanos() ^ std::process::id()) % 1_000_000
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take()
            && let Ok(mut conn) = diesel::PgConnection::establish(&admin)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
        }
    }
}

/// Where [`TestApp::station`] puts its station: 建国路, 朝阳区, Beijing.
pub const STATION_POINT: (f64, f64) = (39.9100, 116.4600);

/// A station and who runs it: the admin who made it, its staff member's token, its id.
pub struct TestStation {
    pub admin: String,
    pub staff: String,
    pub id: i64,
}

/// The home of [`TestApp::household`]'s employer (at `employer_body`'s point, 39.9087, 116.4605).
pub const HOUSEHOLD_HOME: &str = "北京市朝阳区建国路88号院3号楼2单元501";

/// Whether a shift view shows the household's home only as its district: not the street number,
/// not the point.
pub fn is_coarse_home(v: &Value) -> bool {
    let addr = v["address"].as_str().unwrap_or("");
    !addr.contains("88号") && addr.contains("朝阳区") && v["lat"] != 39.9087 && v["lng"] != 116.4605
}

pub struct TestApp {
    pub addr: String,
    pub client: reqwest::Client,
    pub config: Config,
    pub db: TestDb,
    /// The clock the app's engagement rules read; tests move it forward instead of sleeping.
    pub clock: lingong::clock::Clock,
}

/// The configuration a test app runs with; `tweak` adjusts it before start.
pub fn test_config(db: &TestDb, tweak: impl FnOnce(&mut Config)) -> Config {
    let mut c = Config::defaults();
    c.server.bind = "127.0.0.1:0".into();
    c.server.workers = 2;
    c.database.url = db.url.clone();
    c.database.pool_size = 4;
    if let Some(url) = redis_url() {
        c.redis.url = url;
        c.redis.key_prefix = format!("lingong-test:{}:{}:", unique(), rand_suffix());
    }
    // Generous budgets so ordinary tests never hit them; the rate-limit tests set their own.
    c.rate_limit.auth_requests = 10_000;
    c.rate_limit.shift_creates = 10_000;
    c.mail.transport = lingong::config::MailTransportKind::Memory;
    tweak(&mut c);
    c
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    let db = TestDb::new();
    let config = test_config(&db, tweak);
    let app = Application::build(config.clone()).await.expect("app starts");
    let addr = format!("http://127.0.0.1:{}", app.port());
    let clock = app.clock();
    tokio::spawn(app.run_until_stopped());
    // Idle connections are dropped well before the server's 5 s keep-alive ends them: otherwise a
    // request can be written into a connection the server is closing that instant (seen as
    // `IncompleteMessage` under a hundred concurrent requests on a loaded machine).
    let client = reqwest::Client::builder().pool_idle_timeout(std::time::Duration::from_secs(1)).build().expect("client");
    TestApp { addr, client, config, db, clock }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    /// The `field` names of a validation error, in order.
    pub fn fields(&self) -> Vec<String> {
        self.body["error"]["fields"].as_array().map(|a| a.iter().map(|f| f["field"].as_str().unwrap().to_string()).collect()).unwrap_or_default()
    }

    pub fn field_code(&self, field: &str) -> Option<String> {
        self.body["error"]["fields"].as_array()?.iter().find(|f| f["field"] == field).map(|f| f["code"].as_str().unwrap().to_string())
    }

    #[track_caller]
    pub fn assert(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.text);
        self
    }

    /// Asserts the one error shape every failure uses.
    #[track_caller]
    /// A validation error whose `field` has the error `code`.
    pub fn assert_field(&self, status: u16, field: &str, code: &str) -> &Self {
        self.assert(status);
        assert_eq!(self.field_code(field).as_deref(), Some(code), "field {field}; body: {}", self.text);
        self
    }

    pub fn assert_error(&self, status: u16, code: &str) -> &Self {
        self.assert(status);
        let e = &self.body["error"];
        assert_eq!(e["code"], code, "body: {}", self.text);
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "error has a message: {}", self.text);
        assert!(e["fields"].is_array(), "error has fields: {}", self.text);
        self
    }
}

impl TestApp {
    pub async fn req(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        let mut r = self.client.request(method, format!("{}{}", self.addr, path));
        if let Some(b) = body {
            r = r.json(&b);
        }
        self.send(r, token).await
    }

    /// Sends a request built by the caller (extra headers and the like), signed in when `token`.
    pub async fn send(&self, mut r: reqwest::RequestBuilder, token: Option<&str>) -> Resp {
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let res = r.send().await.expect("request sent");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp { status, headers, body, text }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.req(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.req(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.req(Method::PUT, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.req(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.req(Method::DELETE, path, token, None).await
    }

    /// Registers an account; returns (token, user id, phone).
    pub async fn register(&self, role: &str) -> (String, i64, String) {
        let phone = format!("139{:08}", unique() % 100_000_000);
        let r =
            self.post("/api/v1/auth/register", None, json!({"role": role, "phone": phone, "password": "a-good-passphrase", "display_name": "测试用户"})).await;
        r.assert(201);
        (r.body["token"].as_str().unwrap().to_string(), r.body["user"]["id"].as_i64().unwrap(), phone)
    }

    /// A staff account made the way an admin makes one, then signed in through the API.
    pub async fn staff(&self, role: &str) -> String {
        let phone = format!("136{:08}", unique() % 100_000_000);
        crate::staff_account::create(&self.db.url, role, &phone).await;
        let r = self.post("/api/v1/auth/login", None, json!({"phone": phone, "password": crate::staff_account::PASSWORD})).await;
        r.assert(200);
        r.body["token"].as_str().unwrap().to_string()
    }

    /// A verified household employer (个人) living at [`HOUSEHOLD_HOME`]: its shifts are at home.
    pub async fn household(&self) -> (String, i64) {
        let (token, _, _) = self.register("employer").await;
        let mut body = employer_body();
        body["name"] = json!("张女士");
        body["kind"] = json!("household");
        body.as_object_mut().unwrap().remove("credit_code");
        body["address"] = json!(HOUSEHOLD_HOME);
        let r = self.put("/api/v1/employers/me", Some(&token), body).await;
        r.assert(200);
        let id = r.body["id"].as_i64().unwrap();
        let m = self.staff("moderator").await;
        self.post(&format!("/api/v1/employers/{id}/verify"), Some(&m), json!({})).await.assert(200);
        (token, id)
    }

    /// A community station at 建国路 in 朝阳区 (5 km) with one staff member, made by an admin.
    /// Every id a list gives, walking its pages `limit` at a time from the first (`path` may
    /// carry other query parameters); checks each page's size on the way.
    pub async fn walk(&self, path: &str, token: Option<&str>, limit: usize) -> Vec<i64> {
        let (mut ids, mut cursor) = (Vec::new(), String::new());
        let sep = if path.contains('?') { '&' } else { '?' };
        loop {
            let r = self.get(&format!("{path}{sep}limit={limit}&cursor={cursor}"), token).await;
            r.assert(200);
            let items = r.body["items"].as_array().unwrap();
            assert!(items.len() <= limit, "{}", r.text);
            ids.extend(items.iter().map(|i| i["id"].as_i64().unwrap()));
            match r.body["next_cursor"].as_str() {
                Some(c) => cursor = c.to_string(),
                None => return ids,
            }
            assert!(ids.len() < 10_000, "paging does not end");
        }
    }

    pub async fn station(&self) -> TestStation {
        let admin = self.staff("admin").await;
        let r = self
            .post(
                "/api/v1/stations",
                Some(&admin),
                json!({"name": format!("建外街道社区就业服务站{}", unique()), "address": "北京市朝阳区建国路100号", "lat": STATION_POINT.0, "lng": STATION_POINT.1, "adcode": "110105000000"}),
            )
            .await;
        r.assert(201);
        let id = r.body["id"].as_i64().unwrap();
        let staff = self.staff("station_staff").await;
        let staff_id = self.get("/api/v1/auth/me", Some(&staff)).await.body["id"].as_i64().unwrap();
        self.put(&format!("/api/v1/stations/{id}/staff/{staff_id}"), Some(&admin), json!({})).await.assert(200);
        TestStation { admin, staff, id }
    }

    /// An employer with a profile; verified by a moderator when asked. Returns (token, employer id).
    pub async fn employer(&self, verified: bool) -> (String, i64) {
        let (token, _, _) = self.register("employer").await;
        let r = self.put("/api/v1/employers/me", Some(&token), employer_body()).await;
        r.assert(200);
        let id = r.body["id"].as_i64().unwrap();
        if verified {
            let m = self.staff("moderator").await;
            self.post(&format!("/api/v1/employers/{id}/verify"), Some(&m), json!({})).await.assert(200);
        }
        (token, id)
    }

    /// A worker with a profile. Returns (token, worker id).
    pub async fn worker(&self) -> (String, i64) {
        let (token, _, _) = self.register("worker").await;
        let r = self
            .put("/api/v1/workers/me", Some(&token), json!({"display_name": "李秀英", "skills": ["cleaning"], "lat": 39.92, "lng": 116.46, "radius_km": 5}))
            .await;
        r.assert(200);
        (token, r.body["id"].as_i64().unwrap())
    }
}

/// Polls until `f` holds (the index follows the database asynchronously, normally within
/// milliseconds); fails after `limit`.
pub async fn eventually<F, Fut>(limit: std::time::Duration, mut f: F) -> std::time::Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    loop {
        if f().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "condition not met within {limit:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Every queued notification, oldest first: (kind, payload).
pub async fn mail_kinds(app: &TestApp) -> Vec<(String, Value)> {
    let db = lingong::db::Db::connect(&app.db.url, 1, std::time::Duration::from_secs(5)).unwrap();
    let rows: Vec<(String, String)> = db
        .run(|conn| {
            use diesel::prelude::*;
            use lingong::db::schema::outbox;
            Ok(outbox::table.order(outbox::id.asc()).select((outbox::kind, outbox::payload)).load(conn)?)
        })
        .await
        .unwrap();
    rows.into_iter().map(|(k, p)| (k, serde_json::from_str(&p).unwrap())).collect()
}

/// The worker says they can come on day 2 from 06:00 to 14:00 near the usual test point, and the
/// index has it: the worker is then among `shift`'s matches, as invitations require.
pub async fn make_available(app: &TestApp, worker_token: &str, worker_id: i64, shift: i64, employer_token: &str) {
    let mut a = availability_body();
    a["windows"] = json!({"dated": [{"start": at(2, 6), "end": at(2, 14)}]});
    app.post("/api/v1/availability", Some(worker_token), a).await.assert(201);
    eventually(std::time::Duration::from_secs(5), || async {
        let r = app.get(&format!("/api/v1/shifts/{shift}/matches"), Some(employer_token)).await;
        r.body["items"].as_array().is_some_and(|items| items.iter().any(|i| i["worker_id"] == worker_id))
    })
    .await;
}
