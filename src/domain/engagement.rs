//! The engagement state machine and the pure rules around it: pay from pay terms and recorded
//! time, the settlement due date, and reliability from profile statistics. Every state change of an
//! engagement goes through `transition` (or `open` for the first state), so the rules live here once.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{Pay, PayUnit, Settlement};

/// Where an engagement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Applied,
    Invited,
    Confirmed,
    Declined,
    Withdrawn,
    Cancelled,
    CheckedIn,
    CheckedOut,
    NoShow,
    Completed,
    Paid,
    Disputed,
    Overdue,
}

/// How storage reads a stored state: an unknown one is corrupt data, an error.
impl TryFrom<String> for State {
    type Error = crate::domain::UnknownCode;
    fn try_from(s: String) -> Result<State, Self::Error> {
        State::parse(&s).ok_or(crate::domain::UnknownCode { set: "State", value: s })
    }
}

impl State {
    pub const ALL: &'static [State] = &[
        State::Applied,
        State::Invited,
        State::Confirmed,
        State::Declined,
        State::Withdrawn,
        State::Cancelled,
        State::CheckedIn,
        State::CheckedOut,
        State::NoShow,
        State::Completed,
        State::Paid,
        State::Disputed,
        State::Overdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Invited => "invited",
            State::Confirmed => "confirmed",
            State::Declined => "declined",
            State::Withdrawn => "withdrawn",
            State::Cancelled => "cancelled",
            State::CheckedIn => "checked_in",
            State::CheckedOut => "checked_out",
            State::NoShow => "no_show",
            State::Completed => "completed",
            State::Paid => "paid",
            State::Disputed => "disputed",
            State::Overdue => "overdue",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.iter().copied().find(|st| st.as_str() == s)
    }

    /// States in which the worker holds one of the shift's places.
    pub fn holds_place(self) -> bool {
        matches!(
            self,
            State::Confirmed | State::CheckedIn | State::CheckedOut | State::NoShow | State::Completed | State::Paid | State::Disputed | State::Overdue
        )
    }

    /// States in which the worker has been taken on, so the employer's contact is theirs to see.
    pub fn is_taken_on(self) -> bool {
        self.holds_place() && self != State::NoShow
    }

    /// After completion: the two sides may rate each other.
    pub fn is_after_completion(self) -> bool {
        matches!(self, State::Completed | State::Paid | State::Disputed | State::Overdue)
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What can happen to an engagement: the first nine come from people through the API, the rest
/// from the service itself (a claim on an instant shift, a waiting-list offer, the timers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Accept,
    Decline,
    Withdraw,
    Cancel,
    CheckIn,
    CheckOut,
    Complete,
    ConfirmPaid,
    Dispute,
    Apply,
    Claim,
    Invite,
    NoShow,
    AutoCheckout,
    MarkOverdue,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::Accept,
        Action::Decline,
        Action::Withdraw,
        Action::Cancel,
        Action::CheckIn,
        Action::CheckOut,
        Action::Complete,
        Action::ConfirmPaid,
        Action::Dispute,
        Action::Apply,
        Action::Claim,
        Action::Invite,
        Action::NoShow,
        Action::AutoCheckout,
        Action::MarkOverdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Decline => "decline",
            Action::Withdraw => "withdraw",
            Action::Cancel => "cancel",
            Action::CheckIn => "check-in",
            Action::CheckOut => "check-out",
            Action::Complete => "complete",
            Action::ConfirmPaid => "confirm-paid",
            Action::Dispute => "dispute",
            Action::Apply => "apply",
            Action::Claim => "claim",
            Action::Invite => "invite",
            Action::NoShow => "no-show",
            Action::AutoCheckout => "auto-checkout",
            Action::MarkOverdue => "overdue",
        }
    }

    /// The actions a person may name in `POST /engagements/{id}/{action}`; the system's own are
    /// not reachable from a URL.
    pub fn from_path(s: &str) -> Option<Action> {
        Action::ALL[..9].iter().copied().find(|a| a.as_str() == s)
    }
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    Worker,
    Employer,
    System,
}

