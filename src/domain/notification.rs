//! What the service tells people, as values: one variant per message, whatever the channel.
//!
//! A use case builds a [`Notification`] and queues it (`services::outbox::enqueue`); how it reads
//! is the business of a channel's renderer, which matches on the enum without a catch-all arm, so
//! a new variant does not compile until every channel has its wording. Mail is the one channel
//! today (`mail::templates::render_mail`). The in-app inbox plugs in the same way: a second
//! renderer over this enum (say `inbox::render(&Notification) -> InboxItem`) fed from the same
//! outbox rows, with no call site changed.
//!
//! Stored form: the outbox keeps the kind in its own column and the fields in the payload, exactly
//! as the JSON rows written before this enum existed, so those rows still read. Field names are
//! therefore part of the stored format: rename one only with a serde alias for the old name.

use serde::{Deserialize, Serialize};

use crate::error::Msg;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notification {
    ShiftApproved(ShiftApproved),
    ShiftRejected(ShiftRejected),
    ShiftTakenDown(ShiftTakenDown),
    EmployerVerified(EmployerVerified),
    EmployerBlocked(EmployerBlocked),
    ReportReceived(ReportReceived),
    ReportResolved(ReportResolved),
    /// To an address given with an anonymous report: confirm it to be told the outcome.
    ReportEmailConfirmation(ReportEmailConfirmation),
    /// One newly published shift for an instant match alert.
    AlertMatch(AlertMatch),
    /// The day's matching shifts for a daily match alert.
    AlertDigest(AlertDigest),
    ApplicationReceived(ApplicationReceived),
    ApplicationAccepted(ApplicationAccepted),
    ApplicationDeclined(ApplicationDeclined),
    ClaimConfirmed(ClaimConfirmed),
    Invitation(Invitation),
    InvitationAnswered(InvitationAnswered),
    EngagementCancelled(EngagementCancelled),
    WaitlistOffer(WaitlistOffer),
    PlaceReoffered(PlaceReoffered),
    NoShowRecorded(NoShowRecorded),
    PayDue(PayDue),
    PayOverdue(PayOverdue),
    /// To a confirmed worker: the employer raised the pay or added slots.
    TermsImproved(TermsImproved),
    /// To a worker or employer: a community station's staff did something for them at the desk
    /// (registered them, applied or claimed, recorded a check-in, changed availability, posted).
    DoneForYou(DoneForYou),
    /// To a station's staff each morning: the shifts published nearby since yesterday, for the
    /// board and the people who come in (送岗位进社区).
    StationDigest(StationDigest),
    /// To a worker who registered interest in a recruitment event (专场招聘): it is tomorrow.
    EventReminder(EventReminder),
    /// To both enterprises of a labour-sharing agreement (共享用工): it was proposed or moved.
    SharingAgreement(SharingAgreement),
}

/// To the employer: the shift passed review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShiftApproved {
    pub shift_id: i64,
    pub title: String,
}

/// To the employer: the shift failed review, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShiftRejected {
    pub shift_id: i64,
    pub title: String,
    #[serde(flatten, with = "reason_fields")]
    pub reason: Msg,
}

/// To the employer: a moderator took the shift down, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShiftTakenDown {
    pub shift_id: i64,
    pub title: String,
    #[serde(flatten, with = "reason_fields")]
    pub reason: Msg,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmployerVerified {
    pub employer_id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmployerBlocked {
    pub employer_id: i64,
    pub name: String,
    /// The moderator's own words, in the language they wrote them.
    pub reason: String,
}

/// To the reporter, who may have no account: the report is on file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportReceived {
    pub report_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportResolved {
    pub report_id: i64,
    pub resolution: String,
}

/// The link that confirms an anonymous reporter's address; until it is opened, the outcome of
/// the report is not mailed there (so a report cannot make the service mail a stranger).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportEmailConfirmation {
    pub report_id: i64,
    pub confirm_url: String,
}

