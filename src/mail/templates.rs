//! Mail templates: Chinese first, with the English alternative below it in the same message.

use askama::Template;
use serde_json::Value;

use crate::domain::notification::Notification;
use crate::mail::Outgoing;

/// The kinds of mail the outbox carries.
pub mod kind {
    pub const SHIFT_APPROVED: &str = "shift_approved";
    pub const SHIFT_REJECTED: &str = "shift_rejected";
    pub const SHIFT_TAKEN_DOWN: &str = "shift_taken_down";
    pub const EMPLOYER_VERIFIED: &str = "employer_verified";
    pub const EMPLOYER_BLOCKED: &str = "employer_blocked";
    pub const REPORT_RECEIVED: &str = "report_received";
    pub const REPORT_RESOLVED: &str = "report_resolved";
    /// One newly published shift for an instant match alert.
    pub const ALERT_MATCH: &str = "alert_match";
    /// The day's matching shifts for a daily match alert.
    pub const ALERT_DIGEST: &str = "alert_digest";
    pub const APPLICATION_RECEIVED: &str = "application_received";
    pub const APPLICATION_ACCEPTED: &str = "application_accepted";
    pub const APPLICATION_DECLINED: &str = "application_declined";
    pub const CLAIM_CONFIRMED: &str = "claim_confirmed";
    pub const INVITATION: &str = "invitation";
    pub const INVITATION_ANSWERED: &str = "invitation_answered";
    pub const ENGAGEMENT_CANCELLED: &str = "engagement_cancelled";
    pub const WAITLIST_OFFER: &str = "waitlist_offer";
    pub const PLACE_REOFFERED: &str = "place_reoffered";
    pub const NO_SHOW_RECORDED: &str = "no_show_recorded";
    pub const PAY_DUE: &str = "pay_due";
    pub const PAY_OVERDUE: &str = "pay_overdue";

    /// Every kind, for tests that render them all.
    pub const ALL: &[&str] = &[
        SHIFT_APPROVED,
        SHIFT_REJECTED,
        SHIFT_TAKEN_DOWN,
        EMPLOYER_VERIFIED,
        EMPLOYER_BLOCKED,
        REPORT_RECEIVED,
        REPORT_RESOLVED,
        APPLICATION_RECEIVED,
        APPLICATION_ACCEPTED,
        APPLICATION_DECLINED,
        CLAIM_CONFIRMED,
        INVITATION,
        INVITATION_ANSWERED,
        ENGAGEMENT_CANCELLED,
        WAITLIST_OFFER,
        PLACE_REOFFERED,
        NO_SHOW_RECORDED,
        PAY_DUE,
        PAY_OVERDUE,
    ];
}

/// One shift of an alert mail, in Chinese and in English.
fn alert_shift(sh: &Value) -> (String, String) {
    let more = sh.get("more_slots").and_then(Value::as_u64).unwrap_or(0);
    let (more_zh, more_en) = if more > 0 { (format!("（另有 {more} 个时段）"), format!(" (and {more} more)")) } else { (String::new(), String::new()) };
    (
        format!("「{}」\n薪酬：{}\n地点：{}\n时间：{}{}\n详情：{}", s(sh, "title"), s(sh, "pay_zh"), s(sh, "address"), s(sh, "time"), more_zh, s(sh, "url")),
        format!(
            "\"{}\"\nPay: {}\nPlace: {}\nTime: {} (Beijing time){}\nDetails: {}",
            s(sh, "title"),
            s(sh, "pay_en"),
            s(sh, "address"),
            s(sh, "time"),
            more_en,
            s(sh, "url")
        ),
    )
}

fn alert_footer(p: &Value) -> (String, String) {
    (
        format!("\n\n不想再收到这个职位提醒？打开此链接即可退订，无需登录：\n{}", s(p, "unsubscribe_url")),
        format!("\n\nNo longer want this alert? Open this link to unsubscribe, no sign-in needed:\n{}", s(p, "unsubscribe_url")),
    )
}

fn s<'a>(p: &'a Value, key: &str) -> &'a str {
    p.get(key).and_then(Value::as_str).unwrap_or("")
}

fn p_get<'a>(p: &'a Value, key: &str) -> &'a Value {
    p.get(key).unwrap_or(&Value::Null)
}

