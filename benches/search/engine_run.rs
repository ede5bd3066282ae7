//! The in-process run: the parent starts one child process per size; each child generates the
//! shifts, builds an `Engine`, times the query mix (and with `--postgis` the same queries as
//! SQL), and prints its measurements as one JSON line.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration as StdDuration, Instant};

use anyhow::bail;
use serde_json::{Value, json};

use lingong::search::analyze::doc_terms;
use lingong::search::engine::{Engine, ShiftDoc, ShiftQuery};
use lingong::search::score::Weights;

use crate::args::Args;
use crate::generator::{BATCH, Gen};
use crate::host::{loadavg, own_status_kb, process_cpu_s, settle, thread_cpu_s};
use crate::postgis;
use crate::progress::log;
use crate::queries::{Kind, Q, engine_query, queries};
use crate::report;
use crate::stats::{ms_since, secs, stats};
use crate::world::World;

/// Warm-up queries before each measured loop.
pub const WARMUP: usize = 100;

/// Marks the child's result line on its stdout, which the parent looks for.
const RESULT_PREFIX: &str = "BENCH-RESULT ";

/// One child process of this binary per size, so each size's peak RSS is its own; then the
/// report, printed and (with `--out`) written into its section of the file.
pub fn parent(args: &Args) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let mut results = Vec::new();
    let started = Instant::now();
    for &n in &args.sizes {
        let mut cmd = Command::new(&exe);
        cmd.arg("--child")
            .arg(n.to_string())
            .arg("--queries")
            .arg(args.queries.to_string())
            .arg("--pg-queries")
            .arg(args.pg_queries.to_string())
            .arg("--seed")
            .arg(args.seed.to_string());
        if let Some(url) = &args.postgis {
            cmd.arg("--postgis").arg(url);
        }
        let out = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).output()?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let Some(line) = stdout.lines().find_map(|l| l.strip_prefix(RESULT_PREFIX)) else {
            bail!("size {n}: the child process failed ({}):\n{stdout}", out.status);
        };
        let mut v: Value = serde_json::from_str(line)?;
        v["child_status"] = json!(out.status.to_string());
        results.push(v);
    }
    let report = report::report(args, &results, started.elapsed())?;
    println!("{report}");
    if let Some(path) = &args.out {
        report::write_section(path, report::RESULTS_START, report::RESULTS_END, &report)?;
        log(format!("wrote {}", path.display()));
    }
    Ok(())
}

/// One size, in this (child) process: measures it and prints the result line the parent reads.
pub fn child(args: &Args, n: usize) -> anyhow::Result<()> {
    let r = measure(args, n)?;
    println!("{RESULT_PREFIX}{}", serde_json::to_string(&r)?);
    Ok(())
}

