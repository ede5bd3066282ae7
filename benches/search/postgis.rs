//! The same shifts and queries against PostgreSQL + PostGIS + pg_trgm: one table per size,
//! loaded with COPY from the same generator, indexed, queried, then dropped.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text, Timestamp};
use serde_json::{Value, json};

use crate::args::Args;
use crate::cats::CATS;
use crate::engine_run::WARMUP;
use crate::generator::Gen;
use crate::progress::log;
use crate::queries::{Kind, Q};
use crate::stats::{ms_since, secs, stats};
use crate::world::World;

mod pgt {
    diesel::table! {
        lingong_bench.shifts (id) {
            id -> BigInt,
            title -> Text,
            description -> Text,
            requirements -> Text,
            body -> Text,
            category -> Text,
            geog -> Text,
            slots -> Text,
            first_start -> Text,
            first_end -> Text,
            valid_through -> Text,
            pay_fen -> BigInt,
            pay_unit -> Text,
        }
    }
}

#[derive(QueryableByName)]
struct PgHit {
    #[diesel(sql_type = BigInt)]
    #[allow(dead_code)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

#[derive(QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = Text)]
    #[diesel(column_name = "QUERY PLAN")]
    line: String,
}

#[derive(QueryableByName)]
struct OneText {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

/// COPY text format: escape backslash, tab, newline, carriage return.
fn copy_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\t', "\\t").replace('\n', "\\n").replace('\r', "\\r")
}

fn ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

const PG_SELECT: &str = "SELECT id, count(*) OVER () AS total FROM lingong_bench.shifts \
     WHERE ST_DWithin(geog, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, $3) AND valid_through > $4";

fn pg_sql(q: &Q) -> String {
    let mut sql = PG_SELECT.to_string();
    let mut n = 5;
    match (q.from, q.to) {
        (Some(_), Some(_)) => {
            sql.push_str(" AND slots && tsrange($5, $6, '[)')");
            n = 7;
        }
        _ => sql.push_str(" AND slots && tsrange($4, NULL, '[)')"),
    }
    if let Some(words) = q.words {
        for _ in words.split_whitespace() {
            let _ = write!(sql, " AND body LIKE ${n}");
            n += 1;
        }
    }
    sql.push_str(" ORDER BY ST_Distance(geog, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) LIMIT 20");
    sql
}

fn pg_run<T: diesel::deserialize::QueryableByName<diesel::pg::Pg> + 'static>(
    conn: &mut PgConnection,
    sql: &str,
    q: &Q,
    now: NaiveDateTime,
) -> QueryResult<Vec<T>> {
    let mut query = diesel::sql_query(sql.to_string())
        .into_boxed::<diesel::pg::Pg>()
        .bind::<Double, _>(q.lng)
        .bind::<Double, _>(q.lat)
        .bind::<Double, _>(q.radius_km * 1000.0)
        .bind::<Timestamp, _>(now);
    if let (Some(from), Some(to)) = (q.from, q.to) {
        query = query.bind::<Timestamp, _>(from).bind::<Timestamp, _>(to);
    }
    if let Some(words) = q.words {
        for w in words.split_whitespace() {
            query = query.bind::<Text, _>(format!("%{w}%"));
        }
    }
    query.load(conn)
}

