//! The inbox page (站内信): every notification, newest first, with mark-as-read. The operations
//! are `services::inbox`, as for `GET /api/v1/inbox`.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::Role;
use crate::routes::error::ApiError;
use crate::services::inbox::{self as svc, InboxView};
use crate::services::page::PageRequest;
use crate::web::{PageCtx, PageForm, show};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/inbox", web::get().to(list)).route("/inbox/read-all", web::post().to(read_all)).route("/inbox/{id}/read", web::post().to(read_one));
}

/// The page an inbox item's API link is about: `/api/v1/engagements/7` is `/my-work/7` for a worker
/// and the shift's applicants for an employer; `/api/v1/shifts/7` is the shift page.
pub fn page_link(api_link: &str, role: Role) -> String {
    let rest = api_link.strip_prefix("/api/v1").unwrap_or(api_link);
    let parts: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    match (parts.as_slice(), role) {
        (["engagements", id], Role::Worker) => format!("/my-work/{id}"),
        (["engagements", id], _) => format!("/employer/engagements/{id}"),
        (["shifts", id], Role::Employer) => format!("/employer/shifts/{id}"),
        (["shifts", id], _) => format!("/shifts/{id}"),
        (["employers", _], Role::Employer) => "/employer/profile".into(),
        (["workers", "me", "alerts"], _) => "/me/alerts".into(),
        // A station's daily digest: its printable board.
        (["stations", id], _) => format!("/stations/{id}/board"),
        _ => "/inbox".into(),
    }
}

#[derive(Template)]
#[template(path = "web/inbox.html")]
struct InboxPage<'a> {
    ctx: &'a PageCtx,
    items: Vec<InboxView>,
    more: Option<String>,
    role: Role,
}

impl InboxPage<'_> {
    fn title<'b>(&self, i: &'b InboxView) -> &'b str {
        if self.ctx.en() { &i.item.title_en } else { &i.item.title_zh }
    }
    fn body<'b>(&self, i: &'b InboxView) -> &'b str {
        if self.ctx.en() { &i.item.body_en } else { &i.item.body_zh }
    }
    fn link(&self, i: &InboxView) -> String {
        page_link(&i.item.link, self.role)
    }
    fn when(&self, i: &InboxView) -> String {
        show::when(&i.created_at)
    }
}

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    cursor: Option<String>,
}

async fn list(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<InboxQuery>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let cursor = crate::web::page_cursor(q.as_ref().and_then(|q| q.cursor.as_deref()));
    let page = svc::list_mine(&state, user, false, PageRequest { limit: 30, cursor }).await?;
    let more = page.next_cursor.map(|c| format!("/inbox?cursor={c}"));
    ctx.render(&InboxPage { ctx: &ctx, items: page.items, more, role: user.role })
}

async fn read_one(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, _f: PageForm<serde::de::IgnoredAny>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let item = svc::mark_read(&state, user, id.into_inner()).await?;
    Ok(ctx.redirect(&page_link(&item.item.link, user.role)))
}

async fn read_all(state: web::Data<AppState>, ctx: PageCtx, _f: PageForm<serde::de::IgnoredAny>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    svc::mark_all_read(&state, user).await?;
    Ok(ctx.redirect("/inbox"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_links_become_pages() {
        assert_eq!(page_link("/api/v1/engagements/7", Role::Worker), "/my-work/7");
        assert_eq!(page_link("/api/v1/engagements/7", Role::Employer), "/employer/engagements/7");
        assert_eq!(page_link("/api/v1/shifts/9", Role::Worker), "/shifts/9");
        assert_eq!(page_link("/api/v1/shifts/9", Role::Employer), "/employer/shifts/9");
        assert_eq!(page_link("/api/v1/workers/me/alerts", Role::Worker), "/me/alerts");
        assert_eq!(page_link("/api/v1/reports/3", Role::Worker), "/inbox");
    }
}
