//! How pages word the values they show: pay with its per-hour equivalent, times in Beijing time,
//! distances, engagement states. Wording only; the values come from the service views.

use chrono::{DateTime, Datelike, FixedOffset};

use crate::domain::engagement::State;
use crate::domain::pay::PayUnit;
use crate::domain::{Settlement, TakeMode};
use crate::services::views::PayBody;
use crate::web::{PageCtx, yuan};

/// `25 元/小时`, `200 元/天`.
pub fn pay(ctx: &PageCtx, p: &PayBody) -> String {
    let unit = match p.unit {
        PayUnit::Hour => ctx.t("小时", "hour"),
        PayUnit::Day => ctx.t("天", "day"),
        PayUnit::Piece => ctx.t("件", "piece"),
        PayUnit::Shift => ctx.t("班", "shift"),
    };
    if ctx.en() { format!("¥{} / {unit}", yuan(p.amount_fen)) } else { format!("{} 元/{unit}", yuan(p.amount_fen)) }
}

/// `约 25 元/小时` beside a day, shift or piece rate; nothing beside an hourly one.
pub fn per_hour(ctx: &PageCtx, p: &PayBody, per_hour_fen: Option<i64>) -> String {
    match (p.unit, per_hour_fen) {
        (PayUnit::Hour, _) | (_, None) => String::new(),
        (_, Some(f)) => {
            if ctx.en() {
                format!("about ¥{} / hour", yuan(f))
            } else {
                format!("约 {} 元/小时", yuan(f))
            }
        }
    }
}

fn weekday(ctx: &PageCtx, d: &DateTime<FixedOffset>) -> &'static str {
    let i = d.weekday().num_days_from_monday() as usize;
    if ctx.en() { ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i] } else { ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][i] }
}

/// `12月3日 周四 09:00–17:00` (Beijing time, which the views carry).
pub fn slot(ctx: &PageCtx, start: &DateTime<FixedOffset>, end: &DateTime<FixedOffset>) -> String {
    let same_day = start.date_naive() == end.date_naive();
    let end_text = if same_day { end.format("%H:%M").to_string() } else { end.format("%m-%d %H:%M").to_string() };
    if ctx.en() {
        format!("{} {} {}–{}", weekday(ctx, start), start.format("%-d %b"), start.format("%H:%M"), end_text)
    } else {
        format!("{}月{}日 {} {}–{}", start.month(), start.day(), weekday(ctx, start), start.format("%H:%M"), end_text)
    }
}

/// `2026-12-03 09:00` for times in lists.
pub fn when(d: &DateTime<FixedOffset>) -> String {
    d.format("%Y-%m-%d %H:%M").to_string()
}

/// `800 米`, `3.2 公里`.
pub fn distance(ctx: &PageCtx, km: Option<f64>) -> String {
    match km {
        None => String::new(),
        Some(k) if k < 1.0 => format!("{} {}", ((k * 1000.0 / 50.0).round() * 50.0).max(50.0) as i64, ctx.t("米", "m")),
        Some(k) => format!("{:.1} {}", k, ctx.t("公里", "km")),
    }
}

pub fn settlement(ctx: &PageCtx, s: Settlement) -> &'static str {
    match s {
        Settlement::Daily => ctx.t("日结", "paid daily"),
        Settlement::Weekly => ctx.t("周结", "paid weekly"),
        Settlement::Biweekly => ctx.t("半月结", "paid every two weeks"),
        Settlement::OnCompletion => ctx.t("完工结", "paid on completion"),
    }
}

pub fn take_mode(ctx: &PageCtx, m: TakeMode) -> &'static str {
    match m {
        TakeMode::Apply => ctx.t("报名", "Apply"),
        TakeMode::Instant => ctx.t("抢单", "Take it now"),
    }
}

pub fn state(ctx: &PageCtx, s: State) -> &'static str {
    match s {
        State::Applied => ctx.t("已报名，等待雇主回复", "Applied, waiting for the employer"),
        State::Invited => ctx.t("雇主邀请你", "The employer invited you"),
        State::Confirmed => ctx.t("已确认，请按时到岗", "Confirmed: be there on time"),
        State::Declined => ctx.t("未被录用", "Not taken"),
        State::Withdrawn => ctx.t("已撤回", "Withdrawn"),
        State::Cancelled => ctx.t("已取消", "Cancelled"),
        State::CheckedIn => ctx.t("已签到，工作中", "Checked in, working"),
        State::CheckedOut => ctx.t("已签退，等待雇主结算", "Checked out, waiting for the employer to settle"),
        State::NoShow => ctx.t("未到岗", "No-show"),
        State::Completed => ctx.t("已完工，等待付款", "Completed, pay due"),
        State::Paid => ctx.t("已确认收款", "Paid"),
        State::Disputed => ctx.t("对工资有异议", "Pay disputed"),
        State::Overdue => ctx.t("工资逾期未付", "Pay overdue"),
    }
}