fn id(p: &Value, key: &str) -> String {
    p.get(key).map(|v| v.to_string()).unwrap_or_default()
}

/// An amount in fen as 元 with two decimals.
fn yuan(p: &Value, key: &str) -> String {
    match p.get(key).and_then(Value::as_i64) {
        Some(f) => format!("{}.{:02}", f / 100, f % 100),
        None => "—".to_string(),
    }
}

/// Renders one outbox event into a message. Unknown kinds render a generic notice rather than fail.
pub fn render(kind: &str, payload: &Value, to: &str, event_id: i64, host: &str) -> Outgoing {
    let (subject_zh, subject_en, zh, en) = match kind {
        kind::SHIFT_APPROVED => (
            format!("岗位「{}」已通过审核", s(payload, "title")),
            "Your shift was approved".to_string(),
            format!("您发布的岗位「{}」（编号 {}）已通过审核并公开发布。发布岗位信息始终免费。", s(payload, "title"), id(payload, "shift_id")),
            format!("Your shift \"{}\" (id {}) passed review and is now published. Posting is always free.", s(payload, "title"), id(payload, "shift_id")),
        ),
        kind::SHIFT_REJECTED => (
            format!("岗位「{}」未通过审核", s(payload, "title")),
            "Your shift was not approved".to_string(),
            format!(
                "您发布的岗位「{}」（编号 {}）未通过审核。\n原因：{}\n修改后可重新提交。",
                s(payload, "title"),
                id(payload, "shift_id"),
                s(payload, "reason_zh")
            ),
            format!(
                "Your shift \"{}\" (id {}) was not approved.\nReason: {}\nYou can edit it and submit it again.",
                s(payload, "title"),
                id(payload, "shift_id"),
                s(payload, "reason_en")
            ),
        ),
        kind::SHIFT_TAKEN_DOWN => (
            format!("岗位「{}」已被下架", s(payload, "title")),
            "Your shift was taken down".to_string(),
            format!("您的岗位「{}」（编号 {}）已被审核人员下架。\n原因：{}", s(payload, "title"), id(payload, "shift_id"), s(payload, "reason_zh")),
            format!(
                "Your shift \"{}\" (id {}) was taken down by a moderator.\nReason: {}",
                s(payload, "title"),
                id(payload, "shift_id"),
                s(payload, "reason_en")
            ),
        ),
        kind::EMPLOYER_VERIFIED => (
            "用人单位实名认证已通过".to_string(),
            "Your employer profile is verified".to_string(),
            format!("「{}」已通过实名认证。今后无问题的岗位将直接发布。", s(payload, "name")),
            format!("\"{}\" is now verified. Postings without findings will publish at once.", s(payload, "name")),
        ),
        kind::EMPLOYER_BLOCKED => (
            "用人单位已被暂停发布".to_string(),
            "Your employer account is blocked".to_string(),
            format!(
                "「{}」已被暂停发布岗位，现有岗位已隐藏。\n原因：{}\n如有异议，请联系当地公共就业服务机构或拨打 12333。",
                s(payload, "name"),
                s(payload, "reason")
            ),
            format!(
                "\"{}\" may no longer post and its shifts are hidden.\nReason: {}\nTo object, contact your public employment service or call 12333.",
                s(payload, "name"),
                s(payload, "reason")
            ),
        ),
        kind::REPORT_RECEIVED => (
            format!("我们已收到您的投诉举报（编号 {}）", id(payload, "report_id")),
            "We received your report".to_string(),
            format!("感谢您的投诉举报（编号 {}）。审核人员会尽快处理，处理结果将通过邮件告知。", id(payload, "report_id")),
            format!("Thank you for your report (id {}). A moderator will review it and we will mail you the outcome.", id(payload, "report_id")),
        ),
        kind::REPORT_RESOLVED => (
            format!("您的投诉举报（编号 {}）已处理", id(payload, "report_id")),
            "Your report was resolved".to_string(),
            format!("您的投诉举报（编号 {}）已处理。\n处理结果：{}", id(payload, "report_id"), s(payload, "resolution")),
            format!("Your report (id {}) was resolved.\nOutcome: {}", id(payload, "report_id"), s(payload, "resolution")),
        ),
        kind::ALERT_MATCH => {
            let shift = p_get(payload, "shift");
            let (zh, en) = alert_shift(shift);
            let (fzh, fen) = alert_footer(payload);
            (
                format!("职位提醒：{}", s(shift, "title")),
                "A new shift matches your alert".to_string(),
                format!("有一个新岗位符合您订阅的职位提醒：\n\n{zh}{fzh}"),
                format!("A new shift matches your alert:\n\n{en}{fen}"),
            )
        }
        kind::ALERT_DIGEST => {
            let shifts = payload.get("shifts").and_then(Value::as_array).cloned().unwrap_or_default();
            let items: Vec<(String, String)> = shifts.iter().map(alert_shift).collect();
            let numbered = |texts: Vec<&String>| texts.iter().enumerate().map(|(i, t)| format!("{}. {t}", i + 1)).collect::<Vec<_>>().join("\n\n");
            let (fzh, fen) = alert_footer(payload);
            (
                format!("今日职位提醒：{} 个新岗位", items.len()),
                format!("Today's alert: {} new shift(s)", items.len()),
                format!("以下新岗位符合您订阅的职位提醒：\n\n{}{fzh}", numbered(items.iter().map(|it| &it.0).collect())),
                format!("These new shifts match your alert:\n\n{}{fen}", numbered(items.iter().map(|it| &it.1).collect())),
            )
        }
        kind::APPLICATION_RECEIVED => (
            format!("岗位「{}」收到新的报名", s(payload, "title")),
            "New application".to_string(),
            format!(
                "{} 报名了您的岗位「{}」（报名编号 {}）。请在“我的用工”中录用或婉拒。",
                s(payload, "worker_name"),
                s(payload, "title"),
                id(payload, "engagement_id")
            ),
            format!(
                "{} applied to your shift \"{}\" (engagement {}). Accept or decline it in your engagements.",
                s(payload, "worker_name"),
                s(payload, "title"),
                id(payload, "engagement_id")
            ),
        ),
        kind::APPLICATION_ACCEPTED => (
            format!("您已被录用：「{}」", s(payload, "title")),
            "Your application was accepted".to_string(),
            format!(
                "用人单位「{}」已录用您参加「{}」（编号 {}）。开工时间：{}。请按时到岗并在现场签到；如需取消请尽早操作。",
                s(payload, "employer_name"),
                s(payload, "title"),
                id(payload, "engagement_id"),
                s(payload, "starts")
            ),
            format!(
                "\"{}\" accepted you for \"{}\" (engagement {}). Starts: {}. Please arrive on time and check in on site; cancel early if you must.",
                s(payload, "employer_name"),
                s(payload, "title"),
                id(payload, "engagement_id"),
                s(payload, "starts")
            ),
        ),
        kind::APPLICATION_DECLINED => (
            format!("报名未被录用：「{}」", s(payload, "title")),
            "Your application was declined".to_string(),
            format!("很遗憾，您对「{}」的报名未被录用。还有更多岗位可以报名。", s(payload, "title")),
            format!("Your application to \"{}\" was not accepted. There are more shifts to apply to.", s(payload, "title")),
        ),
        kind::CLAIM_CONFIRMED => (
            format!("抢单成功：「{}」", s(payload, "title")),
            "Your claim is confirmed".to_string(),
            format!(
                "您已成功接单「{}」（编号 {}）。开工时间：{}。请按时到岗并在现场签到。",
                s(payload, "title"),
                id(payload, "engagement_id"),
                s(payload, "starts")
            ),
            format!(
                "You have the place on \"{}\" (engagement {}). Starts: {}. Please arrive on time and check in on site.",
                s(payload, "title"),
                id(payload, "engagement_id"),
                s(payload, "starts")
            ),
        ),
        kind::INVITATION => (
            format!("「{}」邀请您参加「{}」", s(payload, "employer_name"), s(payload, "title")),
            "You are invited to a shift".to_string(),
            format!(
                "用人单位「{}」邀请您参加「{}」（编号 {}），开工时间：{}。请在“我的用工”中接受或婉拒。",
                s(payload, "employer_name"),
                s(payload, "title"),
                id(payload, "engagement_id"),
                s(payload, "starts")
            ),
            format!(
                "\"{}\" invites you to \"{}\" (engagement {}), starting {}. Accept or decline it in your engagements.",
                s(payload, "employer_name"),
                s(payload, "title"),
                id(payload, "engagement_id"),
                s(payload, "starts")
            ),
        ),
        kind::INVITATION_ANSWERED => (
            format!("邀请已回复：「{}」", s(payload, "title")),
            "Your invitation was answered".to_string(),
            format!(
                "您对「{}」发出的邀请（编号 {}）已被{}。",
                s(payload, "title"),
                id(payload, "engagement_id"),
                if s(payload, "answer") == "accept" { "接受" } else { "婉拒" }
            ),
            format!(
                "Your invitation to \"{}\" (engagement {}) was {}.",
                s(payload, "title"),
                id(payload, "engagement_id"),
                if s(payload, "answer") == "accept" { "accepted" } else { "declined" }
            ),
        ),
        kind::ENGAGEMENT_CANCELLED => (
            format!("用工已取消：「{}」", s(payload, "title")),
            "An engagement was cancelled".to_string(),
            if s(payload, "by") == "shift_closed" {
                format!(
                    "「{}」（编号 {}）所在岗位已{}，此项用工随之结束。",
                    s(payload, "title"),
                    id(payload, "engagement_id"),
                    if s(payload, "why") == "taken_down" { "被管理部门下架" } else { "由用人单位关闭" }
                )
            } else {
                format!(
                    "「{}」（编号 {}）已由{}取消。{}",
                    s(payload, "title"),
                    id(payload, "engagement_id"),
                    if s(payload, "by") == "worker" { "劳动者" } else { "用人单位" },
                    if payload.get("late").and_then(Value::as_bool) == Some(true) { "此次为临近开工的取消，已记录。" } else { "" }
                )
            },
            if s(payload, "by") == "shift_closed" {
                format!(
                    "\"{}\" (engagement {}) has ended: the shift was {}.",
                    s(payload, "title"),
                    id(payload, "engagement_id"),
                    if s(payload, "why") == "taken_down" { "taken down by the bureau" } else { "closed by the employer" }
                )
            } else {
                format!(
                    "\"{}\" (engagement {}) was cancelled by the {}.{}",
                    s(payload, "title"),
                    id(payload, "engagement_id"),
                    s(payload, "by"),
                    if payload.get("late").and_then(Value::as_bool) == Some(true) { " It was a late cancellation and is on record." } else { "" }
                )
            },
        ),
        kind::WAITLIST_OFFER => (
            format!("候补转正机会：「{}」", s(payload, "title")),
            "A place is free for you".to_string(),
            format!("您候补的岗位「{}」（编号 {}）空出了名额。请尽快在“我的用工”中接受或婉拒。", s(payload, "title"), id(payload, "engagement_id")),
            format!(
                "A place came free on \"{}\" (engagement {}), where you were on the waiting list. Accept or decline it soon.",
                s(payload, "title"),
                id(payload, "engagement_id")
            ),
        ),
        kind::PLACE_REOFFERED => (
            format!("岗位「{}」有人取消，名额已重新开放", s(payload, "title")),
            "A place reopened on your shift".to_string(),
            format!(
                "岗位「{}」有已确认人员取消{}，名额已重新开放。{}",
                s(payload, "title"),
                if payload.get("late").and_then(Value::as_bool) == Some(true) { "（临近开工取消，已记录）" } else { "" },
                if payload.get("offered_engagement_id").is_some_and(|v| !v.is_null()) {
                    format!("已通知候补第一位（编号 {}）。", id(payload, "offered_engagement_id"))
                } else {
                    String::new()
                }
            ),
            format!(
                "A confirmed worker cancelled on \"{}\"{}; the place is open again.{}",
                s(payload, "title"),
                if payload.get("late").and_then(Value::as_bool) == Some(true) { " (late, on record)" } else { "" },
                if payload.get("offered_engagement_id").is_some_and(|v| !v.is_null()) {
                    format!(" The first on the waiting list (engagement {}) was offered it.", id(payload, "offered_engagement_id"))
                } else {
                    String::new()
                }
            ),
        ),
        kind::NO_SHOW_RECORDED => (
            format!("缺勤已记录：「{}」", s(payload, "title")),
            "A no-show was recorded".to_string(),
            format!("「{}」（编号 {}）开工后未签到，已记录为缺勤。如有误，请联系用人单位更正。", s(payload, "title"), id(payload, "engagement_id")),
            format!(
                "No check-in was recorded for \"{}\" (engagement {}) after it started, so it was recorded as a no-show. If this is wrong, ask the employer to correct it.",
                s(payload, "title"),
                id(payload, "engagement_id")
            ),
        ),
        kind::PAY_DUE => (
            format!("工作已完成，应付工资 {} 元", yuan(payload, "amount_fen")),
            "Work completed: pay due".to_string(),
            format!(
                "「{}」（编号 {}）已由用人单位确认完工：工时 {} 小时，应付 {} 元（按工资标准计算为 {} 元），应于 {} 前结清。收到工资后请点击“确认收款”，有异议可提出争议。本平台不经手任何款项。",
                s(payload, "title"),
                id(payload, "engagement_id"),
                s(payload, "hours"),
                yuan(payload, "amount_fen"),
                yuan(payload, "computed_amount_fen"),
                s(payload, "due")
            ),
            format!(
                "\"{}\" (engagement {}) was marked complete: {} hours, {} yuan due (computed from the pay terms: {} yuan), to be paid by {}. Confirm receipt once paid, or dispute it. lingong never handles money.",
                s(payload, "title"),
                id(payload, "engagement_id"),
                s(payload, "hours"),
                yuan(payload, "amount_fen"),
                yuan(payload, "computed_amount_fen"),
                s(payload, "due")
            ),
        ),
        kind::PAY_OVERDUE => (
            format!("工资逾期未付：「{}」", s(payload, "title")),
            "Pay is overdue".to_string(),
            format!(
                "「{}」（编号 {}）的工资已超过结算期限（{}）仍未确认收款。劳动者可一键提交欠薪投诉，也可拨打 12333。",
                s(payload, "title"),
                id(payload, "engagement_id"),
                s(payload, "due")
            ),
            format!(
                "Pay for \"{}\" (engagement {}) is past its settlement date ({}) and not confirmed as received. The worker can file a wage-arrears report in one step, or call 12333.",
                s(payload, "title"),
                id(payload, "engagement_id"),
                s(payload, "due")
            ),
        ),
        other => (format!("lingong 通知（{other}）"), format!("lingong notice ({other})"), payload.to_string(), payload.to_string()),
    };
    Outgoing {
        to: to.to_string(),
        subject: format!("{subject_zh} / {subject_en}"),
        body: format!("{zh}\n\n—— English ——\n{en}\n\n（本邮件由系统自动发送，请勿直接回复。This message was sent automatically.）\n"),
        message_id: format!("<outbox-{event_id}@{host}>"),
        unsubscribe_url: matches!(kind, kind::ALERT_MATCH | kind::ALERT_DIGEST).then(|| s(payload, "unsubscribe_url").to_string()).filter(|u| !u.is_empty()),
    }
}

