//! The data of the HTTP run: the same generated shifts written into a SQLite database that
//! `lingong serve` then loads and indexes as it would real ones.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::Duration;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::cats::CATS;
use crate::generator::{BATCH, Gen};
use crate::progress::log;
use crate::world::World;

/// Writes `n` published shifts with their slots, employers and the employers' users into an
/// already migrated SQLite database at `path`, which must hold no shifts yet.
pub fn write_sqlite(path: &Path, n: usize, seed: u64) -> anyhow::Result<()> {
    use diesel::sqlite::SqliteConnection;
    use lingong::db::schema::{employers, shift_slots, shifts, users};

    let w = World::new()?;
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
    conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF;")?;
    let existing: i64 = shifts::table.count().get_result(&mut conn).context("no shifts table: run `lingong migrate` on the database first")?;
    if existing > 0 {
        bail!("{} already holds {existing} shifts; use a fresh database", path.display());
    }
    let started = Instant::now();
    let mut gn = Gen::new(&w, seed, n);
    let now = w.now;
    conn.transaction(|conn| -> anyhow::Result<()> {
        for e in &gn.employers {
            let user_id: i64 = diesel::insert_into(users::table)
                .values((
                    users::role.eq("employer"),
                    users::phone.eq(&e.phone),
                    users::password_hash.eq("!bench-no-login"),
                    users::display_name.eq(&e.contact),
                    users::disabled.eq(false),
                    users::created_at.eq(now),
                ))
                .returning(users::id)
                .get_result(conn)?;
            diesel::insert_into(employers::table)
                .values((
                    employers::id.eq(e.id),
                    employers::user_id.eq(user_id),
                    employers::name.eq(&e.name),
                    employers::kind.eq(e.kind),
                    employers::contact_name.eq(&e.contact),
                    employers::contact_phone.eq(&e.phone),
                    employers::address.eq(&e.address),
                    employers::lat.eq(e.lat),
                    employers::lng.eq(e.lng),
                    employers::adcode.eq(&w.places[e.place].adcode),
                    employers::description.eq(""),
                    employers::verified.eq(true),
                    employers::verified_at.eq(now),
                    employers::created_at.eq(now),
                    employers::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    })?;
    let mut done = 0;
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        gn.fill(&mut batch);
        if batch.is_empty() {
            break;
        }
        conn.transaction(|conn| -> anyhow::Result<()> {
            for s in &batch {
                diesel::insert_into(shifts::table)
                    .values((
                        shifts::id.eq(s.id),
                        shifts::employer_id.eq(gn.employers[s.employer].id),
                        shifts::title.eq(&s.title),
                        shifts::description.eq(&s.description),
                        shifts::requirements.eq(&s.requirements),
                        shifts::category_code.eq(CATS[s.cat].code),
                        shifts::headcount.eq(s.headcount),
                        shifts::address.eq(&s.address),
                        shifts::lat.eq(s.lat),
                        shifts::lng.eq(s.lng),
                        shifts::adcode.eq(&w.places[s.place].adcode),
                        shifts::pay_amount_fen.eq(s.pay_fen),
                        shifts::pay_unit.eq(s.pay_unit.as_str()),
                        shifts::settlement.eq(s.settlement),
                        shifts::employment_type.eq(s.employment_type),
                        shifts::take_mode.eq(s.take_mode),
                        shifts::valid_through.eq(s.valid_through),
                        shifts::status.eq("published"),
                        shifts::created_at.eq(s.published_at - Duration::minutes(30)),
                        shifts::updated_at.eq(s.published_at),
                        shifts::published_at.eq(s.published_at),
                    ))
                    .execute(conn)?;
                for slot in &s.slots {
                    diesel::insert_into(shift_slots::table)
                        .values((shift_slots::shift_id.eq(s.id), shift_slots::start_at.eq(slot.start), shift_slots::end_at.eq(slot.end)))
                        .execute(conn)?;
                }
            }
            Ok(())
        })?;
        done += batch.len();
        if done % 100_000 == 0 {
            log(format!("  {done} shifts written"));
        }
    }
    conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;")?;
    log(format!("wrote {done} shifts and {} employers to {} in {:.1} s", gn.employers.len(), path.display(), started.elapsed().as_secs_f64()));
    Ok(())
}
