//! What each side sees of an engagement, and their lists.

use super::*;
use crate::db::schema::attendance;
use crate::domain::{UserId, WorkerId};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShiftBrief {
    pub id: i64,
    pub title: String,
    pub status: ShiftStatus,
    pub take_mode: TakeMode,
    pub address: String,
    pub lat: f64,
    pub lng: f64,
    pub pay: PayBody,
    pub settlement: Settlement,
}

/// The worker as an engagement shows them. Name and phone reach the employer only once the worker
/// has applied, claimed or accepted an invitation; key-group flags never do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkerBrief {
    pub id: i64,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// Record over the last 90 days (shown to the employer).
    pub stats: Option<ProfileStats>,
}

/// The employer as an engagement shows them. The contact reaches the worker once confirmed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmployerBrief {
    pub id: i64,
    pub name: String,
    pub verified: bool,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendanceView {
    pub slot_id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub check_in: DateTime<FixedOffset>,
    /// Metres from the shift's point at check-in.
    pub check_in_distance_m: Option<i64>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub check_out: Option<DateTime<FixedOffset>>,
    pub check_out_distance_m: Option<i64>,
    /// `no_location` (checked in without a location, for the employer to confirm), `by_station` (recorded by a community station from the worker's phone call, no location), `far_check_in`, `late_check_in`, `auto_checkout`, `corrected`.
    pub flags: Vec<String>,
    pub confirmed: bool,
    pub corrected: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub from_state: Option<State>,
    pub to_state: State,
    pub action: String,
    /// `worker`, `employer` or `system`.
    pub actor_role: String,
    pub late_cancel: bool,
    #[schema(value_type = Object)]
    pub detail: Value,
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EngagementView {
    pub id: i64,
    pub state: State,
    /// `apply`, `claim` or `invite`.
    pub origin: String,
    pub shift: ShiftBrief,
    pub slots: Vec<SlotView>,
    pub note: String,
    /// Place on the waiting list (applied after the shift filled).
    pub waitlist_position: Option<i32>,
    pub worker: WorkerBrief,
    pub employer: EmployerBrief,
    /// Hours recorded at completion, shown to both sides.
    pub hours: Option<f64>,
    /// The amount due (fen) as the employer recorded it.
    pub amount_fen: Option<i64>,
    /// The amount the pay terms give for the recorded hours (fen), beside it for comparison.
    pub computed_amount_fen: Option<i64>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<DateTime<FixedOffset>>,
    pub flags: Vec<String>,
    /// `worker` or `employer` when that side cancelled late.
    pub late_cancel_by: Option<String>,
    pub arrears_report_id: Option<i64>,
    pub attendance: Vec<AttendanceView>,
    /// The history, on the single-engagement view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<FixedOffset>,
}

/// Who is looking at an engagement, which decides what of the other side they see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Worker,
    Employer,
    /// A moderator reading the engagement a report is about: both parties and every record.
    Staff,
}

pub fn view(conn: &mut DbConn, row: EngagementRow, viewer: Viewer, with_events: bool, now: NaiveDateTime) -> Result<EngagementView, Error> {
    Ok(views(conn, vec![row], viewer, with_events, now)?.remove(0))
}

