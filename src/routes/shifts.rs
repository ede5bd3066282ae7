use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::listing::Verdict;
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::{JsonBody, PageQuery, Query};
use crate::routes::{Page, created, resource};
use crate::services::shifts::{self, OwnShift, ShiftRequest, ShiftView};

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
    // Before the typed parse, which would call a fee key merely "unknown".
    shifts::refuse_listing_charges(&body.0)?;
    Ok(created(shifts::post(&state, &user, body.parse()?).await?))
}

/// What a posting would get from this employer — `publish`, `review` or `refuse` — with every
/// finding explained. Same body as `POST /shifts`; nothing is stored.
#[utoipa::path(post, operation_id = "shifts_check", path = "/api/v1/shifts/check", tag = "shifts", security(("bearer" = [])), request_body = ShiftRequest,
    responses((status = 200, body = Verdict), (status = 403, body = ErrorBody), (status = 409, description = "no employer profile yet", body = ErrorBody), (status = 422, description = "a listing charge (`posting_is_free`) or a wrongly typed field", body = ErrorBody)))]
pub async fn check(state: web::Data<AppState>, user: AuthUser, body: JsonBody) -> Result<HttpResponse, ApiError> {
    shifts::refuse_listing_charges(&body.0)?;
    Ok(HttpResponse::Ok().json(shifts::check(&state, &user, body.parse()?).await?))
}

/// One shift. Unpublished shifts are visible to their owner and staff only. While the database
/// is away, the public still gets a published shift, from search's memory.
///
/// With `Accept: application/ld+json` (preferred at least as much as JSON) a published shift is
/// answered as a schema.org `JobPosting` in JSON-LD, the same one its page embeds; any other
/// shift is answered as JSON when JSON is acceptable too, or 406 when only JSON-LD is.
#[utoipa::path(operation_id = "shifts_get_one", get, path = "/api/v1/shifts/{id}", tag = "shifts", params(("id" = i64, Path)),
    responses((status = 200, description = "the shift; as JSON-LD when `Accept` prefers `application/ld+json`", content((ShiftView = "application/json"), (crate::routes::opendata::JobPostingLd = "application/ld+json"))),
        (status = 404, body = ErrorBody),
        (status = 406, description = "only `application/ld+json` is acceptable and the shift is not published (`not_acceptable`)", body = ErrorBody)))]
pub async fn get_one(state: web::Data<AppState>, req: HttpRequest, user: Option<AuthUser>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    use crate::routes::opendata::{Wanted, jsonld_response, not_acceptable, wanted_by};
    let id = id.into_inner();
    let wanted = wanted_by(&req);
    if wanted != Wanted::Json {
        match crate::services::opendata::jsonld::of_shift(&state, id).await {
            Ok(Some(v)) => return Ok(jsonld_response(&v)),
            // Not a published shift, or the database away: the shift is read as JSON below, by
            // the rules of who may read it.
            Ok(None) | Err(crate::error::Error::Unavailable) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let shift = crate::services::shift_detail::shift(&state, user.as_ref(), id).await?;
    if wanted == (Wanted::JsonLd { json_too: false }) {
        return Err(not_acceptable());
    }
    Ok(HttpResponse::Ok().insert_header((actix_web::http::header::VARY, "Accept")).json(shift))
}

/// Change a shift (owner only). Send only the fields to change; `slots` replaces all slots.
#[utoipa::path(operation_id = "shifts_update", patch, path = "/api/v1/shifts/{id}", tag = "shifts", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ShiftRequest,
    responses((status = 200, body = ShiftView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "closed, expired or taken down", body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, description = "the shift's point already moved within the day", body = ErrorBody)))]
pub async fn update(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: JsonBody) -> Result<HttpResponse, ApiError> {
    shifts::refuse_listing_charges(&body.0)?;
    Ok(HttpResponse::Ok().json(shifts::edit(&state, &user, id.into_inner(), body.parse()?).await?))
}

/// Stop recruiting for a shift (owner, moderator or admin).
#[utoipa::path(operation_id = "shifts_close", post, path = "/api/v1/shifts/{id}/close", tag = "shifts", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ShiftView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(shifts::close_shift(&state, &user, id.into_inner()).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MyShiftsQuery {
    /// Only shifts in this status (empty: all).
    #[param(pattern = "^(draft|pending_review|published|filled|closed|expired|rejected|taken_down)?$")]
    pub status: Option<String>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    #[param(pattern = "^(0*[1-9][0-9]{0,17})?$")]
    pub cursor: Option<String>,
}

impl MyShiftsQuery {
    fn page(&self) -> PageQuery {
        PageQuery { limit: self.limit, cursor: self.cursor.clone() }
    }
}

/// The signed-in employer's shifts, newest first.
#[utoipa::path(operation_id = "shifts_list_mine", get, path = "/api/v1/employers/me/shifts", tag = "shifts", security(("bearer" = [])), params(MyShiftsQuery),
    responses((status = 200, description = "each shift with `applicants` (waiting for an answer), `confirmed` (holding a place) and `findings` (why it waits for review)", body = Page<OwnShift>), (status = 409, description = "no employer profile yet", body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_mine(state: web::Data<AppState>, user: AuthUser, q: Query<MyShiftsQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(shifts::list_mine(&state, &user, q.status.as_deref(), q.page().parse()?).await?))
}
