//! The web client: server-rendered HTML pages for workers and employers, from the same binary and
//! on the same use-case functions as the JSON API (`services`). A page handler parses its form or
//! query, calls one service function and renders a template or redirects; it has no rules of its
//! own. Pages work without JavaScript (plain links and forms, POST → redirect → GET); the little
//! script there is (assets/web/app.js, htmx) only adds location, live feedback and partial updates.
//!
//! Sessions: signing in on a page issues the same token the API hands out, kept in the
//! `lg_session` cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS). Every form post carries a
//! CSRF token ([`PageForm`] refuses one without it): an HMAC of the `lg_csrf` cookie under the
//! server key, so a page on another site can neither read nor forge it.

pub mod account;
pub mod assets;
pub mod charts;
pub mod console;
pub mod csrf;
pub mod desk;
pub mod employer;
pub mod events;
pub mod home;
pub mod inbox;
pub mod me;
pub mod opendata;
pub mod sharing;
pub mod show;
pub mod station;
pub mod stats;
pub mod work;

use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, ACCEPT_LANGUAGE};
use actix_web::http::{Method, StatusCode};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::FutureExt;
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::domain::Role;
use crate::error::{Error, FieldError, Invalid, Lang, Msg};
use crate::routes::error::ApiError;
use crate::services::{accounts, inbox as inbox_service};

pub const SESSION_COOKIE: &str = "lg_session";
pub const LANG_COOKIE: &str = "lg_lang";
pub const LARGE_COOKIE: &str = "lg_large";

pub fn configure(cfg: &mut web::ServiceConfig) {
    assets::configure(cfg);
    account::configure(cfg);
    home::configure(cfg);
    inbox::configure(cfg);
    work::configure(cfg);
    me::configure(cfg);
    employer::configure(cfg);
    desk::configure(cfg);
    station::configure(cfg);
    events::configure(cfg);
    console::configure(cfg);
    sharing::configure(cfg);
    stats::configure(cfg);
    opendata::configure(cfg);
}

/// What every page knows about its request: language, display mode, who is signed in, the form
/// token and the unread inbox count for the header badge.
pub struct PageCtx {
    pub lang: Lang,
    pub large: bool,
    pub user: Option<AuthUser>,
    pub csrf: String,
    pub unread: i64,
    /// The path and query of this request, for "switch language and come back".
    pub here: String,
    /// A fresh `lg_csrf` value to set on the response (the request had none).
    new_csrf_cookie: Option<String>,
    secure: bool,
}

impl PageCtx {
    /// The text in the page language: templates write `{{ ctx.t("附近的工作", "Work nearby") }}`.
    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    pub fn en(&self) -> bool {
        self.lang == Lang::En
    }

