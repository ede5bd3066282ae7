//! CSV import of shifts by community stations and portals (staff): one row per posting, each
//! posted for the employer it names through the same rules as `POST /shifts`
//! (`shifts::post_in`, via the desk's `post_for_in` for station staff), with a report of every
//! row — imported, or each field that failed and why. The columns are in docs/import.md.
//!
//! Files come as UTF-8 (with or without a byte-order mark) or GB18030, as Chinese spreadsheet
//! programs save them: a BOM means UTF-8, valid UTF-8 is UTF-8, anything else is read as GB18030
//! and refused if it is not valid GB18030 either.
//!
//! Each row is posted in a savepoint of one transaction, so a row lands whole or not at all;
//! `all_or_nothing` rolls back every row when any failed, `valid_rows` keeps the rows that passed.

use std::collections::HashSet;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::Tx;
use crate::db::schema::employers;
use crate::domain::{GeoPoint, PayUnit, Role, ShiftStatus};
use crate::error::{Error, FieldErrors, Invalid, Msg, Thing};
use crate::listing::Rules;
use crate::ratelimit::Budget;
use crate::services::districts::ServiceArea;
use crate::services::scope::{Place, StaffScope};
use crate::services::shifts::{self, ShiftRequest, ShiftRow, SlotBody};
use crate::services::views::PayBody;
use crate::services::{Services, audit, desk, employers as employer_service};

/// The columns an import reads; the header row names them, in any order.
pub const COLUMNS: &[&str] = &[
    "employer_id",
    "employer_credit_code",
    "title",
    "description",
    "requirements",
    "category",
    "headcount",
    "pay_yuan",
    "pay_unit",
    "settlement",
    "employment_type",
    "take_mode",
    "address",
    "lat",
    "lng",
    "adcode",
    "slots",
    "valid_through",
    "probation_days",
    "minutes_per_piece",
];

/// What happens to the valid rows when some row fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Nothing is imported unless every row is valid.
    AllOrNothing,
    /// The valid rows are imported; the failed ones are reported.
    ValidRows,
}

impl Mode {
    pub fn parse(s: &str) -> Result<Mode, Invalid> {
        match s {
            "all_or_nothing" => Ok(Mode::AllOrNothing),
            "valid_rows" => Ok(Mode::ValidRows),
            _ => Err(Invalid::new("invalid_choice", "mode 应为 all_or_nothing 或 valid_rows", "mode must be all_or_nothing or valid_rows")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MsgBody {
    pub zh: String,
    pub en: String,
}

impl From<Msg> for MsgBody {
    fn from(m: Msg) -> MsgBody {
        MsgBody { zh: m.zh, en: m.en }
    }
}

/// One reason a row failed.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RowError {
    /// The CSV column it is about.
    pub column: String,
    /// The field of the posting, as `POST /shifts` names it (`slots[1].start`, `pay.amount_fen`).
    pub field: String,
    pub code: String,
    pub message: MsgBody,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    /// Posted (published or waiting for review, as `status` says).
    Imported,
    /// Valid, but not kept: another row failed in `all_or_nothing` mode.
    RolledBack,
    /// Refused; `errors` says why.
    Failed,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowReport {
    /// The row as a spreadsheet numbers it: the header is row 1, the first posting row 2.
    pub row: usize,
    pub outcome: RowOutcome,
    pub shift_id: Option<i64>,
    pub status: Option<ShiftStatus>,
    pub errors: Vec<RowError>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    pub mode: Mode,
    /// `UTF-8` or `GB18030`: how the file was read.
    pub encoding: String,
    /// Whether any row was kept.
    pub committed: bool,
    pub rows: usize,
    pub imported: usize,
    pub failed: usize,
    pub items: Vec<RowReport>,
}

impl ImportReport {
    /// The structured error an `all_or_nothing` import that kept nothing answers with: each row's
    /// errors as fields `rows[<row>].<column>`.
    pub fn refusal(&self) -> Option<Error> {
        if self.mode != Mode::AllOrNothing || self.committed || self.failed == 0 {
            return None;
        }
        let fields = self
            .items
            .iter()
            .flat_map(|r| {
                r.errors.iter().map(move |e| crate::error::FieldError {
                    field: format!("rows[{}].{}", r.row, e.column),
                    code: e.code.clone(),
                    msg: Msg::new(e.message.zh.clone(), e.message.en.clone()),
                })
            })
            .collect();
        Some(Error::Validation(fields))
    }
}

/// How the bytes were written: a UTF-8 BOM or valid UTF-8 is UTF-8; anything else must be valid
/// GB18030 (which includes GBK and GB2312).
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), Invalid> {
    let unreadable = || {
        Invalid::new(
            "unreadable_encoding",
            "文件既不是 UTF-8 也不是 GB18030 编码，请另存为 UTF-8 或 GB18030 的 CSV",
            "the file is neither UTF-8 nor GB18030; save it as CSV in UTF-8 or GB18030",
        )
    };
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest).map(|s| (s.to_string(), "UTF-8")).map_err(|_| unreadable());
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), "UTF-8"));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors { Err(unreadable()) } else { Ok((text.into_owned(), "GB18030")) }
}

