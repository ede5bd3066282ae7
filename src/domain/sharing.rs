//! 共享用工 (labour sharing between enterprises, 人社厅发〔2020〕98号): the values and rules that
//! need no storage. A post is a surplus (余: idle staff an enterprise can lend) or a shortage (缺:
//! staff it needs); [`score`] matches one against the other with reasons; an agreement moves
//! through [`AgreementState`] by [`AgreementAction`]s, each allowed to some [`Party`] only.
//!
//! What is *not* here, on purpose: any price. The lending enterprise keeps the labour relation and
//! goes on paying wages and social insurance; sharing must not become 劳务派遣 or a business of
//! lending staff for profit, so no value in this module carries money.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::GeoPoint;
use crate::error::{Invalid, Msg};

/// Longest one post or agreement may run: sharing balances a temporary surplus and shortage.
pub const MAX_DAYS: i64 = 366;
/// How far ahead a post may start.
pub const MAX_DAYS_AHEAD: i64 = 365;
/// Most staff one post or agreement names.
pub const MAX_HEADCOUNT: i64 = 1000;
/// Farthest apart (km) a surplus and a shortage are still matched: a day's commute in a city.
pub const MAX_MATCH_KM: f64 = 50.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// 余: idle staff the enterprise can lend.
    Surplus,
    /// 缺: staff the enterprise needs.
    Shortage,
}

impl Side {
    pub const ALL: [Side; 2] = [Side::Surplus, Side::Shortage];

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Surplus => "surplus",
            Side::Shortage => "shortage",
        }
    }

    pub fn parse(s: &str) -> Result<Side, Invalid> {
        Side::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| Invalid::new("unknown_side", "应为 surplus（富余）或 shortage（短缺）", "must be surplus or shortage"))
    }

    pub fn other(self) -> Side {
        match self {
            Side::Surplus => Side::Shortage,
            Side::Shortage => Side::Surplus,
        }
    }
}

/// How storage reads these stored codes: an unknown one is corrupt data, an error (never taken
/// for another value).
macro_rules! stored_code {
    ($($t:ident),+) => {$(
        impl TryFrom<String> for $t {
            type Error = crate::domain::codes::UnknownCode;
            fn try_from(s: String) -> Result<$t, Self::Error> {
                $t::ALL.into_iter().find(|v| v.as_str() == s).ok_or(crate::domain::codes::UnknownCode { set: stringify!($t), value: s })
            }
        }
    )+};
}
stored_code!(Side, InjuryResponsibility, AgreementState);

/// Start and end local dates, both included, checked against `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

pub use crate::domain::time::parse_date;

impl DateRange {
    pub fn new(start: NaiveDate, end: NaiveDate, today: NaiveDate) -> Result<DateRange, (&'static str, Invalid)> {
        if end < start {
            return Err(("end_date", Invalid::new("end_before_start", "结束日期不能早于开始日期", "end_date must not be before start_date")));
        }
        if end < today {
            return Err(("end_date", Invalid::new("in_the_past", "结束日期已经过去", "end_date is in the past")));
        }
        if (start - today).num_days() > MAX_DAYS_AHEAD {
            return Err(("start_date", Invalid::new("too_far", "开始日期不能在一年以后", "start_date may be at most one year ahead")));
        }
        if (end - start).num_days() + 1 > MAX_DAYS {
            return Err((
                "end_date",
                Invalid::new("too_long", format!("共享用工是临时调剂，最长 {MAX_DAYS} 天"), format!("sharing is temporary: at most {MAX_DAYS} days")),
            ));
        }
        Ok(DateRange { start, end })
    }

    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// The days both ranges cover, if any.
    pub fn overlap(&self, other: &DateRange) -> Option<DateRange> {
        let (start, end) = (self.start.max(other.start), self.end.min(other.end));
        (start <= end).then_some(DateRange { start, end })
    }

    pub fn contains(&self, other: &DateRange) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

pub fn headcount(n: i64) -> Result<i32, Invalid> {
    if (1..=MAX_HEADCOUNT).contains(&n) {
        Ok(n as i32)
    } else {
        Err(Invalid::out_of_range(format!("人数应在 1 到 {MAX_HEADCOUNT} 之间"), format!("headcount must be 1 to {MAX_HEADCOUNT}")))
    }
}

/// Who bears work-injury responsibility (工伤责任). The original employer unless the two agreed
/// otherwise in their cooperation agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InjuryResponsibility {
    Lender,
    Borrower,
    Shared,
}

