//! A wage-arrears report filed from an overdue engagement's own facts.

use super::*;

/// Files a `wage_arrears` report about an overdue engagement in one step, written from its facts.
pub fn file_arrears_report(
    tx: &mut Tx,
    user_id: i64,
    id: i64,
    extra: Option<&str>,
    reporter_key: String,
    hide_threshold: i64,
) -> Result<crate::services::reports::ReportReceipt, Error> {
    let row = by_id(tx, id)?;
    if actor_for(tx, &row, user_id, Role::Worker)? != Actor::Worker {
        return Err(not_found());
    }
    if !matches!(row.state(), State::Overdue | State::Disputed) {
        return Err(Error::Conflict(Conflict::NotOverdue { state: row.state().to_string() }));
    }
    if row.arrears_report_id.is_some() {
        return Err(Error::Conflict(Conflict::AlreadyReported));
    }
    let shift = ShiftRow::find(tx, row.shift_id)?;
    let employer = employers_svc::by_id(tx, shift.employer_id)?;
    let hours = row.minutes_worked.map(|m| format!("{:.2}", m as f64 / 60.0)).unwrap_or_else(|| "—".into());
    let amount = row.amount_fen.map(|f| format!("{}.{:02}", f / 100, f % 100)).unwrap_or_else(|| "—".into());
    let due = row.due_at.map(|d| to_display(d).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "—".into());
    let slots = chosen_slots(tx, &row)?;
    let period = match (slots.first(), slots.last()) {
        (Some(a), Some(b)) => format!("{} 至 {}", to_display(a.start_at).format("%Y-%m-%d %H:%M"), to_display(b.end_at).format("%Y-%m-%d %H:%M")),
        _ => "—".into(),
    };
    let mut description = format!(
        "欠薪投诉（用工编号 {}）：用人单位「{}」的岗位「{}」（编号 {}），工作时间 {}，工时 {} 小时，应付 {} 元，结算方式 {}，应付日期 {}，逾期未付。",
        row.id, employer.name, shift.title, shift.id, period, hours, amount, shift.settlement, due
    );
    if let Some(extra) = extra.map(str::trim).filter(|e| !e.is_empty()) {
        description.push_str("\n补充说明：");
        description.push_str(&extra.chars().take(1000).collect::<String>());
    }
    let request = crate::services::reports::ReportRequest {
        target_type: Some("shift".into()),
        target_id: Some(shift.id),
        kind: Some("wage_arrears".into()),
        description: Some(description),
        email: None,
    };
    let valid = crate::services::reports::validate(&request)?;
    let receipt = crate::services::reports::create(tx, valid, Some(user_id), reporter_key, hide_threshold)?;
    diesel::update(engagements::table.find(id)).set(engagements::arrears_report_id.eq(receipt.report.id)).execute(tx.conn())?;
    Ok(receipt)
}

/// File a wage-arrears report for overdue or disputed pay in one step. `client` is the caller's
/// address, which keys anonymous report budgets.
pub async fn report_arrears(
    svc: &Services,
    user: &AuthUser,
    id: i64,
    note: Option<String>,
    client: &str,
) -> Result<crate::services::reports::ReportReceipt, Error> {
    user.require(&[Role::Worker])?;
    let key = crate::services::reports::reporter_key(&svc.config.auth.pii_hash_key, Some(user.id), client);
    let (user_id, threshold) = (user.id, svc.config.moderation.report_hide_threshold);
    svc.db.tx(move |tx| file_arrears_report(tx, user_id, id, note.as_deref(), key, threshold)).await
}