/// `35`, `35.5`, `35.50` 元 as fen, exactly; the amount's own rule (`Pay::amount`) judges it.
pub fn yuan_to_fen(s: &str) -> Result<i64, Invalid> {
    let bad =
        || Invalid::new("invalid_amount", "金额应为元，最多两位小数，如 35 或 35.50", "the amount must be in yuan with at most two decimals, e.g. 35 or 35.50");
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || whole.len() > 12 || frac.len() > 2 || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if digits.ends_with('.') {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().map_err(|_| bad())? };
    let fen = whole * 100 + frac;
    Ok(if neg { -fen } else { fen })
}

/// `start/end;start/end`, each an RFC 3339 time with its offset.
pub fn parse_slots(s: &str) -> Result<Vec<SlotBody>, Invalid> {
    let bad = || {
        Invalid::new(
            "invalid_slots",
            "时段应写成 开始/结束，多个时段用分号分隔，如 2026-12-05T08:00:00+08:00/2026-12-05T12:00:00+08:00",
            "slots must be start/end, several separated by semicolons, e.g. 2026-12-05T08:00:00+08:00/2026-12-05T12:00:00+08:00",
        )
    };
    s.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('/').map(|(a, b)| SlotBody { start: a.trim().to_string(), end: b.trim().to_string() }).ok_or_else(bad))
        .collect()
}

/// The CSV column a posting field is reported under.
fn column_of(field: &str) -> String {
    if field.starts_with("slots") {
        return "slots".into();
    }
    match field {
        "pay" | "pay.amount_fen" => "pay_yuan".into(),
        "pay.unit" => "pay_unit".into(),
        other => other.split(['.', '[']).next().unwrap_or(other).to_string(),
    }
}

/// Which employer a row names.
#[derive(Debug, Clone)]
enum EmployerRef {
    Id(i64),
    CreditCode(String),
}

/// One row as a request, or the cells that do not even parse.
struct ParsedRow {
    row: usize,
    employer: Option<EmployerRef>,
    request: ShiftRequest,
    errors: Vec<RowError>,
}

fn cell_error(column: &str, invalid: Invalid) -> RowError {
    RowError { column: column.into(), field: column.into(), code: invalid.code.into(), message: invalid.msg.into() }
}

/// The header and rows of a decoded file, or what is wrong with the file as a whole.
fn parse_file(text: &str, max_rows: usize) -> Result<Vec<ParsedRow>, Error> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::field("file", Invalid::new("unreadable_csv", format!("无法读取 CSV：{e}"), format!("cannot read the CSV: {e}"))))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut errs = FieldErrors::new();
    let mut seen = HashSet::new();
    for h in &headers {
        if !COLUMNS.contains(&h.as_str()) {
            errs.add(format!("columns.{h}"), Invalid::new("unknown_column", "不认识的列（见 docs/import.md）", "unknown column (see docs/import.md)"));
        } else if !seen.insert(h.clone()) {
            errs.add(format!("columns.{h}"), Invalid::new("duplicate_column", "列名重复", "the column appears twice"));
        }
    }
    if !seen.contains("employer_id") && !seen.contains("employer_credit_code") {
        errs.add(
            "columns",
            Invalid::new(
                "employer_column_required",
                "需要 employer_id 或 employer_credit_code 列",
                "an employer_id or employer_credit_code column is required",
            ),
        );
    }
    errs.into_result()?;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| {
            Error::field(&format!("rows[{row}]"), Invalid::new("unreadable_csv", format!("无法读取 CSV：{e}"), format!("cannot read the CSV: {e}")))
        })?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue; // blank lines spreadsheets leave at the end
        }
        if rows.len() == max_rows {
            return Err(Error::field(
                "file",
                Invalid::new("too_many_rows", format!("一次最多导入 {max_rows} 行"), format!("at most {max_rows} rows per import")),
            ));
        }
        rows.push(parse_row(row, &headers, &record));
    }
    if rows.is_empty() {
        return Err(Error::field("file", Invalid::new("no_rows", "文件中没有岗位行", "the file has no rows of shifts")));
    }
    Ok(rows)
}

