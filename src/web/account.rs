//! Signing in and out, registering, changing the password, and the language and text-size
//! switches. The account operations are `services::accounts`, as for the API.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::Role;
use crate::routes::client_key;
use crate::routes::error::ApiError;
use crate::services::accounts::{self, NewUser, Session};
use crate::web::{Fields, LANG_COOKIE, LARGE_COOKIE, PageCtx, PageForm, SESSION_COOKIE, form_errors, local_path};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/signin", web::get().to(signin_form))
        .route("/signin", web::post().to(signin))
        .route("/register", web::get().to(register_form))
        .route("/register", web::post().to(register))
        .route("/signout", web::post().to(signout))
        .route("/account/password", web::get().to(password_form))
        .route("/account/password", web::post().to(change_password))
        .route("/lang/{to}", web::get().to(switch_lang))
        .route("/display/{mode}", web::get().to(switch_display));
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "web/signin.html")]
struct SigninPage<'a> {
    ctx: &'a PageCtx,
    phone: String,
    next: String,
    failed: Option<String>,
}

async fn signin_form(ctx: PageCtx, q: web::Query<NextQuery>) -> Result<HttpResponse, ApiError> {
    let next = local_path(q.next.as_deref().unwrap_or("/"));
    ctx.render(&SigninPage { ctx: &ctx, phone: String::new(), next, failed: None })
}

#[derive(Deserialize)]
pub struct SigninForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn signin(state: web::Data<AppState>, req: HttpRequest, ctx: PageCtx, form: PageForm<SigninForm>) -> Result<HttpResponse, ApiError> {
    let f = form.0;
    let next = local_path(f.next.as_deref().unwrap_or("/"));
    match accounts::login(&state, &client_key(&req), &f.phone, f.password).await {
        Ok(session) => Ok(signed_in(&ctx, session, &next)),
        Err(crate::error::Error::InvalidCredentials) => {
            let failed = Some(ctx.t("手机号或密码不对，请再试一次", "Wrong phone number or password; please try again").to_string());
            ctx.render_status(actix_web::http::StatusCode::UNAUTHORIZED, &SigninPage { ctx: &ctx, phone: f.phone, next, failed })
        }
        Err(e) => Err(e.into()),
    }
}

/// Keeps the session token in its cookie for as long as the token lives, then goes on to `next`
/// (or the role's start page).
pub(crate) fn signed_in(ctx: &PageCtx, session: Session, next: &str) -> HttpResponse {
    let secs = (session.expires_at.timestamp() - chrono::Utc::now().timestamp()).max(60);
    let to = match (next, session.user.role.as_str()) {
        ("/", "employer") => "/employer".to_string(),
        // Staff start where they work: the desk, the console.
        ("/", "station_staff") => "/desk".to_string(),
        ("/", "moderator" | "admin") => "/console".to_string(),
        (n, _) => n.to_string(),
    };
    let mut res = ctx.redirect(&to);
    let _ = res.add_cookie(&ctx.cookie(SESSION_COOKIE, session.token, Some(secs)));
    res
}

#[derive(Template)]
#[template(path = "web/register.html")]
struct RegisterPage<'a> {
    ctx: &'a PageCtx,
    form: RegisterForm,
    errors: Fields,
}

#[derive(Deserialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default, skip_serializing)]
    password: String,
}

#[derive(Deserialize, Default)]
pub struct RoleQuery {
    role: Option<String>,
}

async fn register_form(ctx: PageCtx, q: web::Query<RoleQuery>) -> Result<HttpResponse, ApiError> {
    let role = if q.role.as_deref() == Some("employer") { "employer" } else { "worker" };
    let form = RegisterForm { role: role.into(), ..Default::default() };
    ctx.render(&RegisterPage { ctx: &ctx, form, errors: Fields::default() })
}

async fn register(state: web::Data<AppState>, req: HttpRequest, ctx: PageCtx, form: PageForm<RegisterForm>) -> Result<HttpResponse, ApiError> {
    let mut f = form.0;
    let email = Some(f.email.as_str()).filter(|e| !e.trim().is_empty());
    let parsed = NewUser::parse(Some(&f.role), Some(&f.phone), Some(&f.password), Some(&f.display_name), email, &[Role::Worker, Role::Employer]);
    let result = match parsed {
        Ok(user) => accounts::register(&state, &client_key(&req), user).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(session) => {
            let next = if session.user.role.as_str() == "employer" { "/employer/profile" } else { "/me/profile" };
            Ok(signed_in(&ctx, session, next))
        }
        Err(e) => {
            let errors = form_errors(e)?;
            f.password.clear();
            ctx.render_status(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &RegisterPage { ctx: &ctx, form: f, errors })
        }
    }
}

async fn signout(state: web::Data<AppState>, ctx: PageCtx, _form: PageForm<serde::de::IgnoredAny>) -> Result<HttpResponse, ApiError> {
    if let Some(user) = &ctx.user {
        accounts::logout(&state, user).await?;
    }
    let mut res = ctx.redirect("/");
    let _ = res.add_removal_cookie(&ctx.removal(SESSION_COOKIE));
    Ok(res)
}

#[derive(Template)]
#[template(path = "web/password.html")]
struct PasswordPage<'a> {
    ctx: &'a PageCtx,
    errors: Fields,
    done: bool,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn password_form(ctx: PageCtx, q: web::Query<DoneQuery>) -> Result<HttpResponse, ApiError> {
    ctx.require_user()?;
    ctx.render(&PasswordPage { ctx: &ctx, errors: Fields::default(), done: q.done.is_some() })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

async fn change_password(state: web::Data<AppState>, ctx: PageCtx, form: PageForm<PasswordForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let f = form.0;
    match accounts::change_password(&state, user, f.current_password, f.new_password).await {
        Ok(()) => Ok(ctx.redirect("/account/password?done=1")),
        Err(e) => {
            let errors = form_errors(e)?;
            ctx.render_status(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &PasswordPage { ctx: &ctx, errors, done: false })
        }
    }
}

#[derive(Deserialize, Default)]
pub struct BackQuery {
    back: Option<String>,
}

/// Sets the page language for a year and goes back to the page the switch was on.
async fn switch_lang(ctx: PageCtx, to: web::Path<String>, q: web::Query<BackQuery>) -> HttpResponse {
    let value = if to.as_str() == "en" { "en" } else { "zh" };
    let mut res = ctx.redirect(&local_path(q.back.as_deref().unwrap_or("/")));
    let _ = res.add_cookie(&ctx.cookie(LANG_COOKIE, value.into(), Some(365 * 86400)));
    res
}

/// The large-text mode (适老化): bigger text and targets, kept for a year.
async fn switch_display(ctx: PageCtx, mode: web::Path<String>, q: web::Query<BackQuery>) -> HttpResponse {
    let value = if mode.as_str() == "large" { "1" } else { "0" };
    let mut res = ctx.redirect(&local_path(q.back.as_deref().unwrap_or("/")));
    let _ = res.add_cookie(&ctx.cookie(LARGE_COOKIE, value.into(), Some(365 * 86400)));
    res
}