/// What an alert says about one shift, formatted when the alert was matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShiftSummary {
    pub shift_id: i64,
    pub title: String,
    pub pay_zh: String,
    pub pay_en: String,
    pub address: String,
    /// The first slot still ahead, in Beijing time.
    pub time: String,
    /// How many more slots follow it.
    pub more_slots: usize,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertMatch {
    pub subscription_id: i64,
    pub shift: ShiftSummary,
    /// Opens without sign-in; also sent as `List-Unsubscribe`.
    pub unsubscribe_url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertDigest {
    pub subscription_id: i64,
    pub shifts: Vec<ShiftSummary>,
    pub unsubscribe_url: String,
}

/// To the employer: a worker applied (or joined the waiting list when the shift is full).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationReceived {
    pub engagement_id: i64,
    pub title: String,
    pub worker_name: String,
    pub waitlist_position: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationAccepted {
    pub engagement_id: i64,
    pub title: String,
    pub employer_name: String,
    /// The first chosen slot's start, Beijing time, `YYYY-MM-DD HH:MM`.
    pub starts: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationDeclined {
    pub engagement_id: i64,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimConfirmed {
    pub engagement_id: i64,
    pub title: String,
    pub starts: String,
}

/// To the worker: an employer invites them to a shift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    pub engagement_id: i64,
    pub title: String,
    pub employer_name: String,
    pub starts: String,
}

/// To the employer: the worker accepted or declined the invitation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationAnswered {
    pub engagement_id: i64,
    pub title: String,
    pub answer: Answer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Accept,
    Decline,
}

/// To the other party of a cancelled engagement, or to the worker when its shift closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngagementCancelled {
    pub engagement_id: i64,
    pub title: String,
    /// Stored as `by` beside the other fields, with `late` or `why` as that case has.
    #[serde(flatten)]
    pub by: CancelledBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum CancelledBy {
    /// `late`: inside the late-cancellation window, and on record.
    Worker {
        late: bool,
    },
    Employer {
        late: bool,
    },
    /// The shift itself closed, so what was open on it ended.
    ShiftClosed {
        why: ShiftClosed,
    },
}

/// Why a shift closed with engagements still open on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShiftClosed {
    /// The employer closed it.
    Closed,
    /// A moderator took it down.
    TakenDown,
    /// Staff blocked the employer.
    EmployerBlocked,
    /// The employer removed every slot an application or invitation was for.
    SlotsRemoved,
}

impl ShiftClosed {
    /// As engagement events record it.
    pub fn as_str(self) -> &'static str {
        match self {
            ShiftClosed::Closed => "closed",
            ShiftClosed::TakenDown => "taken_down",
            ShiftClosed::EmployerBlocked => "employer_blocked",
            ShiftClosed::SlotsRemoved => "slots_removed",
        }
    }
}

/// To a confirmed worker: the terms changed in their favour (more pay, more slots to take).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermsImproved {
    pub engagement_id: i64,
    pub title: String,
    pub pay_raised: bool,
    pub slots_added: usize,
}

/// To the worker first on the waiting list: a place came free.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitlistOffer {
    pub engagement_id: i64,
    pub title: String,
}

/// To the employer: a confirmed worker cancelled, the place is open again, and who was offered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceReoffered {
    pub engagement_id: i64,
    pub title: String,
    pub late: bool,
    pub offered_engagement_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoShowRecorded {
    pub engagement_id: i64,
    pub title: String,
}

/// To the worker: the employer marked the work complete; what is owed and by when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayDue {
    pub engagement_id: i64,
    pub title: String,
    /// Hours worked with two decimals, as the mail shows them.
    pub hours: String,
    pub amount_fen: i64,
    /// What the pay terms give for the hours; none for piece rates.
    pub computed_amount_fen: Option<i64>,
    /// Beijing time, `YYYY-MM-DD HH:MM`.
    pub due: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationDigest {
    pub station_id: i64,
    pub station: String,
    /// The local day, `YYYY-MM-DD`.
    pub day: String,
    pub shifts: Vec<ShiftSummary>,
    pub board_url: String,
}

