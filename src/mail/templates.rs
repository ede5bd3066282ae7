//! Mail templates: Chinese first, with the English alternative below it in the same message.

use serde_json::Value;

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
}

/// One shift of an alert mail, in Chinese and in English.
fn alert_shift(sh: &Value) -> (String, String) {
    let more = sh.get("more_slots").and_then(Value::as_u64).unwrap_or(0);
    let (more_zh, more_en) = if more > 0 { (format!("（另有 {more} 个时段）"), format!(" (and {more} more)")) } else { (String::new(), String::new()) };
    (
        format!("「{}」\n薪酬：{}\n地点：{}\n时间：{}{}\n详情：{}", s(sh, "title"), s(sh, "pay_zh"), s(sh, "address"), s(sh, "time"), more_zh, s(sh, "url")),
        format!("\"{}\"\nPay: {}\nPlace: {}\nTime: {} (Beijing time){}\nDetails: {}", s(sh, "title"), s(sh, "pay_en"), s(sh, "address"), s(sh, "time"), more_en, s(sh, "url")),
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
            format!("您发布的岗位「{}」（编号 {}）未通过审核。\n原因：{}\n修改后可重新提交。", s(payload, "title"), id(payload, "shift_id"), s(payload, "reason_zh")),
            format!("Your shift \"{}\" (id {}) was not approved.\nReason: {}\nYou can edit it and submit it again.", s(payload, "title"), id(payload, "shift_id"), s(payload, "reason_en")),
        ),
        kind::SHIFT_TAKEN_DOWN => (
            format!("岗位「{}」已被下架", s(payload, "title")),
            "Your shift was taken down".to_string(),
            format!("您的岗位「{}」（编号 {}）已被审核人员下架。\n原因：{}", s(payload, "title"), id(payload, "shift_id"), s(payload, "reason_zh")),
            format!("Your shift \"{}\" (id {}) was taken down by a moderator.\nReason: {}", s(payload, "title"), id(payload, "shift_id"), s(payload, "reason_en")),
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
            format!("「{}」已被暂停发布岗位，现有岗位已隐藏。\n原因：{}\n如有异议，请联系当地公共就业服务机构或拨打 12333。", s(payload, "name"), s(payload, "reason")),
            format!("\"{}\" may no longer post and its shifts are hidden.\nReason: {}\nTo object, contact your public employment service or call 12333.", s(payload, "name"), s(payload, "reason")),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_renders_both_languages() {
        let p = serde_json::json!({"title": "家庭保洁员", "shift_id": 7, "reason_zh": "含收费内容", "reason_en": "asks workers to pay", "name": "某公司", "reason": "拖欠工资", "report_id": 3, "resolution": "岗位已下架"});
        for k in [kind::SHIFT_APPROVED, kind::SHIFT_REJECTED, kind::SHIFT_TAKEN_DOWN, kind::EMPLOYER_VERIFIED, kind::EMPLOYER_BLOCKED, kind::REPORT_RECEIVED, kind::REPORT_RESOLVED] {
            let m = render(k, &p, "a@example.com", 9, "lingong.localhost");
            assert!(m.subject.contains(" / "), "{k}");
            assert!(m.body.contains("English"), "{k}");
            assert_eq!(m.message_id, "<outbox-9@lingong.localhost>");
        }
        let m = render(kind::SHIFT_APPROVED, &p, "a@example.com", 1, "h");
        assert!(m.unsubscribe_url.is_none(), "only alerts carry an unsubscribe link");
        let m = render(kind::SHIFT_REJECTED, &p, "a@example.com", 1, "h");
        assert!(m.body.contains("含收费内容") && m.body.contains("asks workers to pay"));
    }

    #[test]
    fn alerts_carry_the_shift_and_the_unsubscribe_link() {
        let shift = serde_json::json!({"shift_id": 5, "title": "家庭保洁员", "pay_zh": "35.00 元/小时", "pay_en": "35.00 yuan per hour", "address": "北京市朝阳区建国路88号", "time": "2026-11-28 08:00–12:00", "more_slots": 1, "url": "https://x.example/api/v1/shifts/5"});
        let p = serde_json::json!({"shift": shift, "unsubscribe_url": "https://x.example/api/v1/alerts/unsubscribe?token=abc"});
        let m = render(kind::ALERT_MATCH, &p, "a@example.com", 3, "h");
        assert!(m.subject.contains("家庭保洁员"), "{}", m.subject);
        for part in ["35.00 元/小时", "北京市朝阳区建国路88号", "2026-11-28 08:00–12:00", "另有 1 个时段", "token=abc", "35.00 yuan per hour", "unsubscribe"] {
            assert!(m.body.contains(part), "{part} missing from {}", m.body);
        }
        assert_eq!(m.unsubscribe_url.as_deref(), Some("https://x.example/api/v1/alerts/unsubscribe?token=abc"));
        let p = serde_json::json!({"shifts": [shift.clone(), shift], "unsubscribe_url": "https://x.example/u?token=abc"});
        let m = render(kind::ALERT_DIGEST, &p, "a@example.com", 4, "h");
        assert!(m.subject.contains("2 个新岗位"), "{}", m.subject);
        assert!(m.body.contains("1. 「家庭保洁员」") && m.body.contains("2. 「家庭保洁员」"), "{}", m.body);
    }
}