pub fn views(conn: &mut DbConn, rows: Vec<EngagementRow>, viewer: Viewer, with_events: bool, now: NaiveDateTime) -> Result<Vec<EngagementView>, Error> {
    let mut out = Vec::with_capacity(rows.len());
    let mut shift_cache: HashMap<i64, (ShiftRow, Vec<SlotRow>, EmployerRow)> = HashMap::new();
    let mut stats_cache: HashMap<i64, ProfileStats> = HashMap::new();
    for row in rows {
        if let std::collections::hash_map::Entry::Vacant(e) = shift_cache.entry(row.shift_id) {
            let shift = ShiftRow::find(conn, row.shift_id)?;
            let slots = slots_of(conn, row.shift_id)?;
            let employer = employers_svc::by_id(conn, shift.employer_id)?;
            e.insert((shift, slots, employer));
        }
        let (shift, slots, employer) = shift_cache.get(&row.shift_id).expect("cached");
        let worker: WorkerRow = workers_svc::by_id(conn, row.worker_id)?;
        let state = row.state();
        let show_worker = matches!(viewer, Viewer::Worker | Viewer::Staff) || row.contact_shared;
        let phone: Option<String> = if show_worker { users::table.find(worker.user_id).select(users::phone).first::<Option<String>>(conn)? } else { None };
        let stats = if viewer == Viewer::Employer {
            let s = match stats_cache.get(&worker.id) {
                Some(s) => *s,
                None => {
                    let s = reputation::worker_stats(conn, WorkerRef { id: worker.id, user_id: worker.user_id }, now)?;
                    stats_cache.insert(worker.id, s);
                    s
                }
            };
            Some(s)
        } else {
            None
        };
        let show_employer = matches!(viewer, Viewer::Employer | Viewer::Staff) || state.is_taken_on();
        let chosen = row.slot_ids();
        let att: Vec<AttendanceRow> = attendance::table.filter(attendance::engagement_id.eq(row.id)).order(attendance::check_in_at.asc()).load(conn)?;
        let events = if with_events {
            let evs: Vec<(Option<String>, String, String, String, bool, String, NaiveDateTime)> = engagement_events::table
                .filter(engagement_events::engagement_id.eq(row.id))
                .order(engagement_events::id.asc())
                .select((
                    engagement_events::from_state,
                    engagement_events::to_state,
                    engagement_events::action,
                    engagement_events::actor_role,
                    engagement_events::late_cancel,
                    engagement_events::detail,
                    engagement_events::at,
                ))
                .load(conn)?;
            // A stored state outside the machine's set is corrupt data: an error, not a guess.
            let state = |s: &str| State::parse(s).ok_or_else(|| Error::internal(format!("engagement {} has an event in unknown state {s:?}", row.id)));
            let mut views = Vec::with_capacity(evs.len());
            for (f, t, action, actor_role, late_cancel, detail, at) in evs {
                views.push(EventView {
                    from_state: f.as_deref().map(state).transpose()?,
                    to_state: state(&t)?,
                    action,
                    actor_role,
                    late_cancel,
                    detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
                    at: to_display(at),
                });
            }
            Some(views)
        } else {
            None
        };
        // A household's home is exact only for those taken on (and the employer itself).
        let place = if show_employer || !crate::services::views::is_home_workplace(&employer.kind) {
            (shift.address.clone(), shift.lat, shift.lng)
        } else {
            crate::services::views::coarse_place(shift.adcode.as_deref(), shift.lat, shift.lng)
        };
        out.push(EngagementView {
            id: row.id,
            state,
            origin: row.origin.clone(),
            shift: ShiftBrief {
                id: shift.id,
                title: shift.title.clone(),
                status: shift.status(),
                take_mode: shift.take_mode,
                address: place.0,
                lat: place.1,
                lng: place.2,
                pay: PayBody { amount_fen: shift.pay_amount_fen, unit: shift.pay_unit },
                settlement: shift.settlement,
            },
            slots: slots
                .iter()
                .filter(|s| chosen.contains(&s.id))
                .map(|s| SlotView { id: s.id, start: to_display(s.start_at), end: to_display(s.end_at) })
                .collect(),
            note: row.note.clone(),
            waitlist_position: row.waitlist_position,
            worker: WorkerBrief { id: worker.id, name: show_worker.then(|| worker.display_name.clone()), phone, stats },
            employer: EmployerBrief {
                id: employer.id,
                name: employer.name.clone(),
                verified: employer.verified,
                contact_name: show_employer.then(|| employer.contact_name.clone()),
                contact_phone: show_employer.then(|| employer.contact_phone.clone()),
            },
            hours: row.minutes_worked.map(|m| (m as f64 / 60.0 * 100.0).round() / 100.0),
            amount_fen: row.amount_fen,
            computed_amount_fen: row.computed_amount_fen,
            due_at: row.due_at.map(to_display),
            flags: json_list(&row.flags),
            late_cancel_by: row.late_cancel_by.clone(),
            arrears_report_id: row.arrears_report_id,
            attendance: att
                .into_iter()
                .map(|a| AttendanceView {
                    slot_id: a.slot_id,
                    check_in: to_display(a.check_in_at),
                    check_in_distance_m: a.check_in_distance_m,
                    check_out: a.check_out_at.map(to_display),
                    check_out_distance_m: a.check_out_distance_m,
                    flags: json_list(&a.flags),
                    confirmed: a.confirmed_by.is_some(),
                    corrected: a.corrected_by.is_some(),
                })
                .collect(),
            events,
            created_at: to_display(row.created_at),
            updated_at: to_display(row.updated_at),
        });
    }
    Ok(out)
}

pub fn parse_state(s: Option<&str>) -> Result<Option<State>, Error> {
    match s {
        None | Some("") => Ok(None),
        Some(s) => State::parse(s).map(Some).ok_or_else(|| {
            let all: Vec<&str> = State::ALL.iter().map(|s| s.as_str()).collect();
            Error::field(
                "state",
                Invalid::new("invalid_choice", format!("状态应为以下之一：{}", all.join(", ")), format!("must be one of: {}", all.join(", "))),
            )
        }),
    }
}

