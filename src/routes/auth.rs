use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::domain::Role;
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::ValidJson;
use crate::routes::{client_key, created, resource};
use crate::services::accounts::{self, NewUser, Session, UserView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/auth/register").route(web::post().to(register)))
        .service(resource("/auth/login").route(web::post().to(login)))
        .service(resource("/auth/logout").route(web::post().to(logout)))
        .service(resource("/auth/logout-everywhere").route(web::post().to(logout_everywhere)))
        .service(resource("/auth/password").route(web::post().to(change_password)))
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
    /// At least 8 characters, not one character repeated, not a common password.
    #[schema(value_type = String, required = true, min_length = 8, max_length = 128, pattern = r"^(?!(.)\1*$)")]
    pub password: Option<String>,
    /// 1–40 characters (leading and trailing whitespace not counted), no control characters.
    #[schema(value_type = String, required = true, min_length = 1, pattern = r"^[\s\x85]*[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f](?:[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{0,38}[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f])?[\s\x85]*$")]
    pub display_name: Option<String>,
    /// An email address (empty or blank = none).
    #[schema(max_length = 254, pattern = r"^[\s\x85]*(?:[^@\s\x85,;<>]+@[^\s\x85,;<>.][^\s\x85,;<>]*\.[^\s\x85,;<>]*[^\s\x85,;<>.])?[\s\x85]*$")]
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

/// Register a worker or employer account.
#[utoipa::path(operation_id = "auth_register", post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = Session), (status = 409, description = "phone already registered", body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn register(state: web::Data<AppState>, req: HttpRequest, body: ValidJson<RegisterRequest>) -> Result<HttpResponse, ApiError> {
    let b = body.value;
    let user = NewUser::parse(
        b.role.as_deref(),
        b.phone.as_deref(),
        b.password.as_deref(),
        b.display_name.as_deref(),
        b.email.as_deref(),
        &[Role::Worker, Role::Employer],
    )?;
    Ok(created(accounts::register(&state, &client_key(&req), user).await?))
}

/// Sign in with phone and password.
#[utoipa::path(operation_id = "auth_login", post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Session), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(state: web::Data<AppState>, req: HttpRequest, body: ValidJson<LoginRequest>) -> Result<HttpResponse, ApiError> {
    let b = body.value;
    Ok(HttpResponse::Ok().json(accounts::login(&state, &client_key(&req), &b.phone, b.password).await?))
}

/// Revoke the token used for this request.
#[utoipa::path(operation_id = "auth_logout", post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "signed out"), (status = 401, body = ErrorBody)))]
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    accounts::logout(&state, &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sign out everywhere: every token of this account stops working, this one included.
#[utoipa::path(operation_id = "auth_logout_everywhere", post, path = "/api/v1/auth/logout-everywhere", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "every session of the account ended"), (status = 401, body = ErrorBody)))]
pub async fn logout_everywhere(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    accounts::logout_everywhere(&state, &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 8 characters, not one character repeated, not a common password.
    #[schema(min_length = 8, max_length = 128, pattern = r"^(?!(.)\1*$)")]
    pub new_password: String,
}

/// Change the password (given the current one). Every session of the account ends, this one
/// included: sign in again with the new password.
#[utoipa::path(operation_id = "auth_change_password", post, path = "/api/v1/auth/password", tag = "auth", security(("bearer" = [])), request_body = PasswordChange,
    responses((status = 204, description = "password changed; every session ended"), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
pub async fn change_password(state: web::Data<AppState>, user: AuthUser, body: ValidJson<PasswordChange>) -> Result<HttpResponse, ApiError> {
    let b = body.value;
    accounts::change_password(&state, &user, b.current_password, b.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(operation_id = "auth_me", get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody)))]
pub async fn me(user: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(UserView { id: user.id, role: user.role, display_name: user.display_name })
}