    pub fn html_lang(&self) -> &'static str {
        self.t("zh-CN", "en")
    }

    pub fn is_worker(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Worker)
    }

    pub fn is_employer(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Employer)
    }

    pub fn is_station_staff(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::StationStaff)
    }

    /// The "me" link: a worker's or employer's profile; staff have only their password.
    pub fn me_link(&self) -> &'static str {
        match self.user.as_ref().map(|u| u.role) {
            Some(Role::Employer) => "/employer/profile",
            Some(Role::Worker) => "/me/profile",
            _ => "/account/password",
        }
    }

    pub fn signed_in(&self) -> bool {
        self.user.is_some()
    }

    pub fn user_name(&self) -> &str {
        self.user.as_ref().map(|u| u.display_name.as_str()).unwrap_or("")
    }

    /// The signed-in user, or the sign-in page (which comes back here afterwards).
    pub fn require_user(&self) -> Result<&AuthUser, ApiError> {
        self.user.as_ref().ok_or_else(|| Error::Unauthorized.into())
    }

    /// `href` of a link that switches the language and returns to this page.
    pub fn lang_switch(&self) -> String {
        let to = if self.en() { "zh" } else { "en" };
        format!("/lang/{to}?back={}", urlencode(&self.here))
    }

    pub fn large_switch(&self) -> String {
        format!("/display/{}?back={}", if self.large { "normal" } else { "large" }, urlencode(&self.here))
    }

    /// URL of a fingerprinted asset, e.g. `/static/app.3f2a9c1d.css`.
    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    /// A 200 page.
    pub fn render(&self, t: &impl Template) -> Result<HttpResponse, ApiError> {
        self.render_status(StatusCode::OK, t)
    }

    pub fn render_status(&self, status: StatusCode, t: &impl Template) -> Result<HttpResponse, ApiError> {
        let body = t.render().map_err(ApiError::internal)?;
        let mut res = HttpResponse::build(status);
        res.content_type("text/html; charset=utf-8").insert_header((header::CACHE_CONTROL, "no-store"));
        self.add_cookies(&mut res);
        Ok(res.body(body))
    }

    /// 303 See Other to a local path: the answer to every successful form post.
    pub fn redirect(&self, to: &str) -> HttpResponse {
        let mut res = HttpResponse::SeeOther();
        res.insert_header((header::LOCATION, local_path(to)));
        self.add_cookies(&mut res);
        res.finish()
    }

    fn add_cookies(&self, res: &mut actix_web::HttpResponseBuilder) {
        if let Some(v) = &self.new_csrf_cookie {
            res.cookie(self.cookie(csrf::COOKIE, v.clone(), None));
        }
    }

    /// A cookie of this site: HttpOnly, SameSite=Lax, Secure when served over HTTPS.
    pub fn cookie(&self, name: &'static str, value: String, max_age_secs: Option<i64>) -> Cookie<'static> {
        let mut c = Cookie::build(name, value).path("/").http_only(true).same_site(SameSite::Lax).secure(self.secure).finish();
        if let Some(secs) = max_age_secs {
            c.set_max_age(actix_web::cookie::time::Duration::seconds(secs));
        }
        c
    }

    /// The same cookie, expired.
    pub fn removal(&self, name: &'static str) -> Cookie<'static> {
        let mut c = self.cookie(name, String::new(), None);
        c.make_removal();
        c
    }
}

/// Yuan as typed ("35", "35.5", "35.50") to fen; `None` for anything else. Every page that
/// takes an amount reads it here, and says what is wrong with [`not_an_amount`].
pub fn parse_yuan(s: &str) -> Option<i64> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || whole.len() > 9 || frac.len() > 2 || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cents = format!("{frac:0<2}");
    Some(whole.parse::<i64>().ok()? * 100 + cents.parse::<i64>().ok()?)
}

/// A page's `?cursor=` as typed into an address bar: the API's `next_cursor`, or `None` (the
/// first page) for anything mangled, so a bad link shows the list's start rather than an error.
pub fn page_cursor(c: Option<&str>) -> Option<i64> {
    c.and_then(|c| c.trim().parse::<i64>().ok()).filter(|c| *c > 0)
}

/// A whole number typed into a form field (`""` is `None`); anything else records `message`
/// against `field` in `errs`, so a page reports every unreadable field at once.
pub fn parse_whole(errs: &mut Vec<FieldError>, field: &str, typed: &str, message: (&str, &str)) -> Option<i64> {
    match typed.trim() {
        "" => None,
        t => t.parse::<i64>().map_err(|_| errs.push(FieldError { field: field.into(), code: "invalid".into(), msg: Msg::new(message.0, message.1) })).ok(),
    }
}

/// The one message for an amount [`parse_yuan`] cannot read.
pub fn not_an_amount() -> Invalid {
    Invalid::new("not_an_amount", "请填写金额（元），如 25 或 25.50", "enter an amount in yuan, e.g. 25 or 25.50")
}

/// The rating form of both sides (a worker rates the employer, an employer the worker): a score
/// of 1–5 and an optional comment, read once for both pages.
#[derive(serde::Deserialize)]
pub struct RateForm {
    #[serde(default)]
    score: String,
    #[serde(default)]
    comment: String,
}

impl RateForm {
    /// The API's rating body; the score's range is the rating service's rule, not the page's.
    pub fn request(&self) -> Result<crate::services::ratings::RatingRequest, Error> {
        let score =
            self.score.trim().parse::<i64>().map_err(|_| Error::field("score", Invalid::new("required", "请选择 1 到 5 分", "choose a score from 1 to 5")))?;
        let comment = Some(self.comment.trim().to_string()).filter(|c| !c.is_empty());
        Ok(crate::services::ratings::RatingRequest { score, comment })
    }
}

/// Only a path on this site ("/my-work/3"), never "//evil.example" or "https://…": anything else
/// becomes "/".
pub fn local_path(to: &str) -> String {
    let ok = to.starts_with('/') && !to.starts_with("//") && !to.starts_with("/\\") && !to.chars().any(|c| c.is_control());
    if ok { to.to_string() } else { "/".to_string() }
}

pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn cookie_lang(req: &HttpRequest) -> Lang {
    match req.cookie(LANG_COOKIE).as_ref().map(|c| c.value()) {
        Some("en") => Lang::En,
        Some("zh") => Lang::Zh,
        _ => Lang::from_accept_language(req.headers().get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())),
    }
}

