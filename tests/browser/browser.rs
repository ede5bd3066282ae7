//! One headless Chromium per test, phone-sized, driven over WebDriver (fantoccini) through a
//! chromedriver of the test's own on a free port. Chrome DevTools Protocol commands (location,
//! network throttling, JS off) go through chromedriver's `goog/cdp/execute` endpoint.
//!
//! Everything a journey does reads as one line per step:
//! `b.goto("/register").await; b.fill("#phone", "138…").await; b.click("#submit").await;
//! b.check_page("registered").await;` where `check_page` takes the screenshot and runs every page
//! check (crate::checks), with JavaScript on and again with it off.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// The phone the pages are written for (common.md: phone first, 360×740).
pub const WIDTH: u32 = 360;
pub const HEIGHT: u32 = 740;
const USER_AGENT: &str = "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36";
/// A desk's screen, for `Browser::start_desktop`.
pub const DESKTOP_WIDTH: u32 = 1280;
pub const DESKTOP_HEIGHT: u32 = 800;
const DESKTOP_USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
/// How long a step waits for an element or a page before failing.
const STEP_WAIT: Duration = Duration::from_secs(10);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A chromedriver process of the test's own. Started as the leader of a new process group, so
/// that dropping it ends the Chromium it started too, even when the test panicked before the
/// WebDriver session was closed.
struct Driver {
    child: Child,
    url: String,
    port: u16,
    session: Option<String>,
}

impl Driver {
    fn start() -> Driver {
        let bin = std::env::var("LINGONG_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        // The port is picked free and then handed to chromedriver, so another process can take it
        // in between; a second port is tried then.
        for _ in 0..3 {
            let port = free_port();
            let child = Command::new(&bin)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot start `{bin}` ({e}): the browser tests need the Debian packages chromium and chromium-driver (scripts/test.sh installs them)"
                    )
                });
            let mut driver = Driver { child, url: format!("http://127.0.0.1:{port}"), port, session: None };
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(10) {
                if let Ok(Some(_)) = driver.child.try_wait() {
                    break;
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return driver;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            driver.stop();
        }
        panic!("chromedriver did not start listening");
    }

    /// Ends the WebDriver session, so that chromedriver quits Chromium and reaps its processes;
    /// blocking, as it runs in `drop` (also while a failed test unwinds).
    fn quit_session(&mut self) {
        use std::io::{Read, Write};
        let Some(id) = self.session.take() else { return };
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else { return };
        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
        let req = format!("DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", self.port);
        if s.write_all(req.as_bytes()).is_ok() {
            let _ = s.read_to_end(&mut Vec::new());
        }
    }

    fn stop(&mut self) {
        self.quit_session();
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Where the screenshots go: `LINGONG_SCREENSHOTS_DIR`, else `target/screenshots` (kept by CI).
fn screenshots_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("LINGONG_SCREENSHOTS_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("screenshots")
}

pub struct Browser {
    pub client: Client,
    http: reqwest::Client,
    driver_url: String,
    session: String,
    /// The app's origin, e.g. `http://127.0.0.1:41234`.
    pub base: String,
    /// Screenshots of this test: `<root>/<test name>/NN-step.png`.
    shots: PathBuf,
    step: AtomicU32,
    // Dropped after the client: the process group goes, then the profile it used.
    _driver: Driver,
    _profile: tempfile::TempDir,
}

/// The screen a test's browser has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Screen {
    /// A cheap phone: small, touch, mobile emulation.
    Phone,
    /// A service desk's or a moderator's desktop.
    Desk,
}

impl Browser {
    /// A fresh browser (own profile: no cookies, no cache) pointed at `app`: a cheap phone.
    pub async fn start(app: &TestApp) -> Browser {
        Browser::open(app, Screen::Phone).await
    }

    /// A fresh browser at a desk's screen (1280×800, a desktop user agent, no touch) for the
    /// pages staff work on all day: the moderation console.
    pub async fn start_desktop(app: &TestApp) -> Browser {
        Browser::open(app, Screen::Desk).await
    }

