//! 投诉举报: anyone reports a shift or an employer; enough independent reports hide a shift until a
//! moderator reviews it; the reporter can follow the report and is told the outcome by mail.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::auth::token;
use crate::db::changes::Entity;
use crate::db::models::ShiftRow;
use crate::db::schema::{reports, shifts, users};
use crate::db::{DbConn, Tx};
use crate::domain::notification::{Notification, ReportEmailConfirmation, ReportReceived, ReportResolved};
use crate::domain::time::to_display;
use crate::domain::{BoundedText, ReportStatus};
use crate::domain::{ReportId, ShiftId, UserId};
use crate::error::{Conflict, Error, FieldErrors, Invalid, Thing};
use crate::ratelimit::Budget;
use crate::services::Services;
use crate::services::accounts::parse_email;
use crate::services::scope::{Place, StaffScope};
use crate::services::{audit, employers, outbox};

pub const KINDS: &[&str] = &["illegal_fee", "fake_job", "wage_arrears", "discrimination", "unsafe", "other"];

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// `shift` or `employer`.
    #[schema(value_type = String, required = true, pattern = "^(shift|employer)$")]
    pub target_type: Option<String>,
    #[schema(value_type = i64, required = true)]
    pub target_id: Option<i64>,
    /// `illegal_fee`, `fake_job`, `wage_arrears`, `discrimination`, `unsafe` or `other`.
    #[schema(value_type = String, required = true, pattern = "^(illegal_fee|fake_job|wage_arrears|discrimination|unsafe|other)$")]
    pub kind: Option<String>,
    /// 5–2000 characters (leading and trailing whitespace not counted), no control characters.
    #[schema(value_type = String, required = true, min_length = 5, pattern = r"^[\s\x85]*[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{3,1998}[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f][\s\x85]*$")]
    pub description: Option<String>,
    /// Where to send the outcome when not signed in (empty or blank = none).
    #[schema(max_length = 254, pattern = r"^[\s\x85]*(?:[^@\s\x85,;<>]+@[^\s\x85,;<>.][^\s\x85,;<>]*\.[^\s\x85,;<>]*[^\s\x85,;<>.])?[\s\x85]*$")]
    pub email: Option<String>,
}

pub struct ValidReport {
    target_type: &'static str,
    target_id: i64,
    kind: String,
    description: String,
    email: Option<String>,
}

