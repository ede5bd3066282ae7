//! The moderation console: bureau moderators' and admins' pages, at desktop width first. The
//! queue with each posting's findings marked in its text and the employer's record, decisions one
//! by one or in bulk (with keyboard shortcuts, assets/web/console.js, that only press the same
//! buttons), open reports by employer with the engagement behind a wage-arrears complaint, an
//! employer's file, the occupation list, the audit log and (admins) the staff's district scopes.
//! Each handler parses, calls the same `services` function as the JSON API (which applies the
//! moderator's districts) and renders; other roles meet the services' 403 as the error page.

pub mod admin;
pub mod employers;
pub mod highlight;
pub mod queue;
pub mod reports;
pub mod staff;
pub mod stats;
pub mod synonyms;

use actix_web::web;

use crate::domain::ShiftStatus;
use crate::services::moderation::{EmployerHistory, ReasonView};
use crate::web::PageCtx;

pub fn configure(cfg: &mut web::ServiceConfig) {
    queue::configure(cfg);
    reports::configure(cfg);
    employers::configure(cfg);
    admin::configure(cfg);
    synonyms::configure(cfg);
    staff::configure(cfg);
    stats::configure(cfg);
}

/// The console's own menu (admins also see the audit log).
pub fn is_admin(ctx: &PageCtx) -> bool {
    ctx.user.as_ref().is_some_and(|u| u.role == crate::domain::Role::Admin)
}

pub fn status_word(ctx: &PageCtx, s: ShiftStatus) -> &'static str {
    match s {
        ShiftStatus::Draft => ctx.t("草稿", "Draft"),
        ShiftStatus::PendingReview => ctx.t("待审核", "Waiting for review"),
        ShiftStatus::Published => ctx.t("已发布", "Published"),
        ShiftStatus::Filled => ctx.t("已招满", "Filled"),
        ShiftStatus::Closed => ctx.t("已关闭", "Closed"),
        ShiftStatus::Expired => ctx.t("已过期", "Expired"),
        ShiftStatus::Rejected => ctx.t("已驳回", "Rejected"),
        ShiftStatus::TakenDown => ctx.t("已下架", "Taken down"),
    }
}

/// A canned reason in the page language.
pub fn reason_text(ctx: &PageCtx, r: &ReasonView) -> &'static str {
    if ctx.en() { r.en } else { r.zh }
}

/// An employer's record in one line: verification, block, past decisions, reports, ratings.
pub fn history_line(ctx: &PageCtx, h: &EmployerHistory) -> Vec<String> {
    let mut out = Vec::new();
    out.push(if h.verified { ctx.t("已实名认证", "Verified").to_string() } else { ctx.t("未认证", "Not verified").to_string() });
    if h.blocked {
        out.push(match &h.blocked_reason {
            Some(r) if ctx.en() => format!("blocked: {r}"),
            Some(r) => format!("已封禁：{r}"),
            None => ctx.t("已封禁", "Blocked").to_string(),
        });
    }
    out.push(if ctx.en() { format!("{} past rejections", h.rejections) } else { format!("曾被驳回 {} 次", h.rejections) });
    if h.take_downs > 0 {
        out.push(if ctx.en() { format!("{} taken down", h.take_downs) } else { format!("曾被下架 {} 次", h.take_downs) });
    }
    out.push(if ctx.en() { format!("{} open reports", h.open_reports) } else { format!("待处理举报 {} 条", h.open_reports) });
    out.push(match h.stats.rating_avg {
        Some(avg) if ctx.en() => format!("rated {avg:.1} / 5 by {} workers", h.stats.rating_count),
        Some(avg) => format!("评分 {avg:.1}（{} 人评价）", h.stats.rating_count),
        None => ctx.t("暂无评价", "No ratings yet").to_string(),
    });
    out.push(if ctx.en() {
        format!("{} completed in {} days", h.stats.completed, h.stats.window_days)
    } else {
        format!("近 {} 天完工 {} 次", h.stats.window_days, h.stats.completed)
    });
    out
}

/// A report kind in words.
pub fn report_kind(ctx: &PageCtx, kind: &str) -> &'static str {
    match kind {
        "illegal_fee" => ctx.t("违规收费", "Illegal fee"),
        "fake_job" => ctx.t("虚假招聘", "Fake job"),
        "wage_arrears" => ctx.t("拖欠工资", "Wage arrears"),
        "discrimination" => ctx.t("就业歧视", "Discrimination"),
        "unsafe" => ctx.t("安全隐患", "Unsafe"),
        _ => ctx.t("其他", "Other"),
    }
}