    async fn open(app: &TestApp, screen: Screen) -> Browser {
        let mut driver = Driver::start();
        let profile = tempfile::tempdir().expect("profile dir");
        let (width, height, agent) = match screen {
            Screen::Phone => (WIDTH, HEIGHT, USER_AGENT),
            Screen::Desk => (DESKTOP_WIDTH, DESKTOP_HEIGHT, DESKTOP_USER_AGENT),
        };
        let args = vec![
            "--headless=new".to_string(),
            // Containers and CI run as root, where Chromium's sandbox cannot start.
            "--no-sandbox".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-gpu".into(),
            format!("--window-size={width},{height}"),
            "--lang=zh-CN".into(),
            "--accept-lang=zh-CN,zh".into(),
            "--no-first-run".into(),
            "--disable-extensions".into(),
            "--disable-background-networking".into(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--user-agent={agent}"),
        ];
        let mut options = json!({"args": args, "prefs": {"intl.accept_languages": "zh-CN,zh"}});
        if screen == Screen::Phone {
            // Mobile emulation makes the page's viewport meta count, as on a phone: a page without
            // one lays out 980 px wide and fails the no-horizontal-scroll check. chromedriver
            // applies it again on every navigation, so a desk screen must start without it.
            options["mobileEmulation"] = json!({
                "deviceMetrics": {"width": WIDTH, "height": HEIGHT, "pixelRatio": 1.0, "touch": true, "mobile": true},
                "userAgent": USER_AGENT
            });
        }
        if let Ok(bin) = std::env::var("LINGONG_CHROMIUM") {
            options["binary"] = json!(bin);
        }
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": options,
            // Console messages, failed loads and CSP violations, read by `console_errors`.
            "goog:loggingPrefs": {"browser": "ALL"},
            "pageLoadStrategy": "normal"
        });
        let caps: serde_json::Map<String, Value> = serde_json::from_value(caps).unwrap();
        let client = ClientBuilder::native().capabilities(caps).connect(&driver.url).await.expect("WebDriver session with headless Chromium");
        let session = client.session_id().await.unwrap().expect("session id");
        driver.session = Some(session.clone());
        // A page that never finishes loading fails its step in half a minute, not in WebDriver's
        // default five.
        let t = fantoccini::wd::TimeoutConfiguration::new(Some(Duration::from_secs(30)), Some(Duration::from_secs(30)), Some(Duration::ZERO));
        client.update_timeouts(t).await.expect("timeouts");
        let name = std::thread::current().name().unwrap_or("browser").replace("::", ".");
        let shots = screenshots_root().join(name);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("screenshots dir");
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        let b = Browser {
            client,
            http,
            driver_url: driver.url.clone(),
            session,
            base: app.addr.clone(),
            shots,
            step: AtomicU32::new(0),
            _driver: driver,
            _profile: profile,
        };
        if screen == Screen::Desk {
            // The window's size counts the headless browser's own frame: the page's viewport is
            // set to the desk's screen exactly (this sticks, without mobile emulation to undo it).
            b.cdp("Emulation.setDeviceMetricsOverride", json!({"width": DESKTOP_WIDTH, "height": DESKTOP_HEIGHT, "deviceScaleFactor": 1, "mobile": false}))
                .await;
        }
        // Until a test sets a location, the browser has not allowed it: headless Chromium would
        // otherwise ask Google's network location service, which tests (and CI) cannot reach.
        b.deny_location().await;
        b
    }

