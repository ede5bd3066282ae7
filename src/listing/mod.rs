//! Free-listing rules (岗位信息发布规则): the single place that decides whether a posting may be
//! published. Plain functions over a [`Posting`], no database, so every path that creates or
//! changes a shift (API, import, staff edit) can call them and tests can exercise them directly.
//!
//! What is checked (domain facts §2–§5), each rule with its legal source in the config files:
//! - **Required content** (refuse): 单位情况, 招聘人数, 招聘条件, 工作内容, 工作地点, 基本劳动报酬, 有效期.
//! - **Charges to workers** (refuse): 押金, 报名费, 服装费, 体检费, 培训费 … demanded of the worker,
//!   deposits, identity documents held, wages held back. Honest negations (不收取任何费用, 免押金,
//!   公司承担体检费) pass; borderline phrasings go to review (`fee_mention_review`).
//! - **Wage floor** (refuse): hourly pay, or day/shift pay divided by the hours of its slots, below
//!   the district's 非全日制小时最低工资 (`config/wage_floors.toml`; unlisted provinces unchecked).
//! - **Part-time** (refuse, 劳动合同法 Art. 68–72): over 4 h a local day, over 24 h a local week
//!   (with hours already booked with the employer), settlement rarer than every 15 days, probation.
//! - **Soft rules** (review): sex, ethnicity and 户籍/region conditions, low age caps, hype (高薪,
//!   保录), and contact details that pull workers off the platform.
//!
//! Word lists, patterns and figures live in `config/listing_rules.toml` and
//! `config/wage_floors.toml`; [`Rules::builtin`] compiles both in, [`Rules::load`] reads edited
//! copies from disk so staff can extend them without a rebuild.
//!
//! ```text
//! let rules = Rules::shared();
//! let findings = rules.check(&Posting::from_shift(&shift, &employer.description));
//! match decide(&findings, employer.verified) { Decision::Publish => …, Decision::Review => …, Decision::Refuse => … }
//! ```

mod config;
mod rules;
mod text;
mod wages;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::OnceLock;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize, Serializer};
use utoipa::ToSchema;

use crate::domain::shift::ValidShift;
use crate::domain::{EmploymentType, Pay, Settlement, TimeSlot};
use crate::error::{Lang, Msg};

/// The code of a finding that mentions a charge without plainly demanding it (reviewed on shifts;
/// refused where no money may change hands at all, as in labour sharing).
pub(crate) use rules::CHARGE_REVIEW;
pub use wages::WageFloor;

/// The built-in rule files, compiled into the binary.
pub const BUILTIN_RULES_TOML: &str = include_str!("../../config/listing_rules.toml");
pub const BUILTIN_WAGE_FLOORS_TOML: &str = include_str!("../../config/wage_floors.toml");
/// File names [`Rules::load`] reads from a directory.
pub const RULES_FILE: &str = "listing_rules.toml";
pub const WAGE_FLOORS_FILE: &str = "wage_floors.toml";

/// How serious one finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A moderator must look at the posting before it is published.
    Review,
    /// The posting may not be published as it stands.
    Refuse,
}

/// What happens to a posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Publish,
    Review,
    Refuse,
}

/// A message in both languages, as the API shows it inside a finding.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BilingualMessage {
    pub zh: String,
    pub en: String,
}

fn serialize_msg<S: Serializer>(m: &Msg, s: S) -> Result<S::Ok, S::Error> {
    BilingualMessage { zh: m.zh.clone(), en: m.en.clone() }.serialize(s)
}

/// One problem with a posting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Finding {
    /// Stable code, e.g. `worker_charge`, `below_minimum_wage`, `part_time_weekly_hours`.
    pub code: String,
    pub severity: Severity,
    /// Why, in Chinese and English, quoting the offending text.
    #[serde(serialize_with = "serialize_msg")]
    #[schema(value_type = BilingualMessage)]
    pub message: Msg,
    /// The offending text as written (or the computed figure, for pay and hours).
    pub matched: Option<String>,
    /// The posting field concerned, e.g. `description`, `pay`, `slots`.
    pub field: Option<String>,
}

/// A finding in one language, for API responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FindingView {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub matched: Option<String>,
    pub field: Option<String>,
}

