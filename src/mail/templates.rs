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
}

fn s<'a>(p: &'a Value, key: &str) -> &'a str {
    p.get(key).and_then(Value::as_str).unwrap_or("")
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
        other => (format!("lingong 通知（{other}）"), format!("lingong notice ({other})"), payload.to_string(), payload.to_string()),
    };
    Outgoing {
        to: to.to_string(),
        subject: format!("{subject_zh} / {subject_en}"),
        body: format!("{zh}\n\n—— English ——\n{en}\n\n（本邮件由系统自动发送，请勿直接回复。This message was sent automatically.）\n"),
        message_id: format!("<outbox-{event_id}@{host}>"),
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
        let m = render(kind::SHIFT_REJECTED, &p, "a@example.com", 1, "h");
        assert!(m.body.contains("含收费内容") && m.body.contains("asks workers to pay"));
    }
}
