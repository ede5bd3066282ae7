//! Moderation by bureau staff: the queue, approve, reject with a reason, take down, in bulk.
//! Every action is audited, mailed to the employer through the outbox, and reaches search
//! through the change log.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::changes::Entity;
use crate::db::schema::{employers, reports, shifts};
use crate::db::{DbConn, Tx};
use crate::domain::notification::{Notification, ShiftApproved, ShiftClosed, ShiftRejected, ShiftTakenDown};
use crate::domain::time::to_display;
use crate::domain::{BoundedText, ReportStatus, ShiftStatus};
use crate::domain::{EmployerId, ReportId, ShiftId, UserId};
use crate::error::{Conflict, Denied, Error, Invalid, Msg};
use crate::services::employers::{self as employers_svc, EmployerView};
use crate::services::page::PageRequest;
use crate::services::reports::{self as reports_svc, ReportView};
use crate::services::scope::{Place, StaffScope};
use crate::services::shifts::{self as shifts_svc, ShiftRow, ShiftView};
use crate::services::{Services, audit, outbox};

/// Canned rejection reasons; `other` needs free text.
pub const REASONS: &[(&str, &str, &str)] = &[
    ("illegal_fee", "岗位向劳动者收取费用或扣押证件", "the posting asks workers to pay or to hand over documents"),
    ("discrimination", "岗位含有歧视性招聘条件", "the posting has discriminatory conditions"),
    (
        "incomplete",
        "岗位信息不完整（单位情况、人数、条件、内容、地点、报酬或有效期）",
        "required information is missing (employer, headcount, conditions, content, place, pay or validity)",
    ),
    ("below_minimum_wage", "报酬低于当地非全日制小时最低工资标准", "pay is below the local part-time hourly minimum wage"),
    ("false_information", "岗位信息不真实或夸大宣传", "the posting is untrue or exaggerated"),
    ("off_platform_contact", "岗位引导求职者到平台外联系", "the posting pulls applicants off the platform"),
    ("unsafe", "岗位存在安全隐患", "the work is unsafe"),
    ("other", "其他原因", "other reason"),
];

#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonView {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

pub fn reasons() -> Vec<ReasonView> {
    REASONS.iter().map(|(code, zh, en)| ReasonView { code, zh, en }).collect()
}