impl Finding {
    pub fn view(&self, lang: Lang) -> FindingView {
        FindingView {
            code: self.code.clone(),
            severity: self.severity,
            message: self.message.pick(lang).to_string(),
            matched: self.matched.clone(),
            field: self.field.clone(),
        }
    }
}

/// The decision and its reasons, for API responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Verdict {
    pub decision: Decision,
    pub findings: Vec<Finding>,
}

/// What the rules read from a posting. Text fields may be empty (then `required` reports them).
#[derive(Debug, Clone, Copy, Default)]
pub struct Posting<'a> {
    pub title: &'a str,
    /// 工作内容.
    pub description: &'a str,
    /// 招聘条件.
    pub requirements: &'a str,
    /// 用人单位基本情况 (from the employer's profile).
    pub employer_description: &'a str,
    /// The employer's name as workers see it (from the profile); screened like the rest.
    pub employer_name: &'a str,
    /// 招聘人数.
    pub headcount: Option<i64>,
    /// 工作地点.
    pub address: &'a str,
    /// District code (12 or 6 digits); selects the wage floor.
    pub adcode: Option<&'a str>,
    /// Working periods, UTC.
    pub slots: &'a [TimeSlot],
    pub pay: Option<Pay>,
    pub settlement: Option<Settlement>,
    pub employment_type: Option<EmploymentType>,
    /// 有效期, UTC.
    pub valid_through: Option<NaiveDateTime>,
    /// A probation period the posting sets, in days.
    pub probation_days: Option<i64>,
    /// Part-time hours this employer already has booked in the week(s) this posting touches (the
    /// caller passes the largest such week's total); 0 if unknown. Added to every week's hours.
    pub weekly_hours_with_employer: f64,
    /// The employer's estimate of the minutes one piece takes, for piece-rate pay: the pay per
    /// hour it gives (`domain::pay::hourly_fen`) is checked against the hourly floor. Piece-rate
    /// pay without it goes to review.
    pub minutes_per_piece: Option<i32>,
}

impl<'a> Posting<'a> {
    /// A posting from a validated shift and the employer's description, with no hours booked
    /// elsewhere (set `weekly_hours_with_employer` afterwards when known).
    pub fn from_shift(s: &'a ValidShift, employer_description: &'a str) -> Posting<'a> {
        Posting {
            title: &s.title,
            description: &s.description,
            requirements: &s.requirements,
            employer_description,
            employer_name: "",
            headcount: Some(s.headcount as i64),
            address: &s.address,
            adcode: s.adcode.as_deref(),
            slots: &s.slots,
            pay: Some(s.pay),
            settlement: Some(s.settlement),
            employment_type: Some(s.employment_type),
            valid_through: Some(s.valid_through),
            probation_days: (s.probation_days > 0).then_some(s.probation_days as i64),
            weekly_hours_with_employer: 0.0,
            minutes_per_piece: s.minutes_per_piece,
        }
    }
}

/// The compiled rules.
#[derive(Debug, Clone)]
pub struct Rules {
    required: Vec<rules::RequiredField>,
    fees: rules::FeeRules,
    phrases: Vec<rules::PhraseRule>,
    phrase_index: rules::PhraseIndex,
    age: rules::AgeRules,
    contact: rules::ContactRules,
    part_time: rules::PartTimeRules,
    piece_rate: wages::PieceRate,
    floors: wages::WageFloors,
}

impl Rules {
    /// The rules compiled into the binary from `config/*.toml`.
    pub fn builtin() -> Rules {
        Rules::from_toml(BUILTIN_RULES_TOML, RULES_FILE, BUILTIN_WAGE_FLOORS_TOML, WAGE_FLOORS_FILE).expect("the built-in listing rules are valid")
    }

