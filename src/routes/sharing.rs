//! 共享用工 (labour sharing between enterprises): surplus and shortage posts, their matches, and
//! the agreements staff broker. Handlers parse and call `services::sharing`; the rules are there.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::domain::sharing::AgreementAction;
use crate::error::{BadRequest, Error};
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::{JsonBody, PageQuery, Query, ValidJson};
use crate::routes::{created, resource};
use crate::services::page::Page;
use crate::services::sharing::{self as svc, ActionRequest, AgreementView, MatchView, PostRequest, PostView, ProposeRequest};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/sharing/posts").route(web::get().to(list_posts)).route(web::post().to(create_post)))
        .service(resource("/sharing/posts/{id}").route(web::get().to(get_post)))
        .service(resource("/sharing/posts/{id}/withdraw").route(web::post().to(withdraw_post)))
        .service(resource("/sharing/posts/{id}/matches").route(web::get().to(matches)))
        .service(resource("/sharing/agreements").route(web::get().to(list_agreements)).route(web::post().to(propose)))
        .service(resource("/sharing/agreements/{id}").route(web::get().to(get_agreement)))
        .service(resource("/sharing/agreements/{id}/{action}").route(web::post().to(act)));
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchList {
    pub items: Vec<MatchView>,
}

/// Post a surplus (余: idle staff to lend) or a shortage (缺: staff needed). Verified enterprises
/// only (`employer` field errors `not_an_enterprise`, `employer_not_verified`). Sharing is never
/// for profit: the lending enterprise keeps the labour relation and pays wages and social
/// insurance, the body has no fee field and refuses any field not listed, and a note that
/// mentions a charge is refused.
#[utoipa::path(operation_id = "sharing_create_post", post, path = "/api/v1/sharing/posts", tag = "sharing", security(("bearer" = [])), request_body = PostRequest,
    responses((status = 201, body = PostView), (status = 403, body = ErrorBody),
              (status = 409, description = "`employer_profile_required`", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_post(state: web::Data<AppState>, user: AuthUser, body: ValidJson<PostRequest>) -> Result<HttpResponse, ApiError> {
    Ok(created(svc::create_post(&state, &user, body.value).await?))
}

/// The signed-in enterprise's posts, or (staff) the posts in the staff member's area; newest
/// first, a page at a time.
#[utoipa::path(operation_id = "sharing_list_posts", get, path = "/api/v1/sharing/posts", tag = "sharing", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<PostView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_posts(state: web::Data<AppState>, user: AuthUser, pq: Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(svc::list_posts(&state, &user, pq.parse()?).await?))
}

/// One post, for its enterprise and staff covering its place (other staff: 403; anyone else: 404).
#[utoipa::path(operation_id = "sharing_get_post", get, path = "/api/v1/sharing/posts/{id}", tag = "sharing", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = PostView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_post(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(svc::get_post(&state, &user, id.into_inner()).await?))
}

/// Withdraw the enterprise's own post (agreements already made from it go on).
#[utoipa::path(operation_id = "sharing_withdraw_post", post, path = "/api/v1/sharing/posts/{id}/withdraw", tag = "sharing", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = PostView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, description = "`post_withdrawn`", body = ErrorBody)))]
pub async fn withdraw_post(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(svc::withdraw_post(&state, &user, id.into_inner()).await?))
}

/// The posts on the other side matching this one (skills, dates, distance, headcount), best
/// first, each with its reasons in Chinese and English.
#[utoipa::path(operation_id = "sharing_matches", get, path = "/api/v1/sharing/posts/{id}/matches", tag = "sharing", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = MatchList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn matches(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(MatchList { items: svc::matches(&state, &user, id.into_inner()).await? }))
}

/// Staff whose area covers the place of work (the shortage post's) propose an agreement from a
/// matching surplus and shortage, recording the workers' consent. Wages and social insurance are
/// paid by the lending enterprise (policy, not a field); work injury is the lender's unless the two
/// agreed otherwise.
#[utoipa::path(operation_id = "sharing_propose", post, path = "/api/v1/sharing/agreements", tag = "sharing", security(("bearer" = [])), request_body = ProposeRequest,
    responses((status = 201, body = AgreementView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn propose(state: web::Data<AppState>, user: AuthUser, body: ValidJson<ProposeRequest>) -> Result<HttpResponse, ApiError> {
    Ok(created(svc::propose(&state, &user, body.value).await?))
}

/// The signed-in enterprise's agreements (lending or borrowing), or (staff) those in the staff
/// member's area; newest first, a page at a time.
#[utoipa::path(operation_id = "sharing_list_agreements", get, path = "/api/v1/sharing/agreements", tag = "sharing", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<AgreementView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_agreements(state: web::Data<AppState>, user: AuthUser, pq: Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(svc::list_agreements(&state, &user, pq.parse()?).await?))
}

/// One agreement, for its two enterprises and staff covering its place; `actions` lists what the
/// viewer may do now.
#[utoipa::path(operation_id = "sharing_get_agreement", get, path = "/api/v1/sharing/agreements/{id}", tag = "sharing", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = AgreementView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_agreement(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(svc::get_agreement(&state, &user, id.into_inner()).await?))
}

/// Move an agreement: `agree` (each enterprise once, while proposed; the second makes it
/// `agreed`), `start` (from agreed, on or after the start date), `end` (from running), `cancel`
/// (from proposed or agreed, with an optional `reason`). Staff covering the place or either
/// enterprise may start, end and cancel; only the enterprises agree.
#[utoipa::path(operation_id = "sharing_act", post, path = "/api/v1/sharing/agreements/{id}/{action}", tag = "sharing", security(("bearer" = [])),
    params(("id" = i64, Path), ("action" = String, Path, description = "agree, start, end, cancel")),
    request_body(content = ActionRequest, description = "optional"),
    responses((status = 200, body = AgreementView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, description = "`sharing_wrong_state`, `already_agreed`, `sharing_too_early`", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(state: web::Data<AppState>, user: AuthUser, path: web::Path<(i64, String)>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let action = AgreementAction::from_path(&action).ok_or_else(ApiError::route_not_found)?;
    let req: ActionRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ActionRequest::default()
    } else {
        let raw: serde_json::Value = serde_json::from_slice(&body).map_err(|e| ApiError::malformed_json(&e.to_string()))?;
        if !raw.is_object() {
            return Err(Error::BadRequest(BadRequest::NotAnObject).into());
        }
        JsonBody(raw).parse()?
    };
    Ok(HttpResponse::Ok().json(svc::act(&state, &user, id, action, req).await?))
}
