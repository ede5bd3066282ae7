//! The in-app inbox (站内信) of the signed-in user, whatever their role.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::{PageQuery, Query};
use crate::routes::{Page, resource};
use crate::services::inbox::{self as svc, InboxView, UnreadCount};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/inbox").route(web::get().to(list)))
        .service(resource("/inbox/unread-count").route(web::get().to(unread_count)))
        .service(resource("/inbox/read-all").route(web::post().to(read_all)))
        .service(resource("/inbox/{id}/read").route(web::post().to(read_one)));
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    /// `true`: only unread items.
    pub unread: Option<bool>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    #[param(pattern = "^(0*[1-9][0-9]{0,17})?$")]
    pub cursor: Option<String>,
}

/// The signed-in user's inbox, newest first: every notification sent to them, mailed or not.
#[utoipa::path(operation_id = "inbox_list", get, path = "/api/v1/inbox", tag = "inbox", security(("bearer" = [])), params(InboxQuery),
    responses((status = 200, body = Page<InboxView>), (status = 422, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, user: AuthUser, q: Query<InboxQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = PageQuery { limit: q.limit, cursor: q.cursor }.parse()?;
    Ok(HttpResponse::Ok().json(svc::list_mine(&state, &user, q.unread.unwrap_or(false), page).await?))
}

/// How many of the signed-in user's inbox items are unread.
#[utoipa::path(operation_id = "inbox_unread_count", get, path = "/api/v1/inbox/unread-count", tag = "inbox", security(("bearer" = [])),
    responses((status = 200, body = UnreadCount)))]
pub async fn unread_count(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(svc::unread_count(&state, &user).await?))
}

/// Mark one inbox item read (again is harmless). Another user's item is not found.
#[utoipa::path(operation_id = "inbox_read", post, path = "/api/v1/inbox/{id}/read", tag = "inbox", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = InboxView), (status = 404, body = ErrorBody)))]
pub async fn read_one(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(svc::mark_read(&state, &user, id.into_inner()).await?))
}

/// Mark every inbox item of the signed-in user read.
#[utoipa::path(operation_id = "inbox_read_all", post, path = "/api/v1/inbox/read-all", tag = "inbox", security(("bearer" = [])),
    responses((status = 200, body = UnreadCount)))]
pub async fn read_all(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(svc::mark_all_read(&state, &user).await?))
}
