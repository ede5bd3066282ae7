//! Alert subscriptions: validating, storing, listing and ending a worker's match alerts.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::alerts::rules::Criteria;
use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::db::schema::{alert_subscriptions, availability};
use crate::domain::Role;
use crate::domain::geo::radius_km;
use crate::domain::time::to_display;
use crate::domain::{AlertId, WorkerId};
use crate::domain::{BoundedText, GeoPoint, PayUnit};
use crate::error::{Conflict, Error, FieldErrors, Invalid, Thing};
use crate::search::analyze::analyze_query;
use crate::search::timefit::Interval;
use crate::services::Services;
use crate::services::availability::AvailabilityRow;
use crate::services::availability::require_worker;
use crate::services::page::{Page, PageRequest};
use crate::services::workers::{PayBody, check_categories};
use crate::services::{json_list, to_json};

pub const SOURCE_AVAILABILITY: &str = "availability";
pub const SOURCE_SEARCH: &str = "search";
pub const INSTANT: &str = "instant";
pub const DAILY: &str = "daily";
pub const MAX_QUERY_CHARS: usize = 100;

/// Body of `POST /api/v1/workers/me/alerts`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertRequest {
    /// `availability` (follow one of your availability records: its place, radius, categories,
    /// minimum pay and windows) or `search` (a saved search with the fields below).
    pub source: Option<String>,
    /// Required with `source = availability`.
    pub availability_id: Option<i64>,
    /// Words every announced shift must contain (either source). Up to 100 characters.
    pub q: Option<String>,
    /// Saved search only (required): the centre of the area.
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    /// Saved search only (required): 0–200 km.
    pub radius_km: Option<f64>,
    /// Saved search only: category codes; empty or absent means any.
    pub categories: Option<Vec<String>>,
    /// Saved search only: lowest acceptable pay, compared per hour across units.
    pub min_pay: Option<PayBody>,
    /// `instant` (one mail per shift, as found) or `daily` (one digest a day). Default `instant`.
    pub frequency: Option<String>,
}

/// A subscription that passed every rule.
#[derive(Debug, Clone)]
pub struct ValidAlert {
    source: &'static str,
    availability_id: Option<i64>,
    q: String,
    point: Option<GeoPoint>,
    radius_km: Option<f64>,
    categories: Vec<String>,
    min_pay: Option<PayBody>,
    frequency: &'static str,
}

fn choice(errs: &mut FieldErrors, field: &str, v: Option<&str>, allowed: &[&'static str], default: Option<&'static str>) -> Option<&'static str> {
    match v {
        None => {
            if default.is_none() {
                errs.add(field, Invalid::required());
            }
            default
        }
        Some(s) => {
            let found = allowed.iter().copied().find(|a| *a == s);
            if found.is_none() {
                let list = allowed.join(", ");
                errs.add(field, Invalid::new("invalid_choice", format!("应为以下之一：{list}"), format!("must be one of: {list}")));
            }
            found
        }
    }
}

fn not_with_availability(errs: &mut FieldErrors, field: &str) {
    errs.add(
        field,
        Invalid::new(
            "not_allowed",
            "跟随可工作时段的提醒使用该时段的设置，不能另填此项",
            "an alert that follows an availability record uses that record's settings; leave this out",
        ),
    );
}