fn measure(args: &Args, n: usize) -> anyhow::Result<Value> {
    let load_before = loadavg();
    let w = World::new()?;
    let mut gn = Gen::new(&w, args.seed, n);
    log(format!("size {n}: generating and indexing ({} employers, batches of {BATCH})", gn.employers.len()));
    let engine = Engine::new(Weights::default(), None)?;
    let (mut gen_t, mut tok_t, mut put_t) = (StdDuration::ZERO, StdDuration::ZERO, StdDuration::ZERO);
    let (mut gen_cpu, mut tok_cpu) = (0.0, 0.0);
    let proc_cpu0 = process_cpu_s();
    // Wall and CPU (all threads) per 100 000 shifts indexed: growth in CPU is the algorithm,
    // growth in wall time alone is other load on the machine.
    let mut chunks: Vec<(f64, f64)> = Vec::new();
    let (mut chunk_t, mut chunk_c) = (Instant::now(), proc_cpu0);
    let (mut text_tokens, mut sampled, mut docs) = (0usize, 0usize, 0usize);
    let mut analysis_cpu = 0.0;
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let t = Instant::now();
        let c = thread_cpu_s();
        gn.fill(&mut batch);
        gen_t += t.elapsed();
        gen_cpu += thread_cpu_s() - c;
        if batch.is_empty() {
            break;
        }
        let t = Instant::now();
        let c = thread_cpu_s();
        let prepared: Vec<(ShiftDoc, String)> = batch
            .drain(..)
            .map(|s| {
                let text = gn.text(&s);
                (gn.doc(s), text)
            })
            .collect();
        tok_t += t.elapsed();
        tok_cpu += thread_cpu_s() - c;
        docs += prepared.len();
        // Terms per shift, from a sample (tantivy's threads analyse every document anyway).
        let mut terms = Vec::new();
        let c = thread_cpu_s();
        for (_, text) in prepared.iter().step_by(100) {
            terms.clear();
            doc_terms(text, &mut terms);
            text_tokens += terms.len();
            sampled += 1;
        }
        analysis_cpu += thread_cpu_s() - c;
        let t = Instant::now();
        engine.put_shifts(prepared)?;
        put_t += t.elapsed();
        if docs % 100_000 == 0 {
            let (wall, cpu) = (secs(chunk_t.elapsed()), process_cpu_s() - chunk_c);
            chunks.push((wall, cpu));
            (chunk_t, chunk_c) = (Instant::now(), process_cpu_s());
            log(format!("  {docs} indexed ({wall:.1} s wall, {cpu:.1} s CPU for the last 100 000)"));
        }
    }
    let t = Instant::now();
    engine.commit()?;
    let commit_t = t.elapsed();
    let build_s = secs(tok_t + put_t + commit_t);
    // CPU of all threads during the build (tantivy indexes on its own threads), less generating.
    let build_cpu = process_cpu_s() - proc_cpu0 - gen_cpu;
    let rss_build = own_status_kb("VmRSS:");
    let hwm_build = own_status_kb("VmHWM:");
    log(format!("size {n}: built in {build_s:.1} s (text {:.1} s, put {:.1} s, commit {:.1} s); waiting for merges", secs(tok_t), secs(put_t), secs(commit_t)));
    let settle_s = settle(StdDuration::from_secs(180));
    let rss_settled = own_status_kb("VmRSS:");
    log(format!(
        "size {n}: settled after {settle_s:.0} s; {} shifts in {} segments; RSS {} MiB",
        engine.shift_count(),
        engine.shift_segments(),
        rss_settled.unwrap_or(0) / 1024
    ));

    let now = w.now;
    let mut kinds = Vec::new();
    let mut lingong_lat: HashMap<&str, Vec<f64>> = HashMap::new();
    let mut all_queries: HashMap<&str, Vec<Q>> = HashMap::new();
    for kind in [Kind::Text, Kind::Geo] {
        let qs = queries(&w, args.seed, args.queries, kind);
        for q in qs.iter().cycle().take(WARMUP) {
            engine.search_shifts(&engine_query(q, now, true))?;
        }
        let (loop_t, loop_c) = (Instant::now(), thread_cpu_s());
        let Timed { lat, totals, hits } = timed(&engine, qs.iter().map(|q| engine_query(q, now, true)))?;
        let cpu_share = (thread_cpu_s() - loop_c) / secs(loop_t.elapsed()).max(1e-9);
        let mut k = json!({
            "kind": kind.key(),
            "cpu_share": cpu_share,
            "lingong": stats(&lat),
            "mean_total": totals as f64 / qs.len() as f64,
            "mean_hits": hits as f64 / qs.len() as f64,
        });
        if kind == Kind::Text {
            // The same queries without their words: what the text part costs.
            let without = timed(&engine, qs.iter().map(|q| engine_query(q, now, false)))?;
            k["without_text"] = stats(&without.lat);
            k["without_text_mean_total"] = json!(without.totals as f64 / qs.len() as f64);
            // Text alone, with no place: how many documents the text index hands back.
            let text_only = timed(&engine, qs.iter().take(200).map(|q| ShiftQuery { near: None, ..engine_query(q, now, true) }))?;
            k["text_only"] = stats(&text_only.lat);
            k["text_only_mean_total"] = json!(text_only.totals as f64 / text_only.lat.len() as f64);
        }
        log(format!(
            "size {n}: {} p50 {:.3} ms p99 {:.3} ms, mean total {:.0}",
            kind.key(),
            k["lingong"]["p50"].as_f64().unwrap_or(0.0),
            k["lingong"]["p99"].as_f64().unwrap_or(0.0),
            k["mean_total"].as_f64().unwrap_or(0.0)
        ));
        kinds.push(k);
        lingong_lat.insert(kind.key(), lat);
        all_queries.insert(kind.key(), qs);
    }
    let hwm_queries = own_status_kb("VmHWM:");
    let mut result = json!({
        "size": n,
        "shifts": engine.shift_count(),
        "employers": gn.employers.len(),
        "gen_s": secs(gen_t),
        "tokenize_s": secs(tok_t),
        "tokenize_cpu_s": tok_cpu,
        "build_cpu_s": build_cpu,
        "chunks": chunks.iter().map(|(w, c)| json!([w, c])).collect::<Vec<_>>(),
        "put_s": secs(put_t),
        "commit_s": secs(commit_t),
        "build_s": build_s,
        "settle_s": settle_s,
        "tokens_per_doc": text_tokens as f64 / sampled.max(1) as f64,
        "analysis_us_per_doc": analysis_cpu / sampled.max(1) as f64 * 1e6,
        "rss_after_build_kb": rss_build,
        "hwm_after_build_kb": hwm_build,
        "rss_settled_kb": rss_settled,
        "hwm_kb": hwm_queries,
        "kinds": kinds,
        "load_before": load_before,
        "load_after": loadavg(),
    });
    drop(engine);

    if let Some(url) = &args.postgis {
        let pg = postgis::postgis(&w, args, n, url, &all_queries, &lingong_lat)?;
        result["postgis"] = pg;
    }
    Ok(result)
}

/// Latencies (ms) of running each query once, and the sums of their totals and page sizes.
struct Timed {
    lat: Vec<f64>,
    totals: usize,
    hits: usize,
}

/// Runs the queries one after another; only `search_shifts` itself is inside the clock, so
/// building each query (done by the iterator) is not measured.
fn timed(engine: &Engine, queries: impl ExactSizeIterator<Item = ShiftQuery>) -> anyhow::Result<Timed> {
    let mut t = Timed { lat: Vec::with_capacity(queries.len()), totals: 0, hits: 0 };
    for eq in queries {
        let started = Instant::now();
        let r = engine.search_shifts(&eq)?;
        t.lat.push(ms_since(started));
        t.totals += r.total;
        t.hits += r.hits.len();
    }
    Ok(t)
}