fn is_secure(req: &HttpRequest, state: &AppState) -> bool {
    req.connection_info().scheme() == "https" || state.config.server.public_url.starts_with("https://")
}

/// The session token from the `lg_session` cookie.
pub fn session_token(req: &HttpRequest) -> Option<String> {
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()).filter(|v| !v.is_empty())
}

async fn session_user(state: &AppState, token: Option<String>) -> Result<Option<AuthUser>, Error> {
    match token {
        Some(t) => accounts::session_user(state, &t).await,
        None => Ok(None),
    }
}

impl FromRequest for PageCtx {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<PageCtx, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req.app_data::<web::Data<AppState>>().cloned().ok_or_else(|| ApiError::internal("app state missing"))?;
            let lang = cookie_lang(&req);
            let large = req.cookie(LARGE_COOKIE).is_some_and(|c| c.value() == "1");
            let user = session_user(&state, session_token(&req)).await?;
            let unread = match &user {
                Some(u) => inbox_service::unread_count(&state, u).await.map(|c| c.unread).unwrap_or(0),
                None => 0,
            };
            let (cookie, new_csrf_cookie) = match csrf::cookie_value(&req) {
                Some(v) => (v, None),
                None => {
                    let v = csrf::new_cookie_value();
                    (v.clone(), Some(v))
                }
            };
            let here = match req.uri().path_and_query() {
                Some(pq) => local_path(pq.as_str()),
                None => "/".to_string(),
            };
            Ok(PageCtx {
                lang,
                large,
                user,
                csrf: csrf::form_token(&state.config.auth.pii_hash_key, &cookie),
                unread,
                here,
                new_csrf_cookie,
                secure: is_secure(&req, &state),
            })
        })
    }
}

/// A form post whose CSRF token has been checked, deserialized into `T` (which ignores fields it
/// does not name, the `csrf` field among them). Every page POST handler takes one.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for PageForm<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<PageForm<T>, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let bytes = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let state = req.app_data::<web::Data<AppState>>().cloned().ok_or_else(|| ApiError::internal("app state missing"))?;
            let body = bytes.await.map_err(|_| ApiError::from(Error::PayloadTooLarge { limit: state.config.server.body_limit_bytes }))?;
            let given = form_urlencoded::parse(&body).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned());
            let expected = csrf::cookie_value(&req).map(|c| csrf::form_token(&state.config.auth.pii_hash_key, &c));
            if !csrf::matches(given.as_deref(), expected.as_deref()) {
                return Err(csrf::refused());
            }
            let value = serde_urlencoded::from_bytes::<T>(&body).map_err(|e| ApiError::invalid_query(&e.to_string()))?;
            Ok(PageForm(value))
        })
    }
}

/// Field errors of a failed form, to show each at its input.
#[derive(Default)]
pub struct Fields(pub Vec<FieldError>);

impl Fields {
    /// Names the fields of a nested body (`employer.name`) as the flat form does (`name`).
    pub fn unprefix(&mut self, prefix: &str) {
        for f in &mut self.0 {
            if let Some(rest) = f.field.strip_prefix(prefix) {
                f.field = rest.to_string();
            }
        }
    }

    pub fn from_error(e: &Error) -> Option<Fields> {
        match e {
            Error::Validation(f) | Error::PostingIsFree(f) | Error::PostingRefused(f) => Some(Fields(f.clone())),
            _ => None,
        }
    }

    /// The message for `field` (or one of its sub-fields, `slots[0].start`), in the page language.
    pub fn get(&self, ctx: &PageCtx, field: &str) -> Option<String> {
        let msgs: Vec<&str> = self
            .0
            .iter()
            .filter(|f| f.field == field || f.field.starts_with(&format!("{field}.")) || f.field.starts_with(&format!("{field}[")))
            .map(|f| f.msg.pick(ctx.lang))
            .collect();
        (!msgs.is_empty()).then(|| msgs.join("；"))
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// Every error as (field, message), for the summary at the top of a form.
    pub fn all(&self, ctx: &PageCtx) -> Vec<(String, String)> {
        self.0.iter().map(|f| (f.field.clone(), f.msg.pick(ctx.lang).to_string())).collect()
    }
}

/// A service error on a form: field errors re-render the form (`Ok(fields)`), anything else
/// becomes an error page.
pub fn form_errors(e: Error) -> Result<Fields, ApiError> {
    match Fields::from_error(&e) {
        Some(f) => Ok(f),
        None => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "web/error.html")]
struct ErrorPage<'a> {
    ctx: &'a PageCtx,
    status: u16,
    title: &'a str,
    message: String,
    fields: Vec<(String, String)>,
    sign_in: bool,
}

