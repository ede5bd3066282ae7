//! Attendance and completion: check-in and check-out against the shift's point and slots, the
//! hours worked, the pay they give, and the employer's confirmation or correction of the record.

use super::*;
use crate::db::schema::attendance;
use crate::domain::{EngagementId, SlotId};

/// The body of `PUT /api/v1/engagements/{id}/attendance/{slot_id}`: the employer confirms the
/// record as it is (empty body) or corrects the times.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceCorrection {
    pub check_in: Option<String>,
    pub check_out: Option<String>,
}

fn point_of(errs: &mut FieldErrors, lat: Option<f64>, lng: Option<f64>, required: bool) -> Option<GeoPoint> {
    match (lat, lng) {
        (None, None) if !required => None,
        (lat, lng) => GeoPoint::check(errs, "", lat, lng),
    }
}

fn distance_m(shift: &ShiftRow, p: Option<GeoPoint>) -> Option<i64> {
    let site = GeoPoint { lat: shift.lat, lng: shift.lng };
    p.map(|p| (site.haversine_km(&p) * 1000.0).round() as i64)
}

pub(super) fn check_in(tx: &mut Tx, ctx: &Ctx, shift: &ShiftRow, row: &EngagementRow, actor: Actor, user_id: i64, req: &ActionRequest) -> Result<(), Error> {
    let now = ctx.now;
    let mut errs = FieldErrors::new();
    // Without a location (no permission, no HTTPS, no script) the check-in still counts, flagged
    // `no_location` below; a location given must be a valid one.
    let point = point_of(&mut errs, req.lat, req.lng, false);
    errs.into_result()?;
    let done: Vec<i64> = attendance::table.filter(attendance::engagement_id.eq(row.id)).select(attendance::slot_id).load(tx.conn())?;
    let early = Duration::minutes(ctx.cfg.early_check_in_minutes);
    let slots = chosen_slots(tx, row)?;
    let slot = match req.slot_id {
        Some(sid) => {
            let s = slots
                .iter()
                .find(|s| s.id == sid)
                .ok_or_else(|| Error::field("slot_id", Invalid::new("unknown_slot", "不是所选的时段", "not one of the chosen slots")))?;
            if done.contains(&s.id) {
                return Err(Error::Conflict(Conflict::AlreadyCheckedIn));
            }
            s
        }
        None => {
            slots.iter().find(|s| !done.contains(&s.id) && s.end_at > now).ok_or(Error::Conflict(Conflict::NotCheckInTime { opens_minutes_before: None }))?
        }
    };
    if now < slot.start_at - early || now >= slot.end_at {
        return Err(Error::Conflict(Conflict::NotCheckInTime { opens_minutes_before: Some(ctx.cfg.early_check_in_minutes) }));
    }
    let distance = distance_m(shift, point);
    let mut flags = Vec::new();
    // Browsers give a location only over HTTPS and with permission; a check-in without one still
    // counts, marked for the employer to confirm. A station recording a check-in the worker
    // phoned in has no location by nature: `by_station` says so instead.
    if tx.on_behalf().is_some() {
        flags.push("by_station");
    } else if point.is_none() {
        flags.push("no_location");
    }
    if distance.is_some_and(|d| d as f64 > ctx.cfg.far_check_in_km * 1000.0) {
        flags.push("far_check_in");
    }
    if now > slot.start_at + Duration::minutes(ctx.cfg.late_check_in_minutes) {
        flags.push("late_check_in");
    }
    step(tx, row, Action::CheckIn, actor, Some(user_id), false, &json!({"slot_id": slot.id, "distance_m": distance, "flags": flags}), now)?;
    diesel::insert_into(attendance::table)
        .values((
            attendance::engagement_id.eq(row.id),
            attendance::slot_id.eq(slot.id),
            attendance::check_in_at.eq(now),
            attendance::check_in_lat.eq(point.map(|p| p.lat)),
            attendance::check_in_lng.eq(point.map(|p| p.lng)),
            attendance::check_in_distance_m.eq(distance),
            attendance::flags.eq(to_json(&flags)),
            attendance::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    if !flags.is_empty() {
        diesel::update(engagements::table.find(row.id)).set(engagements::flags.eq(add_flags(&row.flags, &flags))).execute(tx.conn())?;
    }
    Ok(())
}

fn open_attendance(conn: &mut DbConn, engagement_id: i64) -> Result<Option<AttendanceRow>, Error> {
    Ok(attendance::table.filter(attendance::engagement_id.eq(engagement_id)).filter(attendance::check_out_at.is_null()).first(conn).optional()?)
}

pub(super) fn check_out(
    tx: &mut Tx,
    shift: &ShiftRow,
    row: &EngagementRow,
    actor: Actor,
    user_id: i64,
    req: &ActionRequest,
    now: NaiveDateTime,
) -> Result<(), Error> {
    let mut errs = FieldErrors::new();
    let point = point_of(&mut errs, req.lat, req.lng, false);
    errs.into_result()?;
    let open = open_attendance(tx, row.id)?.ok_or(Error::Conflict(Conflict::NotCheckedIn))?;
    let distance = distance_m(shift, point);
    step(tx, row, Action::CheckOut, actor, Some(user_id), false, &json!({"slot_id": open.slot_id, "distance_m": distance}), now)?;
    diesel::update(attendance::table.find(open.id))
        .set((
            attendance::check_out_at.eq(now),
            attendance::check_out_lat.eq(point.map(|p| p.lat)),
            attendance::check_out_lng.eq(point.map(|p| p.lng)),
            attendance::check_out_distance_m.eq(distance),
            attendance::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// Worked periods from the attendance record, each clipped to its slot; an open check-in counts
/// up to `now` or the slot's end, whichever is first.
pub(crate) fn worked(conn: &mut DbConn, row: &EngagementRow, now: NaiveDateTime) -> Result<Vec<Worked>, Error> {
    let slots: HashMap<i64, SlotRow> = slots_of(conn, row.shift_id)?.into_iter().map(|s| (s.id, s)).collect();
    let att: Vec<AttendanceRow> = attendance::table.filter(attendance::engagement_id.eq(row.id)).load(conn)?;
    Ok(att
        .iter()
        .filter_map(|a| {
            let s = slots.get(&a.slot_id)?;
            let out = a.check_out_at.unwrap_or(now.min(s.end_at));
            let m = machine::minutes_in_slot(a.check_in_at, out, s.start_at, s.end_at);
            let start = a.check_in_at.max(s.start_at);
            Some(Worked { start, end: start + Duration::minutes(m) })
        })
        .collect())
}

pub(crate) fn pay_of(shift: &ShiftRow) -> Pay {
    Pay { amount_fen: shift.pay_amount_fen, unit: shift.pay_unit }
}

pub(crate) fn computed(shift: &ShiftRow, worked: &[Worked], minutes: i64) -> Option<i64> {
    let slots = worked.iter().filter(|w| w.end > w.start).count() as i64;
    machine::compute_pay(pay_of(shift), minutes, machine::local_days(worked), slots)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn complete(
    tx: &mut Tx,
    shift: &ShiftRow,
    row: &EngagementRow,
    actor: Actor,
    user_id: i64,
    req: &ActionRequest,
    now: NaiveDateTime,
    worker_user: i64,
) -> Result<(), Error> {
    let worked = worked(tx, row, now)?;
    let recorded: i64 = worked.iter().map(|w| (w.end - w.start).num_minutes()).sum();
    let chosen = row.slot_ids().len().max(1) as f64;
    let mut errs = FieldErrors::new();
    let minutes = match req.hours {
        None => Some(recorded),
        Some(h) if h.is_finite() && h >= 0.0 && h <= 24.0 * chosen => Some((h * 60.0).round() as i64),
        Some(_) => {
            errs.add("hours", Invalid::new("out_of_range", "工时应在 0 到所选时段总长之间", "hours must be between 0 and 24 per chosen slot"));
            None
        }
    };
    let computed_amount = minutes.and_then(|m| computed(shift, &worked, m));
    let amount = match (req.amount_fen, computed_amount) {
        (Some(a), _) if (0..=crate::domain::pay::MAX_AMOUNT_FEN).contains(&a) => Some(a),
        (Some(_), _) => {
            errs.add("amount_fen", Invalid::new("out_of_range", "金额应在 0 到 100000 元之间（单位：分）", "amount_fen must be 0 to 10 000 000"));
            None
        }
        (None, Some(c)) => Some(c),
        (None, None) => {
            errs.add(
                "amount_fen",
                Invalid::new("required", "计件工资无法按工时计算，请填写应付金额", "piece-rate pay cannot be computed from hours; give amount_fen"),
            );
            None
        }
    };
    errs.into_result()?;
    let (minutes, amount) = (minutes.expect("checked"), amount.expect("checked"));
    // A check-in still open is closed now (or at its slot's end, if that came first).
    if let Some(open) = open_attendance(tx, row.id)? {
        let end: Option<NaiveDateTime> = shift_slots::table.find(open.slot_id).select(shift_slots::end_at).first(tx.conn()).optional()?;
        let out = end.map_or(now, |e| e.min(now)).max(open.check_in_at);
        diesel::update(attendance::table.find(open.id))
            .set((attendance::check_out_at.eq(out), attendance::flags.eq(add_flags(&open.flags, &["closed_at_completion"])), attendance::updated_at.eq(now)))
            .execute(tx.conn())?;
    }
    let work_end = worked.iter().map(|w| w.end).max().unwrap_or(now).min(now);
    let settlement = shift.settlement;
    let due = machine::due_at(settlement, work_end);
    step(
        tx,
        row,
        Action::Complete,
        actor,
        Some(user_id),
        false,
        &json!({"minutes": minutes, "amount_fen": amount, "computed_amount_fen": computed_amount}),
        now,
    )?;
    diesel::update(engagements::table.find(row.id))
        .set((
            engagements::minutes_worked.eq(minutes as i32),
            engagements::amount_fen.eq(amount),
            engagements::computed_amount_fen.eq(computed_amount),
            engagements::due_at.eq(due),
            engagements::completed_at.eq(now),
        ))
        .execute(tx.conn())?;
    let note = Notification::PayDue(notify::PayDue {
        engagement_id: row.id,
        title: shift.title.clone(),
        hours: format!("{:.2}", minutes as f64 / 60.0),
        amount_fen: amount,
        computed_amount_fen: computed_amount,
        due: to_display(due).format("%Y-%m-%d %H:%M").to_string(),
    });
    outbox::enqueue_to_user(tx, worker_user, &note)?;
    Ok(())
}

/// How far from its slot a corrected check-in or check-out may be.
pub const CORRECTION_HOURS: i64 = 6;

/// The employer confirms a slot's attendance record as it stands, or corrects its times.
pub fn correct_attendance(
    conn: &mut DbConn,
    user_id: i64,
    id: i64,
    slot_id: i64,
    req: &AttendanceCorrection,
    now: NaiveDateTime,
) -> Result<EngagementRow, Error> {
    let row = by_id(conn, id)?;
    if actor_for(conn, &row, user_id, Role::Employer)? != Actor::Employer {
        return Err(not_found());
    }
    let att: AttendanceRow = attendance::table
        .filter(attendance::engagement_id.eq(id))
        .filter(attendance::slot_id.eq(slot_id))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound(Thing::Attendance))?;
    let mut errs = FieldErrors::new();
    let check_in = req.check_in.as_deref().and_then(|s| errs.check("check_in", parse_instant(s)));
    let check_out = req.check_out.as_deref().and_then(|s| errs.check("check_out", parse_instant(s)));
    errs.into_result()?;
    let new_in = check_in.unwrap_or(att.check_in_at);
    let new_out = check_out.or(att.check_out_at);
    // A correction fixes a record; it does not invent another day's work. Times stay within
    // CORRECTION_HOURS of the slot (which also keeps every time the API returns a valid RFC 3339).
    let slot: SlotRow = shift_slots::table.find(slot_id).first(conn)?;
    let mut errs = FieldErrors::new();
    let (earliest, latest) = (slot.start_at - Duration::hours(CORRECTION_HOURS), slot.end_at + Duration::hours(CORRECTION_HOURS));
    for (field, t) in [("check_in", check_in), ("check_out", check_out)] {
        if t.is_some_and(|t| t < earliest || t > latest) {
            errs.add(
                field,
                Invalid::new(
                    "out_of_range",
                    format!("更正的时间应在该时段前后 {CORRECTION_HOURS} 小时以内"),
                    format!("a corrected time must be within {CORRECTION_HOURS} hours of the slot"),
                ),
            );
        }
    }
    errs.into_result()?;
    if new_out.is_some_and(|o| o < new_in) {
        return Err(Error::field("check_out", Invalid::new("end_before_start", "签退时间必须晚于签到时间", "check_out must be after check_in")));
    }
    let corrected = check_in.is_some() || check_out.is_some();
    let flags = if corrected { add_flags(&att.flags, &["corrected"]) } else { att.flags.clone() };
    diesel::update(attendance::table.find(att.id))
        .set((
            attendance::check_in_at.eq(new_in),
            attendance::check_out_at.eq(new_out),
            attendance::confirmed_by.eq(Some(user_id)),
            attendance::corrected_by.eq(if corrected { Some(user_id) } else { att.corrected_by }),
            attendance::flags.eq(flags),
            attendance::updated_at.eq(now),
        ))
        .execute(conn)?;
    by_id(conn, id)
}

/// The employer confirms a slot's attendance record or corrects its times.
pub async fn confirm_attendance(
    svc: &Services,
    user: &AuthUser,
    id: EngagementId,
    slot_id: SlotId,
    req: AttendanceCorrection,
) -> Result<EngagementView, Error> {
    let (id, slot_id) = (id.get(), slot_id.get());
    user.require(&[Role::Employer])?;
    let user_id = user.id;
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let row = correct_attendance(tx, user_id, id, slot_id, &req, now)?;
            view(tx, row, Viewer::Employer, false, now)
        })
        .await
}
