//! Bureau staff: the moderation queue, actions on shifts (single and bulk), blocking employers,
//! resolving reports, district scopes, and the audit log.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::domain::Role;
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::{PageQuery, Query, ValidJson};
use crate::routes::{Page, resource};
use crate::services::audit::{self, AuditView};
use crate::services::employers::EmployerView;
use crate::services::moderation::{self, Action, BlockRequest, BulkRequest, BulkResult, Queue, ReasonBody, ReasonView, ResolveRequest};
use crate::services::reports::ReportView;
use crate::services::shifts::ShiftView;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/moderation/queue").route(web::get().to(queue)))
        .service(resource("/moderation/reasons").route(web::get().to(reasons)))
        .service(resource("/moderation/bulk").route(web::post().to(bulk)))
        .service(resource("/moderation/shifts/{id}/approve").route(web::post().to(approve)))
        .service(resource("/moderation/shifts/{id}/reject").route(web::post().to(reject)))
        .service(resource("/moderation/shifts/{id}/take-down").route(web::post().to(take_down)))
        .service(resource("/moderation/reports/{id}/resolve").route(web::post().to(resolve_report)))
        .service(resource("/employers/{id}/block").route(web::post().to(block)))
        .service(resource("/employers/{id}/unblock").route(web::post().to(unblock)))
        .service(resource("/staff/{user_id}/scope").route(web::put().to(set_scope)))
        .service(resource("/audit").route(web::get().to(audit_log)));
}

/// The moderation queue (moderators and admins; limited to the moderator's districts).
#[utoipa::path(get, operation_id = "moderation_queue", path = "/api/v1/moderation/queue", tag = "moderation", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Queue), (status = 403, body = ErrorBody)))]
pub async fn queue(state: web::Data<AppState>, user: AuthUser, p: Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(moderation::queue(&state, &user, p.parse()?).await?))
}

/// The canned rejection reasons.
#[utoipa::path(get, operation_id = "moderation_reasons", path = "/api/v1/moderation/reasons", tag = "moderation", responses((status = 200, body = Vec<ReasonView>)))]
pub async fn reasons() -> HttpResponse {
    HttpResponse::Ok().json(moderation::reasons())
}

/// Publish a pending (or report-hidden) shift.
#[utoipa::path(post, operation_id = "moderation_approve", path = "/api/v1/moderation/shifts/{id}/approve", tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ShiftView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(moderation::decide(&state, &user, id.into_inner(), Action::Approve, None).await?))
}

/// Reject a pending shift with a reason the employer sees.
#[utoipa::path(post, operation_id = "moderation_reject", path = "/api/v1/moderation/shifts/{id}/reject", tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ReasonBody,
    responses((status = 200, body = ShiftView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<ReasonBody>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(moderation::decide(&state, &user, id.into_inner(), Action::Reject, Some(body.value)).await?))
}

/// Take a published shift down, with a reason.
#[utoipa::path(post, operation_id = "moderation_take_down", path = "/api/v1/moderation/shifts/{id}/take-down", tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ReasonBody,
    responses((status = 200, body = ShiftView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn take_down(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<ReasonBody>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(moderation::decide(&state, &user, id.into_inner(), Action::TakeDown, Some(body.value)).await?))
}

/// Apply one action to many shifts; each succeeds or fails on its own.
#[utoipa::path(post, operation_id = "moderation_bulk", path = "/api/v1/moderation/bulk", tag = "moderation", security(("bearer" = [])), request_body = BulkRequest,
    responses((status = 200, body = Vec<BulkResult>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn bulk(state: web::Data<AppState>, user: AuthUser, body: ValidJson<BulkRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(moderation::bulk(&state, &user, body.value).await?))
}

/// Block an employer: their shifts are hidden and new ones refused (moderator or admin).
#[utoipa::path(post, operation_id = "moderation_block_employer", path = "/api/v1/employers/{id}/block", tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = BlockRequest,
    responses((status = 200, body = EmployerView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn block(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<BlockRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(moderation::block_employer(&state, &user, id.into_inner(), body.value).await?))
}

/// Lift a block (moderator or admin).
#[utoipa::path(post, operation_id = "moderation_unblock_employer", path = "/api/v1/employers/{id}/unblock", tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = BlockRequest,
    responses((status = 200, body = EmployerView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unblock(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<BlockRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(moderation::unblock_employer(&state, &user, id.into_inner(), body.value).await?))
}

/// Resolve a report; the reporter is told the outcome by mail.
#[utoipa::path(post, operation_id = "moderation_resolve_report", path = "/api/v1/moderation/reports/{id}/resolve", tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ResolveRequest,
    responses((status = 200, body = ReportView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn resolve_report(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<ResolveRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(moderation::resolve_report(&state, &user, id.into_inner(), body.value).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeRequest {
    /// Adcode prefixes (e.g. `4403` for Shenzhen); empty for everywhere.
    #[schema(value_type = Vec<AdcodePrefix>)]
    pub adcodes: Vec<String>,
}

/// A district code prefix in the document: 1–12 digits (the rule is `accounts::set_staff_scope`'s).
pub struct AdcodePrefix;

impl utoipa::PartialSchema for AdcodePrefix {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String).pattern(Some("^[0-9]{1,12}$")).into()
    }
}

impl ToSchema for AdcodePrefix {}

/// Limit a staff member to districts (admin only).
#[utoipa::path(put, operation_id = "moderation_set_scope", path = "/api/v1/staff/{user_id}/scope", tag = "moderation", security(("bearer" = [])), params(("user_id" = i64, Path)), request_body = ScopeRequest,
    responses((status = 204, description = "scope set"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "the account is not a staff account (`not_staff`)", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_scope(state: web::Data<AppState>, user: AuthUser, user_id: web::Path<i64>, body: ValidJson<ScopeRequest>) -> Result<HttpResponse, ApiError> {
    crate::services::accounts::set_staff_scope(&state, &user, crate::domain::UserId(user_id.into_inner()), body.value.adcodes).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// Only entries about targets of this type (`shift`, `employer`, `report`, `user`, `rating`, ...).
    pub target_type: Option<String>,
    /// Only entries about the target with this id (of `target_type` when given).
    pub target_id: Option<i64>,
    /// Only entries by this staff member.
    pub actor_id: Option<i64>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    #[param(pattern = "^(0*[1-9][0-9]{0,17})?$")]
    pub cursor: Option<String>,
}

/// The audit log of staff actions, newest first (admin only).
#[utoipa::path(get, operation_id = "moderation_audit_log", path = "/api/v1/audit", tag = "moderation", security(("bearer" = [])), params(AuditParams),
    responses((status = 200, body = Page<AuditView>), (status = 403, body = ErrorBody)))]
pub async fn audit_log(state: web::Data<AppState>, user: AuthUser, q: Query<AuditParams>) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Admin])?;
    let pr = PageQuery { limit: q.limit, cursor: q.cursor.clone() }.parse()?;
    let (limit, cursor) = (pr.limit, pr.cursor);
    let filter = audit::Filter { target_type: q.target_type.clone(), target_id: q.target_id, actor_id: q.actor_id };
    let body = state
        .db
        .run(move |conn| {
            let rows = audit::list(conn, &filter, limit, cursor)?;
            let (items, next_cursor) = pr.split(rows, |r| r.id);
            Ok(Page { items, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}