pub fn validate(r: &ReportRequest) -> Result<ValidReport, Error> {
    let mut errs = FieldErrors::new();
    let target_type = match r.target_type.as_deref() {
        Some("shift") => Some("shift"),
        Some("employer") => Some("employer"),
        Some(_) => {
            errs.add("target_type", Invalid::new("invalid_choice", "举报对象应为 shift 或 employer", "target_type must be shift or employer"));
            None
        }
        None => {
            errs.add("target_type", Invalid::required());
            None
        }
    };
    if r.target_id.is_none() {
        errs.add("target_id", Invalid::required());
    }
    let kind = match r.kind.as_deref() {
        Some(k) if KINDS.contains(&k) => Some(k.to_string()),
        Some(_) => {
            errs.add(
                "kind",
                Invalid::new("invalid_choice", format!("举报类型应为：{}", KINDS.join("、")), format!("kind must be one of: {}", KINDS.join(", "))),
            );
            None
        }
        None => {
            errs.add("kind", Invalid::required());
            None
        }
    };
    let description = errs.check("description", BoundedText::parse(r.description.as_deref().unwrap_or(""), 5, 2000));
    let email = match r.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => errs.check("email", parse_email(e)),
        None => None,
    };
    errs.into_result()?;
    Ok(ValidReport {
        target_type: target_type.expect("checked"),
        target_id: r.target_id.expect("checked"),
        kind: kind.expect("checked"),
        description: description.expect("checked").into_string(),
        email,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub target_type: String,
    pub target_id: i64,
    pub employer_id: i64,
    pub kind: String,
    pub description: String,
    pub status: ReportStatus,
    pub resolution: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<chrono::DateTime<chrono::FixedOffset>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportReceipt {
    #[serde(flatten)]
    pub report: ReportView,
    /// Shown once: lets the reporter follow the report without signing in
    /// (`GET /api/v1/reports/{id}?token=…`).
    pub follow_token: String,
}

#[derive(Debug, Queryable)]
pub struct ReportRow {
    pub id: i64,
    pub reporter_id: Option<i64>,
    pub follow_token_hash: String,
    pub reporter_email: Option<String>,
    pub reporter_key: String,
    pub target_type: String,
    pub target_id: i64,
    pub employer_id: i64,
    pub kind: String,
    pub description: String,
    #[diesel(deserialize_as = String)]
    pub status: ReportStatus,
    pub resolution: Option<String>,
    pub resolved_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    /// The outcome is mailed to `reporter_email` only when this is set: an account's own address,
    /// or one that opened the confirmation link mailed to it.
    pub email_confirmed: bool,
    pub email_confirm_token_hash: Option<String>,
}

impl ReportRow {
    pub fn view(self) -> ReportView {
        ReportView {
            id: self.id,
            target_type: self.target_type,
            target_id: self.target_id,
            employer_id: self.employer_id,
            kind: self.kind,
            description: self.description,
            status: self.status,
            resolution: self.resolution,
            created_at: to_display(self.created_at),
            resolved_at: self.resolved_at.map(to_display),
        }
    }
}

/// Who reported, as a salted hash: enough to count independent reporters, nothing to identify them.
pub fn reporter_key(secret: &str, user_id: Option<i64>, client: &str) -> String {
    let who = match user_id {
        Some(id) => format!("user:{id}"),
        None => format!("addr:{client}"),
    };
    hex::encode(Sha256::digest(format!("{secret}|{who}").as_bytes()))
}

/// Who a reporter is, as far as the weight of their report goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reporter {
    /// Not signed in: counted by a salted hash of the client address (an IPv6 client by its /64).
    Anonymous,
    Account {
        staff: bool,
        age: chrono::Duration,
        completed_engagements: bool,
    },
}

/// Accounts younger than this without completed work weigh least: they are the cheapest to make.
pub const NEW_ACCOUNT_DAYS: i64 = 7;

/// How much one reporter's open reports on a shift count toward `moderation.report_hide_threshold`
/// (each reporter counts once per shift, with this weight):
/// - staff, or an account with completed engagements (as worker or employer): 1;
/// - an anonymous reporter: 0.5;
/// - an account at least 7 days old without completed engagements: 0.5;
/// - an account younger than 7 days without completed engagements: 0.25.
///
/// So a handful of fresh accounts cannot hide someone's shift, while people who have worked
/// through the service hide it as fast as before.
pub fn reporter_weight(r: Reporter) -> f64 {
    match r {
        Reporter::Account { staff: true, .. } | Reporter::Account { completed_engagements: true, .. } => 1.0,
        Reporter::Anonymous => 0.5,
        Reporter::Account { age, .. } if age < chrono::Duration::days(NEW_ACCOUNT_DAYS) => 0.25,
        Reporter::Account { .. } => 0.5,
    }
}

/// The reporter an account is now.
fn reporter_of(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> Result<Reporter, Error> {
    use crate::db::schema::{employers as employers_t, engagements, workers};
    let (role, created_at): (String, NaiveDateTime) = users::table.find(user_id).select((users::role, users::created_at)).first(conn)?;
    let staff = crate::domain::Role::parse(&role).is_ok_and(|r| r.is_staff());
    let as_worker: i64 = engagements::table
        .filter(engagements::completed_at.is_not_null())
        .filter(engagements::worker_id.eq_any(workers::table.filter(workers::user_id.eq(user_id)).select(workers::id)))
        .count()
        .get_result(conn)?;
    let as_employer: i64 = if as_worker > 0 {
        0
    } else {
        let employer_shifts = shifts::table
            .filter(shifts::employer_id.eq_any(employers_t::table.filter(employers_t::user_id.eq(user_id)).select(employers_t::id)))
            .select(shifts::id);
        engagements::table.filter(engagements::completed_at.is_not_null()).filter(engagements::shift_id.eq_any(employer_shifts)).count().get_result(conn)?
    };
    Ok(Reporter::Account { staff, age: now - created_at, completed_engagements: as_worker + as_employer > 0 })
}

/// The weighted number of independent reporters with open reports on a shift.
pub fn weighted_reporters(conn: &mut DbConn, shift_id: i64, now: NaiveDateTime) -> Result<f64, Error> {
    let rows: Vec<(String, Option<i64>)> = reports::table
        .filter(reports::target_type.eq("shift"))
        .filter(reports::target_id.eq(shift_id))
        .filter(reports::status.eq(ReportStatus::Open.as_str()))
        .select((reports::reporter_key, reports::reporter_id))
        .order(reports::id.asc())
        .load(conn)?;
    let mut seen = std::collections::HashSet::new();
    let mut sum = 0.0;
    for (key, user_id) in rows {
        if !seen.insert(key) {
            continue;
        }
        let reporter = match user_id {
            Some(id) => reporter_of(conn, id, now)?,
            None => Reporter::Anonymous,
        };
        sum += reporter_weight(reporter);
    }
    Ok(sum)
}

/// Files a report; hides the shift once the weighted count of independent reporters with open
/// reports on it reaches `hide_threshold` (see [`reporter_weight`]).
pub fn create(tx: &mut Tx, v: ValidReport, reporter_id: Option<i64>, key: String, hide_threshold: i64) -> Result<ReportReceipt, Error> {
    create_with_links(tx, v, reporter_id, key, hide_threshold, "")
}

/// [`create`], with the service's public origin for the confirmation link an address typed into
/// the report is mailed.
pub fn create_with_links(
    tx: &mut Tx,
    v: ValidReport,
    reporter_id: Option<i64>,
    key: String,
    hide_threshold: i64,
    public_url: &str,
) -> Result<ReportReceipt, Error> {
    let employer_id = match v.target_type {
        "shift" => {
            ShiftRow::find(tx, v.target_id)
                .map_err(|_| Error::field("target_id", Invalid::new("not_found", "被举报的岗位不存在", "no such shift")))?
                .employer_id
        }
        _ => {
            employers::by_id(tx, v.target_id)
                .map_err(|_| Error::field("target_id", Invalid::new("not_found", "被举报的用人单位不存在", "no such employer")))?
                .id
        }
    };
    let follow_token = token::generate();
    let account_email = match reporter_id {
        Some(uid) => users::table.find(uid).select(users::email).first::<Option<String>>(tx.conn())?,
        None => None,
    };
    let email = v.email.clone().or_else(|| account_email.clone());
    // An address typed into the report (not the account's own) must confirm before it is mailed the outcome.
    let email_confirmed = email.is_some() && email == account_email;
    let confirm_token = (email.is_some() && !email_confirmed).then(token::generate);
    let now = tx.now();
    let id: i64 = diesel::insert_into(reports::table)
        .values((
            reports::reporter_id.eq(reporter_id),
            reports::follow_token_hash.eq(token::hash(&follow_token)),
            reports::reporter_email.eq(&email),
            reports::reporter_key.eq(&key),
            reports::target_type.eq(v.target_type),
            reports::target_id.eq(v.target_id),
            reports::employer_id.eq(employer_id),
            reports::kind.eq(&v.kind),
            reports::description.eq(&v.description),
            reports::status.eq(ReportStatus::Open.as_str()),
            reports::created_at.eq(now),
            reports::email_confirmed.eq(email_confirmed),
            reports::email_confirm_token_hash.eq(confirm_token.as_deref().map(token::hash)),
        ))
        .returning(reports::id)
        .get_result(tx.conn())?;
    if v.target_type == "shift" {
        let weighted = weighted_reporters(tx.conn(), v.target_id, now)?;
        // Weights are quarters, so the sum is exact; the margin only guards the comparison.
        if weighted + 1e-9 >= hide_threshold as f64 {
            let n = diesel::update(shifts::table.find(v.target_id).filter(shifts::hidden_by_reports.eq(false)))
                .set(shifts::hidden_by_reports.eq(true))
                .execute(tx.conn())?;
            if n > 0 {
                tx.record(Entity::Shift, v.target_id)?;
            }
        }
    }
    match &confirm_token {
        Some(t) => {
            let confirm_url = format!("{public_url}/api/v1/reports/{id}/confirm-email?token={t}");
            outbox::enqueue(tx, email, &Notification::ReportEmailConfirmation(ReportEmailConfirmation { report_id: id, confirm_url }))?;
        }
        None => {
            outbox::enqueue(tx, email, &Notification::ReportReceived(ReportReceived { report_id: id }))?;
        }
    }
    let row: ReportRow = reports::table.find(id).first(tx.conn())?;
    Ok(ReportReceipt { report: row.view(), follow_token })
}

/// The report for its reporter (by follow token or account) or staff.
pub fn get(conn: &mut DbConn, id: i64, follow_token: Option<&str>, user_id: Option<i64>, is_staff: bool) -> Result<ReportView, Error> {
    let row: ReportRow = reports::table.find(id).first(conn).optional()?.ok_or(Error::NotFound(Thing::Report))?;
    let by_token = follow_token.is_some_and(|t| token::hash(t) == row.follow_token_hash);
    let by_owner = user_id.is_some() && row.reporter_id == user_id;
    if by_token || by_owner || is_staff { Ok(row.view()) } else { Err(Error::NotFound(Thing::Report)) }
}

/// Open reports, grouped by employer for the queue: (employer id, reports), most reported first.
pub fn open_by_employer(conn: &mut DbConn, limit: i64) -> Result<Vec<(i64, Vec<ReportView>)>, Error> {
    let rows: Vec<ReportRow> = reports::table.filter(reports::status.eq(ReportStatus::Open.as_str())).order(reports::id.asc()).load(conn)?;
    let mut groups: Vec<(i64, Vec<ReportView>)> = Vec::new();
    for r in rows {
        match groups.iter_mut().find(|g| g.0 == r.employer_id) {
            Some(g) => g.1.push(r.view()),
            None => groups.push((r.employer_id, vec![r.view()])),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.1.len()));
    groups.truncate(limit as usize);
    Ok(groups)
}

/// The district of what a report is about (a shift or an employer), for staff scopes.
pub fn target_adcode(conn: &mut DbConn, report_id: i64) -> Result<Option<String>, Error> {
    use crate::db::schema::{employers as employers_t, shifts as shifts_t};
    let (target_type, target_id): (String, i64) =
        reports::table.find(report_id).select((reports::target_type, reports::target_id)).first(conn).optional()?.ok_or(Error::NotFound(Thing::Report))?;
    let adcode: Option<Option<String>> = match target_type.as_str() {
        "shift" => shifts_t::table.find(target_id).select(shifts_t::adcode).first(conn).optional()?,
        "employer" => employers_t::table.find(target_id).select(employers_t::adcode).first(conn).optional()?,
        other => return Err(Error::internal(format!("report {report_id} has an unknown target type {other:?}"))),
    };
    Ok(adcode.flatten())
}

/// Closes a report with an outcome the reporter is told about.
pub fn resolve(tx: &mut Tx, id: ReportId, staff_id: UserId, dismissed: bool, resolution: &str) -> Result<ReportView, Error> {
    let (id, staff_id) = (id.get(), staff_id.get());
    let row: ReportRow = reports::table.find(id).first(tx.conn()).optional()?.ok_or(Error::NotFound(Thing::Report))?;
    if row.status != ReportStatus::Open {
        return Err(Error::Conflict(Conflict::ReportAlreadyResolved));
    }
    let status = if dismissed { ReportStatus::Dismissed } else { ReportStatus::Resolved };
    diesel::update(reports::table.find(id))
        .set((reports::status.eq(status.as_str()), reports::resolution.eq(resolution), reports::resolved_by.eq(staff_id), reports::resolved_at.eq(tx.now())))
        .execute(tx.conn())?;
    audit::record(
        tx,
        audit::Entry {
            actor_id: staff_id,
            action: "report.resolve",
            target_type: "report",
            target_id: id,
            reason: Some(resolution),
            before: Some(json!({"status": row.status.as_str()})),
            after: Some(json!({"status": status.as_str()})),
        },
    )?;
    let note = Notification::ReportResolved(ReportResolved { report_id: id, resolution: resolution.to_string() });
    // An unconfirmed address is not mailed (the event is kept, skipped, as for no address at all).
    outbox::enqueue(tx, row.reporter_email.clone().filter(|_| row.email_confirmed), &note)?;
    Ok(reports::table.find(id).first::<ReportRow>(tx.conn())?.view())
}

/// Confirms the address of a report by the token mailed to it. Once confirmed it is told the
/// outcome (at once, if the report was already closed). Confirming twice is fine.
pub fn confirm_email(tx: &mut Tx, id: i64, confirm_token: &str) -> Result<(), Error> {
    let row: ReportRow = reports::table.find(id).first(tx.conn()).optional()?.ok_or(Error::NotFound(Thing::Report))?;
    let matches = row.email_confirm_token_hash.as_deref().is_some_and(|h| h == token::hash(confirm_token));
    if !matches {
        return Err(Error::NotFound(Thing::Report));
    }
    if row.email_confirmed {
        return Ok(());
    }
    diesel::update(reports::table.find(id)).set(reports::email_confirmed.eq(true)).execute(tx.conn())?;
    let note = match (row.status, row.resolution) {
        (ReportStatus::Open, _) => Notification::ReportReceived(ReportReceived { report_id: id }),
        (_, resolution) => Notification::ReportResolved(ReportResolved { report_id: id, resolution: resolution.unwrap_or_default() }),
    };
    outbox::enqueue(tx, row.reporter_email, &note)?;
    Ok(())
}

/// Resolves every open report on a shift when a moderator acts on the shift itself.
pub fn resolve_for_shift(tx: &mut Tx, shift_id: ShiftId, staff_id: UserId, resolution: &str) -> Result<usize, Error> {
    let shift_id = shift_id.get();
    let ids: Vec<i64> = reports::table
        .filter(reports::target_type.eq("shift"))
        .filter(reports::target_id.eq(shift_id))
        .filter(reports::status.eq(ReportStatus::Open.as_str()))
        .select(reports::id)
        .load(tx.conn())?;
    for id in &ids {
        resolve(tx, ReportId(*id), staff_id, false, resolution)?;
    }
    Ok(ids.len())
}

// ---------------------------------------------------------------------------------------------
// Operations.
// ---------------------------------------------------------------------------------------------

/// File a report (signed in or not). `client` is the caller's address, which keys the report
/// budget and, for anonymous reporters, who counts as the same reporter.
pub async fn file(svc: &Services, reporter: Option<&AuthUser>, client: &str, req: ReportRequest) -> Result<ReportReceipt, Error> {
    let c = &svc.config;
    let budget = Budget { name: "reports", limit: c.moderation.report_requests, window: std::time::Duration::from_secs(c.moderation.report_window_secs) };
    svc.limiter.hit(budget, client).await?;
    let valid = validate(&req)?;
    let user_id = reporter.map(|u| u.id);
    let key = reporter_key(&c.auth.pii_hash_key, user_id, client);
    let threshold = c.moderation.report_hide_threshold;
    let public_url = c.server.public_url.clone();
    svc.db.tx(move |tx| create_with_links(tx, valid, user_id, key, threshold, &public_url)).await
}

/// Confirm the address given with a report (the link mailed to it).
pub async fn confirm_reporter_email(svc: &Services, id: i64, token: String) -> Result<(), Error> {
    svc.db.tx(move |tx| confirm_email(tx, id, &token)).await
}

/// A report, for its reporter (by account or follow token) or moderators of its district.
pub async fn read(svc: &Services, viewer: Option<&AuthUser>, id: i64, token: Option<String>) -> Result<ReportView, Error> {
    let viewer = viewer.cloned();
    svc.db
        .run(move |conn| {
            let in_area = match &viewer {
                Some(u) if u.role.can_moderate() => {
                    let adcode = target_adcode(conn, id)?;
                    StaffScope::moderator(conn, u)?.covers(Place::district(adcode.as_deref()))
                }
                _ => false,
            };
            get(conn, id, token.as_deref(), viewer.as_ref().map(|u| u.id), in_area)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reporters_weigh_by_how_costly_they_are_to_fake() {
        assert_eq!(reporter_weight(Reporter::Anonymous), 0.5);
        for hours in [0i64, 1, 24, 24 * 6, 24 * 7 - 1, 24 * 7, 24 * 8, 24 * 400] {
            let age = chrono::Duration::hours(hours);
            let fresh = hours < 24 * NEW_ACCOUNT_DAYS;
            let plain = reporter_weight(Reporter::Account { staff: false, age, completed_engagements: false });
            assert_eq!(plain, if fresh { 0.25 } else { 0.5 }, "{hours} h");
            for (staff, completed) in [(true, false), (false, true), (true, true)] {
                assert_eq!(reporter_weight(Reporter::Account { staff, age, completed_engagements: completed }), 1.0);
            }
        }
    }
}