fn parse_row(row: usize, headers: &[String], record: &csv::StringRecord) -> ParsedRow {
    let mut errors = Vec::new();
    if record.len() > headers.len() {
        errors.push(cell_error("row", Invalid::new("too_many_cells", "这一行的格子比表头多", "the row has more cells than the header")));
    }
    let cell = |name: &str| -> Option<String> {
        let i = headers.iter().position(|h| h == name)?;
        record.get(i).map(str::trim).filter(|c| !c.is_empty()).map(str::to_string)
    };
    let number = |name: &str, errors: &mut Vec<RowError>| -> Option<i64> {
        let c = cell(name)?;
        match c.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(cell_error(name, Invalid::new("invalid_number", "应为整数", "must be a whole number")));
                None
            }
        }
    };
    let headcount = number("headcount", &mut errors);
    let probation_days = number("probation_days", &mut errors);
    let minutes_per_piece = number("minutes_per_piece", &mut errors);
    let employer_id = number("employer_id", &mut errors);
    let float = |name: &str, errors: &mut Vec<RowError>| -> Option<f64> {
        let c = cell(name)?;
        match c.parse::<f64>() {
            Ok(n) if n.is_finite() => Some(n),
            _ => {
                errors.push(cell_error(name, Invalid::new("invalid_number", "应为数字，如 39.9087", "must be a number, e.g. 39.9087")));
                None
            }
        }
    };
    let lat = float("lat", &mut errors);
    let lng = float("lng", &mut errors);
    let employer = match (employer_id, cell("employer_credit_code")) {
        (Some(_), Some(_)) => {
            errors.push(cell_error(
                "employer_id",
                Invalid::new("one_employer", "employer_id 与 employer_credit_code 只填一个", "give employer_id or employer_credit_code, not both"),
            ));
            None
        }
        (Some(id), None) => Some(EmployerRef::Id(id)),
        (None, Some(code)) => Some(EmployerRef::CreditCode(code)),
        (None, None) => {
            if !errors.iter().any(|e| e.column == "employer_id") {
                errors.push(cell_error(
                    "employer_id",
                    Invalid::new("required", "需要 employer_id 或 employer_credit_code", "employer_id or employer_credit_code is required"),
                ));
            }
            None
        }
    };
    let amount = cell("pay_yuan").map(|c| yuan_to_fen(&c));
    let unit = cell("pay_unit").map(|c| PayUnit::parse(&c));
    let pay = match (amount, unit) {
        (None, None) => None,
        (Some(Ok(amount_fen)), Some(Ok(unit))) => Some(PayBody { amount_fen, unit }),
        (a, u) => {
            match a {
                Some(Err(e)) => errors.push(cell_error("pay_yuan", e)),
                None => errors.push(cell_error("pay_yuan", Invalid::required())),
                Some(Ok(_)) => {}
            }
            match u {
                Some(Err(e)) => errors.push(cell_error("pay_unit", e)),
                None => errors.push(cell_error("pay_unit", Invalid::required())),
                Some(Ok(_)) => {}
            }
            None
        }
    };
    let slots = match cell("slots").map(|c| parse_slots(&c)) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            errors.push(cell_error("slots", e));
            None
        }
    };
    let request = ShiftRequest {
        title: cell("title"),
        description: cell("description"),
        requirements: cell("requirements"),
        category: cell("category"),
        headcount,
        address: cell("address"),
        lat,
        lng,
        adcode: cell("adcode"),
        slots,
        pay,
        settlement: cell("settlement"),
        employment_type: cell("employment_type"),
        take_mode: cell("take_mode"),
        valid_through: cell("valid_through"),
        probation_days,
        minutes_per_piece,
    };
    ParsedRow { row, employer, request, errors }
}