impl Actor {
    pub const ALL: &'static [Actor] = &[Actor::Worker, Actor::Employer, Actor::System];

    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Worker => "worker",
            Actor::Employer => "employer",
            Actor::System => "system",
        }
    }
}

/// A refused transition: what was tried, and the state it was tried in (`None`: no engagement yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Illegal {
    pub state: Option<State>,
    pub action: Action,
    pub actor: Actor,
}

/// The whole machine as one table: (from, action, actor) → to. `from` is `None` for the first state.
fn rule(from: Option<State>, action: Action, actor: Actor) -> Option<State> {
    use Action as A;
    use Actor::*;
    use State as S;
    Some(match (from, action, actor) {
        (None, A::Apply, Worker) => S::Applied,
        (None, A::Claim, System) => S::Confirmed,
        (None, A::Invite, Employer) => S::Invited,

        (Some(S::Applied), A::Accept, Employer) => S::Confirmed,
        // The system declines what is still open when the shift closes or is taken down.
        (Some(S::Applied), A::Decline, Employer | System) => S::Declined,
        (Some(S::Applied), A::Withdraw, Worker) => S::Withdrawn,
        // A place came free and the first on the waiting list is offered it.
        (Some(S::Applied), A::Invite, System) => S::Invited,

        (Some(S::Invited), A::Accept, Worker) => S::Confirmed,
        (Some(S::Invited), A::Decline, Worker) => S::Declined,
        // The employer takes an invitation back.
        (Some(S::Invited), A::Cancel, Employer | System) => S::Cancelled,

        (Some(S::Confirmed), A::Cancel, Worker | Employer | System) => S::Cancelled,
        (Some(S::Confirmed), A::CheckIn, Worker) => S::CheckedIn,
        (Some(S::Confirmed), A::NoShow, System) => S::NoShow,

        (Some(S::CheckedIn), A::CheckOut, Worker) => S::CheckedOut,
        (Some(S::CheckedIn), A::AutoCheckout, System) => S::CheckedOut,
        (Some(S::CheckedIn), A::Complete, Employer) => S::Completed,

        // The next slot of a shift with several.
        (Some(S::CheckedOut), A::CheckIn, Worker) => S::CheckedIn,
        (Some(S::CheckedOut), A::Complete, Employer) => S::Completed,
        // Work done but never marked complete is unpaid work all the same.
        (Some(S::CheckedOut), A::MarkOverdue, System) => S::Overdue,

        (Some(S::Completed), A::ConfirmPaid, Worker) => S::Paid,
        (Some(S::Completed), A::Dispute, Worker) => S::Disputed,
        (Some(S::Completed), A::MarkOverdue, System) => S::Overdue,

        (Some(S::Overdue), A::ConfirmPaid, Worker) => S::Paid,
        (Some(S::Overdue), A::Dispute, Worker) => S::Disputed,

        (Some(S::Disputed), A::ConfirmPaid, Worker) => S::Paid,
        _ => return None,
    })
}

/// The state an engagement moves to, or why it cannot.
pub fn transition(state: State, action: Action, actor: Actor) -> Result<State, Illegal> {
    rule(Some(state), action, actor).ok_or(Illegal { state: Some(state), action, actor })
}

/// The first state of a new engagement.
pub fn open(action: Action, actor: Actor) -> Result<State, Illegal> {
    rule(None, action, actor).ok_or(Illegal { state: None, action, actor })
}

/// One worked period (check-in to check-out, already clipped to its slot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Worked {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

/// Minutes inside `[slot_start, slot_end]` between check-in and check-out: arriving early or
/// staying late does not add paid time unless the employer records it.
pub fn minutes_in_slot(check_in: NaiveDateTime, check_out: NaiveDateTime, slot_start: NaiveDateTime, slot_end: NaiveDateTime) -> i64 {
    let start = check_in.max(slot_start);
    let end = check_out.min(slot_end);
    if end <= start { 0 } else { (end - start).num_minutes() }
}