/// Checks every field at once. `worker_id` is the signed-in worker, whose record an
/// availability-based alert must follow.
pub fn validate(conn: &mut DbConn, worker_id: i64, r: &AlertRequest) -> Result<ValidAlert, Error> {
    let mut errs = FieldErrors::new();
    let source = choice(&mut errs, "source", r.source.as_deref(), &[SOURCE_AVAILABILITY, SOURCE_SEARCH], None);
    let frequency = choice(&mut errs, "frequency", r.frequency.as_deref(), &[INSTANT, DAILY], Some(INSTANT));
    let q = errs.check("q", BoundedText::parse(r.q.as_deref().unwrap_or(""), 0, MAX_QUERY_CHARS)).map(BoundedText::into_string);
    if let Some(q) = q.as_deref().filter(|q| !q.is_empty()) {
        // Punctuation alone analyses to nothing and would silently match every shift.
        if analyze_query(q).is_empty() {
            errs.add("q", Invalid::new("no_words", "搜索词中没有可用的字词", "the query has no words to look for"));
        }
    }
    let mut out = ValidAlert {
        source: source.unwrap_or(SOURCE_SEARCH),
        availability_id: None,
        q: q.unwrap_or_default(),
        point: None,
        radius_km: None,
        categories: Vec::new(),
        min_pay: None,
        frequency: frequency.unwrap_or(INSTANT),
    };
    match source {
        Some(SOURCE_AVAILABILITY) => {
            match r.availability_id {
                None => errs.add("availability_id", Invalid::required()),
                Some(id) => {
                    let owner: Option<i64> = availability::table.find(id).select(availability::worker_id).first(conn).optional()?;
                    if owner != Some(worker_id) {
                        errs.add(
                            "availability_id",
                            Invalid::new("unknown_availability", "没有这条可工作时段（须是您自己的）", "no such availability record of yours"),
                        );
                    }
                    out.availability_id = Some(id);
                }
            }
            for (field, given) in [
                ("lat", r.lat.is_some()),
                ("lng", r.lng.is_some()),
                ("radius_km", r.radius_km.is_some()),
                ("categories", r.categories.is_some()),
                ("min_pay", r.min_pay.is_some()),
            ] {
                if given {
                    not_with_availability(&mut errs, field);
                }
            }
        }
        Some(_) => {
            if r.availability_id.is_some() {
                errs.add("availability_id", Invalid::new("not_allowed", "保存的搜索不跟随可工作时段", "a saved search follows no availability record"));
            }
            out.point = GeoPoint::check(&mut errs, "", r.lat, r.lng);
            out.radius_km = match r.radius_km {
                None => {
                    errs.add("radius_km", Invalid::required());
                    None
                }
                Some(v) => errs.check("radius_km", radius_km(v)),
            };
            out.categories = check_categories(conn, &mut errs, "categories", r.categories.clone().unwrap_or_default())?;
            if let Some(p) = r.min_pay {
                out.min_pay = p.validate(&mut errs, "min_pay").map(|p| PayBody { amount_fen: p.amount_fen, unit: p.unit });
            }
        }
        None => {}
    }
    errs.into_result()?;
    Ok(out)
}

#[derive(Debug, Clone, Queryable)]
pub struct AlertRow {
    pub id: i64,
    pub worker_id: i64,
    pub source: String,
    pub availability_id: Option<i64>,
    pub keywords: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub radius_km: Option<f64>,
    pub categories: String,
    pub min_pay_fen: Option<i64>,
    pub pay_unit: Option<String>,
    pub frequency: String,
    pub unsubscribe_token: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub last_digest_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    pub id: i64,
    pub source: String,
    pub availability_id: Option<i64>,
    pub q: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub radius_km: Option<f64>,
    pub categories: Vec<String>,
    pub min_pay: Option<PayBody>,
    pub frequency: String,
    /// False once unsubscribed through a mail's link.
    pub active: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
}

impl AlertRow {
    pub fn min_pay(&self) -> Option<PayBody> {
        match (self.min_pay_fen, self.pay_unit.as_deref().and_then(|u| PayUnit::parse(u).ok())) {
            (Some(amount_fen), Some(unit)) => Some(PayBody { amount_fen, unit }),
            _ => None,
        }
    }

    pub fn view(self) -> AlertView {
        AlertView {
            min_pay: self.min_pay(),
            categories: json_list(&self.categories),
            id: self.id,
            source: self.source,
            availability_id: self.availability_id,
            q: self.keywords,
            lat: self.lat,
            lng: self.lng,
            radius_km: self.radius_km,
            frequency: self.frequency,
            active: self.active,
            created_at: to_display(self.created_at),
        }
    }

