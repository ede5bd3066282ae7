use actix_web::{HttpResponse, web};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::domain::{StationId, UserId};
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::ValidJson;
use crate::routes::{created, resource};
use crate::services::stations::{self, StationRequest, StationView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/stations").route(web::get().to(list)).route(web::post().to(create)))
        .service(resource("/stations/{id}").route(web::get().to(get_one)))
        .service(resource("/stations/{id}/staff/{user_id}").route(web::put().to(assign_staff)).route(web::delete().to(remove_staff)));
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct StationList {
    pub items: Vec<StationView>,
}

/// Create a community employment service station (社区就业服务站), admins only.
#[utoipa::path(operation_id = "stations_create", post, path = "/api/v1/stations", tag = "stations", security(("bearer" = [])), request_body = StationRequest,
    responses((status = 201, body = StationView), (status = 403, body = ErrorBody), (status = 409, description = "a station with this name exists (`station_exists`)", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(state: web::Data<AppState>, user: AuthUser, body: ValidJson<StationRequest>) -> Result<HttpResponse, ApiError> {
    Ok(created(stations::create(&state, &user, body.value).await?))
}

/// Every station with its staff (staff only).
#[utoipa::path(operation_id = "stations_list", get, path = "/api/v1/stations", tag = "stations", security(("bearer" = [])),
    responses((status = 200, body = StationList), (status = 403, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(StationList { items: stations::list(&state, &user).await? }))
}

/// One station with its staff (staff only).
#[utoipa::path(operation_id = "stations_get_one", get, path = "/api/v1/stations/{id}", tag = "stations", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = StationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(stations::get(&state, &user, id.into_inner()).await?))
}

/// Make a `station_staff` account one of the station's staff (admins only); its scope becomes the
/// station's area. An account at another station moves here.
#[utoipa::path(operation_id = "stations_assign_staff", put, path = "/api/v1/stations/{id}/staff/{user_id}", tag = "stations", security(("bearer" = [])),
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 200, body = StationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "the account is not a station staff account (`not_station_staff`)", body = ErrorBody)))]
pub async fn assign_staff(state: web::Data<AppState>, user: AuthUser, path: web::Path<(i64, i64)>) -> Result<HttpResponse, ApiError> {
    let (id, user_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(stations::assign_staff(&state, &user, StationId(id), UserId(user_id)).await?))
}

/// Take a staff member off the station (admins only); the scope an admin set for them applies again.
#[utoipa::path(operation_id = "stations_remove_staff", delete, path = "/api/v1/stations/{id}/staff/{user_id}", tag = "stations", security(("bearer" = [])),
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 200, body = StationView), (status = 403, body = ErrorBody), (status = 404, description = "no such station, or the account is not its staff", body = ErrorBody),
        (status = 409, description = "the account is not a station staff account (`not_station_staff`)", body = ErrorBody)))]
pub async fn remove_staff(state: web::Data<AppState>, user: AuthUser, path: web::Path<(i64, i64)>) -> Result<HttpResponse, ApiError> {
    let (id, user_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(stations::remove_staff(&state, &user, StationId(id), UserId(user_id)).await?))
}