/// The row's errors from an operation's error: each invalid field under its column, or the
/// refusal itself under the employer column (not allowed, not found, blocked).
fn row_errors(e: &Error, employer_column: &str) -> Vec<RowError> {
    if !e.fields().is_empty() {
        return e
            .fields()
            .iter()
            .map(|f| RowError { column: column_of(&f.field), field: f.field.clone(), code: f.code.clone(), message: f.msg.clone().into() })
            .collect();
    }
    vec![RowError { column: employer_column.into(), field: "employer".into(), code: e.code().into(), message: e.msg().into() }]
}

/// Errors that are about the service, not the row: the import stops.
fn is_fatal(e: &Error) -> bool {
    matches!(e, Error::Internal(_) | Error::Unavailable)
}

/// Posts one row for the employer it names, as this staff member may: station staff as at their
/// desk (`desk::post_for_in`: the station's area must cover the employer); moderators and admins
/// for employers in their district scope.
fn post_row(tx: &mut Tx, user: &AuthUser, rules: &Rules, area: &ServiceArea, employer: &EmployerRef, req: &ShiftRequest) -> Result<ShiftRow, Error> {
    let employer_id = match employer {
        EmployerRef::Id(id) => *id,
        EmployerRef::CreditCode(code) => employers::table
            .filter(employers::credit_code.eq(code))
            .select(employers::id)
            .first::<i64>(tx.conn())
            .optional()?
            .ok_or(Error::NotFound(Thing::Employer))?,
    };
    if user.role == Role::StationStaff {
        return desk::post_for_in(tx, user, rules, area, employer_id, req, "import.post_shift");
    }
    let scope = StaffScope::moderator(tx, user)?;
    let e = employer_service::by_id(tx, employer_id)?;
    scope.check(Place { adcode: e.adcode.as_deref(), point: Some(GeoPoint { lat: e.lat, lng: e.lng }) })?;
    let row = shifts::post_in(tx, rules, area, e.user_id, req)?;
    audit::record(
        tx,
        audit::Entry {
            actor_id: user.id,
            action: "import.post_shift",
            target_type: "shift",
            target_id: row.id,
            reason: None,
            before: None,
            after: Some(serde_json::json!({"employer_id": e.id, "status": row.status})),
        },
    )?;
    Ok(row)
}

