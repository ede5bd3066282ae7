use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::domain::time::now_utc;
use crate::domain::{Role, ShiftStatus};
use crate::error::{ApiError, ErrorBody};
use crate::listing::{Decision, Finding, Severity, Verdict};
use crate::ratelimit::Budget;
use crate::routes::extract::{JsonBody, PageQuery, page};
use crate::routes::{Page, created, resource};
use crate::services::shifts::{self, ShiftRequest, ShiftView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/shifts").route(web::post().to(create)))
        .service(resource("/shifts/check").route(web::post().to(check)))
        .service(resource("/shifts/{id}").route(web::get().to(get_one)).route(web::patch().to(update)))
        .service(resource("/shifts/{id}/close").route(web::post().to(close)))
        .service(resource("/employers/me/shifts").route(web::get().to(list_mine)));
}

/// Post a shift. A verified employer's shift is published at once; others wait for review.
#[utoipa::path(operation_id = "shifts_create", post, path = "/api/v1/shifts", tag = "shifts", security(("bearer" = [])), request_body = ShiftRequest,
    responses((status = 201, body = ShiftView), (status = 403, body = ErrorBody), (status = 409, description = "no employer profile yet", body = ErrorBody),
              (status = 422, description = "invalid fields, or a listing charge (`posting_is_free`)", body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn create(state: web::Data<AppState>, user: AuthUser, body: JsonBody) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    // Before the typed parse, which would call a fee key merely "unknown".
    shifts::refuse_listing_charges(&body.0)?;
    let request: ShiftRequest = body.parse()?;
    let rl = &state.config.rate_limit;
    let budget = Budget { name: "shift_create", limit: rl.shift_creates, window: Duration::from_secs(rl.shift_create_window_secs) };
    state.limiter.hit(budget, &format!("user:{}", user.id)).await?;
    let rules = state.rules.clone();
    let view = state
        .db
        .tx(move |conn| {
            let now = now_utc();
            let employer = shifts::require_employer(conn, user.id)?;
            shifts::refuse_if_blocked(&employer)?;
            let valid = shifts::validate(conn, &request, now)?;
            let verdict = shifts::verdict(&rules, &employer, &valid);
            let row = shifts::create(conn, &employer, &valid, &verdict, now)?;
            shifts::view(conn, row)
        })
        .await?;
    Ok(created(view))
}

/// What a posting would get from this employer — `publish`, `review` or `refuse` — with every
/// finding explained. Same body as `POST /shifts`; nothing is stored.
#[utoipa::path(post, operation_id = "shifts_check", path = "/api/v1/shifts/check", tag = "shifts", security(("bearer" = [])), request_body = ShiftRequest,
    responses((status = 200, body = Verdict), (status = 403, body = ErrorBody), (status = 409, description = "no employer profile yet", body = ErrorBody), (status = 422, description = "a listing charge (`posting_is_free`) or a wrongly typed field", body = ErrorBody)))]
pub async fn check(state: web::Data<AppState>, user: AuthUser, body: JsonBody) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    shifts::refuse_listing_charges(&body.0)?;
    let request: ShiftRequest = body.parse()?;
    let rules = state.rules.clone();
    let verdict = state
        .db
        .run(move |conn| {
            let employer = shifts::require_employer(conn, user.id)?;
            match shifts::validate(conn, &request, now_utc()) {
                Ok(valid) => Ok(shifts::verdict(&rules, &employer, &valid)),
                // Fields that do not even validate are findings too: a station fixing a posting
                // wants one list of everything to change.
                Err(e) => Ok(Verdict {
                    decision: Decision::Refuse,
                    findings: e
                        .fields
                        .into_iter()
                        .map(|f| Finding { code: f.code, severity: Severity::Refuse, message: f.msg, matched: None, field: Some(f.field) })
                        .collect(),
                }),
            }
        })
        .await?;
    Ok(HttpResponse::Ok().json(verdict))
}

/// One shift. Unpublished shifts are visible to their owner and staff only.
#[utoipa::path(operation_id = "shifts_get_one", get, path = "/api/v1/shifts/{id}", tag = "shifts", params(("id" = i64, Path)),
    responses((status = 200, body = ShiftView), (status = 404, body = ErrorBody)))]
pub async fn get_one(state: web::Data<AppState>, user: Option<AuthUser>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = state
        .db
        .run(move |conn| {
            let row = shifts::by_id(conn, id)?;
            if !shifts::publicly_visible(row.status()) {
                let allowed = match &user {
                    Some(u) if u.role.is_staff() => true,
                    Some(u) if u.role == Role::Employer => shifts::owned(conn, u.id, id).is_ok(),
                    _ => false,
                };
                if !allowed {
                    return Err(ApiError::not_found("岗位", "shift"));
                }
            }
            shifts::view(conn, row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Change a shift (owner only). Send only the fields to change; `slots` replaces all slots.
#[utoipa::path(operation_id = "shifts_update", patch, path = "/api/v1/shifts/{id}", tag = "shifts", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ShiftRequest,
    responses((status = 200, body = ShiftView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "closed, expired or taken down", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: JsonBody) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    shifts::refuse_listing_charges(&body.0)?;
    let patch: ShiftRequest = body.parse()?;
    let id = id.into_inner();
    let rules = state.rules.clone();
    let view = state
        .db
        .tx(move |conn| {
            let row = shifts::update(conn, &rules, user.id, id, &patch, now_utc())?;
            shifts::view(conn, row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Stop recruiting for a shift (owner, moderator or admin).
#[utoipa::path(operation_id = "shifts_close", post, path = "/api/v1/shifts/{id}/close", tag = "shifts", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ShiftView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = state
        .db
        .tx(move |conn| {
            let owner = shifts::owned(conn, user.id, id);
            let (row, by_staff) = match owner {
                Ok((_, row)) => (row, false),
                Err(_) if user.role.can_moderate() => (shifts::by_id(conn, id)?, true),
                Err(e) => return Err(e),
            };
            let before = row.status.clone();
            let row = shifts::close(conn, &row, now_utc())?;
            if by_staff {
                crate::services::audit::record(
                    conn,
                    crate::services::audit::Entry {
                        actor_id: user.id,
                        action: "shift.close",
                        target_type: "shift",
                        target_id: id,
                        reason: None,
                        before: Some(serde_json::json!({"status": before})),
                        after: Some(serde_json::json!({"status": row.status})),
                    },
                )?;
            }
            shifts::view(conn, row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MyShiftsQuery {
    /// Only shifts in this status.
    pub status: Option<String>,
}

/// The signed-in employer's shifts, newest first.
#[utoipa::path(operation_id = "shifts_list_mine", get, path = "/api/v1/employers/me/shifts", tag = "shifts", security(("bearer" = [])), params(PageQuery, MyShiftsQuery),
    responses((status = 200, body = Page<ShiftView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_mine(state: web::Data<AppState>, user: AuthUser, pq: web::Query<PageQuery>, q: web::Query<MyShiftsQuery>) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    let (limit, cursor) = pq.parse()?;
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(ShiftStatus::parse(s).map_err(|e| ApiError::field("status", e))?),
    };
    let body = state
        .db
        .run(move |conn| {
            let employer = shifts::require_employer(conn, user.id)?;
            let rows = shifts::list_for_employer(conn, employer.id, status, limit, cursor)?;
            let (rows, next_cursor) = page(rows, limit, |r| r.id);
            Ok(Page { items: shifts::views(conn, rows)?, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}