/// The amount due for `minutes` worked over `days` local days and `slots` slots, in fen.
/// Hourly pay is rounded half-up to the fen; piece-rate pay cannot be computed from time (`None`).
pub fn compute_pay(pay: Pay, minutes: i64, days: i64, slots: i64) -> Option<i64> {
    match pay.unit {
        PayUnit::Hour => Some((pay.amount_fen * minutes.max(0) + 30) / 60),
        PayUnit::Day => Some(pay.amount_fen * days.max(0)),
        PayUnit::Shift => Some(pay.amount_fen * slots.max(0)),
        PayUnit::Piece => None,
    }
}

/// Distinct local (UTC+8) calendar days among worked periods, for day-rate pay.
pub fn local_days(worked: &[Worked]) -> i64 {
    let mut days: Vec<chrono::NaiveDate> = worked.iter().filter(|w| w.end > w.start).map(|w| crate::domain::time::local_date(w.start)).collect();
    days.sort();
    days.dedup();
    days.len() as i64
}

/// When pay for work that ended at `work_end` is due under a settlement term. 日结 is due by the end
/// of that local day; weekly within 7 days; biweekly within 15 days, the most 劳动合同法 Art. 72
/// allows for part-time work; on completion, when the work ends.
pub fn due_at(settlement: Settlement, work_end: NaiveDateTime) -> NaiveDateTime {
    match settlement {
        Settlement::Daily => {
            let local_day = crate::domain::time::local_date(work_end);
            let next_midnight = local_day.succ_opt().unwrap_or(local_day).and_hms_opt(0, 0, 0).expect("midnight exists");
            crate::domain::time::from_local(next_midnight)
        }
        Settlement::Weekly => work_end + Duration::days(7),
        Settlement::Biweekly => work_end + Duration::days(15),
        Settlement::OnCompletion => work_end,
    }
}

/// What reliability is computed from: one side's record over the last 90 days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, ToSchema)]
pub struct Stats {
    /// Engagements that reached a confirmed place.
    pub confirmed: i64,
    pub completed: i64,
    pub no_shows: i64,
    pub late_cancels: i64,
    pub rating_count: i64,
    /// Average received rating, 1–5 (absent with no ratings).
    pub rating_avg: Option<f64>,
}

impl Stats {
    pub fn no_show_rate(&self) -> f64 {
        if self.confirmed == 0 { 0.0 } else { self.no_shows as f64 / self.confirmed as f64 }
    }

    pub fn late_cancel_rate(&self) -> f64 {
        if self.confirmed == 0 { 0.0 } else { self.late_cancels as f64 / self.confirmed as f64 }
    }
}

/// Where a side with no history starts, so a newcomer is neither favoured nor buried.
const PRIOR: f64 = 0.8;
/// How many engagements' worth of weight the prior carries.
const PRIOR_WEIGHT: f64 = 4.0;