/// A reason as given by a moderator: a canned code, plus free text (required for `other`).
pub fn reason(code: Option<&str>, text: Option<&str>) -> Result<(String, Msg), Error> {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    let code = code.unwrap_or("other");
    let Some((c, zh, en)) = REASONS.iter().find(|(c, _, _)| *c == code) else {
        let codes: Vec<&str> = REASONS.iter().map(|r| r.0).collect();
        return Err(Error::field(
            "reason_code",
            Invalid::new("invalid_choice", format!("原因代码应为：{}", codes.join("、")), format!("reason_code must be one of: {}", codes.join(", "))),
        ));
    };
    if *c == "other" && text.is_none() {
        return Err(Error::field("reason", Invalid::new("required", "选择“其他原因”时需填写说明", "explain the reason when reason_code is other")));
    }
    if let Some(t) = text {
        BoundedText::parse(t, 1, 1000).map_err(|e| Error::field("reason", e))?;
    }
    let msg = match text {
        Some(t) => Msg::new(format!("{zh}：{t}"), format!("{en}: {t}")),
        None => Msg::new(*zh, *en),
    };
    Ok((c.to_string(), msg))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItem {
    pub shift: ShiftView,
    /// The listing rules' findings for the current content.
    #[schema(value_type = Vec<Object>)]
    pub findings: serde_json::Value,
    /// 0 none, 1 review, 2 refuse; open reports add to it.
    pub risk: i32,
    pub open_reports: i64,
    /// Open reports against the same employer, across all their shifts.
    pub employer_open_reports: i64,
    pub hidden_by_reports: bool,
    #[schema(value_type = String, format = DateTime)]
    pub waiting_since: chrono::DateTime<chrono::FixedOffset>,
}

/// Pending and report-hidden shifts and shifts with open reports, riskiest and oldest first,
/// limited to the moderator's districts.
fn queue_items(conn: &mut DbConn, scope: &StaffScope, limit: i64, offset: i64) -> Result<(Vec<QueueItem>, i64), Error> {
    let reported: Vec<i64> = reports::table
        .filter(reports::status.eq(ReportStatus::Open.as_str()))
        .filter(reports::target_type.eq("shift"))
        .select(reports::target_id)
        .distinct()
        .load(conn)?;
    let rows: Vec<ShiftRow> = shifts::table
        .filter(shifts::status.eq(ShiftStatus::PendingReview.as_str()).or(shifts::hidden_by_reports.eq(true)).or(shifts::id.eq_any(&reported)))
        .load(conn)?;
    let mut scored: Vec<(i64, NaiveDateTime, ShiftRow, i64, i64)> = Vec::new();
    for r in rows.into_iter().filter(|r| scope.covers(Place::district(r.adcode.as_deref()))) {
        let open: i64 = reports::table
            .filter(reports::status.eq(ReportStatus::Open.as_str()))
            .filter(reports::target_type.eq("shift"))
            .filter(reports::target_id.eq(r.id))
            .count()
            .get_result(conn)?;
        let employer_open: i64 =
            reports::table.filter(reports::status.eq(ReportStatus::Open.as_str())).filter(reports::employer_id.eq(r.employer_id)).count().get_result(conn)?;
        let risk = r.risk as i64 + open.min(5) + employer_open.min(5) / 2;
        scored.push((risk, r.updated_at, r, open, employer_open));
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let total = scored.len() as i64;
    let page: Vec<_> = scored.into_iter().skip(offset as usize).take(limit as usize).collect();
    let views = shifts_svc::views(conn, page.iter().map(|p| p.2.clone()).collect())?;
    Ok((
        page.into_iter()
            .zip(views)
            .map(|((risk, since, row, open, employer_open), shift)| QueueItem {
                findings: serde_json::from_str(&row.findings).unwrap_or_default(),
                risk: risk as i32,
                open_reports: open,
                employer_open_reports: employer_open,
                hidden_by_reports: row.hidden_by_reports,
                waiting_since: to_display(since),
                shift,
            })
            .collect(),
        total,
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Approve,
    Reject,
    TakeDown,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::Approve => "shift.approve",
            Action::Reject => "shift.reject",
            Action::TakeDown => "shift.take_down",
        }
    }
}

/// Applies one moderation action to one shift.
fn act(tx: &mut Tx, scope: &StaffScope, shift_id: i64, action: Action, why: Option<&(String, Msg)>) -> Result<ShiftRow, Error> {
    let staff_id = scope.user_id;
    let shift = shifts_svc::by_id(tx, shift_id)?;
    scope.check(Place::district(shift.adcode.as_deref()))?;
    let status = shift.status();
    let now = tx.now();
    let (new_status, allowed) = match action {
        Action::Approve => (ShiftStatus::Published, status == ShiftStatus::PendingReview || (shift.hidden_by_reports && status == ShiftStatus::Published)),
        Action::Reject => (ShiftStatus::Rejected, status == ShiftStatus::PendingReview),
        Action::TakeDown => (ShiftStatus::TakenDown, matches!(status, ShiftStatus::Published | ShiftStatus::Filled | ShiftStatus::PendingReview)),
    };
    if !allowed {
        return Err(Error::Conflict(Conflict::ShiftWrongState { status }));
    }
    if action == Action::Approve {
        let blocked: bool = employers::table.find(shift.employer_id).select(employers::blocked).first(tx.conn())?;
        if blocked {
            return Err(Error::Forbidden(Denied::EmployerBlocked { reason: None }));
        }
    }
    let (code, msg) = match why {
        Some((c, m)) => (Some(c.clone()), Some(m.clone())),
        None => (None, None),
    };
    diesel::update(shifts::table.find(shift_id))
        .set((
            shifts::status.eq(new_status.as_str()),
            shifts::hidden_by_reports.eq(false),
            shifts::rejection_code.eq(if action == Action::Approve { None } else { code.clone() }),
            shifts::rejection_reason.eq(if action == Action::Approve { None } else { msg.as_ref().map(|m| m.zh.clone()) }),
            shifts::published_at.eq(if new_status == ShiftStatus::Published { shift.published_at.or(Some(now)) } else { shift.published_at }),
            shifts::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    tx.record(Entity::Shift, shift_id)?;
    if new_status == ShiftStatus::TakenDown {
        crate::services::engagements::end_for_closed_shift(tx, &shift, ShiftClosed::TakenDown, now)?;
    }
    audit::record(
        tx,
        audit::Entry {
            actor_id: staff_id,
            action: action.name(),
            target_type: "shift",
            target_id: shift_id,
            reason: msg.as_ref().map(|m| m.zh.as_str()),
            before: Some(json!({"status": status.as_str(), "hidden_by_reports": shift.hidden_by_reports})),
            after: Some(json!({"status": new_status.as_str(), "reason_code": code})),
        },
    )?;
    let employer_user: i64 = employers::table.find(shift.employer_id).select(employers::user_id).first(tx.conn())?;
    let title = shift.title.clone();
    let note = match (action, msg) {
        (Action::Approve, _) => Notification::ShiftApproved(ShiftApproved { shift_id, title }),
        (Action::Reject, Some(reason)) => Notification::ShiftRejected(ShiftRejected { shift_id, title, reason }),
        (Action::TakeDown, Some(reason)) => Notification::ShiftTakenDown(ShiftTakenDown { shift_id, title, reason }),
        // `decide` asks for a reason before anything but an approval reaches here.
        (_, None) => return Err(Error::internal(format!("shift {shift_id}: {} without a reason", action.name()))),
    };
    outbox::enqueue_to_user(tx, employer_user, &note)?;
    shifts_svc::by_id(tx, shift_id)
}

// ---------------------------------------------------------------------------------------------
// Operations. Each staff operation goes through `StaffScope`: the role check and the district
// check in one place, for reads and writes alike.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportedEmployer {
    pub employer_id: i64,
    pub open_reports: usize,
    pub reports: Vec<ReportView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Queue {
    pub total: i64,
    /// Shifts waiting for review, hidden by reports, or reported: riskiest and oldest first.
    pub items: Vec<QueueItem>,
    /// Open reports grouped by employer, most reported first.
    pub reported_employers: Vec<ReportedEmployer>,
    pub next_cursor: Option<String>,
}

/// The moderation queue, limited to the moderator's area.
pub async fn queue(svc: &Services, user: &AuthUser, page: PageRequest) -> Result<Queue, Error> {
    let user = user.clone();
    svc.db
        .run(move |conn| {
            let scope = StaffScope::moderator(conn, &user)?;
            let (limit, offset) = (page.limit, page.offset() as i64);
            let (items, total) = queue_items(conn, &scope, limit, offset)?;
            let mut reported = Vec::new();
            for (employer_id, reports) in reports_svc::open_by_employer(conn, 50)? {
                let e = employers_svc::by_id(conn, employer_id)?;
                if scope.covers(Place::district(e.adcode.as_deref())) {
                    reported.push(ReportedEmployer { employer_id, open_reports: reports.len(), reports });
                }
            }
            let shown = items.len();
            Ok(Queue { total, items, reported_employers: reported, next_cursor: page.next_offset(shown, total as usize) })
        })
        .await
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// A code from `/moderation/reasons`.
    pub reason_code: Option<String>,
    /// Free text, shown to the employer (required with `other`).
    pub reason: Option<String>,
}

/// Approve, reject or take down one shift; its open reports are resolved with the outcome.
pub async fn decide(svc: &Services, user: &AuthUser, id: i64, action: Action, body: Option<ReasonBody>) -> Result<ShiftView, Error> {
    user.require_moderator()?;
    let why = match (action, body) {
        (Action::Approve, _) => None,
        (_, b) => {
            let b = b.unwrap_or_default();
            Some(reason(b.reason_code.as_deref(), b.reason.as_deref())?)
        }
    };
    let user = user.clone();
    svc.db
        .tx(move |tx| {
            let scope = StaffScope::moderator(tx, &user)?;
            let row = act(tx, &scope, id, action, why.as_ref())?;
            let outcome = match (action, &why) {
                (Action::Approve, _) => "经审核未发现违规，岗位正常显示 / reviewed: no violation found".to_string(),
                (_, Some((_, m))) => format!("岗位已处理：{} / the shift was acted on: {}", m.zh, m.en),
                (_, None) => "岗位已处理 / the shift was acted on".to_string(),
            };
            reports_svc::resolve_for_shift(tx, ShiftId(id), UserId(scope.user_id), &outcome)?;
            shifts_svc::view(tx, row)
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    pub action: Action,
    pub shift_ids: Vec<i64>,
    pub reason_code: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    pub shift_id: i64,
    pub ok: bool,
    pub status: Option<String>,
    pub error: Option<String>,
}

/// One action on many shifts; each succeeds or fails on its own.
pub async fn bulk(svc: &Services, user: &AuthUser, b: BulkRequest) -> Result<Vec<BulkResult>, Error> {
    user.require_moderator()?;
    if b.shift_ids.is_empty() || b.shift_ids.len() > 100 {
        return Err(Error::field("shift_ids", Invalid::out_of_range("一次处理 1 到 100 个岗位", "give 1 to 100 shift ids")));
    }
    if b.action != Action::Approve {
        reason(b.reason_code.as_deref(), b.reason.as_deref())?;
    }
    let mut results = Vec::new();
    for id in b.shift_ids {
        let body = ReasonBody { reason_code: b.reason_code.clone(), reason: b.reason.clone() };
        results.push(match decide(svc, user, id, b.action, Some(body)).await {
            Ok(v) => BulkResult { shift_id: id, ok: true, status: Some(v.status.as_str().to_string()), error: None },
            Err(e) => BulkResult { shift_id: id, ok: false, status: None, error: Some(e.code().to_string()) },
        });
    }
    Ok(results)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockRequest {
    /// Why, e.g. confirmed wage arrears; shown to the employer. 2–1000 characters (leading and
    /// trailing whitespace not counted), no control characters.
    #[schema(
        pattern = r"^[\s\x85]*[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{0,998}[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f][\s\x85]*$"
    )]
    pub reason: String,
}

/// A staff member's reason or outcome: 2–1000 characters by the one text rule.
fn staff_text(field: &str, r: &str) -> Result<String, Error> {
    BoundedText::parse(r, 2, 1000).map(BoundedText::into_string).map_err(|e| Error::field(field, e))
}

/// Runs a staff action on an employer in the moderator's area, in one transaction.
async fn on_employer<F>(svc: &Services, user: &AuthUser, id: i64, f: F) -> Result<EmployerView, Error>
where
    F: FnOnce(&mut Tx, i64) -> Result<crate::db::models::EmployerRow, Error> + Send + 'static,
{
    user.require_moderator()?;
    let user = user.clone();
    let row = svc
        .db
        .tx(move |tx| {
            let scope = StaffScope::moderator(tx, &user)?;
            let e = employers_svc::by_id(tx, id)?;
            scope.check(Place::district(e.adcode.as_deref()))?;
            f(tx, scope.user_id)
        })
        .await?;
    Ok(row.view(true))
}

/// Block an employer: their shifts are hidden and new ones refused.
pub async fn block_employer(svc: &Services, user: &AuthUser, id: i64, body: BlockRequest) -> Result<EmployerView, Error> {
    // Who may comes before what was sent: a stranger learns nothing from field errors.
    user.require_moderator()?;
    let reason = staff_text("reason", &body.reason)?;
    on_employer(svc, user, id, move |tx, staff_id| {
        let row = employers_svc::block(tx, EmployerId(id), UserId(staff_id), &reason)?;
        let now = tx.now();
        crate::services::engagements::end_for_blocked_employer(tx, id, now)?;
        Ok(row)
    })
    .await
}

/// Lift a block.
pub async fn unblock_employer(svc: &Services, user: &AuthUser, id: i64, body: BlockRequest) -> Result<EmployerView, Error> {
    user.require_moderator()?;
    let reason = staff_text("reason", &body.reason)?;
    on_employer(svc, user, id, move |tx, staff_id| employers_svc::unblock(tx, EmployerId(id), UserId(staff_id), &reason)).await
}

/// 实名认证: mark an employer verified after checking its identity.
pub async fn verify_employer(svc: &Services, user: &AuthUser, id: i64) -> Result<EmployerView, Error> {
    on_employer(svc, user, id, move |tx, staff_id| employers_svc::verify(tx, EmployerId(id), UserId(staff_id))).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// The outcome the reporter is told: 2–1000 characters, as a block's reason.
    #[schema(
        pattern = r"^[\s\x85]*[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{0,998}[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f][\s\x85]*$"
    )]
    pub resolution: String,
    /// True when the report was unfounded.
    #[serde(default)]
    pub dismissed: bool,
}

/// Resolve a report on something in the moderator's area; the reporter is told the outcome.
pub async fn resolve_report(svc: &Services, user: &AuthUser, id: i64, body: ResolveRequest) -> Result<ReportView, Error> {
    user.require_moderator()?;
    let resolution = staff_text("resolution", &body.resolution)?;
    let (user, dismissed) = (user.clone(), body.dismissed);
    svc.db
        .tx(move |tx| {
            let scope = StaffScope::moderator(tx, &user)?;
            let adcode = reports_svc::target_adcode(tx, id)?;
            scope.check(Place::district(adcode.as_deref()))?;
            reports_svc::resolve(tx, ReportId(id), UserId(scope.user_id), dismissed, &resolution)
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// What the moderation console reads beside the queue: an employer's record, open reports with
// the engagement each arrears report is about, one employer's file. Scoped as the queue is.
// ---------------------------------------------------------------------------------------------

/// An employer's record as a moderator weighs one of its postings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmployerHistory {
    pub employer_id: i64,
    pub name: String,
    pub kind: String,
    pub verified: bool,
    pub blocked: bool,
    pub blocked_reason: Option<String>,
    /// Moderator rejections of its shifts, ever (from the audit log, so a fixed shift still counts).
    pub rejections: i64,
    /// Its shifts taken down by a moderator, ever.
    pub take_downs: i64,
    /// Open reports against it or any of its shifts.
    pub open_reports: i64,
    /// The last 90 days: ratings from workers, completed engagements, late cancellations.
    pub stats: crate::services::reputation::ProfileStats,
}

fn employer_history(conn: &mut DbConn, e: &crate::db::models::EmployerRow, now: NaiveDateTime) -> Result<EmployerHistory, Error> {
    use crate::db::schema::audit_log;
    let own = shifts::table.filter(shifts::employer_id.eq(e.id)).select(shifts::id);
    let acted = |conn: &mut DbConn, action: &str| -> Result<i64, Error> {
        Ok(audit_log::table
            .filter(audit_log::action.eq(action))
            .filter(audit_log::target_type.eq("shift"))
            .filter(audit_log::target_id.eq_any(own))
            .count()
            .get_result(conn)?)
    };
    let rejections = acted(conn, Action::Reject.name())?;
    let take_downs = acted(conn, Action::TakeDown.name())?;
    let open_reports: i64 =
        reports::table.filter(reports::status.eq(ReportStatus::Open.as_str())).filter(reports::employer_id.eq(e.id)).count().get_result(conn)?;
    let stats = crate::services::reputation::employer_stats(conn, crate::services::reputation::EmployerRef { id: e.id, user_id: e.user_id }, now)?;
    Ok(EmployerHistory {
        employer_id: e.id,
        name: e.name.clone(),
        kind: e.kind.clone(),
        verified: e.verified,
        blocked: e.blocked,
        blocked_reason: e.blocked_reason.clone(),
        rejections,
        take_downs,
        open_reports,
        stats,
    })
}

/// The queue with the record of each employer in it, for the console.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsoleQueue {
    pub queue: Queue,
    /// One per employer with a shift on this page of the queue.
    pub employers: Vec<EmployerHistory>,
}

/// The moderation queue and its employers' records, limited to the moderator's area.
pub async fn console_queue(svc: &Services, user: &AuthUser, page: PageRequest) -> Result<ConsoleQueue, Error> {
    let queue = queue(svc, user, page).await?;
    let mut ids: Vec<i64> = queue.items.iter().map(|i| i.shift.employer.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let now = svc.clock.now();
    let employers = svc
        .db
        .run(move |conn| {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let e = employers_svc::by_id(conn, id)?;
                out.push(employer_history(conn, &e, now)?);
            }
            Ok(out)
        })
        .await?;
    Ok(ConsoleQueue { queue, employers })
}

/// One open report with what it is about.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportFacts {
    pub report: ReportView,
    /// The reported shift's title and status (reports on a shift).
    pub shift_title: Option<String>,
    pub shift_status: Option<ShiftStatus>,
    /// The engagement a wage-arrears report was filed from: its timeline, attendance and pay are
    /// the facts behind the complaint (`GET /engagements/{id}` for moderators).
    pub engagement_id: Option<i64>,
}

/// Open reports against one employer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportGroup {
    pub employer: EmployerHistory,
    pub reports: Vec<ReportFacts>,
}

/// Open reports grouped by employer, most reported first, within the moderator's districts (the
/// employer's district, as in the queue).
pub async fn reports_by_employer(svc: &Services, user: &AuthUser) -> Result<Vec<ReportGroup>, Error> {
    use crate::db::schema::engagements;
    let user = user.clone();
    let now = svc.clock.now();
    svc.db
        .run(move |conn| {
            let scope = StaffScope::moderator(conn, &user)?;
            let mut out = Vec::new();
            for (employer_id, reports) in reports_svc::open_by_employer(conn, 100)? {
                let e = employers_svc::by_id(conn, employer_id)?;
                if !scope.covers(Place::district(e.adcode.as_deref())) {
                    continue;
                }
                let mut facts = Vec::with_capacity(reports.len());
                for report in reports {
                    let shift: Option<(String, String)> = if report.target_type == "shift" {
                        shifts::table.find(report.target_id).select((shifts::title, shifts::status)).first(conn).optional()?
                    } else {
                        None
                    };
                    let engagement_id: Option<i64> =
                        engagements::table.filter(engagements::arrears_report_id.eq(report.id)).select(engagements::id).first(conn).optional()?;
                    facts.push(ReportFacts {
                        shift_status: shift.as_ref().and_then(|s| ShiftStatus::parse(&s.1).ok()),
                        shift_title: shift.map(|s| s.0),
                        engagement_id,
                        report,
                    });
                }
                out.push(ReportGroup { employer: employer_history(conn, &e, now)?, reports: facts });
            }
            Ok(out)
        })
        .await
}

/// An employer's file for a moderator: the profile with contact details, whether its unified
/// social credit code passes the GB 32100-2015 check, and its record.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployerFile {
    pub employer: EmployerView,
    /// `None` when the employer has no credit code (households, individuals).
    pub credit_code_valid: Option<bool>,
    pub history: EmployerHistory,
}

/// One employer's file, for a moderator whose districts include it (403 otherwise).
pub async fn employer_file(svc: &Services, user: &AuthUser, id: i64) -> Result<EmployerFile, Error> {
    let user = user.clone();
    let now = svc.clock.now();
    svc.db
        .run(move |conn| {
            let scope = StaffScope::moderator(conn, &user)?;
            let e = employers_svc::by_id(conn, id)?;
            scope.check(Place::district(e.adcode.as_deref()))?;
            let history = employer_history(conn, &e, now)?;
            let credit_code_valid = e.credit_code.as_deref().filter(|c| !c.is_empty()).map(|c| crate::domain::credit_code::CreditCode::parse(c).is_ok());
            let employer = employers_svc::view_with_stats(conn, e, true)?;
            Ok(EmployerFile { employer, credit_code_valid, history })
        })
        .await
}
