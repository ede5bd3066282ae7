//! The employer's pages: my shifts, posting a shift (with live screening), one shift with its
//! applicants and matching workers, one engagement with the moves its state allows, and the
//! employer profile. Each handler calls one `services` function, as the JSON API does.

pub mod engagements;
pub mod post;
pub mod profile;
pub mod shifts;

use actix_web::web;

use crate::domain::ShiftStatus;
use crate::web::PageCtx;

pub fn configure(cfg: &mut web::ServiceConfig) {
    shifts::configure(cfg);
    post::configure(cfg);
    engagements::configure(cfg);
    profile::configure(cfg);
}

/// A shift's status in plain words for its owner.
pub fn status_word(ctx: &PageCtx, s: ShiftStatus) -> &'static str {
    match s {
        ShiftStatus::Draft => ctx.t("草稿", "Draft"),
        ShiftStatus::PendingReview => ctx.t("待审核", "Waiting for review"),
        ShiftStatus::Published => ctx.t("已发布", "Published"),
        ShiftStatus::Filled => ctx.t("已招满", "Filled"),
        ShiftStatus::Closed => ctx.t("已关闭", "Closed"),
        ShiftStatus::Expired => ctx.t("已过期", "Expired"),
        ShiftStatus::Rejected => ctx.t("未通过", "Not approved"),
        ShiftStatus::TakenDown => ctx.t("已下架", "Taken down"),
    }
}

/// The form's name for a posting field, to say where a finding is.
pub fn field_label(ctx: &PageCtx, field: &str) -> String {
    let base = field.split(['.', '[']).next().unwrap_or(field);
    let label = match base {
        "title" => ctx.t("岗位名称", "Title"),
        "category" => ctx.t("工种", "Category"),
        "description" => ctx.t("工作内容", "Description"),
        "requirements" => ctx.t("招聘条件", "Requirements"),
        "headcount" => ctx.t("招聘人数", "Headcount"),
        "address" => ctx.t("工作地点", "Address"),
        "lat" | "lng" | "adcode" => ctx.t("位置", "Location"),
        "slots" => ctx.t("工作时段", "Times"),
        "pay" => ctx.t("工资", "Pay"),
        "settlement" => ctx.t("结算方式", "Settlement"),
        "employment_type" => ctx.t("用工形式", "Employment type"),
        "take_mode" => ctx.t("招人方式", "How workers take it"),
        "valid_through" => ctx.t("有效期", "Open until"),
        "minutes_per_piece" => ctx.t("每件所需时间", "Minutes per piece"),
        "employer_name" | "name" => ctx.t("单位名称", "Employer name"),
        "employer_description" => ctx.t("单位情况", "About the employer"),
        _ => ctx.t("岗位", "Posting"),
    };
    match field.find('[').and_then(|i| field[i + 1..].split(']').next()).and_then(|n| n.parse::<usize>().ok()) {
        Some(n) if ctx.en() => format!("{label} (row {})", n + 1),
        Some(n) => format!("{label}（第 {} 行）", n + 1),
        None => label.to_string(),
    }
}
