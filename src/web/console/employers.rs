//! An employer's file (`/console/employers/{id}`): the unified social credit code and whether its
//! check character is right, 实名认证, and block / unblock with a reason.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::routes::error::ApiError;
use crate::services::moderation::{self, BlockRequest, EmployerFile};
use crate::web::console::history_line;
use crate::web::{Fields, PageCtx, PageForm, form_errors, show};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/employers/{id}", web::get().to(page))
        .route("/console/employers/{id}/verify", web::post().to(verify))
        .route("/console/employers/{id}/block", web::post().to(block))
        .route("/console/employers/{id}/unblock", web::post().to(unblock));
}

#[derive(Template)]
#[template(path = "web/console_employer.html")]
struct EmployerPage<'a> {
    ctx: &'a PageCtx,
    f: EmployerFile,
    notice: Option<&'static str>,
    errors: Fields,
}

impl EmployerPage<'_> {
    fn history(&self) -> Vec<String> {
        history_line(self.ctx, &self.f.history)
    }
    fn kind(&self) -> &'static str {
        match self.f.employer.kind.as_str() {
            "enterprise" => self.ctx.t("企业", "Enterprise"),
            "individual" => self.ctx.t("个体工商户 / 个人", "Individual business or person"),
            "household" => self.ctx.t("家庭", "Household"),
            _ => self.ctx.t("其他", "Other"),
        }
    }
    fn verified_at(&self) -> String {
        self.f.employer.verified_at.as_ref().map(show::when).unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
pub struct EmployerQuery {
    done: Option<String>,
}

async fn page(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, q: Option<web::Query<EmployerQuery>>) -> Result<HttpResponse, ApiError> {
    let notice = match q.and_then(|q| q.into_inner().done).as_deref() {
        Some("verify") => Some(ctx.t("已标记为实名认证。", "Marked as verified.")),
        Some("block") => Some(ctx.t("已封禁，其岗位已隐藏。", "Blocked; its shifts are hidden.")),
        Some("unblock") => Some(ctx.t("已解除封禁。", "Block lifted.")),
        _ => None,
    };
    render(&state, &ctx, id.into_inner(), notice, Fields::default()).await
}

async fn render(state: &AppState, ctx: &PageCtx, id: i64, notice: Option<&'static str>, errors: Fields) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let f = moderation::employer_file(state, user, id).await?;
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    ctx.render_status(status, &EmployerPage { ctx, f, notice, errors })
}

async fn verify(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, _form: PageForm<Vec<(String, String)>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    moderation::verify_employer(&state, user, id).await?;
    Ok(ctx.redirect(&format!("/console/employers/{id}?done=verify")))
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn block(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<ReasonForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    match moderation::block_employer(&state, user, id, BlockRequest { reason: form.0.reason }).await {
        Ok(_) => Ok(ctx.redirect(&format!("/console/employers/{id}?done=block"))),
        Err(e) => render(&state, &ctx, id, None, form_errors(e)?).await,
    }
}

async fn unblock(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<ReasonForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    match moderation::unblock_employer(&state, user, id, BlockRequest { reason: form.0.reason }).await {
        Ok(_) => Ok(ctx.redirect(&format!("/console/employers/{id}?done=unblock"))),
        Err(e) => render(&state, &ctx, id, None, form_errors(e)?).await,
    }
}