    pub fn is_instant(&self) -> bool {
        self.frequency == INSTANT
    }

    /// What this subscription matches. `None` when it follows an availability record that is gone
    /// or switched off: it then matches nothing until the record is active again.
    pub fn criteria(&self, followed: Option<&AvailabilityRow>) -> Option<Criteria> {
        let query = analyze_query(&self.keywords);
        if self.source == SOURCE_AVAILABILITY {
            let a = followed.filter(|a| a.active && Some(a.id) == self.availability_id)?;
            return Some(Criteria {
                query,
                near: Some((GeoPoint { lat: a.lat, lng: a.lng }, a.radius_km)),
                categories: json_list(&a.categories),
                min_pay: a.min_pay().map(|p| (p.amount_fen, p.unit)),
                windows: Some((a.dated().into_iter().map(|d| Interval { start: d.start, end: d.end }).collect(), a.weekly())),
                since: self.created_at,
            });
        }
        Some(Criteria {
            query,
            near: match (self.lat, self.lng, self.radius_km) {
                (Some(lat), Some(lng), Some(r)) => Some((GeoPoint { lat, lng }, r)),
                _ => None,
            },
            categories: json_list(&self.categories),
            min_pay: self.min_pay().map(|p| (p.amount_fen, p.unit)),
            windows: None,
            since: self.created_at,
        })
    }
}

pub fn count_for_worker(conn: &mut DbConn, worker_id: i64) -> Result<i64, Error> {
    Ok(alert_subscriptions::table.filter(alert_subscriptions::worker_id.eq(worker_id)).count().get_result(conn)?)
}

