//! Ratings after completion: each side rates the other once (1–5, optional comment), editable for
//! a configured time. Moderators can hide an abusive comment; hiding is audited and the score stays
//! out of averages while hidden.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::changes::Entity;
use crate::db::schema::{employers, engagements as engagements_t, ratings, shifts, workers};
use crate::db::{DbConn, Tx};
use crate::domain::engagement::Actor;
use crate::domain::time::to_display;
use crate::domain::{BoundedText, Role};
use crate::error::{Conflict, Error, FieldErrors, Invalid, Thing};
use crate::services::Services;
use crate::services::audit;
use crate::services::engagements::{self, EngagementRow};
use crate::services::scope::{Place, StaffScope};

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub score: i64,
    /// At most 500 characters (leading and trailing whitespace not counted; empty: none), no
    /// control characters.
    #[schema(
        pattern = r"^[\s\x85]*(?:[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f](?:[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{0,498}[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f])?)?[\s\x85]*$"
    )]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HideRequest {
    /// Why the rating is hidden: 2–500 characters (leading and trailing whitespace not counted),
    /// no control characters.
    #[schema(
        pattern = r"^[\s\x85]*[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{0,498}[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f][\s\x85]*$"
    )]
    pub reason: String,
}

#[derive(Debug, Clone, Queryable)]
pub struct RatingRow {
    pub id: i64,
    pub engagement_id: i64,
    pub rater_user_id: i64,
    pub rater_role: String,
    pub ratee_user_id: i64,
    pub score: i32,
    pub comment: Option<String>,
    pub hidden: bool,
    pub hidden_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatingView {
    pub id: i64,
    pub engagement_id: i64,
    /// `worker` (a worker rated the employer) or `employer`.
    pub rater_role: String,
    pub score: i32,
    /// Absent when a moderator hid it.
    pub comment: Option<String>,
    pub hidden: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: chrono::DateTime<chrono::FixedOffset>,
    /// Until when the rater may still change it.
    #[schema(value_type = String, format = DateTime)]
    pub editable_until: chrono::DateTime<chrono::FixedOffset>,
}

impl RatingRow {
    pub fn view(self, edit_hours: i64) -> RatingView {
        RatingView {
            id: self.id,
            engagement_id: self.engagement_id,
            rater_role: self.rater_role,
            score: self.score,
            comment: if self.hidden { None } else { self.comment },
            hidden: self.hidden,
            created_at: to_display(self.created_at),
            updated_at: to_display(self.updated_at),
            editable_until: to_display(self.created_at + Duration::hours(edit_hours)),
        }
    }
}

/// The other side's user id.
fn ratee(conn: &mut DbConn, row: &EngagementRow, actor: Actor) -> Result<i64, Error> {
    Ok(match actor {
        Actor::Worker => shifts::table.inner_join(employers::table).filter(shifts::id.eq(row.shift_id)).select(employers::user_id).first(conn)?,
        _ => workers::table.find(row.worker_id).select(workers::user_id).first(conn)?,
    })
}

/// Rates the other side of a completed engagement, or changes the rating within the edit window.
pub fn rate(
    tx: &mut Tx,
    user_id: i64,
    role: Role,
    engagement_id: i64,
    req: &RatingRequest,
    edit_hours: i64,
    now: NaiveDateTime,
) -> Result<(RatingView, bool), Error> {
    let row = engagements::by_id(tx, engagement_id)?;
    let actor = engagements::actor_for(tx, &row, user_id, role)?;
    let mut errs = FieldErrors::new();
    if !(1..=5).contains(&req.score) {
        errs.add("score", Invalid::new("out_of_range", "评分应为 1 到 5", "score must be 1 to 5"));
    }
    let comment = match req.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => errs.check("comment", BoundedText::parse(c, 1, 500)).map(BoundedText::into_string),
    };
    errs.into_result()?;
    if !row.state().is_after_completion() {
        return Err(Error::Conflict(Conflict::NotCompleted { state: row.state().to_string() }));
    }
    let existing: Option<RatingRow> =
        ratings::table.filter(ratings::engagement_id.eq(engagement_id)).filter(ratings::rater_role.eq(actor.as_str())).first(tx.conn()).optional()?;
    let (id, created) = match existing {
        Some(old) => {
            if now > old.created_at + Duration::hours(edit_hours) {
                return Err(Error::Conflict(Conflict::RatingLocked { edit_hours }));
            }
            diesel::update(ratings::table.find(old.id))
                .set((ratings::score.eq(req.score as i32), ratings::comment.eq(&comment), ratings::updated_at.eq(now)))
                .execute(tx.conn())?;
            (old.id, false)
        }
        None => {
            let ratee = ratee(tx, &row, actor)?;
            let id = diesel::insert_into(ratings::table)
                .values((
                    ratings::engagement_id.eq(engagement_id),
                    ratings::rater_user_id.eq(user_id),
                    ratings::rater_role.eq(actor.as_str()),
                    ratings::ratee_user_id.eq(ratee),
                    ratings::score.eq(req.score as i32),
                    ratings::comment.eq(&comment),
                    ratings::created_at.eq(now),
                    ratings::updated_at.eq(now),
                ))
                .returning(ratings::id)
                .get_result(tx.conn())?;
            (id, true)
        }
    };
    // Ratings feed the worker's reliability, which matching ranks by.
    tx.record(Entity::Worker, row.worker_id)?;
    Ok((ratings::table.find(id).first::<RatingRow>(tx.conn())?.view(edit_hours), created))
}