/// Renders a notification as a mail. One template file per variant under `templates/mail/`,
/// checked when the crate compiles: a field a template names must exist, and the match below has
/// no catch-all arm, so a variant without a template does not compile.
pub fn render_mail(n: &Notification, to: &str, event_id: i64, host: &str) -> Result<Outgoing, askama::Error> {
    use Notification as N;
    // Only mail people subscribed to carries an unsubscribe link.
    let (text, unsubscribe_url) = match n {
        N::ShiftApproved(m) => (files::ShiftApproved { m }.render()?, None),
        N::ShiftRejected(m) => (files::ShiftRejected { m }.render()?, None),
        N::ShiftTakenDown(m) => (files::ShiftTakenDown { m }.render()?, None),
        N::EmployerVerified(m) => (files::EmployerVerified { m }.render()?, None),
        N::EmployerBlocked(m) => (files::EmployerBlocked { m }.render()?, None),
        N::ReportReceived(m) => (files::ReportReceived { m }.render()?, None),
        N::ReportResolved(m) => (files::ReportResolved { m }.render()?, None),
        N::AlertMatch(m) => (files::AlertMatch { m }.render()?, Some(&m.unsubscribe_url)),
        N::AlertDigest(m) => (files::AlertDigest { m }.render()?, Some(&m.unsubscribe_url)),
        N::ApplicationReceived(m) => (files::ApplicationReceived { m }.render()?, None),
        N::ApplicationAccepted(m) => (files::ApplicationAccepted { m }.render()?, None),
        N::ApplicationDeclined(m) => (files::ApplicationDeclined { m }.render()?, None),
        N::ClaimConfirmed(m) => (files::ClaimConfirmed { m }.render()?, None),
        N::Invitation(m) => (files::Invitation { m }.render()?, None),
        N::InvitationAnswered(m) => (files::InvitationAnswered { m }.render()?, None),
        N::EngagementCancelled(m) => (files::EngagementCancelled { m }.render()?, None),
        N::WaitlistOffer(m) => (files::WaitlistOffer { m }.render()?, None),
        N::PlaceReoffered(m) => (files::PlaceReoffered { m }.render()?, None),
        N::NoShowRecorded(m) => (files::NoShowRecorded { m }.render()?, None),
        N::PayDue(m) => (files::PayDue { m }.render()?, None),
        N::PayOverdue(m) => (files::PayOverdue { m }.render()?, None),
    };
    // `mail/layout.txt` puts the subject on the first line; text in it goes through `line`.
    let (subject, body) = text.split_once('\n').unwrap_or((&text, ""));
    Ok(Outgoing {
        to: to.to_string(),
        subject: subject.to_string(),
        body: body.to_string(),
        message_id: format!("<outbox-{event_id}@{host}>"),
        unsubscribe_url: unsubscribe_url.filter(|u| !u.is_empty()).cloned(),
    })
}