fn is_page_path(path: &str) -> bool {
    !(path.starts_with("/api/")
        || path == "/api"
        || path.starts_with("/docs")
        || path.starts_with("/static/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics"))
}

/// Errors on page paths answer as pages in the page's language (the JSON shape stays for `/api`);
/// an unsigned request for a page that needs a user goes to the sign-in page and back.
pub fn page_errors<S, B>(req: ServiceRequest, srv: &S) -> impl Future<Output = Result<ServiceResponse, actix_web::Error>> + use<S, B>
where
    S: actix_web::dev::Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let page = is_page_path(req.path());
    srv.call(req).then(move |res| async move {
        let res = res?.map_into_boxed_body();
        if !page {
            return Ok(res);
        }
        let Some(err) = res.response().extensions().get::<ApiError>().cloned() else { return Ok(res) };
        let (req, _) = res.into_parts();
        let ctx = PageCtx::extract(&req).await?;
        let rendered = if err.status == StatusCode::UNAUTHORIZED && req.method() == Method::GET && err.code != "invalid_credentials" {
            ctx.redirect(&format!("/signin?next={}", urlencode(&ctx.here)))
        } else {
            error_page(&ctx, &err).unwrap_or_else(|e| e.to_response(ctx.lang))
        };
        Ok(ServiceResponse::new(req, rendered))
    })
}

fn error_page(ctx: &PageCtx, err: &ApiError) -> Result<HttpResponse, ApiError> {
    let title = match err.status.as_u16() {
        404 => ctx.t("找不到这个页面", "Page not found"),
        401 => ctx.t("请先登录", "Please sign in"),
        403 => ctx.t("不能这样操作", "Not allowed"),
        409 => ctx.t("现在不能这样做", "Not possible now"),
        422 | 400 => ctx.t("填写有误", "Please check what you entered"),
        429 => ctx.t("操作太频繁，请稍后再试", "Too many tries; please wait a little"),
        503 => ctx.t("服务暂时不可用，请稍后再试", "The service is unavailable; please try again soon"),
        _ => ctx.t("出错了", "Something went wrong"),
    };
    let message = if err.status == StatusCode::NOT_FOUND {
        ctx.t("链接可能已失效，或者这条信息已下架。", "The link may be out of date, or the listing was removed.").to_string()
    } else {
        err.msg.pick(ctx.lang).to_string()
    };
    let fields = err.fields.iter().map(|f| (f.field.clone(), f.msg.pick(ctx.lang).to_string())).collect();
    let page = ErrorPage { ctx, status: err.status.as_u16(), title, message, fields, sign_in: err.status == StatusCode::UNAUTHORIZED };
    let mut res = ctx.render_status(err.status, &page)?;
    if let Some(secs) = err.retry_after_secs {
        res.headers_mut().insert(header::RETRY_AFTER, secs.into());
    }
    Ok(res)
}

/// Askama filters shared by the page templates.
pub mod filters {
    /// Fen as yuan: 2500 → "25", 2550 → "25.50".
    pub fn yuan(fen: &i64, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(crate::web::yuan(*fen))
    }
}

pub fn yuan(fen: i64) -> String {
    if fen % 100 == 0 { format!("{}", fen / 100) } else { format!("{}.{:02}", fen / 100, (fen % 100).abs()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        for bad in ["//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:alert(1)", "", "evil", "/a\nb"] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
        for good in ["/", "/my-work/3", "/?q=保洁&lat=39.9"] {
            assert_eq!(local_path(good), good);
        }
    }

    #[test]
    fn yuan_shows_cents_only_when_there_are_any() {
        assert_eq!(yuan(2500), "25");
        assert_eq!(yuan(2550), "25.50");
        assert_eq!(yuan(5), "0.05");
    }

    #[test]
    fn yuan_as_typed() {
        assert_eq!(parse_yuan("35"), Some(3500));
        assert_eq!(parse_yuan(" 35.5 "), Some(3550));
        assert_eq!(parse_yuan("0.05"), Some(5));
        for bad in ["", "-5", "3.555", "abc", "1e3", ".5", "35."] {
            assert_eq!(parse_yuan(bad), if bad == "35." { Some(3500) } else { None }, "{bad}");
        }
    }
}