/// The signed-in worker's engagements, newest first, keyset-paginated by id.
pub fn list_for_worker(conn: &mut DbConn, user_id: i64, state: Option<State>, limit: i64, cursor: Option<i64>) -> Result<Vec<EngagementRow>, Error> {
    let Some(worker) = workers_svc::by_user(conn, user_id)? else { return Ok(Vec::new()) };
    let mut q = engagements::table.filter(engagements::worker_id.eq(worker.id)).into_boxed();
    if let Some(s) = state {
        q = q.filter(engagements::state.eq(s.as_str()));
    }
    if let Some(c) = cursor {
        q = q.filter(engagements::id.lt(c));
    }
    Ok(q.order(engagements::id.desc()).limit(limit + 1).load(conn)?)
}

/// The engagements on the signed-in employer's shifts, newest first.
pub fn list_for_employer(
    conn: &mut DbConn,
    user_id: i64,
    state: Option<State>,
    shift_id: Option<i64>,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Vec<EngagementRow>, Error> {
    let employer = employers_svc::require_employer(conn, user_id)?;
    let mine = shifts::table.filter(shifts::employer_id.eq(employer.id)).select(shifts::id);
    let mut q = engagements::table.filter(engagements::shift_id.eq_any(mine)).into_boxed();
    if let Some(s) = state {
        q = q.filter(engagements::state.eq(s.as_str()));
    }
    if let Some(sid) = shift_id {
        q = q.filter(engagements::shift_id.eq(sid));
    }
    if let Some(c) = cursor {
        q = q.filter(engagements::id.lt(c));
    }
    Ok(q.order(engagements::id.desc()).limit(limit + 1).load(conn)?)
}

/// The employer's engagement view or the worker's, depending on who acted.
pub fn viewer_of(actor: Actor) -> Viewer {
    if actor == Actor::Employer { Viewer::Employer } else { Viewer::Worker }
}

/// One engagement with its history, for its worker or the shift's employer; staff read it
/// through [`get_for_staff`].
pub async fn get(svc: &Services, user: &AuthUser, id: i64) -> Result<EngagementView, Error> {
    if user.role.is_staff() {
        return get_for_staff(svc, user, id).await;
    }
    let (user_id, role, now) = (user.id, user.role, svc.clock.now());
    svc.db
        .run(move |conn| {
            let row = by_id(conn, id)?;
            let actor = actor_for(conn, &row, user_id, role)?;
            view(conn, row, viewer_of(actor), true, now)
        })
        .await
}

/// The engagement a report is about, for a moderator or admin whose districts include the
/// shift: the facts behind a wage-arrears complaint (timeline, attendance, pay). An engagement no
/// report names is "not found" to staff, as to anyone else not party to it; other staff roles
/// are refused. Each read shows the worker's name and phone, so it is audited
/// (个人信息保护法 Art. 28–29), in the same transaction.
pub async fn get_for_staff(svc: &Services, user: &AuthUser, id: i64) -> Result<EngagementView, Error> {
    let user = user.clone();
    svc.db
        .tx(move |tx| {
            let scope = crate::services::scope::StaffScope::moderator(tx, &user)?;
            let row = by_id(tx, id)?;
            if row.arrears_report_id.is_none() {
                return Err(not_found());
            }
            let shift = ShiftRow::find(tx, row.shift_id)?;
            let point = GeoPoint { lat: shift.lat, lng: shift.lng };
            scope.check(crate::services::scope::Place { adcode: shift.adcode.as_deref(), point: Some(point) })?;
            crate::services::audit::private_read(
                tx,
                UserId(scope.user_id),
                WorkerId(row.worker_id),
                &[crate::services::audit::fields::PHONE],
                "engagements.get",
            )?;
            let now = tx.now();
            view(tx, row, Viewer::Staff, true, now)
        })
        .await
}

/// The signed-in worker's engagements (`for_role` Worker) or the engagements on the signed-in
/// employer's shifts (Employer), newest first.
pub async fn list_mine(
    svc: &Services,
    user: &AuthUser,
    state: Option<&str>,
    shift_id: Option<i64>,
    page: crate::services::page::PageRequest,
) -> Result<crate::services::page::Page<EngagementView>, Error> {
    user.require(&[Role::Worker, Role::Employer])?;
    let filter = parse_state(state)?;
    let (user_id, role, now) = (user.id, user.role, svc.clock.now());
    svc.db
        .run(move |conn| {
            let (rows, viewer) = if role == Role::Worker {
                (list_for_worker(conn, user_id, filter, page.limit, page.cursor)?, Viewer::Worker)
            } else {
                (list_for_employer(conn, user_id, filter, shift_id, page.limit, page.cursor)?, Viewer::Employer)
            };
            let (rows, next_cursor) = page.split(rows, |r| r.id);
            Ok(crate::services::page::Page { items: views(conn, rows, viewer, false, now)?, next_cursor })
        })
        .await
}