/// A recruitment event a worker registered interest in, shortly before it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventReminder {
    pub event_id: i64,
    pub title: String,
    /// Beijing time, `YYYY-MM-DD HH:MM`.
    pub starts: String,
    pub ends: String,
    /// The venue, for events held on site.
    pub address: Option<String>,
    /// The link to join, for events held online.
    pub online_url: Option<String>,
    pub organiser: String,
    /// The event's page.
    pub url: String,
}

/// What a station did for someone, by whom; `what` is one of [`DoneForYou::WHATS`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoneForYou {
    pub station: String,
    pub staff: String,
    pub what: String,
    /// The shift's title, where it was about one.
    pub subject: Option<String>,
    pub engagement_id: Option<i64>,
    pub shift_id: Option<i64>,
}

impl DoneForYou {
    pub const WHATS: [&'static str; 7] = ["registered", "applied", "claim_code", "check_in", "availability", "posted", "employer_registered"];

    /// The action in words, (zh, en).
    pub fn words(&self) -> (&'static str, &'static str) {
        match self.what.as_str() {
            "registered" => ("为您办理了求职登记", "registered you as a job seeker"),
            "applied" => ("为您报名了岗位", "applied for a shift for you"),
            "claim_code" => ("为您的账号发放了新的领取码（旧码作废）", "issued a new claim code for your account (older codes no longer work)"),
            "check_in" => ("按您的电话为您登记了签到", "recorded your check-in from your phone call"),
            "availability" => ("更新了您的空闲时间", "updated when you are available"),
            "posted" => ("为您发布了岗位", "posted a shift for you"),
            "employer_registered" => ("为您办理了用工登记（现场核验）", "registered you as an employer after checking your papers in person"),
            _ => ("为您办理了业务", "acted for you"),
        }
    }
}

/// A labour-sharing agreement changed; `event` is one of [`SharingAgreement::EVENTS`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharingAgreement {
    pub agreement_id: i64,
    pub event: String,
    pub lender: String,
    pub borrower: String,
    pub headcount: i64,
    pub start_date: String,
    pub end_date: String,
}