    /// The built-in rules, compiled once per process.
    pub fn shared() -> &'static Rules {
        static RULES: OnceLock<Rules> = OnceLock::new();
        RULES.get_or_init(Rules::builtin)
    }

    /// Reads `listing_rules.toml` and `wage_floors.toml` from a directory.
    pub fn load(dir: &Path) -> Result<Rules, String> {
        Rules::load_files(&dir.join(RULES_FILE), &dir.join(WAGE_FLOORS_FILE))
    }

    /// Reads the two rule files from the given paths. Errors name the file and the entry.
    pub fn load_files(rules_file: &Path, wage_floors_file: &Path) -> Result<Rules, String> {
        let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
        let (r, f) = (read(rules_file)?, read(wage_floors_file)?);
        Rules::from_toml(&r, &rules_file.display().to_string(), &f, &wage_floors_file.display().to_string())
    }

    /// Compiles rules from TOML text; the names are used in error messages.
    pub fn from_toml(rules_toml: &str, rules_name: &str, wage_floors_toml: &str, wage_floors_name: &str) -> Result<Rules, String> {
        config::compile(rules_toml, rules_name, wage_floors_toml, wage_floors_name)
    }

    /// Every problem with a posting, refusals first. Every text a worker reads is screened: the
    /// title, description, requirements and address, and the employer's name and description.
    pub fn check(&self, p: &Posting) -> Vec<Finding> {
        let mut out = Vec::new();
        rules::required(&self.required, p, &mut out);
        if !p.title.trim().is_empty() && !text::readable(p.title) {
            // A title of invisible characters or punctuation only.
            out.push(rules::blank_title());
        }
        self.screen_into(
            &[
                ("title", p.title),
                ("description", p.description),
                ("requirements", p.requirements),
                ("address", p.address),
                ("employer_name", p.employer_name),
                ("employer_description", p.employer_description),
            ],
            p.employment_type,
            &mut out,
        );
        wages::check(&self.floors, self.piece_rate, p, &mut out);
        rules::part_time(&self.part_time, p, &mut out);
        finish(out)
    }

    /// The text rules alone (charges, phrases, ages, contact details, hidden characters) over
    /// named texts: an employer profile (`name`, `description`, `address`), a note on an
    /// application or invitation. Refusals first.
    pub fn screen(&self, texts: &[(&str, &str)]) -> Vec<Finding> {
        let mut out = Vec::new();
        self.screen_into(texts, None, &mut out);
        finish(out)
    }

    fn screen_into(&self, texts: &[(&str, &str)], employment_type: Option<EmploymentType>, out: &mut Vec<Finding>) {
        for &(field, s) in texts {
            if s.trim().is_empty() {
                continue;
            }
            let t = text::Prepared::new(s);
            if t.bidi {
                out.push(rules::bidi_controls(field));
            }
            rules::fees(&self.fees, &t, field, out);
            rules::phrases(&self.phrases, &self.phrase_index, &t, field, employment_type, out);
            rules::age(&self.age, &t, field, out);
            rules::contact(&self.contact, &t, field, out);
        }
    }

    /// Checks and decides in one call.
    pub fn evaluate(&self, p: &Posting, employer_verified: bool) -> Verdict {
        let findings = self.check(p);
        Verdict { decision: decide(&findings, employer_verified), findings }
    }

    /// The hourly minimum wage that applies to a district, if one is configured.
    pub fn wage_floor(&self, adcode: &str) -> Option<&WageFloor> {
        self.floors.lookup(adcode)
    }

    /// The most hours a week one worker may do part-time for one employer (劳动合同法 Art. 68),
    /// which postings are checked against and engagements are held to.
    pub fn max_weekly_part_time_hours(&self) -> f64 {
        self.part_time.max_weekly_hours
    }
}

/// The refusals among findings as field errors, for texts that are refused outright rather than
/// stored for review: an employer profile, a note.
pub fn refusals(findings: &[Finding]) -> Vec<crate::error::FieldError> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Refuse)
        .map(|f| crate::error::FieldError { field: f.field.clone().unwrap_or_else(|| "text".into()), code: f.code.clone(), msg: f.message.clone() })
        .collect()
}

/// Drops duplicate findings and puts refusals first.
fn finish(mut out: Vec<Finding>) -> Vec<Finding> {
    let mut seen = std::collections::HashSet::new();
    out.retain(|f| seen.insert((f.code.clone(), f.field.clone(), f.matched.clone())));
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

/// Any refusal refuses; otherwise any review finding, or an employer not yet verified (实名认证),
/// sends the posting to review; otherwise it is published.
pub fn decide(findings: &[Finding], employer_verified: bool) -> Decision {
    if findings.iter().any(|f| f.severity == Severity::Refuse) {
        Decision::Refuse
    } else if !employer_verified || findings.iter().any(|f| f.severity == Severity::Review) {
        Decision::Review
    } else {
        Decision::Publish
    }
}
