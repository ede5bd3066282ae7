use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::{AuthUser, password};
use crate::domain::{Phone, Role};
use crate::routes::error::{ApiError, ErrorBody};
use crate::ratelimit::Budget;
use crate::routes::extract::ValidJson;
use crate::routes::{client_key, created, resource};
use crate::services::accounts::{self, NewUser, Session, UserView};
use crate::error::Error;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/auth/register").route(web::post().to(register)))
        .service(resource("/auth/login").route(web::post().to(login)))
        .service(resource("/auth/logout").route(web::post().to(logout)))
        .service(resource("/auth/me").route(web::get().to(me)));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// `worker` or `employer`; staff accounts are created by an admin.
    #[schema(value_type = SignUpRole, required = true)]
    pub role: Option<String>,
    /// Mainland mobile number, 11 digits starting 13–19.
    #[schema(value_type = String, required = true, pattern = r"^1[3-9][0-9]{9}$")]
    pub phone: Option<String>,
    /// At least 8 characters.
    #[schema(value_type = String, required = true, min_length = 8)]
    pub password: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1)]
    pub display_name: Option<String>,
    pub email: Option<String>,
}

/// The roles one can sign up for (staff accounts are created by an admin).
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum SignUpRole {
    Worker,
    Employer,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub phone: String,
    pub password: String,
}

async fn auth_budget(state: &AppState, req: &HttpRequest) -> Result<(), Error> {
    let rl = &state.config.rate_limit;
    let budget = Budget { name: "auth", limit: rl.auth_requests, window: Duration::from_secs(rl.auth_window_secs) };
    state.limiter.hit(budget, &client_key(req)).await
}

async fn hash_off_thread(pw: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || password::hash(&pw)).await.map_err(ApiError::internal)
}

/// Register a worker or employer account.
#[utoipa::path(operation_id = "auth_register", post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = Session), (status = 409, description = "phone already registered", body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn register(state: web::Data<AppState>, req: HttpRequest, body: ValidJson<RegisterRequest>) -> Result<HttpResponse, ApiError> {
    auth_budget(&state, &req).await?;
    let b = body.value;
    let user = NewUser::parse(
        b.role.as_deref(),
        b.phone.as_deref(),
        b.password.as_deref(),
        b.display_name.as_deref(),
        b.email.as_deref(),
        &[Role::Worker, Role::Employer],
    )?;
    let hash = hash_off_thread(user.password.clone()).await?;
    let ttl = state.config.auth.token_ttl_hours;
    let session = state
        .db
        .tx(move |tx|{
            let view = accounts::create_user(tx, &user, &hash, None)?;
            accounts::issue_token(tx, view, ttl)
        })
        .await?;
    Ok(created(session))
}

/// Sign in with phone and password.
#[utoipa::path(operation_id = "auth_login", post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Session), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(state: web::Data<AppState>, req: HttpRequest, body: ValidJson<LoginRequest>) -> Result<HttpResponse, ApiError> {
    auth_budget(&state, &req).await?;
    let b = body.value;
    let bad = || ApiError::from(Error::InvalidCredentials);
    let Ok(phone) = Phone::parse(&b.phone) else { return Err(bad()) };
    let found = state.db.run(move |conn| accounts::credentials(conn, &phone)).await?;
    let (stored, user) = match found {
        Some((user, hash)) => (hash, Some(user)),
        None => (password::dummy_hash().to_string(), None),
    };
    let pw = b.password;
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &stored)).await.map_err(ApiError::internal)?;
    let user = user.filter(|_| ok).ok_or_else(bad)?;
    let ttl = state.config.auth.token_ttl_hours;
    let session = state.db.tx(move |tx|accounts::issue_token(tx, user, ttl)).await?;
    Ok(HttpResponse::Ok().json(session))
}

/// Revoke the token used for this request.
#[utoipa::path(operation_id = "auth_logout", post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "signed out"), (status = 401, body = ErrorBody)))]
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    state.db.run(move |conn| accounts::revoke(conn, &user.token_hash)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(operation_id = "auth_me", get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody)))]
pub async fn me(user: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(UserView { id: user.id, role: user.role, display_name: user.display_name })
}