/// The template of each variant: a struct of the same name holding the variant's fields as `m`.
mod files {
    use askama::Template;

    // The templates' `match` arms name these.
    #[allow(unused_imports)]
    use crate::domain::notification::{Answer, CancelledBy, ShiftClosed};

    macro_rules! mail_templates {
        ($($name:ident => $path:literal,)*) => {$(
            #[derive(Template)]
            #[template(path = $path)]
            pub struct $name<'a> {
                pub m: &'a crate::domain::notification::$name,
            }
        )*};
    }

    mail_templates! {
        ShiftApproved => "mail/shift_approved.txt",
        ShiftRejected => "mail/shift_rejected.txt",
        ShiftTakenDown => "mail/shift_taken_down.txt",
        EmployerVerified => "mail/employer_verified.txt",
        EmployerBlocked => "mail/employer_blocked.txt",
        ReportReceived => "mail/report_received.txt",
        ReportResolved => "mail/report_resolved.txt",
        AlertMatch => "mail/alert_match.txt",
        AlertDigest => "mail/alert_digest.txt",
        ApplicationReceived => "mail/application_received.txt",
        ApplicationAccepted => "mail/application_accepted.txt",
        ApplicationDeclined => "mail/application_declined.txt",
        ClaimConfirmed => "mail/claim_confirmed.txt",
        Invitation => "mail/invitation.txt",
        InvitationAnswered => "mail/invitation_answered.txt",
        EngagementCancelled => "mail/engagement_cancelled.txt",
        WaitlistOffer => "mail/waitlist_offer.txt",
        PlaceReoffered => "mail/place_reoffered.txt",
        NoShowRecorded => "mail/no_show_recorded.txt",
        PayDue => "mail/pay_due.txt",
        PayOverdue => "mail/pay_overdue.txt",
    }

    /// The templates' own filters (`{{ x|name }}`).
    mod filters {
        use std::fmt::Display;

        /// Text on one line, for the subject: the renderer takes the first line as the subject, and
        /// a title may hold line breaks.
        pub fn line<T: Display>(s: T, _: &dyn askama::Values) -> askama::Result<String> {
            Ok(s.to_string().lines().collect::<Vec<_>>().join(" "))
        }

        /// An amount in fen as 元 with two decimals, or a dash when there is none.
        pub fn yuan<T: Fen>(v: T, _: &dyn askama::Values) -> askama::Result<String> {
            Ok(match v.fen() {
                Some(f) => format!("{}.{:02}", f / 100, f % 100),
                None => "—".to_string(),
            })
        }

        /// Optional text, or a dash when there is none.
        pub fn or_dash(v: &Option<String>, _: &dyn askama::Values) -> askama::Result<String> {
            Ok(v.clone().unwrap_or_else(|| "—".to_string()))
        }

        /// An amount or a possibly missing one, so `yuan` takes both.
        pub trait Fen {
            fn fen(&self) -> Option<i64>;
        }

        impl Fen for i64 {
            fn fen(&self) -> Option<i64> {
                Some(*self)
            }
        }

        impl Fen for Option<i64> {
            fn fen(&self) -> Option<i64> {
                *self
            }
        }

        impl<T: Fen + ?Sized> Fen for &T {
            fn fen(&self) -> Option<i64> {
                (**self).fen()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_renders_both_languages() {
        let p = serde_json::json!({"title": "家庭保洁员", "shift_id": 7, "reason_zh": "含收费内容", "reason_en": "asks workers to pay", "name": "某公司", "reason": "拖欠工资", "report_id": 3, "resolution": "岗位已下架"});
        for &k in kind::ALL {
            let m = render(k, &p, "a@example.com", 9, "lingong.localhost");
            assert!(m.subject.contains(" / "), "{k}");
            assert!(m.body.contains("English"), "{k}");
            assert_eq!(m.message_id, "<outbox-9@lingong.localhost>");
        }
        let m = render(kind::SHIFT_APPROVED, &p, "a@example.com", 1, "h");
        assert!(m.unsubscribe_url.is_none(), "only alerts carry an unsubscribe link");
        let m = render(kind::SHIFT_REJECTED, &p, "a@example.com", 1, "h");
        assert!(m.body.contains("含收费内容") && m.body.contains("asks workers to pay"));
        for &k in kind::ALL {
            assert!(!render(k, &p, "a@example.com", 1, "h").subject.starts_with("lingong 通知"), "{k} has its own template");
        }
        let m = render(kind::PAY_DUE, &serde_json::json!({"amount_fen": 14005, "computed_amount_fen": 14000}), "a@example.com", 1, "h");
        assert!(m.subject.contains("140.05") && m.body.contains("140.00"));
    }

    #[test]
    fn alerts_carry_the_shift_and_the_unsubscribe_link() {
        let shift = serde_json::json!({"shift_id": 5, "title": "家庭保洁员", "pay_zh": "35.00 元/小时", "pay_en": "35.00 yuan per hour", "address": "北京市朝阳区建国路88号", "time": "2026-11-28 08:00–12:00", "more_slots": 1, "url": "https://x.example/api/v1/shifts/5"});
        let p = serde_json::json!({"shift": shift, "unsubscribe_url": "https://x.example/api/v1/alerts/unsubscribe?token=abc"});
        let m = render(kind::ALERT_MATCH, &p, "a@example.com", 3, "h");
        assert!(m.subject.contains("家庭保洁员"), "{}", m.subject);
        for part in ["35.00 元/小时", "北京市朝阳区建国路88号", "2026-11-28 08:00–12:00", "另有 1 个时段", "token=abc", "35.00 yuan per hour", "unsubscribe"]
        {
            assert!(m.body.contains(part), "{part} missing from {}", m.body);
        }
        assert_eq!(m.unsubscribe_url.as_deref(), Some("https://x.example/api/v1/alerts/unsubscribe?token=abc"));
        let p = serde_json::json!({"shifts": [shift.clone(), shift], "unsubscribe_url": "https://x.example/u?token=abc"});
        let m = render(kind::ALERT_DIGEST, &p, "a@example.com", 4, "h");
        assert!(m.subject.contains("2 个新岗位"), "{}", m.subject);
        assert!(m.body.contains("1. 「家庭保洁员」") && m.body.contains("2. 「家庭保洁员」"), "{}", m.body);
    }
    /// The templates say exactly what the code they replace said, for every sample.
    #[test]
    fn template_files_say_what_the_code_said() {
        for n in crate::domain::notification::tests::samples() {
            let payload: Value = serde_json::from_str(&n.payload()).unwrap();
            let old = render(n.kind(), &payload, "a@example.com", 9, "h");
            let new = render_mail(&n, "a@example.com", 9, "h").unwrap();
            assert_eq!(new.subject, old.subject, "{n:?}");
            assert_eq!(new.body, old.body, "{n:?}");
            assert_eq!((new.message_id, new.unsubscribe_url), (old.message_id, old.unsubscribe_url), "{n:?}");
        }
    }
}
