//! The staff pages' CSV download of shifts (`/console/shifts.csv`, linked from the console menu
//! and the station desk): the same export as `GET /api/v1/shifts/export.csv`, signed in by the
//! page session, filtered by the same search parameters.

use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::routes::error::ApiError;
use crate::services::opendata::export;
use crate::services::search::SearchParams;
use crate::web::PageCtx;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/shifts.csv", web::get().to(download));
}

async fn download(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<SearchParams>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let params = q.map(|q| q.into_inner()).unwrap_or_default();
    let body = export::shifts_csv(&state, user, params).await?;
    Ok(crate::routes::opendata::csv_download(body))
}