pub fn create(conn: &mut DbConn, worker_id: i64, v: &ValidAlert, max_per_worker: i64, now: NaiveDateTime) -> Result<AlertRow, Error> {
    if count_for_worker(conn, worker_id)? >= max_per_worker {
        return Err(Error::Conflict(Conflict::TooManyAlerts { max: max_per_worker }));
    }
    let id: i64 = diesel::insert_into(alert_subscriptions::table)
        .values((
            alert_subscriptions::worker_id.eq(worker_id),
            alert_subscriptions::source.eq(v.source),
            alert_subscriptions::availability_id.eq(v.availability_id),
            alert_subscriptions::keywords.eq(&v.q),
            alert_subscriptions::lat.eq(v.point.map(|p| p.lat)),
            alert_subscriptions::lng.eq(v.point.map(|p| p.lng)),
            alert_subscriptions::radius_km.eq(v.radius_km),
            alert_subscriptions::categories.eq(to_json(&v.categories)),
            alert_subscriptions::min_pay_fen.eq(v.min_pay.map(|p| p.amount_fen)),
            alert_subscriptions::pay_unit.eq(v.min_pay.map(|p| p.unit.as_str())),
            alert_subscriptions::frequency.eq(v.frequency),
            alert_subscriptions::unsubscribe_token.eq(crate::auth::token::generate()),
            alert_subscriptions::active.eq(true),
            alert_subscriptions::created_at.eq(now),
        ))
        .returning(alert_subscriptions::id)
        .get_result(conn)?;
    by_id(conn, id)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> Result<AlertRow, Error> {
    alert_subscriptions::table.find(id).first(conn).optional()?.ok_or(Error::NotFound(Thing::Alert))
}

pub fn list_for_worker(conn: &mut DbConn, worker_id: i64, limit: i64, cursor: Option<i64>) -> Result<Vec<AlertRow>, Error> {
    let mut q = alert_subscriptions::table.filter(alert_subscriptions::worker_id.eq(worker_id)).into_boxed();
    if let Some(c) = cursor {
        q = q.filter(alert_subscriptions::id.lt(c));
    }
    Ok(q.order(alert_subscriptions::id.desc()).limit(limit + 1).load(conn)?)
}

/// Deletes the worker's own subscription (and what was recorded as sent): 404 when missing,
/// 403 when it is someone else's.
pub fn delete(conn: &mut DbConn, worker_id: WorkerId, id: AlertId) -> Result<(), Error> {
    let (worker_id, id) = (worker_id.get(), id.get());
    let row = by_id(conn, id)?;
    if row.worker_id != worker_id {
        return Err(Error::forbidden());
    }
    diesel::delete(crate::db::schema::alert_deliveries::table.filter(crate::db::schema::alert_deliveries::subscription_id.eq(id))).execute(conn)?;
    diesel::delete(alert_subscriptions::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn by_token(conn: &mut DbConn, token: &str) -> Result<Option<AlertRow>, Error> {
    Ok(alert_subscriptions::table.filter(alert_subscriptions::unsubscribe_token.eq(token)).first(conn).optional()?)
}

/// Switches the subscription off by its mail link; repeating it changes nothing.
pub fn unsubscribe(conn: &mut DbConn, token: &str) -> Result<Option<AlertRow>, Error> {
    let Some(row) = by_token(conn, token)? else { return Ok(None) };
    diesel::update(alert_subscriptions::table.find(row.id)).set(alert_subscriptions::active.eq(false)).execute(conn)?;
    Ok(Some(AlertRow { active: false, ..row }))
}

/// The link in every alert mail.
pub fn unsubscribe_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/api/v1/alerts/unsubscribe?token={token}")
}

// ---------------------------------------------------------------------------------------------
// Operations: a worker's match alerts.
// ---------------------------------------------------------------------------------------------

/// Subscribe the signed-in worker to an alert.
pub async fn subscribe(svc: &Services, user: &AuthUser, req: AlertRequest) -> Result<AlertView, Error> {
    user.require(&[Role::Worker])?;
    let (user_id, max) = (user.id, svc.config.alerts.max_per_worker);
    svc.db
        .tx(move |tx| {
            let worker = require_worker(tx, user_id)?;
            let valid = validate(tx, worker.id, &req)?;
            let now = tx.now();
            Ok(create(tx, worker.id, &valid, max, now)?.view())
        })
        .await
}

/// The signed-in worker's alerts, newest first.
pub async fn list_mine(svc: &Services, user: &AuthUser, page: PageRequest) -> Result<Page<AlertView>, Error> {
    user.require(&[Role::Worker])?;
    let user_id = user.id;
    svc.db
        .run(move |conn| {
            let worker = require_worker(conn, user_id)?;
            let rows = list_for_worker(conn, worker.id, page.limit, page.cursor)?;
            let (rows, next_cursor) = page.split(rows, |r| r.id);
            Ok(Page { items: rows.into_iter().map(AlertRow::view).collect(), next_cursor })
        })
        .await
}

/// Delete one of the signed-in worker's alerts.
pub async fn remove(svc: &Services, user: &AuthUser, id: i64) -> Result<(), Error> {
    user.require(&[Role::Worker])?;
    let user_id = user.id;
    svc.db
        .tx(move |tx| {
            let worker = require_worker(tx, user_id)?;
            delete(tx, WorkerId(worker.id), AlertId(id))
        })
        .await
}

/// The alert an unsubscribe link names (the link's token), if any: its page asks for one click.
pub async fn find_by_unsubscribe_token(svc: &Services, token: String) -> Result<Option<AlertRow>, Error> {
    svc.db.run(move |conn| by_token(conn, &token)).await
}

/// The unsubscribe link's click: the alert stops. Repeating it is harmless.
pub async fn unsubscribe_by_token(svc: &Services, token: String) -> Result<Option<AlertRow>, Error> {
    svc.db.tx(move |tx| unsubscribe(tx, &token)).await
}