impl InjuryResponsibility {
    pub const ALL: [InjuryResponsibility; 3] = [InjuryResponsibility::Lender, InjuryResponsibility::Borrower, InjuryResponsibility::Shared];

    pub fn as_str(self) -> &'static str {
        match self {
            InjuryResponsibility::Lender => "lender",
            InjuryResponsibility::Borrower => "borrower",
            InjuryResponsibility::Shared => "shared",
        }
    }

    pub fn parse(s: &str) -> Result<InjuryResponsibility, Invalid> {
        InjuryResponsibility::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| Invalid::new("unknown_responsibility", "应为 lender、borrower 或 shared", "must be lender, borrower or shared"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgreementState {
    /// Staff proposed it; each enterprise still has to agree.
    Proposed,
    /// Both enterprises agreed.
    Agreed,
    /// The shared staff are at work.
    Running,
    Ended,
    Cancelled,
}

impl AgreementState {
    pub const ALL: [AgreementState; 5] =
        [AgreementState::Proposed, AgreementState::Agreed, AgreementState::Running, AgreementState::Ended, AgreementState::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            AgreementState::Proposed => "proposed",
            AgreementState::Agreed => "agreed",
            AgreementState::Running => "running",
            AgreementState::Ended => "ended",
            AgreementState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<AgreementState> {
        AgreementState::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Still holding staff of the posts (not ended or cancelled).
    pub fn is_live(self) -> bool {
        matches!(self, AgreementState::Proposed | AgreementState::Agreed | AgreementState::Running)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgreementAction {
    Agree,
    Start,
    End,
    Cancel,
}

impl AgreementAction {
    pub const ALL: [AgreementAction; 4] = [AgreementAction::Agree, AgreementAction::Start, AgreementAction::End, AgreementAction::Cancel];

    pub fn as_str(self) -> &'static str {
        match self {
            AgreementAction::Agree => "agree",
            AgreementAction::Start => "start",
            AgreementAction::End => "end",
            AgreementAction::Cancel => "cancel",
        }
    }

    pub fn from_path(s: &str) -> Option<AgreementAction> {
        AgreementAction::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Who is acting on an agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// Staff whose scope covers the agreement's place.
    Staff,
    Lender,
    Borrower,
}

/// What the machine says to an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Move to this state.
    To(AgreementState),
    /// One enterprise agreed; the other has not yet (the state stays `proposed`).
    AgreedByOne,
}

/// Why the machine refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The state does not allow the action.
    WrongState,
    /// This party may not take this action at all.
    NotYours,
    /// This enterprise already agreed (a replay).
    AlreadyAgreed,
    /// `start` before the agreed start date.
    TooEarly,
}

/// The one rule of who may move an agreement where:
/// - `agree`: each enterprise once, only while `proposed`; the second makes it `agreed`. Staff
///   cannot agree for an enterprise.
/// - `start`: from `agreed`, on or after the start date; staff or either enterprise (whoever sees
///   the staff arrive records it).
/// - `end`: from `running`; staff or either enterprise (either may take its staff back or let
///   them go early, as the lender keeps the labour relation).
/// - `cancel`: from `proposed` or `agreed`; staff or either enterprise.
///
/// `agreed` says which enterprises already agreed (lender, borrower).
pub fn next(state: AgreementState, action: AgreementAction, party: Party, agreed: (bool, bool), started_ok: bool) -> Result<Step, Refusal> {
    use AgreementAction as A;
    use AgreementState as S;
    match action {
        A::Agree => {
            let (mine, theirs) = match party {
                Party::Staff => return Err(Refusal::NotYours),
                Party::Lender => (agreed.0, agreed.1),
                Party::Borrower => (agreed.1, agreed.0),
            };
            if state != S::Proposed {
                return Err(Refusal::WrongState);
            }
            if mine {
                return Err(Refusal::AlreadyAgreed);
            }
            Ok(if theirs { Step::To(S::Agreed) } else { Step::AgreedByOne })
        }
        A::Start if state != S::Agreed => Err(Refusal::WrongState),
        A::Start if !started_ok => Err(Refusal::TooEarly),
        A::Start => Ok(Step::To(S::Running)),
        A::End if state != S::Running => Err(Refusal::WrongState),
        A::End => Ok(Step::To(S::Ended)),
        A::Cancel if !matches!(state, S::Proposed | S::Agreed) => Err(Refusal::WrongState),
        A::Cancel => Ok(Step::To(S::Cancelled)),
    }
}

/// What matching reads of a post.
#[derive(Debug, Clone)]
pub struct PostFacts {
    pub id: i64,
    pub employer_id: i64,
    pub side: Side,
    pub categories: Vec<String>,
    /// Staff not yet held by a live agreement.
    pub remaining: i64,
    pub dates: DateRange,
    pub point: GeoPoint,
}

/// One reason a match was made, in both languages.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Reason {
    /// `skills`, `dates`, `headcount` or `distance`.
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl Reason {
    fn new(code: &'static str, m: Msg) -> Reason {
        Reason { code, zh: m.zh, en: m.en }
    }
}

/// A surplus matched to a shortage.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub score: f64,
    pub distance_km: f64,
    pub shared_categories: Vec<String>,
    pub overlap: DateRange,
    /// Staff the surplus can lend towards the shortage: the smaller remaining headcount.
    pub headcount: i64,
    pub reasons: Vec<Reason>,
}

/// Scores `post` against `other`, or `None` when they do not match: same side, same enterprise,
/// no skill in common, no common day, nobody left on either, or farther than [`MAX_MATCH_KM`].
/// Symmetric: `score(a, b)` and `score(b, a)` agree. `name` turns a category code into words
/// (Chinese, English).
///
/// Score (0–1): skills 0.4 (the share of the shortage's skills the surplus has), dates 0.25 (the
/// share of the shortage's days covered), headcount 0.2 (the share of the shortage's need met),
/// distance 0.15 (nearer is better, linearly to zero at the limit).
pub fn score(post: &PostFacts, other: &PostFacts, name: &dyn Fn(&str) -> (String, String)) -> Option<Scored> {
    if post.side == other.side || post.employer_id == other.employer_id || post.remaining < 1 || other.remaining < 1 {
        return None;
    }
    let (surplus, shortage) = if post.side == Side::Surplus { (post, other) } else { (other, post) };
    let shared: Vec<String> = shortage.categories.iter().filter(|c| surplus.categories.contains(c)).cloned().collect();
    if shared.is_empty() {
        return None;
    }
    let overlap = surplus.dates.overlap(&shortage.dates)?;
    let distance_km = surplus.point.haversine_km(&shortage.point);
    if distance_km > MAX_MATCH_KM {
        return None;
    }
    let headcount = surplus.remaining.min(shortage.remaining);
    let skills = shared.len() as f64 / shortage.categories.len().max(1) as f64;
    let dates = overlap.days() as f64 / shortage.dates.days() as f64;
    let need = headcount as f64 / shortage.remaining as f64;
    let near = 1.0 - distance_km / MAX_MATCH_KM;
    let score = 0.4 * skills + 0.25 * dates + 0.2 * need + 0.15 * near;
    let (zh, en): (Vec<String>, Vec<String>) = shared.iter().map(|c| name(c)).unzip();
    let mut reasons = vec![Reason::new(
        "skills",
        Msg::new(
            format!("技能相符：{}（需要的 {} 项中有 {} 项）", zh.join("、"), shortage.categories.len(), shared.len()),
            format!("skills in common: {} ({} of the {} needed)", en.join(", "), shared.len(), shortage.categories.len()),
        ),
    )];
    reasons.push(Reason::new(
        "dates",
        Msg::new(
            format!("日期重叠：{} 至 {}，共 {} 天（需要 {} 天）", overlap.start, overlap.end, overlap.days(), shortage.dates.days()),
            format!("dates overlap: {} to {}, {} days (of {} needed)", overlap.start, overlap.end, overlap.days(), shortage.dates.days()),
        ),
    ));
    reasons.push(Reason::new(
        "headcount",
        if headcount >= shortage.remaining {
            Msg::new(
                format!("可借出 {} 人，需要 {} 人，可全部满足", surplus.remaining, shortage.remaining),
                format!("{} can be lent and {} are needed: the whole need is met", surplus.remaining, shortage.remaining),
            )
        } else {
            Msg::new(
                format!("可借出 {} 人，需要 {} 人，可满足 {} 人", surplus.remaining, shortage.remaining, headcount),
                format!("{} can be lent and {} are needed: {} of them", surplus.remaining, shortage.remaining, headcount),
            )
        },
    ));
    reasons.push(Reason::new("distance", Msg::new(format!("两地相距约 {distance_km:.1} 公里"), format!("about {distance_km:.1} km apart"))));
    Some(Scored { score, distance_km, shared_categories: shared, overlap, headcount, reasons })
}

/// Matches of `post` among `others`, best first (ties: the nearer, then the older post).
pub fn rank(post: &PostFacts, others: &[PostFacts], name: &dyn Fn(&str) -> (String, String)) -> Vec<(i64, Scored)> {
    let mut out: Vec<(i64, Scored)> = others.iter().filter_map(|o| score(post, o, name).map(|s| (o.id, s))).collect();
    out.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.1.distance_km.total_cmp(&b.1.distance_km)).then(a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    fn post(id: i64, employer_id: i64, side: Side, cats: &[&str], remaining: i64, (start, end): (&str, &str), point: GeoPoint) -> PostFacts {
        PostFacts {
            id,
            employer_id,
            side,
            categories: cats.iter().map(|c| c.to_string()).collect(),
            remaining,
            dates: DateRange { start: d(start), end: d(end) },
            point,
        }
    }

    const HERE: GeoPoint = GeoPoint { lat: 39.9087, lng: 116.4605 };

    fn km_north(km: f64) -> GeoPoint {
        GeoPoint { lat: HERE.lat + km / 111.195, lng: HERE.lng }
    }

    fn name(c: &str) -> (String, String) {
        match c {
            "cleaning" => ("保洁".into(), "cleaning".into()),
            other => (other.into(), other.into()),
        }
    }

    #[test]
    fn dates_are_strict_and_ranges_checked() {
        for bad in ["2026-1-05", "2026/01/05", "+2026-01-05", "2026-02-30", "", "2026-01-05T00:00", " 2026-01-05", "２０２６-01-05"] {
            assert!(parse_date(bad).is_err(), "{bad:?}");
        }
        let today = d("2026-12-05");
        assert!(DateRange::new(d("2026-12-05"), d("2026-12-05"), today).is_ok());
        assert_eq!(DateRange::new(d("2026-12-06"), d("2026-12-05"), today).unwrap_err().1.code, "end_before_start");
        assert_eq!(DateRange::new(d("2026-12-01"), d("2026-12-04"), today).unwrap_err().1.code, "in_the_past");
        assert_eq!(DateRange::new(d("2026-12-05"), d("2027-12-06"), today).unwrap_err().1.code, "too_long");
        assert_eq!(DateRange::new(d("2028-01-01"), d("2028-01-02"), today).unwrap_err().1.code, "too_far");
        // Started already but not over: still a valid range (a shortage that began yesterday).
        assert!(DateRange::new(d("2026-12-01"), d("2026-12-10"), today).is_ok());
    }

    #[test]
    fn matching_is_symmetric_with_reasons_in_both_languages() {
        let s = post(1, 10, Side::Surplus, &["cleaning", "cook"], 5, ("2026-12-05", "2026-12-20"), HERE);
        let t = post(2, 20, Side::Shortage, &["cleaning"], 3, ("2026-12-10", "2026-12-31"), km_north(3.0));
        let a = score(&s, &t, &name).expect("match");
        let b = score(&t, &s, &name).expect("match");
        assert_eq!(a, b);
        assert_eq!(a.shared_categories, ["cleaning"]);
        assert_eq!(a.overlap, DateRange { start: d("2026-12-10"), end: d("2026-12-20") });
        assert_eq!(a.headcount, 3);
        assert!((a.distance_km - 3.0).abs() < 0.05, "{}", a.distance_km);
        let codes: Vec<&str> = a.reasons.iter().map(|r| r.code).collect();
        assert_eq!(codes, ["skills", "dates", "headcount", "distance"]);
        assert!(a.reasons[0].zh.contains("保洁") && a.reasons[0].en.contains("cleaning") && !a.reasons[0].en.contains("保洁"));
        assert!(a.reasons[1].zh.contains("11 天") && a.reasons[1].en.contains("11 days"));
        assert!(a.reasons[2].zh.contains("全部满足"));
        assert!(a.reasons.iter().all(|r| !r.zh.is_empty() && !r.en.is_empty()));
        assert!(a.score > 0.0 && a.score <= 1.0);
    }

    #[test]
    fn no_match_without_each_condition() {
        let s = post(1, 10, Side::Surplus, &["cleaning"], 5, ("2026-12-05", "2026-12-20"), HERE);
        let t = post(2, 20, Side::Shortage, &["cleaning"], 3, ("2026-12-10", "2026-12-31"), HERE);
        assert!(score(&s, &t, &name).is_some());
        let variants: Vec<(&str, PostFacts)> = vec![
            ("same side", PostFacts { side: Side::Surplus, ..t.clone() }),
            ("same enterprise", PostFacts { employer_id: 10, ..t.clone() }),
            ("no common skill", PostFacts { categories: vec!["cook".into()], ..t.clone() }),
            ("no common day", PostFacts { dates: DateRange { start: d("2026-12-21"), end: d("2026-12-31") }, ..t.clone() }),
            ("nobody left", PostFacts { remaining: 0, ..t.clone() }),
            ("too far", PostFacts { point: km_north(MAX_MATCH_KM + 1.0), ..t.clone() }),
        ];
        for (why, v) in variants {
            assert!(score(&s, &v, &name).is_none(), "{why}");
            assert!(score(&v, &s, &name).is_none(), "{why} (other way)");
        }
        // Just inside the limit still matches; one common day is enough.
        assert!(score(&s, &PostFacts { point: km_north(MAX_MATCH_KM - 0.5), ..t.clone() }, &name).is_some());
        assert!(score(&s, &PostFacts { dates: DateRange { start: d("2026-12-20"), end: d("2026-12-31") }, ..t.clone() }, &name).is_some());
    }

    #[test]
    fn ranking_prefers_more_skills_dates_people_and_nearness() {
        let need = post(1, 10, Side::Shortage, &["cleaning", "cook"], 4, ("2026-12-10", "2026-12-19"), HERE);
        let full = post(2, 20, Side::Surplus, &["cleaning", "cook"], 4, ("2026-12-01", "2026-12-31"), km_north(1.0));
        let fewer_skills = post(3, 21, Side::Surplus, &["cleaning"], 4, ("2026-12-01", "2026-12-31"), km_north(1.0));
        let fewer_days = post(4, 22, Side::Surplus, &["cleaning", "cook"], 4, ("2026-12-15", "2026-12-31"), km_north(1.0));
        let fewer_people = post(5, 23, Side::Surplus, &["cleaning", "cook"], 1, ("2026-12-01", "2026-12-31"), km_north(1.0));
        let farther = post(6, 24, Side::Surplus, &["cleaning", "cook"], 4, ("2026-12-01", "2026-12-31"), km_north(30.0));
        let others = vec![farther.clone(), fewer_people.clone(), fewer_days.clone(), fewer_skills.clone(), full.clone()];
        let ranked = rank(&need, &others, &name);
        assert_eq!(ranked[0].0, 2, "the one that meets everything comes first");
        for (id, s) in &ranked[1..] {
            assert!(s.score < ranked[0].1.score, "{id}");
        }
        // Each shortfall alone lowers the score.
        let top = score(&need, &full, &name).unwrap().score;
        for worse in [&fewer_skills, &fewer_days, &fewer_people, &farther] {
            assert!(score(&need, worse, &name).unwrap().score < top, "{}", worse.id);
        }
        // The other way round: the surplus sees the shortages ranked too.
        let needs = vec![need.clone(), PostFacts { id: 9, employer_id: 30, remaining: 2, ..need.clone() }];
        let r = rank(&full, &needs, &name);
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn every_state_and_action_pair_is_decided() {
        use AgreementAction as A;
        use AgreementState as S;
        let parties = [Party::Staff, Party::Lender, Party::Borrower];
        let mut allowed = 0;
        for state in S::ALL {
            for action in A::ALL {
                for party in parties {
                    for agreed in [(false, false), (true, false), (false, true)] {
                        for started_ok in [true, false] {
                            let r = next(state, action, party, agreed, started_ok);
                            let expect_ok = match action {
                                A::Agree => {
                                    state == S::Proposed
                                        && match party {
                                            Party::Staff => false,
                                            Party::Lender => !agreed.0,
                                            Party::Borrower => !agreed.1,
                                        }
                                }
                                A::Start => state == S::Agreed && started_ok,
                                A::End => state == S::Running,
                                A::Cancel => matches!(state, S::Proposed | S::Agreed),
                            };
                            assert_eq!(r.is_ok(), expect_ok, "{state:?} {action:?} {party:?} {agreed:?} {started_ok}: {r:?}");
                            if r.is_ok() {
                                allowed += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(allowed > 0);
        assert_eq!(next(S::Proposed, A::Agree, Party::Lender, (false, true), true), Ok(Step::To(S::Agreed)));
        assert_eq!(next(S::Proposed, A::Agree, Party::Lender, (false, false), true), Ok(Step::AgreedByOne));
        assert_eq!(next(S::Proposed, A::Agree, Party::Lender, (true, false), true), Err(Refusal::AlreadyAgreed));
        assert_eq!(next(S::Proposed, A::Agree, Party::Staff, (false, false), true), Err(Refusal::NotYours));
        assert_eq!(next(S::Agreed, A::Start, Party::Borrower, (true, true), false), Err(Refusal::TooEarly));
        assert_eq!(next(S::Ended, A::Cancel, Party::Staff, (true, true), true), Err(Refusal::WrongState));
    }
}