    /// A Chrome DevTools Protocol command on the current page; its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let url = format!("{}/session/{}/goog/cdp/execute", self.driver_url, self.session);
        let res = self.http.post(url).json(&json!({"cmd": cmd, "params": params})).send().await.unwrap_or_else(|e| panic!("CDP {cmd}: {e}"));
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "CDP {cmd} failed ({status}): {body}");
        body["value"].clone()
    }

    /// A chromedriver endpoint of this session outside what fantoccini covers (the log).
    async fn session_post(&self, tail: &str, body: Value) -> Value {
        let url = format!("{}/session/{}/{tail}", self.driver_url, self.session);
        let res = self.http.post(url).json(&body).send().await.unwrap_or_else(|e| panic!("{tail}: {e}"));
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{tail} failed ({status}): {body}");
        body["value"].clone()
    }

    /// The browser log since the last call: (level, message).
    pub async fn drain_log(&self) -> Vec<(String, String)> {
        let v = self.session_post("se/log", json!({"type": "browser"})).await;
        v.as_array()
            .map(|a| a.iter().map(|e| (e["level"].as_str().unwrap_or("").to_string(), e["message"].as_str().unwrap_or("").to_string())).collect())
            .unwrap_or_default()
    }

    pub fn url_of(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Opens `path` on the app and waits for the page to load.
    pub async fn goto(&self, path: &str) {
        self.client.goto(&self.url_of(path)).await.unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The current page's path and query, e.g. `/my-work/3?x=1`.
    pub async fn path(&self) -> String {
        let u = self.client.current_url().await.expect("current url");
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    /// Waits for the element matching `css` (a page just loaded may still be building it).
    pub async fn find(&self, css: &str) -> Element {
        match self.client.wait().at_most(STEP_WAIT).for_element(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => {
                let path = self.path().await;
                self.screenshot(&format!("missing {css}")).await;
                panic!("no element `{css}` on {path}: {e}");
            }
        }
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.expect("find_all")
    }

    pub async fn exists(&self, css: &str) -> bool {
        !self.find_all(css).await.is_empty()
    }

    /// Types `text` into the field `css`, replacing what it held.
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap_or_else(|err| panic!("clear {css}: {err}"));
        // Characters WebDriver cannot type as keys (CJK) arrive through the same call as text.
        e.send_keys(text).await.unwrap_or_else(|err| panic!("type into {css}: {err}"));
    }

    /// Picks the option with `value` in the select `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.find(css).await.select_by_value(value).await.unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
    }

    /// Clicks `css`; when that navigates (a link, a form's submit button) chromedriver waits for
    /// the next page to load before this returns.
    /// Clicks `css`. A link or a form's submit button loads another page: the click returns once
    /// that page has replaced this one (the old document, still `complete`, must not be read as
    /// the new one); any other click returns once the page is ready.
    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        let navigates = self
            .js(
                "const e = arguments[0]; const nav = e.matches('a[href]:not([href^=\"#\"]):not([href^=\"tel:\"]), input[type=submit], button:not([type=button])') && (e.matches('a') || !!e.form); if (nav) { window.__lgOldPage = true; } return nav;",
                vec![serde_json::to_value(&e).unwrap()],
            )
            .await
            == Value::Bool(true);
        e.click().await.unwrap_or_else(|err| panic!("click {css}: {err}"));
        if navigates {
            let started = Instant::now();
            loop {
                match self.client.execute("return window.__lgOldPage === true", vec![]).await {
                    Ok(Value::Bool(false)) => break,
                    _ if started.elapsed() > STEP_WAIT => panic!("click {css}: the next page did not come"),
                    _ => tokio::time::sleep(Duration::from_millis(25)).await,
                }
            }
        }
        self.wait_ready().await;
    }

    /// Ticks or unticks a checkbox to `on`.
    pub async fn check(&self, css: &str, on: bool) {
        let e = self.find(css).await;
        if e.is_selected().await.unwrap() != on {
            e.click().await.unwrap_or_else(|err| panic!("click {css}: {err}"));
        }
    }

    /// The session cookie's value: the same token the JSON API takes as a bearer token.
    pub async fn session_token(&self) -> String {
        let c = self.client.get_named_cookie("lg_session").await.expect("signed in: lg_session cookie");
        c.value().to_string()
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap_or_else(|e| panic!("text of {css}: {e}"))
    }

    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        // A page still replacing the previous one makes the element found stale: look again.
        for _ in 0..50 {
            if let Ok(v) = self.find(css).await.attr(name).await {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{name} of {css}: element kept going stale")
    }

    /// The visible text of the whole page.
    pub async fn page_text(&self) -> String {
        self.js("return document.body ? document.body.innerText : ''", vec![]).await.as_str().unwrap_or("").to_string()
    }

    /// Waits until `css`'s text contains `needle` (a live region updating, a page loading).
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let started = Instant::now();
        loop {
            let t = match self.client.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if t.contains(needle) {
                return t;
            }
            if started.elapsed() > STEP_WAIT {
                let path = self.path().await;
                self.screenshot(&format!("waiting for {needle}")).await;
                panic!("`{css}` on {path} never contained {needle:?}; it says: {t:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{}", &script[..script.len().min(200)]))
    }

    pub async fn js_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute_async(script, args).await.unwrap_or_else(|e| panic!("async script failed: {e}"))
    }

    async fn wait_ready(&self) {
        let started = Instant::now();
        while started.elapsed() < STEP_WAIT {
            if let Ok(v) = self.client.execute("return document.readyState", vec![]).await
                && v == "complete"
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("page did not finish loading");
    }

    /// Saves what the phone shows now as `NN-<step>.png`; returns the file.
    pub async fn screenshot(&self, step: &str) -> PathBuf {
        let n = self.step.fetch_add(1, Ordering::Relaxed);
        let clean: String = step.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
        let file = self.shots.join(format!("{n:02}-{clean}.png"));
        match self.client.screenshot().await {
            Ok(png) => std::fs::write(&file, png).expect("write screenshot"),
            Err(e) => eprintln!("screenshot {step}: {e}"),
        }
        file
    }

    /// Page scripts off (`true`) or on for this tab, as for a phone whose browser has JS off.
    pub async fn set_js_disabled(&self, off: bool) {
        self.cdp("Emulation.setScriptExecutionDisabled", json!({"value": off})).await;
    }

    /// The phone's location is `lat`,`lng` and the app may read it.
    pub async fn set_location(&self, lat: f64, lng: f64) {
        self.cdp("Browser.grantPermissions", json!({"permissions": ["geolocation"], "origin": self.base})).await;
        self.cdp("Emulation.setGeolocationOverride", json!({"latitude": lat, "longitude": lng, "accuracy": 25})).await;
    }

    /// The user said no to sharing their location.
    pub async fn deny_location(&self) {
        self.cdp("Browser.setPermission", json!({"permission": {"name": "geolocation"}, "setting": "denied", "origin": self.base})).await;
    }

    /// Signs the browser in with an API token (the web session cookie is the same token), for
    /// journeys where signing in is not what is tested.
    pub async fn sign_in_with_token(&self, token: &str) {
        let set = self
            .cdp("Network.setCookie", json!({"name": "lg_session", "value": token, "url": format!("{}/", self.base), "httpOnly": true, "sameSite": "Lax"}))
            .await;
        assert_eq!(set["success"], json!(true), "session cookie set: {set}");
    }

    /// Screenshot and every page check on the page as it is now, without loading it again: for
    /// a form shown back with its errors in answer to a POST.
    pub async fn check_here(&self, step: &str) {
        let path = self.path().await;
        self.wait_ready().await;
        self.screenshot(step).await;
        crate::checks::page(self, step, &path).await;
    }

    /// `check_here`, then the same URL loaded again with JS off: it must render and pass the same
    /// checks (pages work without JavaScript); then loaded once more with JS on.
    pub async fn check_page(&self, step: &str) {
        let path = self.path().await;
        self.check_here(step).await;
        self.set_js_disabled(true).await;
        self.client.goto(&self.url_of(&path)).await.unwrap_or_else(|e| panic!("reload {path} without JS: {e}"));
        self.screenshot(&format!("{step}-nojs")).await;
        crate::checks::page_without_js(self, &format!("{step} (JS off)"), &path).await;
        self.set_js_disabled(false).await;
        self.client.goto(&self.url_of(&path)).await.unwrap_or_else(|e| panic!("reload {path}: {e}"));
        self.wait_ready().await;
        // Whatever the reloads logged was checked already.
        self.drain_log().await;
    }
}
