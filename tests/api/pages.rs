//! The web client over HTTP, without a browser: sessions and their cookies, the form token on
//! every form, pages that ignore parameters they do not know, errors as pages, assets cached and
//! compressed. (The browser suite, tests/browser, walks the journeys.)

use std::collections::BTreeMap;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;

use crate::helpers::*;

/// A cookie-keeping client that does not follow redirects, so each 303 and its cookies are seen.
pub struct PageClient {
    pub base: String,
    client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

pub struct PageResp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl PageResp {
    pub fn location(&self) -> String {
        self.headers.get(LOCATION).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
    }

    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers.get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).find(|c| c.starts_with(&format!("{name}=")))
    }

    /// The value of the first `name="csrf"` hidden input.
    pub fn csrf(&self) -> String {
        let at = self.text.find("name=\"csrf\" value=\"").expect("the page has a form token");
        let rest = &self.text[at + 19..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

impl PageClient {
    pub fn new(app: &TestApp) -> PageClient {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        PageClient { base: app.addr.clone(), client, cookies: BTreeMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn send(&mut self, r: reqwest::RequestBuilder) -> PageResp {
        let r = if self.cookies.is_empty() { r } else { r.header(COOKIE, self.cookie_header()) };
        let res = r.send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        for c in headers.get_all(SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") || v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        PageResp { status, headers, text: res.text().await.unwrap_or_default() }
    }

    pub async fn get(&mut self, path: &str) -> PageResp {
        let r = self.client.get(format!("{}{path}", self.base));
        self.send(r).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> PageResp {
        let body = form.iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect::<Vec<_>>().join("&");
        let r = self.client.post(format!("{}{path}", self.base)).header(CONTENT_TYPE, "application/x-www-form-urlencoded").body(body);
        self.send(r).await
    }

    /// Opens `form_page`, then posts `form` to `path` with the page's form token.
    pub async fn submit(&mut self, form_page: &str, path: &str, form: &[(&str, &str)]) -> PageResp {
        let page = self.get(form_page).await;
        assert_eq!(page.status, 200, "{form_page}: {}", page.text);
        let csrf = page.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(form);
        self.post(path, &all).await
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn signed_in_worker(app: &TestApp) -> (PageClient, String) {
    let mut c = PageClient::new(app);
    let phone = format!("137{:08}", unique() % 100_000_000);
    let r = c.submit("/register", "/register", &[("role", "worker"), ("phone", &phone), ("password", "a-good-passphrase"), ("display_name", "王秀英")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    (c, phone)
}

#[tokio::test]
async fn registering_on_the_page_signs_in_with_a_safe_session_cookie() {
    let app = spawn_app().await;
    let (mut c, phone) = signed_in_worker(&app).await;
    let home = c.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.text.contains("王秀英"), "the header names the signed-in worker");
    assert!(home.headers[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    // Sign out, then in again: the cookie is HttpOnly, SameSite=Lax, for the whole site, not Secure on plain HTTP.
    let csrf = home.csrf();
    let out = c.post("/signout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert!(!c.cookies.contains_key("lg_session"), "signing out removes the session cookie");
    let r = c.submit("/signin", "/signin", &[("phone", &phone), ("password", "a-good-passphrase")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let cookie = r.set_cookie("lg_session").expect("a session cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(cookie.contains(attr), "{attr} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP cannot keep a Secure cookie: {cookie}");
    // The session token is the API's: the same store, the same revocation.
    let token = c.cookies["lg_session"].clone();
    app.get("/api/v1/inbox", Some(&token)).await.assert(200);
    let bad = c.submit("/signin", "/signin", &[("phone", &phone), ("password", "wrong-passphrase")]).await;
    assert_eq!(bad.status, 401);
    assert!(bad.text.contains("signin-error"), "a wrong password is said on the sign-in page");
}

#[tokio::test]
async fn the_session_cookie_is_secure_behind_https() {
    let app = spawn_with(|c| c.server.public_url = "https://lingong.example".into()).await;
    let mut c = PageClient::new(&app);
    let phone = format!("137{:08}", unique() % 100_000_000);
    let r = c.submit("/register", "/register", &[("role", "worker"), ("phone", &phone), ("password", "a-good-passphrase"), ("display_name", "王秀英")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(r.set_cookie("lg_session").unwrap().contains("Secure"));
}

#[tokio::test]
async fn every_form_post_needs_the_form_token_of_its_own_cookie() {
    let app = spawn_app().await;
    let (mut c, _) = signed_in_worker(&app).await;
    let good = c.get("/").await.csrf();
    let mut other = PageClient::new(&app);
    let foreign = other.get("/signin").await.csrf();
    let mut flipped = good.clone().into_bytes();
    flipped[0] = if flipped[0] == b'a' { b'b' } else { b'a' };
    let flipped = String::from_utf8(flipped).unwrap();
    let variants: Vec<(&str, Option<&str>)> = vec![
        ("none", None),
        ("empty", Some("")),
        ("another cookie's", Some(&foreign)),
        ("one character changed", Some(&flipped)),
        ("too long", Some("00000000000000000000000000000000000")),
    ];
    let posts =
        ["/signin", "/register", "/signout", "/account/password", "/shifts/1/take", "/shifts/1/report", "/inbox/read-all", "/inbox/1/read", "/me/alerts"];
    for path in posts {
        for (why, token) in &variants {
            let form: Vec<(&str, &str)> = token.map(|t| vec![("csrf", t)]).unwrap_or_default();
            let r = c.post(path, &form).await;
            // /me/alerts may not exist yet in a build: then it is a 404 page, never a success.
            if r.status == 404 && path == "/me/alerts" {
                continue;
            }
            assert_eq!(r.status, 403, "{path} with {why} token: {}", r.text);
            assert!(r.text.contains("表单已过期"), "{path}: the refusal is a page that says why");
        }
    }
    // The right token without its cookie is refused too.
    let mut bare = PageClient::new(&app);
    let r = bare.post("/signin", &[("csrf", &good), ("phone", "13700000000"), ("password", "x")]).await;
    assert_eq!(r.status, 403);
    // And a form from another site is refused at the edge, before any token is looked at.
    let r = reqwest::Client::new()
        .post(format!("{}/signin", app.addr))
        .header("Origin", "https://evil.example")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("phone=1&password=2")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The site's own pages post with their own origin, as a browser sends it, and get through.
    let csrf = c.get("/signin").await.csrf();
    let r = c
        .send(
            reqwest::Client::new()
                .post(format!("{}/signin", app.addr))
                .header("Origin", app.addr.clone())
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(format!("csrf={csrf}&phone=13700000000&password=not-the-password")),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(r.headers["referrer-policy"], "same-origin", "so that the browser sends that origin at all");
}

#[tokio::test]
async fn pages_ignore_parameters_they_do_not_know_and_never_redirect_off_site() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let shift = app.post("/api/v1/shifts", Some(&employer), shift_body()).await;
    shift.assert(201);
    let id = shift.body["id"].as_i64().unwrap();
    let mut c = PageClient::new(&app);
    for junk in ["", "?from=singlemessage", "?from=singlemessage&isappinstalled=0", "?lat=abc&lng=&radius_km=-5&cursor=zz", "?weekend=maybe&settlement=%00"] {
        let r = c.get(&format!("/{junk}")).await;
        assert_eq!(r.status, 200, "/{junk}: {}", r.text);
        let r = c.get(&format!("/shifts/{id}{junk}")).await;
        assert_eq!(r.status, 200, "/shifts/{id}{junk}");
        assert!(r.text.contains("家庭保洁员"));
    }
    for back in ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"] {
        let r = c.get(&format!("/lang/en?back={}", urlencode(back))).await;
        assert_eq!(r.status, 303);
        assert_eq!(r.location(), "/", "{back}");
        let r = c.get(&format!("/signin?next={}", urlencode(back))).await;
        assert!(r.text.contains("name=\"next\" value=\"/\""), "{back} is not kept as the place to go after signing in");
    }
    // The language switch sticks, and the page follows it.
    let r = c.get("/lang/en?back=/").await;
    assert!(r.set_cookie("lg_lang").unwrap().starts_with("lg_lang=en"));
    assert!(c.get("/").await.text.contains("Work nearby"));
}

#[tokio::test]
async fn errors_on_pages_are_pages_and_the_api_keeps_its_json() {
    let app = spawn_app().await;
    let mut c = PageClient::new(&app);
    let r = c.get("/shifts/987654").await;
    assert_eq!(r.status, 404);
    assert!(r.headers[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(r.text.contains("找不到这个页面"), "{}", r.text);
    let r = c.get("/no/such/page").await;
    assert_eq!(r.status, 404);
    assert!(r.text.contains("<html"));
    let api = app.get("/api/v1/shifts/987654", None).await;
    api.assert_error(404, "not_found");
    // A page that needs a user sends a visitor to sign in, and back.
    let r = c.get("/inbox?from=singlemessage").await;
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/signin?next=%2Finbox"), "{}", r.location());
}

#[tokio::test]
async fn a_district_name_that_fits_several_places_offers_the_choice() {
    let app = spawn_app().await;
    let mut c = PageClient::new(&app);
    for name in ["朝阳", "chaoyang"] {
        let r = c.get(&format!("/?district={}", urlencode(name))).await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("district-choices"), "{name}");
        assert!(r.text.contains("北京市 朝阳区") && r.text.contains("长春市"), "{name}: both 朝阳 are offered");
    }
    let r = c.get("/?district=110105").await;
    assert!(!r.text.contains("district-choices"));
    assert!(r.text.contains("北京市 朝阳区"));
}

#[tokio::test]
async fn assets_are_fingerprinted_cached_and_pages_compressed() {
    let app = spawn_app().await;
    let mut c = PageClient::new(&app);
    let home = c.get("/").await;
    let at = home.text.find("/static/app.").expect("the page links its stylesheet");
    let href = &home.text[at..at + home.text[at..].find('"').unwrap()];
    let r = c.get(href).await;
    assert_eq!(r.status, 200, "{href}");
    assert!(r.headers["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(c.get("/static/app.00000000.css").await.status, 404, "a stale fingerprint is not served");
    let gz = reqwest::Client::builder().build().unwrap().get(format!("{}/", app.addr)).header("Accept-Encoding", "gzip").send().await.unwrap();
    assert_eq!(gz.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_string()).as_deref(), Some("gzip"));
}

#[tokio::test]
async fn the_weekend_chip_is_a_search_parameter_of_the_api() {
    use chrono::Datelike;
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    // The next Saturday and the next Wednesday, local time, at least two days ahead.
    let mut ids = BTreeMap::new();
    for want in [chrono::Weekday::Sat, chrono::Weekday::Wed] {
        let days = (2..10).find(|d| (chrono::Utc::now() + chrono::Duration::hours(8) + chrono::Duration::days(*d)).weekday() == want).unwrap();
        let mut body = shift_body();
        body["slots"] = json!([{"start": at(days, 9), "end": at(days, 12)}]);
        body["valid_through"] = json!(at(days, 0));
        let r = app.post("/api/v1/shifts", Some(&employer), body).await;
        r.assert(201);
        ids.insert(format!("{want:?}"), r.body["id"].as_i64().unwrap());
    }
    let found = |days: &'static str| {
        let app = &app;
        async move {
            let r = app.get(&format!("/api/v1/shifts/search?days={days}"), None).await;
            r.assert(200);
            r.body["items"].as_array().unwrap().iter().map(|i| i["shift"]["id"].as_i64().unwrap()).collect::<Vec<_>>()
        }
    };
    eventually(std::time::Duration::from_secs(5), || async { found("1,2,3,4,5,6,7").await.len() == 2 }).await;
    assert_eq!(found("6,7").await, vec![ids["Sat"]]);
    assert_eq!(found("3").await, vec![ids["Wed"]]);
    assert!(found("1,2").await.is_empty());
    for bad in ["0", "8", "6,", "sat", "6;7", "-1"] {
        let r = app.get(&format!("/api/v1/shifts/search?days={}", urlencode(bad)), None).await;
        r.assert(422);
        assert_eq!(r.fields(), vec!["days"], "{bad}");
    }
    // The page's 周末 chip shows the same.
    let mut c = PageClient::new(&app);
    let page = c.get("/?weekend=1").await;
    assert!(page.text.contains(&format!("/shifts/{}\"", ids["Sat"])) && !page.text.contains(&format!("/shifts/{}\"", ids["Wed"])));
}

/// The `href` of the link whose text is `text`, unescaped.
fn link_to(page: &str, text: &str) -> String {
    let end = page.find(&format!("\">{text}</a>")).unwrap_or_else(|| panic!("a link to {text}"));
    let start = page[..end].rfind("href=\"").unwrap() + 6;
    page[start..end].replace("&amp;", "&")
}

/// What the home page's district box holds.
fn district_box(page: &str) -> String {
    let at = page.find("id=\"district\" name=\"district\" value=\"").expect("the district box") + 37;
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn a_chosen_district_is_named_in_full_in_the_box() {
    let app = spawn_app().await;
    let mut c = PageClient::new(&app);
    let r = c.get(&format!("/?district={}", urlencode("朝阳"))).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("district-choices"));
    assert_eq!(district_box(&r.text), "朝阳", "before choosing, the box keeps what was typed");
    for full in ["北京市 朝阳区", "吉林省 长春市 朝阳区"] {
        let href = link_to(&r.text, full);
        assert!(href.starts_with("/?district="), "{href}");
        let chosen = c.get(&href).await;
        assert_eq!(chosen.status, 200, "{href}");
        assert!(!chosen.text.contains("district-choices"), "{href}: chosen, not asked again");
        assert_eq!(district_box(&chosen.text), full, "{href}: the box names the place, not its code");
        assert!(chosen.text.contains(&format!("{full} · ")), "{href}: the summary names it too");
        // Searching again with the box as it is finds the same place.
        let again = c.get(&format!("/?district={}", urlencode(full))).await;
        assert!(!again.text.contains("district-choices") && !again.text.contains("district-unknown"), "{full}");
        assert_eq!(district_box(&again.text), full);
    }
    // A code typed in is named in full too; a name no place has is kept as typed.
    assert_eq!(district_box(&c.get("/?district=110105").await.text), "北京市 朝阳区");
    let r = c.get(&format!("/?district={}", urlencode("不存在的地方乙丙"))).await;
    assert!(r.text.contains("district-unknown"));
    assert_eq!(district_box(&r.text), "不存在的地方乙丙");
}

#[tokio::test]
async fn a_township_name_finds_the_shifts_of_its_county() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    // One shift in 通州区, given by 马驹桥镇's township code (kept as 通州区's), one in 朝阳区.
    let mut body = shift_body();
    body["title"] = json!("仓库分拣员（通州）");
    body["address"] = json!("北京市通州区马驹桥镇兴贸二街");
    (body["lat"], body["lng"], body["adcode"]) = (json!(39.9099), json!(116.6564), json!("110112109"));
    let r = app.post("/api/v1/shifts", Some(&employer), body).await;
    r.assert(201);
    assert_eq!(r.body["adcode"], "110112000000", "a township code stands for its county: {}", r.text);
    let tongzhou = r.body["id"].as_i64().unwrap();
    let r = app.post("/api/v1/shifts", Some(&employer), shift_body()).await;
    r.assert(201);
    let chaoyang = r.body["id"].as_i64().unwrap();
    let mut c = PageClient::new(&app);
    for name in ["马驹桥", "马驹桥镇", "majuqiao", "北京市 通州区 马驹桥镇", "110112109"] {
        let path = format!("/?district={}", urlencode(name));
        eventually(std::time::Duration::from_secs(5), || {
            let (mut c, path) = (PageClient::new(&app), path.clone());
            async move { c.get(&path).await.text.contains(&format!("/shifts/{tongzhou}\"")) }
        })
        .await;
        let r = c.get(&path).await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains(&format!("/shifts/{tongzhou}\"")), "{name}: 通州区's shift");
        assert!(!r.text.contains(&format!("/shifts/{chaoyang}\"")), "{name}: not 朝阳区's");
        assert_eq!(district_box(&r.text), "北京市 通州区 马驹桥镇", "{name}");
        assert!(r.text.contains("北京市 通州区 马驹桥镇 · "), "{name}");
    }
}