/// The ratings given on one engagement.
pub fn for_engagement(conn: &mut DbConn, engagement_id: i64, edit_hours: i64) -> Result<Vec<RatingView>, Error> {
    let rows: Vec<RatingRow> = ratings::table.filter(ratings::engagement_id.eq(engagement_id)).order(ratings::id.asc()).load(conn)?;
    Ok(rows.into_iter().map(|r| r.view(edit_hours)).collect())
}

/// A moderator hides an abusive rating (its comment disappears and its score leaves averages).
/// Rate the other side of a completed engagement; `true` when the rating is new (not a change).
pub async fn rate_engagement(svc: &Services, user: &AuthUser, id: i64, req: RatingRequest) -> Result<(RatingView, bool), Error> {
    let (user_id, role, hours) = (user.id, user.role, svc.config.engagements.rating_edit_hours);
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            rate(tx, user_id, role, id, &req, hours, now)
        })
        .await
}

/// Hide a rating (moderators of the shift's district), audited.
pub async fn hide_rating(svc: &Services, user: &AuthUser, id: i64, reason: String) -> Result<RatingView, Error> {
    user.require_moderator()?;
    let (user, hours) = (user.clone(), svc.config.engagements.rating_edit_hours);
    svc.db
        .tx(move |tx| {
            let scope = StaffScope::moderator(tx, &user)?;
            let adcode: Option<String> = ratings::table
                .inner_join(engagements_t::table.on(engagements_t::id.eq(ratings::engagement_id)))
                .inner_join(crate::db::schema::shifts::table.on(crate::db::schema::shifts::id.eq(engagements_t::shift_id)))
                .filter(ratings::id.eq(id))
                .select(crate::db::schema::shifts::adcode)
                .first(tx.conn())
                .optional()?
                .ok_or(Error::NotFound(Thing::Rating))?;
            scope.check(Place::district(adcode.as_deref()))?;
            hide(tx, scope.user_id, id, &reason, hours)
        })
        .await
}

fn hide(tx: &mut Tx, staff_id: i64, id: i64, reason: &str, edit_hours: i64) -> Result<RatingView, Error> {
    let reason = BoundedText::parse(reason, 2, 500).map_err(|e| Error::field("reason", e))?.into_string();
    let row: RatingRow = ratings::table.find(id).first(tx.conn()).optional()?.ok_or(Error::NotFound(Thing::Rating))?;
    if row.hidden {
        return Err(Error::Conflict(Conflict::RatingAlreadyHidden));
    }
    diesel::update(ratings::table.find(id)).set((ratings::hidden.eq(true), ratings::hidden_by.eq(staff_id))).execute(tx.conn())?;
    let worker_id: i64 = engagements_t::table.find(row.engagement_id).select(engagements_t::worker_id).first(tx.conn())?;
    tx.record(Entity::Worker, worker_id)?;
    audit::record(
        tx,
        audit::Entry {
            actor_id: staff_id,
            action: "rating.hide",
            target_type: "rating",
            target_id: id,
            reason: Some(&reason),
            before: Some(json!({"hidden": false, "score": row.score, "comment": row.comment})),
            after: Some(json!({"hidden": true})),
        },
    )?;
    Ok(ratings::table.find(id).first::<RatingRow>(tx.conn())?.view(edit_hours))
}
