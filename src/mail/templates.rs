//! Mail templates: Chinese first, with the English alternative below it in the same message.
//! The texts live in `templates/mail/`, one file per notification, laid out by
//! `templates/mail/layout.txt`.

use askama::Template;

use crate::domain::notification::Notification;
use crate::mail::Outgoing;

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
        N::ReportEmailConfirmation(m) => (files::ReportEmailConfirmation { m }.render()?, None),
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
        N::TermsImproved(m) => (files::TermsImproved { m }.render()?, None),
        N::DoneForYou(m) => (files::DoneForYou { m }.render()?, None),
        N::StationDigest(m) => (files::StationDigest { m }.render()?, None),
        N::EventReminder(m) => (files::EventReminder { m }.render()?, None),
        N::SharingAgreement(m) => (files::SharingAgreement { m }.render()?, None),
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
        ReportEmailConfirmation => "mail/report_email_confirmation.txt",
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
        TermsImproved => "mail/terms_improved.txt",
        DoneForYou => "mail/done_for_you.txt",
        StationDigest => "mail/station_digest.txt",
        EventReminder => "mail/event_reminder.txt",
        SharingAgreement => "mail/sharing_agreement.txt",
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
    use crate::domain::notification::tests::samples;
    use crate::domain::notification::*;
    use crate::error::Msg;

    fn mail(n: &Notification) -> Outgoing {
        render_mail(n, "a@example.com", 9, "lingong.localhost").unwrap()
    }

    #[test]
    fn every_variant_renders_both_languages() {
        for n in samples() {
            let m = mail(&n);
            let (zh, en) = m.subject.split_once(" / ").unwrap_or_else(|| panic!("{n:?}: {}", m.subject));
            assert!(!zh.is_empty() && !en.is_empty() && en.is_ascii(), "{n:?}: {}", m.subject);
            let (body_zh, body_en) = m.body.split_once("\n\n—— English ——\n").unwrap_or_else(|| panic!("{n:?}: {}", m.body));
            assert!(!body_zh.trim().is_empty() && !body_en.trim().is_empty(), "{n:?}: {}", m.body);
            assert!(!body_zh.contains("{{") && !body_en.contains("{%"), "no template syntax left over: {}", m.body);
            assert!(m.body.ends_with("This message was sent automatically.）\n"), "{n:?}: {}", m.body);
            assert_eq!(m.message_id, "<outbox-9@lingong.localhost>");
            assert_eq!(
                m.unsubscribe_url.is_some(),
                matches!(n, Notification::AlertMatch(_) | Notification::AlertDigest(_)),
                "only alerts carry an unsubscribe link"
            );
        }
    }

    #[test]
    fn a_whole_mail_reads_as_it_always_has() {
        let n = Notification::ShiftRejected(ShiftRejected {
            shift_id: 7, title: "家庭保洁员".into(), reason: Msg::new("含收费内容", "asks workers to pay")
        });
        let m = mail(&n);
        assert_eq!(m.subject, "岗位「家庭保洁员」未通过审核 / Your shift was not approved");
        assert_eq!(
            m.body,
            "您发布的岗位「家庭保洁员」（编号 7）未通过审核。\n原因：含收费内容\n修改后可重新提交。\n\n—— English ——\n\
             Your shift \"家庭保洁员\" (id 7) was not approved.\nReason: asks workers to pay\nYou can edit it and submit it again.\n\n\
             （本邮件由系统自动发送，请勿直接回复。This message was sent automatically.）\n"
        );
        assert_eq!(m.to, "a@example.com");
    }

    /// The mail of the first sample that `pick` accepts.
    fn sample(pick: impl Fn(&Notification) -> bool) -> Outgoing {
        mail(&samples().into_iter().find(|n| pick(n)).expect("a sample for this case"))
    }

    #[test]
    fn each_case_has_its_own_wording() {
        use Notification as N;
        let answered = |answer| sample(|n| matches!(n, N::InvitationAnswered(a) if a.answer == answer)).body;
        assert!(answered(Answer::Accept).contains("已被接受") && answered(Answer::Accept).contains("was accepted"));
        assert!(answered(Answer::Decline).contains("已被婉拒") && answered(Answer::Decline).contains("was declined"));
        let cancelled = |by| sample(|n| matches!(n, N::EngagementCancelled(c) if c.by == by)).body;
        let m = cancelled(CancelledBy::Worker { late: true });
        assert!(m.contains("已由劳动者取消。此次为临近开工的取消") && m.contains("by the worker. It was a late cancellation"), "{m}");
        let m = cancelled(CancelledBy::Employer { late: false });
        assert!(m.contains("已由用人单位取消。\n") && m.contains("cancelled by the employer.\n"), "{m}");
        let m = cancelled(CancelledBy::ShiftClosed { why: ShiftClosed::Closed });
        assert!(m.contains("由用人单位关闭") && m.contains("closed by the employer"), "{m}");
        let m = cancelled(CancelledBy::ShiftClosed { why: ShiftClosed::TakenDown });
        assert!(m.contains("被管理部门下架") && m.contains("taken down by the bureau"), "{m}");
        let m = sample(|n| matches!(n, N::PlaceReoffered(p) if p.late && p.offered_engagement_id.is_some())).body;
        assert!(m.contains("（临近开工取消，已记录）") && m.contains("已通知候补第一位（编号 13）") && m.contains("(engagement 13) was offered"), "{m}");
        let m = sample(|n| matches!(n, N::PlaceReoffered(p) if !p.late && p.offered_engagement_id.is_none())).body;
        assert!(!m.contains("临近开工") && !m.contains("候补") && !m.contains("waiting list"), "{m}");
        let m = sample(|n| matches!(n, N::PayDue(p) if p.computed_amount_fen.is_some()));
        assert!(m.subject.contains("140.05") && m.body.contains("按工资标准计算为 140.00 元"), "{}", m.body);
        let m = sample(|n| matches!(n, N::PayDue(p) if p.computed_amount_fen.is_none())).body;
        assert!(m.contains("按工资标准计算为 — 元"), "piece rates have no computed amount: {m}");
    }

    #[test]
    fn alerts_carry_the_shift_and_the_unsubscribe_link() {
        let m = sample(|n| matches!(n, Notification::AlertMatch(_)));
        assert!(m.subject.contains("家庭保洁员"), "{}", m.subject);
        for part in [
            "35.00 元/小时",
            "北京市朝阳区建国路88号",
            "2026-11-28 08:00–12:00",
            "另有 1 个时段",
            "token=abc",
            "35.00 yuan per hour",
            "(and 1 more)",
            "unsubscribe",
        ] {
            assert!(m.body.contains(part), "{part} missing from {}", m.body);
        }
        assert_eq!(m.unsubscribe_url.as_deref(), Some("https://x.example/api/v1/alerts/unsubscribe?token=abc"));
        let m = sample(|n| matches!(n, Notification::AlertDigest(_)));
        assert!(m.subject.contains("2 个新岗位"), "{}", m.subject);
        assert!(m.body.contains("：\n\n1. 「家庭保洁员」") && m.body.contains("/shifts/5\n\n2. 「家庭保洁员」"), "{}", m.body);
        assert!(m.body.contains("/shifts/6\n\n不想再收到") && m.body.contains("另有 2 个时段") && !m.body.contains("另有 0"), "{}", m.body);
    }

    #[test]
    fn the_subject_stays_on_one_line() {
        let title = "家庭保洁员\n（日结）".to_string();
        let n = Notification::Invitation(Invitation { engagement_id: 1, title: title.clone(), employer_name: "某\r\n公司".into(), starts: "s".into() });
        let m = mail(&n);
        assert_eq!(m.subject, "「某 公司」邀请您参加「家庭保洁员 （日结）」 / You are invited to a shift");
        assert!(m.body.starts_with("用人单位「某\r\n公司」邀请您参加「家庭保洁员\n（日结）」"), "the body keeps the text as written: {}", m.body);
    }
}