/// Imports a CSV of shifts (staff: station staff, moderators, admins). `progress`, when given, is
/// moved on by one for each row (the CLI's bar). An `all_or_nothing` import with a failed row
/// keeps nothing and returns the report with `committed: false` (its [`ImportReport::refusal`]
/// is the API's 422); the file itself being unreadable is an error.
pub async fn import_shifts(
    svc: &Services,
    user: &AuthUser,
    bytes: Vec<u8>,
    mode: Mode,
    progress: Option<indicatif::ProgressBar>,
) -> Result<ImportReport, Error> {
    user.require(&[Role::StationStaff, Role::Moderator, Role::Admin])?;
    let rl = &svc.config.rate_limit;
    let budget = Budget { name: "imports", limit: rl.imports, window: std::time::Duration::from_secs(rl.import_window_secs) };
    svc.limiter.hit(budget, &format!("user:{}", user.id)).await?;
    let od = &svc.config.open_data;
    if bytes.len() > od.import_max_bytes {
        return Err(Error::PayloadTooLarge { limit: od.import_max_bytes });
    }
    let (text, encoding) = decode(&bytes).map_err(|e| Error::field("file", e))?;
    let parsed = parse_file(&text, od.import_max_rows)?;
    if let Some(bar) = &progress {
        bar.set_length(parsed.len() as u64);
    }
    let (user, rules, area) = (user.clone(), svc.rules.clone(), svc.config.listing.service_area.clone());
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let mut items: Vec<RowReport> = Vec::with_capacity(parsed.len());
            let mut on_purpose = false;
            let kept = tx.savepoint(|tx| {
                for p in &parsed {
                    let employer_column = match p.employer {
                        Some(EmployerRef::CreditCode(_)) => "employer_credit_code",
                        _ => "employer_id",
                    };
                    let report = match (&p.employer, p.errors.is_empty()) {
                        (Some(employer), true) => match tx.savepoint(|tx| post_row(tx, &user, &rules, &area, employer, &p.request)) {
                            Ok(row) => {
                                RowReport { row: p.row, outcome: RowOutcome::Imported, shift_id: Some(row.id), status: Some(row.status), errors: Vec::new() }
                            }
                            Err(e) if is_fatal(&e) => return Err(e),
                            Err(e) => {
                                RowReport { row: p.row, outcome: RowOutcome::Failed, shift_id: None, status: None, errors: row_errors(&e, employer_column) }
                            }
                        },
                        _ => {
                            // Cells that do not parse: the field rules still name everything else
                            // wrong in the row (reads only), except what the cells already said.
                            let mut errors = p.errors.clone();
                            let said: HashSet<String> = errors.iter().map(|e| e.column.clone()).collect();
                            if let Err(e) = shifts::validate(tx, &p.request, now, &area) {
                                if is_fatal(&e) {
                                    return Err(e);
                                }
                                errors.extend(row_errors(&e, employer_column).into_iter().filter(|e| !said.contains(&e.column)));
                            }
                            RowReport { row: p.row, outcome: RowOutcome::Failed, shift_id: None, status: None, errors }
                        }
                    };
                    items.push(report);
                    if let Some(bar) = &progress {
                        bar.inc(1);
                    }
                }
                if mode == Mode::AllOrNothing && items.iter().any(|r| r.outcome == RowOutcome::Failed) {
                    on_purpose = true;
                    return Err(Error::internal("all_or_nothing import rolled back"));
                }
                Ok(())
            });
            match kept {
                Ok(()) => {}
                Err(_) if on_purpose => {
                    for r in items.iter_mut().filter(|r| r.outcome == RowOutcome::Imported) {
                        (r.outcome, r.shift_id, r.status) = (RowOutcome::RolledBack, None, None);
                    }
                }
                Err(e) => return Err(e),
            }
            let imported = items.iter().filter(|r| r.outcome == RowOutcome::Imported).count();
            let failed = items.iter().filter(|r| r.outcome == RowOutcome::Failed).count();
            let report = ImportReport { mode, encoding: encoding.into(), committed: imported > 0, rows: items.len(), imported, failed, items };
            audit::record(
                tx,
                audit::Entry {
                    actor_id: user.id,
                    action: "shifts.import",
                    target_type: "shift",
                    target_id: 0,
                    reason: None,
                    before: None,
                    after: Some(serde_json::json!({"mode": mode, "encoding": encoding, "rows": report.rows, "imported": imported, "failed": failed})),
                },
            )?;
            Ok(report)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_told_apart() {
        let text = "title,描述\n保洁,家庭保洁\n";
        assert_eq!(decode(text.as_bytes()).unwrap(), (text.to_string(), "UTF-8"));
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(decode(&bom).unwrap(), (text.to_string(), "UTF-8"));
        let (gb, _, _) = encoding_rs::GB18030.encode(text);
        assert_ne!(gb.as_ref(), text.as_bytes());
        assert_eq!(decode(&gb).unwrap(), (text.to_string(), "GB18030"));
        // Four-byte GB18030 sequences (characters outside GBK) too.
        let rare = "𠀀㐀€";
        let (gb, _, _) = encoding_rs::GB18030.encode(rare);
        assert_eq!(decode(&gb).unwrap().0, rare);
        // A BOM followed by invalid UTF-8, and bytes valid in neither, are refused.
        assert!(decode(b"\xEF\xBB\xBF\xff\xfe").is_err());
        assert!(decode(b"\x81\x20").is_err());
    }

    #[test]
    fn yuan_amounts_are_exact() {
        for (s, fen) in [("35", 3500), ("35.5", 3550), ("35.50", 3550), ("0.01", 1), ("-5", -500), ("100000", 10_000_000)] {
            assert_eq!(yuan_to_fen(s).unwrap(), fen, "{s}");
        }
        for s in ["", "35.", ".5", "35.555", "3,500", "35元", "1e3", "¥35", "--5", "9999999999999"] {
            assert!(yuan_to_fen(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn slots_are_start_slash_end() {
        let s = parse_slots("2026-12-05T08:00:00+08:00/2026-12-05T12:00:00+08:00; 2026-12-06T08:00:00+08:00/2026-12-06T12:00:00+08:00;").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].start, "2026-12-06T08:00:00+08:00");
        assert!(parse_slots("2026-12-05T08:00:00+08:00").is_err());
        assert_eq!(column_of("slots[1].start"), "slots");
        assert_eq!(column_of("pay.amount_fen"), "pay_yuan");
        assert_eq!(column_of("title"), "title");
    }
}
