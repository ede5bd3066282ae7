//! Search benchmark: lingong's in-process engine against what a portal would otherwise use
//! (PostgreSQL + PostGIS + pg_trgm), on the same generated shifts.
//!
//! ```text
//! cargo bench --bench search -- --sizes 100000,1000000 --queries 2000 \
//!     --postgis postgres://postgres@127.0.0.1:5432/test --out BENCHMARKS.md
//! ```
//!
//! `scripts/bench.sh` drives the whole run (in-process, PostGIS and HTTP under wrk).
//!
//! Modes (flags can be combined where it makes sense):
//! - default: for each size, a child process of this binary generates the shifts (fixed seed),
//!   builds an `Engine`, runs the seeded query mix, and with `--postgis URL` loads the same shifts
//!   into PostGIS and runs the same queries as SQL. One process per size, so each size's peak RSS
//!   is its own. Prints a markdown report; `--out FILE` writes it into FILE between the
//!   `<!-- bench:results:start -->` / `<!-- bench:results:end -->` markers (text outside them is
//!   kept).
//! - `--write-sqlite PATH --size N`: writes N generated shifts (published, with slots, employers
//!   and their users) into an already migrated SQLite database, for the HTTP run.
//! - `--write-urls FILE --queries N`: writes N search URLs (the same query mix) for wrk.
//! - `--http-report DIR[,DIR...] --out FILE`: turns the files each HTTP run left in its DIR (wrk
//!   output, server log, server /proc status, CPU counters, meta) into the HTTP section of FILE.
//! - `--relevance DIR [--out FILE]`: the judged relevance set in DIR (NDCG@10, zero-result rate).

mod args;
mod cats;
mod engine_run;
mod generator;
mod host;
mod http_report;
mod postgis;
mod progress;
mod queries;
mod random;
mod relevance;
mod report;
mod stats;
mod urls;
mod world;
mod write_sqlite;

use anyhow::Context;

use args::Args;

fn main() -> anyhow::Result<()> {
    let args = Args::from_env();
    if let Some(size) = args.child {
        return engine_run::child(&args, size);
    }
    let mut did = false;
    if let Some(path) = &args.write_sqlite {
        write_sqlite::write_sqlite(path, args.size, args.seed)?;
        did = true;
    }
    if let Some(path) = &args.write_urls {
        urls::write_urls(path, args.queries, args.seed)?;
        did = true;
    }
    if let Some(dirs) = &args.http_report {
        let out = args.out.as_ref().context("--http-report needs --out")?;
        http_report::http_report(dirs, out)?;
        did = true;
    }
    if let Some(dir) = &args.relevance {
        relevance::relevance(dir, args.out.as_deref(), args.relevance_verbose)?;
        did = true;
    }
    if !did {
        engine_run::parent(&args)?;
    }
    Ok(())
}