pub fn postgis(w: &World, args: &Args, n: usize, url: &str, queries: &HashMap<&str, Vec<Q>>, lingong_lat: &HashMap<&str, Vec<f64>>) -> anyhow::Result<Value> {
    lingong::db::init_tls();
    let mut conn = PgConnection::establish(url).with_context(|| format!("cannot connect to {url}"))?;
    conn.batch_execute(
        "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE SCHEMA IF NOT EXISTS lingong_bench;
         DROP TABLE IF EXISTS lingong_bench.shifts;
         CREATE UNLOGGED TABLE lingong_bench.shifts (
             id bigint NOT NULL,
             title text NOT NULL,
             description text NOT NULL,
             requirements text NOT NULL,
             -- every text lingong indexes for the shift: title, description, requirements,
             -- category words, employer name, address, district name
             body text NOT NULL,
             category text NOT NULL,
             geog geography(Point, 4326) NOT NULL,
             -- all slots, [start, end) in UTC, as lingong checks any slot against the window
             slots tsmultirange NOT NULL,
             first_start timestamp NOT NULL,
             first_end timestamp NOT NULL,
             valid_through timestamp NOT NULL,
             pay_fen bigint NOT NULL,
             pay_unit text NOT NULL
         );",
    )?;
    let versions: Vec<OneText> = diesel::sql_query("SELECT version() || ' / PostGIS ' || postgis_lib_version() AS v").load(&mut conn)?;
    let version = versions.into_iter().next().and_then(|v| v.v).unwrap_or_default();

    log(format!("size {n}: PostGIS: COPY {n} rows"));
    let t = Instant::now();
    let rows = {
        let gn = std::cell::RefCell::new(Gen::new(w, args.seed, n));
        diesel::copy_from(pgt::shifts::table)
            .from_raw_data(pgt::shifts::table, |out: &mut dyn std::io::Write| -> Result<(), diesel::result::Error> {
                let mut g = gn.borrow_mut();
                let mut line = String::with_capacity(4096);
                while let Some(s) = g.next_shift() {
                    line.clear();
                    let body = g.texts(&s).join(" ");
                    let slots: Vec<String> = s.slots.iter().map(|i| format!("[\"{}\",\"{}\")", ts(i.start), ts(i.end))).collect();
                    let _ = writeln!(
                        line,
                        "{}\t{}\t{}\t{}\t{}\t{}\tSRID=4326;POINT({} {})\t{{{}}}\t{}\t{}\t{}\t{}\t{}",
                        s.id,
                        copy_escape(&s.title),
                        copy_escape(&s.description),
                        copy_escape(&s.requirements),
                        copy_escape(&body),
                        CATS[s.cat].code,
                        s.lng,
                        s.lat,
                        slots.join(","),
                        ts(s.slots[0].start),
                        ts(s.slots[0].end),
                        ts(s.valid_through),
                        s.pay_fen,
                        s.pay_unit.as_str()
                    );
                    out.write_all(line.as_bytes()).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
                }
                Ok(())
            })
            .execute(&mut conn)?
    };
    let copy_s = secs(t.elapsed());
    log(format!("size {n}: PostGIS: {rows} rows copied in {copy_s:.1} s; indexing"));
    conn.batch_execute("SET maintenance_work_mem = '1GB'")?;
    let timed = |conn: &mut PgConnection, sql: &str| -> anyhow::Result<f64> {
        let t = Instant::now();
        conn.batch_execute(sql)?;
        Ok(secs(t.elapsed()))
    };
    let pk_s = timed(&mut conn, "ALTER TABLE lingong_bench.shifts ADD PRIMARY KEY (id)")?;
    let gist_s = timed(&mut conn, "CREATE INDEX bench_shifts_geog ON lingong_bench.shifts USING gist (geog)")?;
    log(format!("size {n}: PostGIS: GiST in {gist_s:.1} s"));
    let gin_s = timed(&mut conn, "CREATE INDEX bench_shifts_body_trgm ON lingong_bench.shifts USING gin (body gin_trgm_ops)")?;
    log(format!("size {n}: PostGIS: GIN trgm in {gin_s:.1} s"));
    let analyze_s = timed(&mut conn, "VACUUM (ANALYZE) lingong_bench.shifts")?;
    let sizes: Vec<OneText> = diesel::sql_query(
        "SELECT pg_size_pretty(pg_table_size('lingong_bench.shifts')) || ' table, ' || pg_size_pretty(pg_relation_size('lingong_bench.bench_shifts_geog')) || ' GiST, ' || pg_size_pretty(pg_relation_size('lingong_bench.bench_shifts_body_trgm')) || ' GIN' AS v",
    )
    .load(&mut conn)?;
    let size_text = sizes.into_iter().next().and_then(|v| v.v).unwrap_or_default();

    let now = w.now;
    let mut kinds = Vec::new();
    for kind in [Kind::Text, Kind::Geo] {
        let qs = &queries[kind.key()];
        let k = args.pg_queries.min(qs.len());
        // The plan of the first query, as PostgreSQL ran it.
        let plan: Vec<PlanLine> = pg_run(&mut conn, &format!("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {}", pg_sql(&qs[0])), &qs[0], now)?;
        let plan: Vec<String> = plan.into_iter().map(|l| l.line).collect();
        for q in qs.iter().cycle().take(WARMUP.min(k.max(1) * 2)) {
            pg_run::<PgHit>(&mut conn, &pg_sql(q), q, now)?;
        }
        let mut lat = Vec::with_capacity(k);
        let mut totals = 0i64;
        for q in &qs[..k] {
            let sql = pg_sql(q);
            let t = Instant::now();
            let rows = pg_run::<PgHit>(&mut conn, &sql, q, now)?;
            lat.push(ms_since(t));
            totals += rows.first().map(|r| r.total).unwrap_or(0);
        }
        let same = stats(&lingong_lat[kind.key()][..k]);
        let pg_stats = stats(&lat);
        let ratio = pg_stats["p50"].as_f64().unwrap_or(0.0) / same["p50"].as_f64().unwrap_or(f64::NAN);
        log(format!(
            "size {n}: PostGIS {} p50 {:.2} ms p99 {:.2} ms; ratio {:.1}x",
            kind.key(),
            pg_stats["p50"].as_f64().unwrap_or(0.0),
            pg_stats["p99"].as_f64().unwrap_or(0.0),
            ratio
        ));
        kinds.push(json!({
            "kind": kind.key(),
            "postgis": pg_stats,
            "lingong_same": same,
            "ratio_p50": ratio,
            "mean_total": totals as f64 / k.max(1) as f64,
            "plan": plan,
            "sql": pg_sql(&qs[0]),
        }));
    }
    // Leave the shared database as it was, less the extensions: ~1 GB per million shifts.
    conn.batch_execute("DROP TABLE IF EXISTS lingong_bench.shifts")?;
    Ok(json!({
        "version": version,
        "rows": rows,
        "copy_s": copy_s,
        "pk_s": pk_s,
        "gist_s": gist_s,
        "gin_s": gin_s,
        "vacuum_analyze_s": analyze_s,
        "sizes": size_text,
        "kinds": kinds,
    }))
}
