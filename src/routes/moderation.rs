//! Bureau staff: the moderation queue, actions on shifts (single and bulk), blocking employers,
//! resolving reports, district scopes, and the audit log.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::domain::Role;
use crate::error::{Error, Invalid};
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::{PageQuery, Query, ValidJson};
use crate::routes::{Page, resource};
use crate::services::audit::{self, AuditView};
use crate::services::employers::{self, EmployerView};
use crate::services::moderation::{self, Action, QueueItem, ReasonView};
use crate::services::reports::{self, ReportView};
use crate::services::shifts::{self as shifts_svc, ShiftView};

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

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportedEmployer {
    pub employer_id: i64,
    pub open_reports: usize,
    pub reports: Vec<ReportView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Queue {
    pub total: i64,
    /// Shifts waiting for review, hidden by reports, or reported: riskiest and oldest first.
    pub items: Vec<QueueItem>,
    /// Open reports grouped by employer, most reported first.
    pub reported_employers: Vec<ReportedEmployer>,
    pub next_cursor: Option<String>,
}


/// The moderation queue (moderators and admins; limited to the moderator's districts).
#[utoipa::path(get, operation_id = "moderation_queue", path = "/api/v1/moderation/queue", tag = "moderation", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Queue), (status = 403, body = ErrorBody)))]
pub async fn queue(state: web::Data<AppState>, user: AuthUser, p: Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    user.require_moderator()?;
    let page = PageQuery { limit: p.limit, cursor: p.cursor.clone() }.parse()?;
    let (limit, offset) = (page.limit, page.cursor.unwrap_or(0));
    let body = state
        .db
        .run(move |conn| {
            let (items, total) = moderation::queue(conn, user.id, limit, offset)?;
            let scope = moderation::scope_of(conn, user.id)?;
            let mut reported = Vec::new();
            for (employer_id, reports) in reports::open_by_employer(conn, 50)? {
                let e = employers::by_id(conn, employer_id)?;
                if moderation::in_scope(&scope, e.adcode.as_deref()) {
                    reported.push(ReportedEmployer { employer_id, open_reports: reports.len(), reports });
                }
            }
            let shown = items.len() as i64;
            Ok(Queue { total, items, reported_employers: reported, next_cursor: (offset + shown < total).then(|| (offset + shown).to_string()) })
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// The canned rejection reasons.
#[utoipa::path(get, operation_id = "moderation_reasons", path = "/api/v1/moderation/reasons", tag = "moderation", responses((status = 200, body = Vec<ReasonView>)))]
pub async fn reasons() -> HttpResponse {
    HttpResponse::Ok().json(moderation::reasons())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// A code from `/moderation/reasons`.
    pub reason_code: Option<String>,
    /// Free text, shown to the employer (required with `other`).
    pub reason: Option<String>,
}

async fn act(state: &AppState, user: AuthUser, id: i64, action: Action, body: Option<ReasonBody>) -> Result<ShiftView, Error> {
    user.require_moderator()?;
    let why = match (action, body) {
        (Action::Approve, _) => None,
        (_, b) => {
            let b = b.unwrap_or_default();
            Some(moderation::reason(b.reason_code.as_deref(), b.reason.as_deref())?)
        }
    };
    state
        .db
        .tx(move |tx|{
            let row = moderation::act(tx, user.id, id, action, why.as_ref())?;
            let outcome = match (action, &why) {
                (Action::Approve, _) => "经审核未发现违规，岗位正常显示 / reviewed: no violation found".to_string(),
                (_, Some((_, m))) => format!("岗位已处理：{} / the shift was acted on: {}", m.zh, m.en),
                (_, None) => "岗位已处理 / the shift was acted on".to_string(),
            };
            reports::resolve_for_shift(tx, id, user.id, &outcome)?;
            shifts_svc::view(tx, row)
        })
        .await
}

/// Publish a pending (or report-hidden) shift.
#[utoipa::path(post, operation_id = "moderation_approve", path = "/api/v1/moderation/shifts/{id}/approve", tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ShiftView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(act(&state, user, id.into_inner(), Action::Approve, None).await?))
}

/// Reject a pending shift with a reason the employer sees.
#[utoipa::path(post, operation_id = "moderation_reject", path = "/api/v1/moderation/shifts/{id}/reject", tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ReasonBody,
    responses((status = 200, body = ShiftView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<ReasonBody>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(act(&state, user, id.into_inner(), Action::Reject, Some(body.value)).await?))
}

/// Take a published shift down, with a reason.
#[utoipa::path(post, operation_id = "moderation_take_down", path = "/api/v1/moderation/shifts/{id}/take-down", tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ReasonBody,
    responses((status = 200, body = ShiftView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn take_down(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<ReasonBody>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(act(&state, user, id.into_inner(), Action::TakeDown, Some(body.value)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    pub action: Action,
    pub shift_ids: Vec<i64>,
    pub reason_code: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    pub shift_id: i64,
    pub ok: bool,
    pub status: Option<String>,
    pub error: Option<String>,
}

/// Apply one action to many shifts; each succeeds or fails on its own.
#[utoipa::path(post, operation_id = "moderation_bulk", path = "/api/v1/moderation/bulk", tag = "moderation", security(("bearer" = [])), request_body = BulkRequest,
    responses((status = 200, body = Vec<BulkResult>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn bulk(state: web::Data<AppState>, user: AuthUser, body: ValidJson<BulkRequest>) -> Result<HttpResponse, ApiError> {
    user.require_moderator()?;
    let b = body.value;
    if b.shift_ids.is_empty() || b.shift_ids.len() > 100 {
        return Err(ApiError::from(Error::field("shift_ids", Invalid::new("out_of_range", "一次处理 1 到 100 个岗位", "give 1 to 100 shift ids"))));
    }
    if b.action != Action::Approve {
        moderation::reason(b.reason_code.as_deref(), b.reason.as_deref())?;
    }
    let mut results = Vec::new();
    for id in b.shift_ids {
        let reason = ReasonBody { reason_code: b.reason_code.clone(), reason: b.reason.clone() };
        let r = act(&state, user.clone(), id, b.action, Some(reason)).await;
        results.push(match r {
            Ok(v) => BulkResult { shift_id: id, ok: true, status: Some(v.status.as_str().to_string()), error: None },
            Err(e) => BulkResult { shift_id: id, ok: false, status: None, error: Some(e.code().to_string()) },
        });
    }
    Ok(HttpResponse::Ok().json(results))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockRequest {
    /// Why, e.g. confirmed wage arrears; shown to the employer.
    #[schema(min_length = 1)]
    pub reason: String,
}

fn block_reason(r: &str) -> Result<String, Error> {
    let r = r.trim();
    if r.chars().count() < 2 || r.chars().count() > 1000 {
        return Err(Error::field("reason", Invalid::new("out_of_range", "原因应为 2 到 1000 字", "reason must be 2 to 1000 characters")));
    }
    Ok(r.to_string())
}

/// Block an employer: their shifts are hidden and new ones refused (moderator or admin).
#[utoipa::path(post, operation_id = "moderation_block_employer", path = "/api/v1/employers/{id}/block", tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = BlockRequest,
    responses((status = 200, body = EmployerView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn block(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<BlockRequest>) -> Result<HttpResponse, ApiError> {
    user.require_moderator()?;
    let reason = block_reason(&body.value.reason)?;
    let id = id.into_inner();
    let row = state
        .db
        .tx(move |tx|{
            let e = employers::by_id(tx, id)?;
            if !moderation::in_scope(&moderation::scope_of(tx, user.id)?, e.adcode.as_deref()) {
                return Err(Error::forbidden());
            }
            employers::block(tx, id, user.id, &reason)
        })
        .await?;
    Ok(HttpResponse::Ok().json(row.view(true)))
}

/// Lift a block (moderator or admin).
#[utoipa::path(post, operation_id = "moderation_unblock_employer", path = "/api/v1/employers/{id}/unblock", tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = BlockRequest,
    responses((status = 200, body = EmployerView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unblock(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<BlockRequest>) -> Result<HttpResponse, ApiError> {
    user.require_moderator()?;
    let reason = block_reason(&body.value.reason)?;
    let id = id.into_inner();
    let row = state.db.tx(move |tx|employers::unblock(tx, id, user.id, &reason)).await?;
    Ok(HttpResponse::Ok().json(row.view(true)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// The outcome the reporter is told.
    #[schema(min_length = 1)]
    pub resolution: String,
    /// True when the report was unfounded.
    #[serde(default)]
    pub dismissed: bool,
}

/// Resolve a report; the reporter is told the outcome by mail.
#[utoipa::path(post, operation_id = "moderation_resolve_report", path = "/api/v1/moderation/reports/{id}/resolve", tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ResolveRequest,
    responses((status = 200, body = ReportView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn resolve_report(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<ResolveRequest>) -> Result<HttpResponse, ApiError> {
    user.require_moderator()?;
    let resolution = block_reason(&body.value.resolution)
        .map_err(|_| Error::field("resolution", Invalid::new("out_of_range", "处理结果应为 2 到 1000 字", "resolution must be 2 to 1000 characters")))?;
    let (id, dismissed) = (id.into_inner(), body.value.dismissed);
    let view = state.db.tx(move |tx|reports::resolve(tx, id, user.id, dismissed, &resolution)).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeRequest {
    /// Adcode prefixes (e.g. `4403` for Shenzhen); empty for everywhere.
    pub adcodes: Vec<String>,
}

/// Limit a staff member to districts (admin only).
#[utoipa::path(put, operation_id = "moderation_set_scope", path = "/api/v1/staff/{user_id}/scope", tag = "moderation", security(("bearer" = [])), params(("user_id" = i64, Path)), request_body = ScopeRequest,
    responses((status = 204, description = "scope set"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_scope(state: web::Data<AppState>, user: AuthUser, user_id: web::Path<i64>, body: ValidJson<ScopeRequest>) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Admin])?;
    let codes = body.value.adcodes;
    for (i, c) in codes.iter().enumerate() {
        if c.is_empty() || c.len() > 12 || !c.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::from(Error::field(
                &format!("adcodes[{i}]"),
                Invalid::new("invalid_adcode", "行政区划代码前缀应为 1–12 位数字", "an adcode prefix is 1–12 digits"),
            )));
        }
    }
    let target = user_id.into_inner();
    state.db.tx(move |tx|crate::services::accounts::set_scope(tx, user.id, target, &codes)).await?;
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
