//! 投诉举报 and the published service rules.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::{Query, ValidJson};
use crate::routes::{client_key, created, resource};
use crate::services::reports::{self, ReportReceipt, ReportRequest, ReportView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/reports").route(web::post().to(create)))
        .service(resource("/reports/{id}").route(web::get().to(get_one)))
        .service(resource("/reports/{id}/confirm-email").route(web::get().to(confirm_email)))
        .service(resource("/policy").route(web::get().to(policy)));
}

/// Report a shift or an employer — anyone, signed in or not (rate-limited).
#[utoipa::path(post, operation_id = "reports_create", path = "/api/v1/reports", tag = "reports", request_body = ReportRequest,
    responses((status = 201, body = ReportReceipt), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn create(state: web::Data<AppState>, req: HttpRequest, user: Option<AuthUser>, body: ValidJson<ReportRequest>) -> Result<HttpResponse, ApiError> {
    Ok(created(reports::file(&state, user.as_ref(), &client_key(&req), body.value).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FollowParams {
    /// The `follow_token` returned when the report was filed (not needed by its signed-in reporter or staff).
    pub token: Option<String>,
}

/// Follow a report: its status and outcome.
#[utoipa::path(get, operation_id = "reports_get", path = "/api/v1/reports/{id}", tag = "reports", params(("id" = i64, Path), FollowParams),
    responses((status = 200, body = ReportView), (status = 404, body = ErrorBody)))]
pub async fn get_one(state: web::Data<AppState>, user: Option<AuthUser>, id: web::Path<i64>, q: Query<FollowParams>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(reports::read(&state, user.as_ref(), id.into_inner(), q.token.clone()).await?))
}

/// Confirm the address given with an anonymous report (the link mailed to it); the outcome is
/// mailed there only after this.
#[utoipa::path(get, operation_id = "reports_confirm_email", path = "/api/v1/reports/{id}/confirm-email", tag = "reports", params(("id" = i64, Path), FollowParams),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, body = ErrorBody)))]
pub async fn confirm_email(state: web::Data<AppState>, id: web::Path<i64>, q: Query<FollowParams>) -> Result<HttpResponse, ApiError> {
    reports::confirm_reporter_email(&state, id.into_inner(), q.token.clone().unwrap_or_default()).await?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>邮箱已确认 / Address confirmed</title></head><body>\
         <h1>邮箱已确认</h1><p>投诉举报处理完毕后，我们会把结果发到这个邮箱。</p><hr>\
         <p lang=\"en\">Address confirmed: the outcome of the report will be mailed here.</p></body></html>",
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Bilingual {
    pub zh: &'static str,
    pub en: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Policy {
    pub free_listing: Bilingual,
    pub no_charge_to_workers: Bilingual,
    pub complaint_channel: Bilingual,
    /// Where complaints are filed through this service.
    pub report_endpoint: &'static str,
    /// The national human-resources and social-security hotline.
    pub hotline: &'static str,
    pub sources: Vec<&'static str>,
}

/// The service rules: posting is free, nobody may charge workers, and how to complain.
#[utoipa::path(get, operation_id = "reports_policy", path = "/api/v1/policy", tag = "reports", responses((status = 200, body = Policy)))]
pub async fn policy() -> HttpResponse {
    HttpResponse::Ok().json(Policy {
        free_listing: Bilingual {
            zh: "本平台免费发布用工和求职信息：发布、修改、刷新、推广岗位信息一律不收费，对劳动者和用人单位均不收取任何费用。",
            en: "Posting is free: publishing, editing, refreshing and promoting a listing never costs anything, for workers and employers alike.",
        },
        no_charge_to_workers: Bilingual {
            zh: "任何用人单位不得以任何名义向劳动者收取押金、报名费、服装费、体检费、培训费、保证金等费用，不得扣押劳动者身份证件。含有此类内容的岗位将被拒绝发布。",
            en: "No employer may charge workers anything under any name (deposit, registration, uniform, medical check, training, guarantee fees …) or keep their identity documents. Postings that do are refused.",
        },
        complaint_channel: Bilingual {
            zh: "发现违规收费、虚假招聘、拖欠工资、就业歧视或不安全的工作，可通过本平台投诉举报（无需登录），也可拨打 12333。",
            en: "Report illegal fees, fake jobs, wage arrears, discrimination or unsafe work here (no sign-in needed), or call 12333.",
        },
        report_endpoint: "/api/v1/reports",
        hotline: "12333",
        sources: vec![
            "国办发〔2020〕27号 (免费发布供求信息, 投诉举报渠道)",
            "人社部发〔2022〕38号 (零工市场免费服务)",
            "劳动合同法 第九条、第八十四条 (不得收取财物、扣押证件)",
            "就业服务与就业管理规定 第十四条",
        ],
    })
}
