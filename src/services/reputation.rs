//! Reputation: each side's record over the last 90 days — engagements kept, no-shows, late
//! cancellations, ratings — as profiles show it and as matching weighs a worker's reliability.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::db::schema::{engagement_events, engagements, shifts};
use crate::domain::engagement::{self as machine, Stats};
use crate::error::Error;

/// A worker's profile id and account id (ratings are given to the account).
#[derive(Debug, Clone, Copy)]
pub struct WorkerRef {
    pub id: i64,
    pub user_id: i64,
}

/// An employer's profile id and account id.
#[derive(Debug, Clone, Copy)]
pub struct EmployerRef {
    pub id: i64,
    pub user_id: i64,
}

/// A side's record over the last 90 days, as profiles show it.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct ProfileStats {
    pub window_days: i64,
    pub rating_avg: Option<f64>,
    pub rating_count: i64,
    /// Engagements confirmed in the window.
    pub confirmed: i64,
    /// Engagements completed in the window.
    pub completed: i64,
    /// Share of confirmed engagements ending in a no-show (workers only).
    pub no_show_rate: Option<f64>,
    /// Share of confirmed engagements this side cancelled late.
    pub late_cancel_rate: f64,
    /// 0–1, from `domain::engagement::reliability`.
    pub reliability: f64,
}

pub const STATS_WINDOW_DAYS: i64 = 90;

fn to_profile(s: Stats, with_no_shows: bool) -> ProfileStats {
    ProfileStats {
        window_days: STATS_WINDOW_DAYS,
        rating_avg: s.rating_avg.map(|a| (a * 100.0).round() / 100.0),
        rating_count: s.rating_count,
        confirmed: s.confirmed,
        completed: s.completed,
        no_show_rate: with_no_shows.then(|| s.no_show_rate()),
        late_cancel_rate: s.late_cancel_rate(),
        reliability: machine::reliability(&s),
    }
}

fn ratings_of(conn: &mut DbConn, user_id: i64, since: NaiveDateTime) -> Result<(i64, Option<f64>), Error> {
    use crate::db::schema::ratings;
    let scores: Vec<i32> = ratings::table
        .filter(ratings::ratee_user_id.eq(user_id))
        .filter(ratings::hidden.eq(false))
        .filter(ratings::created_at.ge(since))
        .select(ratings::score)
        .load(conn)?;
    let n = scores.len() as i64;
    Ok((n, (n > 0).then(|| scores.iter().map(|s| *s as f64).sum::<f64>() / n as f64)))
}

/// The raw 90-day record of a worker, for profiles and for `reliability`.
pub fn worker_raw_stats(conn: &mut DbConn, worker: WorkerRef, now: NaiveDateTime) -> Result<Stats, Error> {
    let since = now - Duration::days(STATS_WINDOW_DAYS);
    let mine = engagements::table.filter(engagements::worker_id.eq(worker.id)).select(engagements::id);
    let events = |to: &'static str| {
        engagement_events::table
            .filter(engagement_events::engagement_id.eq_any(engagements::table.filter(engagements::worker_id.eq(worker.id)).select(engagements::id)))
            .filter(engagement_events::to_state.eq(to))
            .filter(engagement_events::at.ge(since))
            .select(engagement_events::engagement_id)
            .distinct()
    };
    let confirmed = events("confirmed").load::<i64>(conn)?.len() as i64;
    let no_shows = events("no_show").load::<i64>(conn)?.len() as i64;
    let late_cancels: i64 = engagement_events::table
        .filter(engagement_events::engagement_id.eq_any(mine))
        .filter(engagement_events::late_cancel.eq(true))
        .filter(engagement_events::actor_role.eq("worker"))
        .filter(engagement_events::at.ge(since))
        .count()
        .get_result(conn)?;
    let completed: i64 =
        engagements::table.filter(engagements::worker_id.eq(worker.id)).filter(engagements::completed_at.ge(since)).count().get_result(conn)?;
    let (rating_count, rating_avg) = ratings_of(conn, worker.user_id, since)?;
    Ok(Stats { confirmed, completed, no_shows, late_cancels, rating_count, rating_avg })
}

pub fn worker_stats(conn: &mut DbConn, worker: WorkerRef, now: NaiveDateTime) -> Result<ProfileStats, Error> {
    Ok(to_profile(worker_raw_stats(conn, worker, now)?, true))
}

/// An employer's 90-day record: engagements on their shifts, their own late cancellations, and
/// the ratings workers gave them.
pub fn employer_stats(conn: &mut DbConn, employer: EmployerRef, now: NaiveDateTime) -> Result<ProfileStats, Error> {
    let since = now - Duration::days(STATS_WINDOW_DAYS);
    let theirs = || {
        engagements::table
            .filter(engagements::shift_id.eq_any(shifts::table.filter(shifts::employer_id.eq(employer.id)).select(shifts::id)))
            .select(engagements::id)
    };
    let confirmed = engagement_events::table
        .filter(engagement_events::engagement_id.eq_any(theirs()))
        .filter(engagement_events::to_state.eq("confirmed"))
        .filter(engagement_events::at.ge(since))
        .select(engagement_events::engagement_id)
        .distinct()
        .load::<i64>(conn)?
        .len() as i64;
    let late_cancels: i64 = engagement_events::table
        .filter(engagement_events::engagement_id.eq_any(theirs()))
        .filter(engagement_events::late_cancel.eq(true))
        .filter(engagement_events::actor_role.eq("employer"))
        .filter(engagement_events::at.ge(since))
        .count()
        .get_result(conn)?;
    let completed: i64 = engagements::table
        .filter(engagements::shift_id.eq_any(shifts::table.filter(shifts::employer_id.eq(employer.id)).select(shifts::id)))
        .filter(engagements::completed_at.ge(since))
        .count()
        .get_result(conn)?;
    let (rating_count, rating_avg) = ratings_of(conn, employer.user_id, since)?;
    Ok(to_profile(Stats { confirmed, completed, no_shows: 0, late_cancels, rating_count, rating_avg }, false))
}
