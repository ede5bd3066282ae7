//! The in-app inbox's wording (站内信): the second renderer over [`Notification`], beside the mail
//! one (`mail::templates::render_mail`). An inbox item is short: a title and a sentence or two, in
//! Chinese with English. Items are stored as the notification (kind and payload) and worded here
//! when read, so a wording fix reaches old items too.
//!
//! The match has no catch-all arm: a new variant does not compile until it has its inbox wording.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::notification::{Answer, CancelledBy, Notification, ShiftClosed};

/// One notification as the inbox shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InboxItem {
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    /// What the item is about, as the API path of that resource (`/api/v1/engagements/{id}`,
    /// `/api/v1/shifts/{id}`, `/api/v1/reports/{id}`, `/api/v1/employers/{id}`,
    /// `/api/v1/workers/me/alerts`); the web pages with the same ids come later.
    pub link: String,
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, (fen % 100).abs())
}

fn engagement(id: i64) -> String {
    format!("/api/v1/engagements/{id}")
}

fn shift(id: i64) -> String {
    format!("/api/v1/shifts/{id}")
}

fn report(id: i64) -> String {
    format!("/api/v1/reports/{id}")
}

/// The inbox wording of a notification.
pub fn render(n: &Notification) -> InboxItem {
    use Notification as N;
    let item = |title_zh: String, title_en: String, body_zh: String, body_en: String, link: String| InboxItem { title_zh, title_en, body_zh, body_en, link };
    match n {
        N::ShiftApproved(m) => item(
            "岗位已通过审核".into(),
            "Shift approved".into(),
            format!("「{}」已通过审核，现已公开发布。", m.title),
            format!("\"{}\" passed review and is now published.", m.title),
            shift(m.shift_id),
        ),
        N::ShiftRejected(m) => item(
            "岗位未通过审核".into(),
            "Shift not approved".into(),
            format!("「{}」未通过审核：{}。修改后可重新提交。", m.title, m.reason.zh),
            format!("\"{}\" did not pass review: {}. You can edit it and submit it again.", m.title, m.reason.en),
            shift(m.shift_id),
        ),
        N::ShiftTakenDown(m) => item(
            "岗位已被下架".into(),
            "Shift taken down".into(),
            format!("「{}」已被管理部门下架：{}。", m.title, m.reason.zh),
            format!("\"{}\" was taken down by the bureau: {}.", m.title, m.reason.en),
            shift(m.shift_id),
        ),
        N::EmployerVerified(m) => item(
            "单位认证已通过".into(),
            "Employer verified".into(),
            format!("「{}」已通过认证，发布的岗位将显示认证标识。", m.name),
            format!("\"{}\" is verified; its shifts show the verified mark.", m.name),
            format!("/api/v1/employers/{}", m.employer_id),
        ),
        N::EmployerBlocked(m) => item(
            "单位已被暂停发布".into(),
            "Employer suspended".into(),
            format!("「{}」已被管理部门暂停发布岗位，原因：{}", m.name, m.reason),
            format!("\"{}\" was suspended from posting by the bureau. Reason: {}", m.name, m.reason),
            format!("/api/v1/employers/{}", m.employer_id),
        ),
        N::ReportReceived(m) => item(
            "举报已受理".into(),
            "Report received".into(),
            format!("您的举报（编号 {}）已登记，处理结果将通知您。", m.report_id),
            format!("Your report (no. {}) is on file; you will be told the outcome.", m.report_id),
            report(m.report_id),
        ),
        N::ReportResolved(m) => item(
            "举报已处理".into(),
            "Report closed".into(),
            format!("您的举报（编号 {}）已处理：{}", m.report_id, m.resolution),
            format!("Your report (no. {}) was closed: {}", m.report_id, m.resolution),
            report(m.report_id),
        ),
        N::ReportEmailConfirmation(m) => item(
            "请确认邮箱".into(),
            "Confirm your address".into(),
            format!("确认邮箱后，举报（编号 {}）的处理结果将发送到该邮箱。", m.report_id),
            format!("Confirm the address to be mailed the outcome of report no. {}.", m.report_id),
            report(m.report_id),
        ),
        N::AlertMatch(m) => item(
            format!("新职位：{}", m.shift.title),
            format!("New shift: {}", m.shift.title),
            format!("{}，{}，{}。", m.shift.pay_zh, m.shift.time, m.shift.address),
            format!("{}, {}, {}.", m.shift.pay_en, m.shift.time, m.shift.address),
            shift(m.shift.shift_id),
        ),
        N::AlertDigest(m) => item(
            format!("今日匹配职位 {} 个", m.shifts.len()),
            format!("{} matching shifts today", m.shifts.len()),
            format!("符合您提醒条件的新职位：{}。", m.shifts.iter().map(|s| format!("「{}」", s.title)).collect::<Vec<_>>().join("、")),
            format!("New shifts matching your alert: {}.", m.shifts.iter().map(|s| format!("\"{}\"", s.title)).collect::<Vec<_>>().join(", ")),
            "/api/v1/workers/me/alerts".into(),
        ),
        N::ApplicationReceived(m) => {
            let (zh, en) = match m.waitlist_position {
                Some(p) => (format!("已排入候补第 {p} 位"), format!(" and is number {p} on the waiting list")),
                None => ("请及时处理".to_string(), String::new()),
            };
            item(
                "收到新报名".into(),
                "New application".into(),
                format!("{} 报名了「{}」，{}。", m.worker_name, m.title, zh),
                format!("{} applied for \"{}\"{}.", m.worker_name, m.title, en),
                engagement(m.engagement_id),
            )
        }
        N::ApplicationAccepted(m) => item(
            "报名已被录用".into(),
            "Application accepted".into(),
            format!("{} 录用了您参加「{}」，{} 开工。", m.employer_name, m.title, m.starts),
            format!("{} accepted you for \"{}\", starting {}.", m.employer_name, m.title, m.starts),
            engagement(m.engagement_id),
        ),
        N::ApplicationDeclined(m) => item(
            "报名未被录用".into(),
            "Application declined".into(),
            format!("很遗憾，您报名的「{}」未被录用。", m.title),
            format!("Your application for \"{}\" was not accepted.", m.title),
            engagement(m.engagement_id),
        ),
        N::ClaimConfirmed(m) => item(
            "抢单成功".into(),
            "Shift claimed".into(),
            format!("您已确认参加「{}」，{} 开工，请按时到岗签到。", m.title, m.starts),
            format!("You are confirmed for \"{}\", starting {}. Please check in on time.", m.title, m.starts),
            engagement(m.engagement_id),
        ),
        N::Invitation(m) => item(
            "收到工作邀请".into(),
            "You are invited".into(),
            format!("{} 邀请您参加「{}」，{} 开工，请接受或谢绝。", m.employer_name, m.title, m.starts),
            format!("{} invites you to \"{}\", starting {}. Accept or decline it.", m.employer_name, m.title, m.starts),
            engagement(m.engagement_id),
        ),
        N::InvitationAnswered(m) => {
            let (tz, te, zh, en) = match m.answer {
                Answer::Accept => ("邀请已被接受", "Invitation accepted", "接受", "accepted"),
                Answer::Decline => ("邀请已被谢绝", "Invitation declined", "谢绝", "declined"),
            };
            item(
                tz.into(),
                te.into(),
                format!("劳动者{}了「{}」的邀请。", zh, m.title),
                format!("The worker {} the invitation to \"{}\".", en, m.title),
                engagement(m.engagement_id),
            )
        }
        N::EngagementCancelled(m) => {
            let late =
                |late: bool| if late { ("此次为临近开工的取消，已记录。", " It was a late cancellation and is on record.") } else { ("", "") };
            let (zh, en) = match m.by {
                CancelledBy::Worker { late: l } => {
                    let (lz, le) = late(l);
                    (format!("劳动者取消了「{}」。{lz}", m.title), format!("The worker cancelled \"{}\".{le}", m.title))
                }
                CancelledBy::Employer { late: l } => {
                    let (lz, le) = late(l);
                    (format!("用人单位取消了「{}」。{lz}", m.title), format!("The employer cancelled \"{}\".{le}", m.title))
                }
                CancelledBy::ShiftClosed { why } => {
                    let (wz, we) = match why {
                        ShiftClosed::Closed => ("岗位已由用人单位关闭", "the employer closed the shift"),
                        ShiftClosed::TakenDown => ("岗位已被管理部门下架", "the bureau took the shift down"),
                        ShiftClosed::EmployerBlocked => {
                            ("用人单位已被暂停发布，不计入您的取消记录", "the bureau suspended the employer; it does not count against you")
                        }
                        ShiftClosed::SlotsRemoved => ("用人单位取消了您所报的全部时段", "the employer removed every slot it was for"),
                    };
                    (format!("「{}」已结束：{wz}。", m.title), format!("\"{}\" has ended: {we}.", m.title))
                }
            };
            item("用工已取消".into(), "Engagement cancelled".into(), zh, en, engagement(m.engagement_id))
        }
        N::WaitlistOffer(m) => item(
            "候补名额空出".into(),
            "A place came free".into(),
            format!("「{}」空出名额，您是候补第一位，请尽快确认。", m.title),
            format!("A place on \"{}\" came free and you are first on the waiting list. Confirm it soon.", m.title),
            engagement(m.engagement_id),
        ),
        N::PlaceReoffered(m) => {
            let (lz, le) = if m.late { ("（临近开工取消，已记录）", " (a late cancellation, on record)") } else { ("", "") };
            let (oz, oe) = match m.offered_engagement_id {
                Some(_) => ("名额已转给候补第一位", "the place was offered to the first on the waiting list"),
                None => ("名额已重新开放", "the place is open again"),
            };
            item(
                "劳动者已取消".into(),
                "A worker cancelled".into(),
                format!("一名已确认的劳动者取消了「{}」{lz}，{oz}。", m.title),
                format!("A confirmed worker cancelled \"{}\"{le}; {oe}.", m.title),
                engagement(m.engagement_id),
            )
        }
        N::NoShowRecorded(m) => item(
            "已记录缺勤".into(),
            "No-show recorded".into(),
            format!("您未按时到岗参加「{}」，已记为缺勤。如有异议请联系用人单位或管理部门。", m.title),
            format!("You did not turn up for \"{}\" and a no-show is on record. If this is wrong, contact the employer or the bureau.", m.title),
            engagement(m.engagement_id),
        ),
        N::PayDue(m) => {
            let (cz, ce) = match m.computed_amount_fen {
                Some(c) if c != m.amount_fen => (format!("（按工资标准计算为 {} 元）", yuan(c)), format!(" (the pay terms give {} yuan)", yuan(c))),
                _ => (String::new(), String::new()),
            };
            item(
                format!("应付工资 {} 元", yuan(m.amount_fen)),
                format!("Pay due: {} yuan", yuan(m.amount_fen)),
                format!("「{}」已完工：工时 {} 小时，应付 {} 元{cz}，应于 {} 前结清。", m.title, m.hours, yuan(m.amount_fen), m.due),
                format!("\"{}\" is complete: {} hours, {} yuan due{ce}, to be paid by {}.", m.title, m.hours, yuan(m.amount_fen), m.due),
                engagement(m.engagement_id),
            )
        }
        N::PayOverdue(m) => {
            let (dz, de) = match &m.due {
                Some(d) => (format!("应于 {d} 前结清的"), format!(" due by {d}")),
                None => (String::new(), String::new()),
            };
            item(
                "工资逾期未付".into(),
                "Pay overdue".into(),
                format!("「{}」{dz}工资尚未确认收到。", m.title),
                format!("Pay for \"{}\"{de} has not been confirmed as received.", m.title),
                engagement(m.engagement_id),
            )
        }
        N::StationDigest(m) => {
            // The first three by name; the board (the link) has them all.
            let zh: Vec<String> = m.shifts.iter().take(3).map(|s| format!("「{}」", s.title)).collect();
            let en: Vec<String> = m.shifts.iter().take(3).map(|s| format!("\"{}\"", s.title)).collect();
            item(
                format!("今日附近新岗位 {} 个", m.shifts.len()),
                format!("{} new shifts near the station today", m.shifts.len()),
                format!("{}附近的新岗位：{}等。可打印岗位公告张贴。", m.station, zh.join("、")),
                format!("New shifts near {}: {} and more. Print the board to put them up.", m.station, en.join(", ")),
                format!("/api/v1/stations/{}", m.station_id),
            )
        }
        N::EventReminder(m) => item(
            "招聘会即将开始".into(),
            "Recruitment event soon".into(),
            format!("您报名关注的「{}」将于 {} 开始（{} 结束），主办：{}。", m.title, m.starts, m.ends, m.organiser),
            format!("\"{}\", which you registered for, starts at {} (ends {}), organised by {}.", m.title, m.starts, m.ends, m.organiser),
            format!("/api/v1/events/{}", m.event_id),
        ),
        N::SharingAgreement(m) => {
            let (zh, en) = m.words();
            item(
                "共享用工协议".into(),
                "Labour-sharing agreement".into(),
                format!("{}（借出方 {}，借入方 {}，{} 人，{} 至 {}）。", zh, m.lender, m.borrower, m.headcount, m.start_date, m.end_date),
                format!("{} ({} lends {} staff to {}, {} to {}).", en, m.lender, m.headcount, m.borrower, m.start_date, m.end_date),
                format!("/api/v1/sharing/agreements/{}", m.agreement_id),
            )
        }
        N::DoneForYou(m) => {
            let (zh, en) = m.words();
            let about = |zh: bool| match &m.subject {
                Some(t) if zh => format!("：「{t}」"),
                Some(t) => format!(": \"{t}\""),
                None => String::new(),
            };
            item(
                "服务站为您办理".into(),
                "Done for you at a station".into(),
                format!("{}的{}{}{}。如有疑问，请联系服务站。", m.station, m.staff, zh, about(true)),
                format!("{} at {} {}{}. Ask the station if anything is unclear.", m.staff, m.station, en, about(false)),
                match (m.engagement_id, m.shift_id) {
                    (Some(e), _) => engagement(e),
                    (None, Some(s)) => shift(s),
                    (None, None) => "/api/v1/inbox".into(),
                },
            )
        }
        N::TermsImproved(m) => {
            let mut zh = Vec::new();
            let mut en = Vec::new();
            if m.pay_raised {
                zh.push("提高了工资".to_string());
                en.push("raised the pay".to_string());
            }
            if m.slots_added > 0 {
                zh.push(format!("新增 {} 个时段", m.slots_added));
                en.push(format!("added {} slots", m.slots_added));
            }
            item(
                "用工条件已改善".into(),
                "Better terms".into(),
                format!("用人单位为「{}」{}。", m.title, zh.join("并")),
                format!("The employer {} for \"{}\".", en.join(" and "), m.title),
                engagement(m.engagement_id),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notification::tests::samples;

    /// Every variant (and every case inside one) words a title and a body in both languages and
    /// links to an API path; `samples` covers each variant (`every_variant_has_a_sample`).
    #[test]
    fn every_sample_renders_in_both_languages() {
        for n in samples() {
            let item = render(&n);
            for (what, text) in [("title_zh", &item.title_zh), ("title_en", &item.title_en), ("body_zh", &item.body_zh), ("body_en", &item.body_en)] {
                assert!(!text.trim().is_empty(), "{} has an empty {what}", n.kind());
                assert!(!text.contains("{}") && !text.contains("  "), "{} {what}: {text}", n.kind());
            }
            assert!(item.body_zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{}: {}", n.kind(), item.body_zh);
            assert!(item.title_en.is_ascii() || item.title_en.contains("家庭保洁员"), "{}: {}", n.kind(), item.title_en);
            assert!(item.link.starts_with("/api/v1/"), "{}: {}", n.kind(), item.link);
            assert!(item.body_zh.chars().count() <= 200 && item.body_en.len() <= 400, "{} is short", n.kind());
        }
    }

    #[test]
    fn links_point_at_what_the_item_is_about() {
        for n in samples() {
            let link = render(&n).link;
            let v: serde_json::Value = serde_json::from_str(&n.payload()).unwrap();
            if let Some(id) = v.get("engagement_id") {
                assert_eq!(link, format!("/api/v1/engagements/{id}"));
            } else if let Some(id) = v.get("report_id") {
                assert_eq!(link, format!("/api/v1/reports/{id}"));
            } else if let Some(id) = v.get("shift_id") {
                assert_eq!(link, format!("/api/v1/shifts/{id}"));
            }
        }
    }

    #[test]
    fn pay_is_shown_in_yuan() {
        assert_eq!(yuan(14005), "140.05");
        assert_eq!(yuan(9000), "90.00");
        assert_eq!(yuan(7), "0.07");
    }
}
