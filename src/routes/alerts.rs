//! Match alerts: a worker's subscriptions, and the unsubscribe link their mails carry.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::alerts::subscriptions::{self, AlertRequest, AlertRow, AlertView, SOURCE_AVAILABILITY};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::{PageQuery, Query, ValidJson};
use crate::routes::{Page, created, resource};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/workers/me/alerts").route(web::post().to(create)).route(web::get().to(list_mine)))
        .service(resource("/workers/me/alerts/{id}").route(web::delete().to(delete)))
        .service(resource("/alerts/unsubscribe").route(web::get().to(unsubscribe_page)).route(web::post().to(unsubscribe)));
}

/// Subscribe the signed-in worker to match alerts: new shifts matching one of their availability
/// records or a saved search, mailed at once or as a daily digest, each shift once.
#[utoipa::path(operation_id = "alerts_create", post, path = "/api/v1/workers/me/alerts", tag = "alerts", security(("bearer" = [])), request_body = AlertRequest,
    responses((status = 201, body = AlertView), (status = 403, body = ErrorBody), (status = 409, description = "no worker profile yet, or too many alerts", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(state: web::Data<AppState>, user: AuthUser, body: ValidJson<AlertRequest>) -> Result<HttpResponse, ApiError> {
    Ok(created(subscriptions::subscribe(&state, &user, body.value).await?))
}

/// The signed-in worker's match alerts, newest first (unsubscribed ones show `active: false`).
#[utoipa::path(operation_id = "alerts_list_mine", get, path = "/api/v1/workers/me/alerts", tag = "alerts", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<AlertView>), (status = 403, body = ErrorBody), (status = 409, description = "no worker profile yet", body = ErrorBody)))]
pub async fn list_mine(state: web::Data<AppState>, user: AuthUser, pq: Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(subscriptions::list_mine(&state, &user, pq.parse()?).await?))
}

/// Delete one of the signed-in worker's match alerts.
#[utoipa::path(operation_id = "alerts_delete", delete, path = "/api/v1/workers/me/alerts/{id}", tag = "alerts", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    subscriptions::remove(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UnsubscribeParams {
    /// The token from the alert mail's link.
    pub token: Option<String>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn html(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status).content_type("text/html; charset=utf-8").insert_header(("Cache-Control", "no-store")).body(format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title></head>\
         <body style=\"font-family: sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6\">{body}</body></html>\n"
    ))
}

fn invalid_link() -> HttpResponse {
    html(
        StatusCode::NOT_FOUND,
        "链接无效 / Invalid link",
        "<h1>链接无效</h1><p>这个退订链接无效，或者提醒已被删除。</p><hr><p lang=\"en\">This unsubscribe link is not valid, or the alert was deleted.</p>",
    )
}

fn describe(row: &AlertRow) -> (String, String) {
    let (zh, en) = if row.source == SOURCE_AVAILABILITY {
        ("按您的可工作时段匹配的职位提醒".to_string(), "the alert that follows your availability".to_string())
    } else {
        ("按您保存的搜索匹配的职位提醒".to_string(), "the alert for your saved search".to_string())
    };
    if row.keywords.is_empty() { (zh, en) } else { (format!("{zh}（“{}”）", escape(&row.keywords)), format!("{en} (\"{}\")", escape(&row.keywords))) }
}

/// The page an alert mail's unsubscribe link opens, no sign-in needed. It asks for one click
/// rather than unsubscribing on open, because mail scanners open links by themselves.
#[utoipa::path(operation_id = "alerts_unsubscribe_page", get, path = "/api/v1/alerts/unsubscribe", tag = "alerts", params(UnsubscribeParams),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, content_type = "text/html", body = String)))]
pub async fn unsubscribe_page(state: web::Data<AppState>, q: Query<UnsubscribeParams>) -> Result<HttpResponse, ApiError> {
    let Some(token) = q.into_inner().token.filter(|t| !t.is_empty()) else { return Ok(invalid_link()) };
    let Some(row) = subscriptions::find_by_unsubscribe_token(&state, token.clone()).await? else { return Ok(invalid_link()) };
    let (zh, en) = describe(&row);
    if !row.active {
        return Ok(html(
            StatusCode::OK,
            "已退订 / Unsubscribed",
            &format!("<h1>已退订</h1><p>您已不再接收{zh}。</p><hr><p lang=\"en\">You no longer receive {en}.</p>"),
        ));
    }
    // The token is our own (it matched a subscription), so it is safe inside the form's address.
    Ok(html(
        StatusCode::OK,
        "退订职位提醒 / Unsubscribe",
        &format!(
            "<h1>退订职位提醒</h1><p>不再接收{zh}的邮件？</p>\
             <form method=\"post\" action=\"?token={token}\"><button type=\"submit\">退订 / Unsubscribe</button></form>\
             <hr><p lang=\"en\">Stop mails for {en}? Press the button above.</p>"
        ),
    ))
}

/// Unsubscribe, no sign-in needed: the page's button, and RFC 8058 one-click from mail clients
/// (`List-Unsubscribe-Post`). Repeating it is harmless.
#[utoipa::path(operation_id = "alerts_unsubscribe", post, path = "/api/v1/alerts/unsubscribe", tag = "alerts", params(UnsubscribeParams),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, content_type = "text/html", body = String)))]
pub async fn unsubscribe(state: web::Data<AppState>, q: Query<UnsubscribeParams>) -> Result<HttpResponse, ApiError> {
    let Some(token) = q.into_inner().token.filter(|t| !t.is_empty()) else { return Ok(invalid_link()) };
    let Some(row) = subscriptions::unsubscribe_by_token(&state, token).await? else { return Ok(invalid_link()) };
    let (zh, en) = describe(&row);
    Ok(html(
        StatusCode::OK,
        "已退订 / Unsubscribed",
        &format!(
            "<h1>已退订</h1><p>您已不再接收{zh}。如需重新订阅，请登录后在“职位提醒”中添加。</p><hr><p lang=\"en\">You no longer receive {en}. To subscribe again, sign in and add an alert.</p>"
        ),
    ))
}