impl SharingAgreement {
    pub const EVENTS: [&'static str; 7] = ["proposed", "agreed_by_lender", "agreed_by_borrower", "agreed", "running", "ended", "cancelled"];

    /// The event in words, (zh, en).
    pub fn words(&self) -> (&'static str, &'static str) {
        match self.event.as_str() {
            "proposed" => ("工作人员拟定了共享用工协议，请双方单位确认", "staff proposed a labour-sharing agreement; both enterprises are asked to agree"),
            "agreed_by_lender" => ("借出方单位已同意，等待借入方单位同意", "the lending enterprise agreed; waiting for the borrowing one"),
            "agreed_by_borrower" => ("借入方单位已同意，等待借出方单位同意", "the borrowing enterprise agreed; waiting for the lending one"),
            "agreed" => ("双方单位均已同意", "both enterprises agreed"),
            "running" => ("共享用工已开始", "the shared staff have started"),
            "ended" => ("共享用工已结束", "the sharing has ended"),
            "cancelled" => ("协议已取消", "the agreement was cancelled"),
            _ => ("协议有更新", "the agreement changed"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayOverdue {
    pub engagement_id: i64,
    pub title: String,
    pub due: Option<String>,
}

/// A stored row that does not read as a notification: a kind this build does not know, or a
/// payload missing a field or holding the wrong type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("outbox payload of kind {kind:?} does not read as a notification: {detail}")]
pub struct Unreadable {
    pub kind: String,
    pub detail: String,
}

impl Notification {
    /// The kind column, the same string as serde's tag.
    pub fn kind(&self) -> &'static str {
        match self {
            Notification::ShiftApproved(_) => "shift_approved",
            Notification::ShiftRejected(_) => "shift_rejected",
            Notification::ShiftTakenDown(_) => "shift_taken_down",
            Notification::EmployerVerified(_) => "employer_verified",
            Notification::EmployerBlocked(_) => "employer_blocked",
            Notification::ReportReceived(_) => "report_received",
            Notification::ReportResolved(_) => "report_resolved",
            Notification::ReportEmailConfirmation(_) => "report_email_confirmation",
            Notification::AlertMatch(_) => "alert_match",
            Notification::AlertDigest(_) => "alert_digest",
            Notification::ApplicationReceived(_) => "application_received",
            Notification::ApplicationAccepted(_) => "application_accepted",
            Notification::ApplicationDeclined(_) => "application_declined",
            Notification::ClaimConfirmed(_) => "claim_confirmed",
            Notification::Invitation(_) => "invitation",
            Notification::InvitationAnswered(_) => "invitation_answered",
            Notification::EngagementCancelled(_) => "engagement_cancelled",
            Notification::WaitlistOffer(_) => "waitlist_offer",
            Notification::PlaceReoffered(_) => "place_reoffered",
            Notification::NoShowRecorded(_) => "no_show_recorded",
            Notification::PayDue(_) => "pay_due",
            Notification::PayOverdue(_) => "pay_overdue",
            Notification::TermsImproved(_) => "terms_improved",
            Notification::DoneForYou(_) => "done_for_you",
            Notification::StationDigest(_) => "station_digest",
            Notification::EventReminder(_) => "event_reminder",
            Notification::SharingAgreement(_) => "sharing_agreement",
        }
    }

    /// The payload column: the fields without the tag, which the kind column holds.
    pub fn payload(&self) -> String {
        let mut v = serde_json::to_value(self).expect("a notification has only string keys");
        if let Some(fields) = v.as_object_mut() {
            fields.remove("kind");
        }
        v.to_string()
    }

    /// Reads a stored row back. The kind column decides the variant; a payload that lacks a field
    /// or holds the wrong type is refused rather than read with blanks.
    pub fn from_stored(kind: &str, payload: &str) -> Result<Notification, Unreadable> {
        let unreadable = |detail: String| Unreadable { kind: kind.to_string(), detail };
        let mut fields: serde_json::Map<String, serde_json::Value> = serde_json::from_str(payload).map_err(|e| unreadable(e.to_string()))?;
        fields.insert("kind".to_string(), kind.into());
        serde_json::from_value(serde_json::Value::Object(fields)).map_err(|e| unreadable(e.to_string()))
    }
}

/// A moderator's reason in both languages, stored as `reason_zh` and `reason_en` beside the other
/// fields (the layout the payloads have always had).
mod reason_fields {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::error::Msg;

    #[derive(Serialize)]
    struct Out<'a> {
        reason_zh: &'a str,
        reason_en: &'a str,
    }

    #[derive(Deserialize)]
    struct In {
        reason_zh: String,
        reason_en: String,
    }

    pub fn serialize<S: Serializer>(m: &Msg, s: S) -> Result<S::Ok, S::Error> {
        Out { reason_zh: &m.zh, reason_en: &m.en }.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Msg, D::Error> {
        let In { reason_zh, reason_en } = In::deserialize(d)?;
        Ok(Msg::new(reason_zh, reason_en))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn summary(shift_id: i64, more_slots: usize) -> ShiftSummary {
        ShiftSummary {
            shift_id,
            title: "家庭保洁员".into(),
            pay_zh: "35.00 元/小时".into(),
            pay_en: "35.00 yuan per hour".into(),
            address: "北京市朝阳区建国路88号".into(),
            time: "2026-11-28 08:00–12:00".into(),
            more_slots,
            url: format!("https://x.example/shifts/{shift_id}"),
        }
    }

    /// One of each variant and of each case inside one; `every_variant_has_a_sample` keeps it whole.
    pub(crate) fn samples() -> Vec<Notification> {
        use Notification as N;
        let title = || "家庭保洁员".to_string();
        let cancelled = |by| N::EngagementCancelled(EngagementCancelled { engagement_id: 12, title: title(), by });
        vec![
            N::ShiftApproved(ShiftApproved { shift_id: 7, title: title() }),
            N::ShiftRejected(ShiftRejected { shift_id: 7, title: title(), reason: Msg::new("含收费内容", "asks workers to pay") }),
            N::ShiftTakenDown(ShiftTakenDown { shift_id: 7, title: title(), reason: Msg::new("虚假信息", "false information") }),
            N::EmployerVerified(EmployerVerified { employer_id: 4, name: "某公司".into() }),
            N::EmployerBlocked(EmployerBlocked { employer_id: 4, name: "某公司".into(), reason: "拖欠工资".into() }),
            N::ReportReceived(ReportReceived { report_id: 3 }),
            N::ReportResolved(ReportResolved { report_id: 3, resolution: "岗位已下架".into() }),
            N::AlertMatch(AlertMatch {
                subscription_id: 2,
                shift: summary(5, 1),
                unsubscribe_url: "https://x.example/api/v1/alerts/unsubscribe?token=abc".into(),
            }),
            N::AlertDigest(AlertDigest {
                subscription_id: 2,
                shifts: vec![summary(5, 0), summary(6, 2)],
                unsubscribe_url: "https://x.example/u?token=abc".into(),
            }),
            N::ApplicationReceived(ApplicationReceived { engagement_id: 12, title: title(), worker_name: "李秀英".into(), waitlist_position: Some(2) }),
            N::ApplicationAccepted(ApplicationAccepted {
                engagement_id: 12,
                title: title(),
                employer_name: "某公司".into(),
                starts: "2026-11-28 08:00".into(),
            }),
            N::ApplicationDeclined(ApplicationDeclined { engagement_id: 12, title: title() }),
            N::ClaimConfirmed(ClaimConfirmed { engagement_id: 12, title: title(), starts: "2026-11-28 08:00".into() }),
            N::Invitation(Invitation { engagement_id: 12, title: title(), employer_name: "某公司".into(), starts: "2026-11-28 08:00".into() }),
            N::InvitationAnswered(InvitationAnswered { engagement_id: 12, title: title(), answer: Answer::Accept }),
            N::InvitationAnswered(InvitationAnswered { engagement_id: 12, title: title(), answer: Answer::Decline }),
            cancelled(CancelledBy::Worker { late: true }),
            cancelled(CancelledBy::Employer { late: false }),
            cancelled(CancelledBy::ShiftClosed { why: ShiftClosed::Closed }),
            cancelled(CancelledBy::ShiftClosed { why: ShiftClosed::TakenDown }),
            N::WaitlistOffer(WaitlistOffer { engagement_id: 13, title: title() }),
            N::PlaceReoffered(PlaceReoffered { engagement_id: 12, title: title(), late: true, offered_engagement_id: Some(13) }),
            N::PlaceReoffered(PlaceReoffered { engagement_id: 12, title: title(), late: false, offered_engagement_id: None }),
            N::NoShowRecorded(NoShowRecorded { engagement_id: 12, title: title() }),
            N::PayDue(PayDue {
                engagement_id: 12,
                title: title(),
                hours: "4.00".into(),
                amount_fen: 14005,
                computed_amount_fen: Some(14000),
                due: "2026-11-29 12:00".into(),
            }),
            N::PayDue(PayDue {
                engagement_id: 12,
                title: title(),
                hours: "4.00".into(),
                amount_fen: 9000,
                computed_amount_fen: None,
                due: "2026-11-29 12:00".into(),
            }),
            N::PayOverdue(PayOverdue { engagement_id: 12, title: title(), due: Some("2026-11-29 12:00".into()) }),
            N::TermsImproved(TermsImproved { engagement_id: 12, title: title(), pay_raised: true, slots_added: 2 }),
            cancelled(CancelledBy::ShiftClosed { why: ShiftClosed::EmployerBlocked }),
            cancelled(CancelledBy::ShiftClosed { why: ShiftClosed::SlotsRemoved }),
            N::ReportEmailConfirmation(ReportEmailConfirmation {
                report_id: 3,
                confirm_url: "https://x.example/api/v1/reports/3/confirm-email?token=abc".into(),
            }),
            N::DoneForYou(DoneForYou {
                station: "望京街道社区就业服务站".into(),
                staff: "王老师".into(),
                what: "applied".into(),
                subject: Some(title()),
                engagement_id: Some(12),
                shift_id: Some(5),
            }),
            N::StationDigest(StationDigest {
                station_id: 3,
                station: "望京街道社区就业服务站".into(),
                day: "2026-12-02".into(),
                shifts: vec![summary(5, 0), summary(6, 2)],
                board_url: "https://x.example/stations/3/board".into(),
            }),
            N::EventReminder(EventReminder {
                event_id: 4,
                title: "高校毕业生专场招聘会".into(),
                starts: "2026-12-06 09:00".into(),
                ends: "2026-12-06 12:00".into(),
                address: Some("北京市朝阳区建国路100号".into()),
                online_url: None,
                organiser: "朝阳区人力资源和社会保障局".into(),
                url: "https://x.example/events/4".into(),
            }),
            N::SharingAgreement(SharingAgreement {
                agreement_id: 8,
                event: "proposed".into(),
                lender: "甲公司".into(),
                borrower: "乙公司".into(),
                headcount: 3,
                start_date: "2026-12-05".into(),
                end_date: "2026-12-20".into(),
            }),
        ]
    }

    /// The variant's place in the declaration. No catch-all arm: a new variant must be added here,
    /// and then `every_variant_has_a_sample` fails until `samples` has one.
    fn ordinal(n: &Notification) -> usize {
        use Notification as N;
        match n {
            N::ShiftApproved(_) => 0,
            N::ShiftRejected(_) => 1,
            N::ShiftTakenDown(_) => 2,
            N::EmployerVerified(_) => 3,
            N::EmployerBlocked(_) => 4,
            N::ReportReceived(_) => 5,
            N::ReportResolved(_) => 6,
            N::AlertMatch(_) => 7,
            N::AlertDigest(_) => 8,
            N::ApplicationReceived(_) => 9,
            N::ApplicationAccepted(_) => 10,
            N::ApplicationDeclined(_) => 11,
            N::ClaimConfirmed(_) => 12,
            N::Invitation(_) => 13,
            N::InvitationAnswered(_) => 14,
            N::EngagementCancelled(_) => 15,
            N::WaitlistOffer(_) => 16,
            N::PlaceReoffered(_) => 17,
            N::NoShowRecorded(_) => 18,
            N::PayDue(_) => 19,
            N::PayOverdue(_) => 20,
            N::TermsImproved(_) => 21,
            N::ReportEmailConfirmation(_) => 22,
            N::DoneForYou(_) => 23,
            N::StationDigest(_) => 24,
            N::EventReminder(_) => 25,
            N::SharingAgreement(_) => 26,
        }
    }
    const VARIANTS: usize = 27;

    #[test]
    fn every_variant_has_a_sample() {
        let mut seen = [false; VARIANTS];
        for n in samples() {
            seen[ordinal(&n)] = true;
        }
        let missing: Vec<usize> = (0..VARIANTS).filter(|i| !seen[*i]).collect();
        assert!(missing.is_empty(), "variants without a sample (by ordinal): {missing:?}");
    }

    #[test]
    fn stored_form_round_trips_with_the_kind_in_its_own_column() {
        for n in samples() {
            let payload = n.payload();
            let fields: serde_json::Value = serde_json::from_str(&payload).unwrap();
            assert!(fields.get("kind").is_none(), "{payload}");
            assert_eq!(serde_json::to_value(&n).unwrap()["kind"], n.kind(), "kind() agrees with serde's tag");
            assert_eq!(Notification::from_stored(n.kind(), &payload).as_ref(), Ok(&n), "{payload}");
        }
    }

    /// Payloads as the `json!` call sites wrote them before this enum, one per kind.
    #[test]
    fn payloads_written_before_the_enum_still_read() {
        use serde_json::json;
        let old = |kind: &str, v: serde_json::Value| Notification::from_stored(kind, &v.to_string()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            old("shift_approved", json!({"shift_id": 7, "title": "保洁", "reason_zh": null, "reason_en": null})),
            Notification::ShiftApproved(ShiftApproved { shift_id: 7, title: "保洁".into() })
        );
        assert_eq!(
            old("shift_rejected", json!({"shift_id": 7, "title": "保洁", "reason_zh": "含收费内容", "reason_en": "asks workers to pay"})),
            Notification::ShiftRejected(ShiftRejected { shift_id: 7, title: "保洁".into(), reason: Msg::new("含收费内容", "asks workers to pay") })
        );
        assert!(matches!(
            old("shift_taken_down", json!({"shift_id": 7, "title": "保洁", "reason_zh": "虚假", "reason_en": "false"})),
            Notification::ShiftTakenDown(ShiftTakenDown { shift_id: 7, .. })
        ));
        assert!(matches!(old("employer_verified", json!({"employer_id": 4, "name": "某公司"})), Notification::EmployerVerified(_)));
        assert!(matches!(
            old("employer_blocked", json!({"employer_id": 4, "name": "某公司", "reason": "拖欠"})),
            Notification::EmployerBlocked(EmployerBlocked { employer_id: 4, .. })
        ));
        assert_eq!(old("report_received", json!({"report_id": 3})), Notification::ReportReceived(ReportReceived { report_id: 3 }));
        assert!(matches!(old("report_resolved", json!({"report_id": 3, "resolution": "已处理"})), Notification::ReportResolved(_)));
        let shift = json!({"shift_id": 5, "title": "家庭保洁员", "pay_zh": "35.00 元/小时", "pay_en": "35.00 yuan per hour", "address": "北京市朝阳区建国路88号", "time": "2026-11-28 08:00–12:00", "more_slots": 1, "url": "https://x.example/shifts/5"});
        assert_eq!(
            old("alert_match", json!({"subscription_id": 2, "shift": shift, "unsubscribe_url": "https://x.example/api/v1/alerts/unsubscribe?token=abc"})),
            samples()[7]
        );
        match old("alert_digest", json!({"subscription_id": 2, "shifts": [shift, shift], "unsubscribe_url": "u"})) {
            Notification::AlertDigest(d) => assert_eq!(d.shifts.len(), 2),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            old("application_received", json!({"engagement_id": 12, "title": "家庭保洁员", "worker_name": "李秀英", "waitlist_position": null})),
            Notification::ApplicationReceived(ApplicationReceived {
                engagement_id: 12,
                title: "家庭保洁员".into(),
                worker_name: "李秀英".into(),
                waitlist_position: None
            })
        );
        assert!(matches!(
            old("application_accepted", json!({"engagement_id": 12, "title": "t", "employer_name": "某公司", "starts": "2026-11-28 08:00"})),
            Notification::ApplicationAccepted(_)
        ));
        // The decline call site wrote its fields in another order; order never mattered.
        assert!(matches!(old("application_declined", json!({"title": "t", "engagement_id": 12})), Notification::ApplicationDeclined(_)));
        assert!(matches!(old("claim_confirmed", json!({"engagement_id": 12, "title": "t", "starts": ""})), Notification::ClaimConfirmed(_)));
        assert!(matches!(old("invitation", json!({"engagement_id": 12, "title": "t", "employer_name": "e", "starts": "s"})), Notification::Invitation(_)));
        assert_eq!(
            old("invitation_answered", json!({"engagement_id": 12, "title": "t", "answer": "decline"})),
            Notification::InvitationAnswered(InvitationAnswered { engagement_id: 12, title: "t".into(), answer: Answer::Decline })
        );
        let by = |v: serde_json::Value| match old("engagement_cancelled", v) {
            Notification::EngagementCancelled(c) => c.by,
            other => panic!("{other:?}"),
        };
        assert_eq!(by(json!({"engagement_id": 12, "title": "t", "by": "worker", "late": true})), CancelledBy::Worker { late: true });
        assert_eq!(by(json!({"engagement_id": 12, "title": "t", "by": "employer", "late": false})), CancelledBy::Employer { late: false });
        assert_eq!(
            by(json!({"engagement_id": 12, "title": "t", "by": "shift_closed", "why": "taken_down"})),
            CancelledBy::ShiftClosed { why: ShiftClosed::TakenDown }
        );
        assert_eq!(
            by(json!({"engagement_id": 12, "title": "t", "by": "shift_closed", "why": "closed"})),
            CancelledBy::ShiftClosed { why: ShiftClosed::Closed }
        );
        assert!(matches!(old("waitlist_offer", json!({"engagement_id": 13, "title": "t"})), Notification::WaitlistOffer(_)));
        assert_eq!(
            old("place_reoffered", json!({"engagement_id": 12, "title": "t", "late": false, "offered_engagement_id": null})),
            Notification::PlaceReoffered(PlaceReoffered { engagement_id: 12, title: "t".into(), late: false, offered_engagement_id: None })
        );
        assert!(matches!(old("no_show_recorded", json!({"engagement_id": 12, "title": "t"})), Notification::NoShowRecorded(_)));
        assert_eq!(
            old(
                "pay_due",
                json!({"engagement_id": 12, "title": "t", "hours": "4.00", "amount_fen": 14005, "computed_amount_fen": null, "due": "2026-11-29 12:00"})
            ),
            Notification::PayDue(PayDue {
                engagement_id: 12,
                title: "t".into(),
                hours: "4.00".into(),
                amount_fen: 14005,
                computed_amount_fen: None,
                due: "2026-11-29 12:00".into()
            })
        );
        assert!(matches!(old("pay_overdue", json!({"engagement_id": 12, "title": "t", "due": null})), Notification::PayOverdue(PayOverdue { due: None, .. })));
    }

    #[test]
    fn a_corrupt_or_unknown_row_is_refused() {
        let refused = |kind: &str, payload: &str| Notification::from_stored(kind, payload).expect_err(payload);
        let e = refused("pay_due", r#"{"engagement_id": 12, "title": "t"}"#);
        assert!(e.detail.contains("hours"), "names the missing field: {e}");
        let e = refused("pay_due", r#"{"engagement_id": "12", "title": "t", "hours": "1", "amount_fen": 1, "computed_amount_fen": 1, "due": "d"}"#);
        assert!(e.detail.contains(r#"string "12", expected i64"#), "says what is wrong: {e}");
        let e = refused("shift_rejected", r#"{"shift_id": 7, "title": "t", "reason_zh": null, "reason_en": null}"#);
        assert!(e.detail.contains("null, expected a string"), "{e}");
        assert!(refused("engagement_cancelled", r#"{"engagement_id": 1, "title": "t", "by": "system", "late": false}"#).detail.contains("system"));
        assert!(refused("invitation_answered", r#"{"engagement_id": 1, "title": "t", "answer": "maybe"}"#).detail.contains("maybe"));
        assert!(refused("no_such_kind", r#"{"engagement_id": 1}"#).detail.contains("no_such_kind"));
        refused("report_received", "not json");
        refused("report_received", "[1]");
        assert_eq!(refused("report_received", "{}").kind, "report_received");
    }
}
