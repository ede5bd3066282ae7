//! The command line. Flag names and defaults are what scripts/bench.sh and BENCHMARKS.md's
//! recorded commands use, so they stay as they are.

use std::path::PathBuf;

use clap::{ArgAction, Parser};

/// The seed every run has used so far: changing it makes BENCHMARKS.md incomparable with earlier runs.
pub const DEFAULT_SEED: u64 = 20_261_121;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "search",
    about = "Search benchmark: lingong's in-process engine against PostgreSQL + PostGIS + pg_trgm, on the same generated shifts",
    override_usage = "cargo bench --bench search -- [--sizes 100000,1000000] [--queries 2000] [--pg-queries 500]
           [--postgis postgres://postgres@127.0.0.1:5432/test] [--out BENCHMARKS.md] [--seed N]
       cargo bench --bench search -- --write-sqlite PATH --size N [--write-urls FILE --queries N]
       cargo bench --bench search -- --http-report DIR[,DIR...] --out FILE",
    // A repeated flag takes its last value, so one appended to a scripted command line wins.
    args_override_self = true
)]
pub struct Args {
    /// Shift counts to benchmark in-process, comma-separated (underscores allowed: 1_000_000); one child process each
    #[arg(long, value_delimiter = ',', action = ArgAction::Set, value_parser = parse_count, default_value = "100000,1000000")]
    pub sizes: Vec<usize>,

    /// Queries of each kind (text, pure geo) per size; with --write-urls, the number of URLs
    #[arg(long, default_value_t = 2000)]
    pub queries: usize,

    /// How many of those queries (of each kind) also run against PostGIS
    #[arg(long, default_value_t = 500)]
    pub pg_queries: usize,

    /// PostgreSQL URL to compare against (needs the postgis and pg_trgm extensions); empty or absent skips PostGIS
    #[arg(long, value_name = "URL")]
    pub postgis: Option<String>,

    /// Markdown file to write the report into, between its bench:* markers (text outside them is kept)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Seed of the generated shifts and of the query mix
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,

    /// Internal: run one size in this process and print its result as JSON (the parent passes it)
    #[arg(long, hide = true, value_name = "SIZE")]
    pub child: Option<usize>,

    /// Write --size generated shifts into this already migrated SQLite database (for the HTTP run)
    #[arg(long, value_name = "PATH")]
    pub write_sqlite: Option<PathBuf>,

    /// Shifts to write with --write-sqlite (underscores allowed)
    #[arg(long, value_parser = parse_count, default_value_t = 100_000)]
    pub size: usize,

    /// Write --queries search URLs of the same query mix to this file, for wrk
    #[arg(long, value_name = "FILE")]
    pub write_urls: Option<PathBuf>,

    /// Turn the files the HTTP runs left in these directories (one per data size, comma-separated)
    /// into the HTTP section of --out
    #[arg(long, value_name = "DIR", value_delimiter = ',')]
    pub http_report: Option<Vec<PathBuf>>,

    /// Run the judged relevance set in this folder (fixture shifts and graded queries) and report NDCG@10
    #[arg(long, value_name = "DIR")]
    pub relevance: Option<PathBuf>,

    /// With --relevance: print every query's NDCG and top ids
    #[arg(long, action = ArgAction::SetTrue)]
    pub relevance_verbose: bool,

    /// The command that drove this run (e.g. scripts/bench.sh), recorded in the report
    #[arg(long, allow_hyphen_values = true)]
    pub command: Option<String>,

    /// Passed by `cargo bench`; ignored
    #[arg(long = "bench", hide = true, action = ArgAction::SetTrue)]
    _bench: bool,

    /// The flags as given, less `--bench` and `--command`, so the report can show how to rerun it.
    #[arg(skip)]
    pub shown: Vec<String>,
}

impl Args {
    /// Parses this process's arguments (exits with clap's message on a bad one).
    pub fn from_env() -> Args {
        let mut args = Args::parse();
        // Scripts pass `--postgis "$URL"` with an empty URL to mean no PostGIS.
        args.postgis = args.postgis.take().filter(|s| !s.is_empty());
        args.shown = shown(&std::env::args().skip(1).collect::<Vec<_>>());
        args
    }
}

/// `--command` and its value already appear in the report as the driving command, and `--bench`
/// is cargo's, not the user's.
fn shown(raw: &[String]) -> Vec<String> {
    let mut shown = Vec::new();
    let mut it = raw.iter();
    while let Some(a) = it.next() {
        if a == "--command" {
            it.next();
        } else if a != "--bench" && !a.starts_with("--command=") {
            shown.push(a.clone());
        }
    }
    shown
}

/// A count as typed, allowing 1_000_000 and spaces around items of a comma-separated list.
fn parse_count(s: &str) -> Result<usize, std::num::ParseIntError> {
    s.trim().replace('_', "").parse()
}