/// Reliability in [0, 1]: kept engagements against no-shows and late cancellations (a late
/// cancellation counting half a no-show), blended with received ratings, both pulled toward a
/// neutral prior until there is enough history.
pub fn reliability(s: &Stats) -> f64 {
    let failures = s.no_shows as f64 + 0.5 * s.late_cancels as f64;
    let kept = s.completed as f64;
    let attendance = (kept + PRIOR * PRIOR_WEIGHT) / (kept + failures + PRIOR_WEIGHT);
    let rating = match s.rating_avg {
        Some(avg) if s.rating_count > 0 => {
            let r = ((avg - 1.0) / 4.0).clamp(0.0, 1.0);
            (r * s.rating_count as f64 + PRIOR * PRIOR_WEIGHT) / (s.rating_count as f64 + PRIOR_WEIGHT)
        }
        _ => PRIOR,
    };
    (0.7 * attendance + 0.3 * rating).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_instant;
    use Action as A;
    use Actor::*;
    use State as S;

    /// Every legal move, written out independently of `rule`.
    const LEGAL: &[(Option<State>, Action, Actor, State)] = &[
        (None, A::Apply, Worker, S::Applied),
        (None, A::Claim, System, S::Confirmed),
        (None, A::Invite, Employer, S::Invited),
        (Some(S::Applied), A::Accept, Employer, S::Confirmed),
        (Some(S::Applied), A::Decline, Employer, S::Declined),
        (Some(S::Applied), A::Decline, System, S::Declined),
        (Some(S::Applied), A::Withdraw, Worker, S::Withdrawn),
        (Some(S::Applied), A::Invite, System, S::Invited),
        (Some(S::Invited), A::Accept, Worker, S::Confirmed),
        (Some(S::Invited), A::Decline, Worker, S::Declined),
        (Some(S::Invited), A::Cancel, Employer, S::Cancelled),
        (Some(S::Invited), A::Cancel, System, S::Cancelled),
        (Some(S::Confirmed), A::Cancel, Worker, S::Cancelled),
        (Some(S::Confirmed), A::Cancel, Employer, S::Cancelled),
        (Some(S::Confirmed), A::Cancel, System, S::Cancelled),
        (Some(S::Confirmed), A::CheckIn, Worker, S::CheckedIn),
        (Some(S::Confirmed), A::NoShow, System, S::NoShow),
        (Some(S::CheckedIn), A::CheckOut, Worker, S::CheckedOut),
        (Some(S::CheckedIn), A::AutoCheckout, System, S::CheckedOut),
        (Some(S::CheckedIn), A::Complete, Employer, S::Completed),
        (Some(S::CheckedOut), A::CheckIn, Worker, S::CheckedIn),
        (Some(S::CheckedOut), A::Complete, Employer, S::Completed),
        (Some(S::CheckedOut), A::MarkOverdue, System, S::Overdue),
        (Some(S::Completed), A::ConfirmPaid, Worker, S::Paid),
        (Some(S::Completed), A::Dispute, Worker, S::Disputed),
        (Some(S::Completed), A::MarkOverdue, System, S::Overdue),
        (Some(S::Overdue), A::ConfirmPaid, Worker, S::Paid),
        (Some(S::Overdue), A::Dispute, Worker, S::Disputed),
        (Some(S::Disputed), A::ConfirmPaid, Worker, S::Paid),
    ];

    fn legal(from: Option<State>, action: Action, actor: Actor) -> Option<State> {
        LEGAL.iter().find(|l| l.0 == from && l.1 == action && l.2 == actor).map(|l| l.3)
    }

    #[test]
    fn every_pair_is_legal_exactly_when_listed() {
        let mut illegal = 0;
        let froms: Vec<Option<State>> = std::iter::once(None).chain(State::ALL.iter().copied().map(Some)).collect();
        for &from in &froms {
            for &action in Action::ALL {
                for &actor in Actor::ALL {
                    let got = match from {
                        Some(s) => transition(s, action, actor),
                        None => open(action, actor),
                    };
                    match legal(from, action, actor) {
                        Some(to) => assert_eq!(got, Ok(to), "{from:?} {action:?} by {actor:?}"),
                        None => {
                            illegal += 1;
                            assert_eq!(got, Err(Illegal { state: from, action, actor }), "{from:?} {action:?} by {actor:?} must be refused");
                        }
                    }
                }
            }
        }
        assert_eq!(illegal, froms.len() * Action::ALL.len() * Actor::ALL.len() - LEGAL.len());
    }

    #[test]
    fn end_states_are_final_and_names_round_trip() {
        for s in [S::Declined, S::Withdrawn, S::Cancelled, S::NoShow, S::Paid] {
            for &a in Action::ALL {
                for &r in Actor::ALL {
                    assert!(transition(s, a, r).is_err(), "{s} is final");
                }
            }
        }
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(Action::from_path("confirm-paid"), Some(A::ConfirmPaid));
        assert_eq!(Action::from_path("no-show"), None, "system actions are not reachable from a URL");
        assert_eq!(Action::from_path("claim"), None);
    }

    #[test]
    fn pay_follows_the_unit() {
        let hour = Pay { amount_fen: 3500, unit: PayUnit::Hour };
        assert_eq!(compute_pay(hour, 240, 1, 1), Some(14000));
        assert_eq!(compute_pay(hour, 1, 1, 1), Some(58), "35 元/h for a minute is 0.583 元, rounded half up");
        assert_eq!(compute_pay(hour, 0, 0, 0), Some(0));
        assert_eq!(compute_pay(Pay { amount_fen: 20000, unit: PayUnit::Day }, 600, 2, 2), Some(40000));
        assert_eq!(compute_pay(Pay { amount_fen: 15000, unit: PayUnit::Shift }, 600, 1, 3), Some(45000));
        assert_eq!(compute_pay(Pay { amount_fen: 50, unit: PayUnit::Piece }, 600, 1, 1), None);
    }

    #[test]
    fn time_is_counted_inside_the_slot_only() {
        let t = |s: &str| parse_instant(s).unwrap();
        let (s, e) = (t("2026-11-23T08:00:00+08:00"), t("2026-11-23T12:00:00+08:00"));
        assert_eq!(minutes_in_slot(t("2026-11-23T07:30:00+08:00"), t("2026-11-23T12:45:00+08:00"), s, e), 240);
        assert_eq!(minutes_in_slot(t("2026-11-23T08:20:00+08:00"), t("2026-11-23T11:00:00+08:00"), s, e), 160);
        assert_eq!(minutes_in_slot(t("2026-11-23T13:00:00+08:00"), t("2026-11-23T14:00:00+08:00"), s, e), 0);
        // 23:00 local on the 23rd and 01:00 local on the 24th are two days even though both are the 23rd in UTC.
        let w = [
            Worked { start: t("2026-11-23T22:00:00+08:00"), end: t("2026-11-23T23:00:00+08:00") },
            Worked { start: t("2026-11-24T01:00:00+08:00"), end: t("2026-11-24T02:00:00+08:00") },
            Worked { start: t("2026-11-24T03:00:00+08:00"), end: t("2026-11-24T04:00:00+08:00") },
        ];
        assert_eq!(local_days(&w), 2);
    }

    #[test]
    fn settlement_terms_give_due_dates_within_fifteen_days() {
        let t = |s: &str| parse_instant(s).unwrap();
        let end = t("2026-11-23T12:00:00+08:00");
        assert_eq!(due_at(Settlement::Daily, end), t("2026-11-24T00:00:00+08:00"));
        assert_eq!(due_at(Settlement::Daily, t("2026-11-23T23:59:00+08:00")), t("2026-11-24T00:00:00+08:00"));
        assert_eq!(due_at(Settlement::Weekly, end), t("2026-11-30T12:00:00+08:00"));
        assert_eq!(due_at(Settlement::Biweekly, end), t("2026-12-08T12:00:00+08:00"));
        assert_eq!(due_at(Settlement::OnCompletion, end), end);
        for s in Settlement::ALL {
            assert!(due_at(*s, end) - end <= Duration::days(15), "{s}");
        }
    }

    #[test]
    fn reliability_rewards_kept_engagements() {
        let new = reliability(&Stats::default());
        assert!((new - PRIOR).abs() < 1e-9);
        let good = reliability(&Stats { confirmed: 20, completed: 20, rating_count: 10, rating_avg: Some(4.8), ..Default::default() });
        let flaky = reliability(&Stats { confirmed: 20, completed: 12, no_shows: 6, late_cancels: 2, rating_count: 5, rating_avg: Some(2.0) });
        assert!(good > new && new > flaky, "{good} {new} {flaky}");
        assert!((0.0..=1.0).contains(&good) && (0.0..=1.0).contains(&flaky));
        let one_no_show = reliability(&Stats { confirmed: 1, no_shows: 1, ..Default::default() });
        assert!(one_no_show > 0.5, "one no-show does not sink a newcomer: {one_no_show}");
        let s = Stats { confirmed: 10, no_shows: 2, late_cancels: 1, ..Default::default() };
        assert!((s.no_show_rate() - 0.2).abs() < 1e-9 && (s.late_cancel_rate() - 0.1).abs() < 1e-9);
    }
}
