//! The markdown report of the in-process run (and PostGIS), and writing a report into its
//! section of BENCHMARKS.md.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration as StdDuration;

use chrono::Utc;
use serde_json::Value;

use crate::args::Args;
use crate::engine_run::WARMUP;
use crate::host::machine;
use crate::queries::Kind;

pub const RESULTS_START: &str = "<!-- bench:results:start -->";
pub const RESULTS_END: &str = "<!-- bench:results:end -->";

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// A size as the tables show it: 100 k, 1 M.
fn human(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{} M", n / 1_000_000),
        n if n >= 1000 && n % 1000 == 0 => format!("{} k", n / 1000),
        n => n.to_string(),
    }
}

/// The size of one result, as `human` shows it.
fn size(r: &Value) -> String {
    human(r["size"].as_u64().unwrap_or(0) as usize)
}

/// kB from /proc as whole MiB, `?` when unknown.
pub fn mib(kb: Option<u64>) -> String {
    kb.map(|k| format!("{:.0} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "?".into())
}

/// Now in Asia/Shanghai, for the reports' "Date" line.
pub fn date_now() -> String {
    Utc::now().with_timezone(&lingong::domain::time::shanghai()).format("%Y-%m-%d %H:%M %:z").to_string()
}

/// The in-process (and PostGIS) section of BENCHMARKS.md, from the children's results.
pub fn report(args: &Args, results: &[Value], elapsed: StdDuration) -> anyhow::Result<String> {
    let mut s = String::new();
    let cmd = format!("cargo bench --bench search -- {}", args.shown.join(" "));
    writeln!(s, "## In-process engine and PostGIS\n")?;
    writeln!(s, "- Date: {}", date_now())?;
    writeln!(s, "- Machine: {}", machine())?;
    if let Some(c) = &args.command {
        writeln!(s, "- Run: `{c}`, which ran `{cmd}`")?;
    } else {
        writeln!(s, "- Command: `{cmd}`")?;
    }
    writeln!(
        s,
        "- Seed {}, {} queries of each kind per size ({} warm-up first), {} of them also against PostGIS; wall time {:.0} s",
        args.seed,
        args.queries,
        WARMUP,
        args.pg_queries,
        elapsed.as_secs_f64()
    )?;
    writeln!(
        s,
        "- Load average (1, 5, 15 min) when each size started / finished its in-process part: {}",
        results
            .iter()
            .map(|r| format!("{}: {} / {}", size(r), r["load_before"].as_str().unwrap_or("?"), r["load_after"].as_str().unwrap_or("?")))
            .collect::<Vec<_>>()
            .join("; ")
    )?;
    if let Some(pg) = results.iter().find_map(|r| r["postgis"]["version"].as_str()) {
        writeln!(s, "- PostgreSQL: {pg}")?;
    }
    writeln!(s, "\n### Data\n")?;
    writeln!(
        s,
        "Generated with a fixed seed: 24 零工 categories with varied titles, descriptions and requirements from templates; \
         employers named after their district; points on county-level district points of `assets/adcodes.csv` (80% in the districts \
         of 20 big cities, 20% anywhere), jittered uniformly within 5 km; 1–3 slots over the next 4 weeks in Asia/Shanghai hours \
         (day, meal-time, delivery-peak and night patterns, weekends); pay in fen per hour/day/shift/piece; valid until the last slot starts."
    )?;
    writeln!(
        s,
        "Queries: (a) text + radius + time window — a word list (保洁, 搬家 周末, 日结, 分拣 …), a point in one of the 20 big cities, \
         radius 5–10 km, a 7-day window within the next 4 weeks; (b) pure geo — a point in a big city, radius 3–10 km, no text, no window \
         (shifts not over yet). Both sorted by relevance, limit 20, total and facets computed as the HTTP endpoint does.\n"
    )?;

    writeln!(s, "### Index build and memory\n")?;
    writeln!(
        s,
        "| shifts | build (text + put + commit) | CPU used by the build, all threads | joining the text (its CPU) | put_shifts (analysis and indexing) | commit | merges settled after | terms/doc | RSS after build | peak RSS (VmHWM) |"
    )?;
    writeln!(s, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    for r in results {
        writeln!(
            s,
            "| {} | {:.1} s | {:.1} s | {:.1} s ({:.1} s) | {:.1} s | {:.1} s | {:.0} s | {:.0} | {} | {} |",
            size(r),
            f(&r["build_s"]),
            f(&r["build_cpu_s"]),
            f(&r["tokenize_s"]),
            f(&r["tokenize_cpu_s"]),
            f(&r["put_s"]),
            f(&r["commit_s"]),
            f(&r["settle_s"]),
            f(&r["tokens_per_doc"]),
            mib(r["rss_after_build_kb"].as_u64()),
            mib(r["hwm_kb"].as_u64()),
        )?;
    }
    for r in results {
        let chunks: Vec<String> = r["chunks"].as_array().into_iter().flatten().map(|c| format!("{:.0}/{:.0}", f(&c[0]), f(&c[1]))).collect();
        if chunks.len() > 1 {
            writeln!(
                s,
                "\nAt {}, seconds of wall time / CPU time (all threads) for each successive 100 000 shifts generated and indexed: {}.",
                size(r),
                chunks.join(", ")
            )?;
        }
    }
    writeln!(
        s,
        "\nBuild time excludes generating the data ({}). Peak RSS is the whole benchmark process for that size (its own child process): engine, jieba and pinyin tables, one batch of generated shifts.\n",
        results.iter().map(|r| format!("{:.1} s at {}", f(&r["gen_s"]), size(r))).collect::<Vec<_>>().join(", ")
    )?;

    writeln!(s, "### Query latency (in-process, one thread)\n")?;
    writeln!(s, "| shifts | query | p50 | p90 | p99 | mean | max | mean total | same without the words: p50 / p99 | CPU share |")?;
    writeln!(s, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    for r in results {
        for k in r["kinds"].as_array().into_iter().flatten() {
            let l = &k["lingong"];
            let wt = if k["without_text"].is_object() {
                format!("{:.2} / {:.2} ms (total {:.0})", f(&k["without_text"]["p50"]), f(&k["without_text"]["p99"]), f(&k["without_text_mean_total"]))
            } else {
                "—".into()
            };
            writeln!(
                s,
                "| {} | {} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.0} | {} | {:.0}% |",
                size(r),
                Kind::of(&k["kind"]).name(),
                f(&l["p50"]),
                f(&l["p90"]),
                f(&l["p99"]),
                f(&l["mean"]),
                f(&l["max"]),
                f(&k["mean_total"]),
                wt,
                f(&k["cpu_share"]) * 100.0
            )?;
        }
    }
    writeln!(
        s,
        "\nCPU share: the querying thread's CPU time over the wall time of the measured loop; below 100% other processes on the machine took turns on its cores, and the latencies are that much worse than on an idle machine."
    )?;
    for r in results {
        if let Some(k) = r["kinds"].as_array().into_iter().flatten().find(|k| k["text_only"].is_object()) {
            writeln!(
                s,
                "\nAt {}: the text queries' words alone (no place, 200 queries) match {:.0} shifts on average and take p50 {:.1} ms / p99 {:.1} ms.",
                size(r),
                f(&k["text_only_mean_total"]),
                f(&k["text_only"]["p50"]),
                f(&k["text_only"]["p99"])
            )?;
        }
    }

    let has_pg = results.iter().any(|r| r["postgis"].is_object());
    if has_pg {
        writeln!(s, "\n### Against PostgreSQL + PostGIS + pg_trgm (same data, same queries)\n")?;
        writeln!(
            s,
            "One table `lingong_bench.shifts` per size (loaded for the size, dropped after it): `geog geography(Point,4326)` with a GiST index, `body` (every text lingong indexes for the shift: \
             title, description, requirements, category words, employer name, address, district) with a GIN `gin_trgm_ops` index, `slots tsmultirange` (every slot, so the \
             window check is the same as lingong's any-slot overlap), `valid_through`; VACUUM ANALYZEd. Each query is one round trip from this process over loopback \
             (diesel, bound parameters):\n"
        )?;
        if let Some(sql) = results.iter().find_map(|r| r["postgis"]["kinds"][0]["sql"].as_str()) {
            writeln!(s, "```sql\n{sql}\n```\n")?;
        }
        writeln!(
            s,
            "with one `body LIKE '%word%'` per word (none for pure geo, whose window is `tsrange(now, NULL)`), ordered by distance. `count(*) OVER ()` gives the total \
             over all matches in the same query, as lingong computes its total; PostgreSQL computes no facets and no score (lingong does both), and LIKE finds fewer \
             shifts than lingong's words + single characters + pinyin (compare the totals).\n"
        )?;
        writeln!(
            s,
            "| shifts | query | PostGIS p50 | PostGIS p99 | PostGIS mean | PostGIS mean total | lingong p50 (same queries) | lingong p99 (same) | p50 ratio PostGIS / lingong |"
        )?;
        writeln!(s, "|---:|---|---:|---:|---:|---:|---:|---:|---:|")?;
        for r in results {
            for k in r["postgis"]["kinds"].as_array().into_iter().flatten() {
                writeln!(
                    s,
                    "| {} | {} | {:.2} ms | {:.2} ms | {:.2} ms | {:.0} | {:.2} ms | {:.2} ms | **{:.1}×** |",
                    size(r),
                    Kind::of(&k["kind"]).name(),
                    f(&k["postgis"]["p50"]),
                    f(&k["postgis"]["p99"]),
                    f(&k["postgis"]["mean"]),
                    f(&k["mean_total"]),
                    f(&k["lingong_same"]["p50"]),
                    f(&k["lingong_same"]["p99"]),
                    f(&k["ratio_p50"])
                )?;
            }
        }
        writeln!(s, "\n| shifts | COPY | primary key | GiST | GIN trgm | VACUUM ANALYZE | sizes |")?;
        writeln!(s, "|---:|---:|---:|---:|---:|---:|---|")?;
        for r in results {
            let p = &r["postgis"];
            if p.is_object() {
                writeln!(
                    s,
                    "| {} | {:.1} s | {:.1} s | {:.1} s | {:.1} s | {:.1} s | {} |",
                    size(r),
                    f(&p["copy_s"]),
                    f(&p["pk_s"]),
                    f(&p["gist_s"]),
                    f(&p["gin_s"]),
                    f(&p["vacuum_analyze_s"]),
                    p["sizes"].as_str().unwrap_or("")
                )?;
            }
        }
        if let Some(r) = results.iter().rev().find(|r| r["postgis"].is_object()) {
            for k in r["postgis"]["kinds"].as_array().into_iter().flatten() {
                let plan: Vec<&str> = k["plan"].as_array().into_iter().flatten().filter_map(|l| l.as_str()).collect();
                writeln!(
                    s,
                    "\nPlan of the first {} query at {} (EXPLAIN ANALYZE):\n\n```\n{}\n```",
                    k["kind"].as_str().unwrap_or(""),
                    size(r),
                    plan.join("\n")
                )?;
            }
        }
    }

    // Targets, judged at the largest size run.
    if let Some(big) = results.iter().max_by_key(|r| r["size"].as_u64().unwrap_or(0)) {
        let n = size(big);
        writeln!(s, "\n### Targets (at {n} shifts)\n")?;
        writeln!(s, "| target | measured | verdict |")?;
        writeln!(s, "|---|---|---|")?;
        let verdict = |ok: bool, by: String| if ok { "met".to_string() } else { format!("**missed** {by}") };
        for k in big["kinds"].as_array().into_iter().flatten() {
            let p99 = f(&k["lingong"]["p99"]);
            writeln!(
                s,
                "| p99 ≤ 5 ms in-process, {} | {:.2} ms | {} |",
                Kind::of(&k["kind"]).target_name(),
                p99,
                verdict(p99 <= 5.0, format!("by {:.2} ms ({:.1}× the target)", p99 - 5.0, p99 / 5.0))
            )?;
        }
        for k in big["postgis"]["kinds"].as_array().into_iter().flatten() {
            let r = f(&k["ratio_p50"]);
            writeln!(
                s,
                "| ≥ 20× faster than PostGIS at p50, {} | {:.1}× | {} |",
                Kind::of(&k["kind"]).target_name(),
                r,
                verdict(r >= 20.0, format!("by {:.1}× (reaches {:.0}% of the target)", 20.0 - r, r / 20.0 * 100.0))
            )?;
        }
        if !big["postgis"].is_object() {
            writeln!(s, "| ≥ 20× faster than PostGIS at p50 | not measured (no `--postgis`) | — |")?;
        }
        let b = f(&big["build_s"]);
        writeln!(s, "| index build ≤ 60 s | {:.1} s | {} |", b, verdict(b <= 60.0, format!("by {:.1} s ({:.1}× the target)", b - 60.0, b / 60.0)))?;
        let hwm = big["hwm_kb"].as_u64().unwrap_or(0) as f64 / 1024.0 / 1024.0;
        writeln!(s, "| peak RSS ≤ 1.5 GiB | {:.2} GiB | {} |", hwm, verdict(hwm <= 1.5, format!("by {:.2} GiB", hwm - 1.5)))?;

        // Measured facts behind the verdicts (the analysis outside the markers explains them).
        writeln!(s, "\nMeasured breakdown at {n}:\n")?;
        let docs = big["shifts"].as_f64().unwrap_or(1.0).max(1.0);
        writeln!(
            s,
            "- Build ({:.0} terms per shift; analysing one shift's text takes {:.0} µs of CPU, timed on a 1% sample): joining each shift's texts {:.1} s = {:.0} µs per shift on the calling thread; \
             `put_shifts` (tantivy `add_document`; the analysis — jieba search mode, distinct characters, pinyin — runs as the field's tokenizer on tantivy's indexing threads) {:.1} s = {:.0} µs per shift; `commit` (tantivy commit, then the dense records and the bulk-loaded R-tree) {:.1} s.",
            f(&big["tokens_per_doc"]),
            f(&big["analysis_us_per_doc"]),
            f(&big["tokenize_s"]),
            f(&big["tokenize_s"]) / docs * 1e6,
            f(&big["put_s"]),
            f(&big["put_s"]) / docs * 1e6,
            f(&big["commit_s"])
        )?;
        for k in big["kinds"].as_array().into_iter().flatten() {
            if k["kind"] == "text" {
                writeln!(
                    s,
                    "- Text + radius + time: p50 / p99 {:.2} / {:.2} ms with the words, {:.2} / {:.2} ms for the same place and window without them; \
                     the words alone match {:.0} shifts nationwide on average (p50 / p99 {:.1} / {:.1} ms); near a point the text index only walks the postings \
                     of the grid cells (and days) covering the radius and window; {:.0} shifts lie in the radius and window, {:.0} of them also match the words.",
                    f(&k["lingong"]["p50"]),
                    f(&k["lingong"]["p99"]),
                    f(&k["without_text"]["p50"]),
                    f(&k["without_text"]["p99"]),
                    f(&k["text_only_mean_total"]),
                    f(&k["text_only"]["p50"]),
                    f(&k["text_only"]["p99"]),
                    f(&k["without_text_mean_total"]),
                    f(&k["mean_total"])
                )?;
            } else {
                writeln!(
                    s,
                    "- Pure geo: {:.0} shifts in the radius on average, each found by the R-tree, checked, scored and counted into three facet arrays; only the page is sorted and explained (p50 / p99 {:.2} / {:.2} ms).",
                    f(&k["mean_total"]),
                    f(&k["lingong"]["p50"]),
                    f(&k["lingong"]["p99"])
                )?;
            }
        }
    }
    Ok(s)
}

/// Replaces the text between `start` and `end` in `path` (creating the file or the markers).
pub fn write_section(path: &Path, start: &str, end: &str, body: &str) -> anyhow::Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let section = format!("{start}\n{}\n{end}", body.trim_end());
    let new = match (old.find(start), old.find(end)) {
        (Some(a), Some(b)) if b > a => format!("{}{}{}", &old[..a], section, &old[b + end.len()..]),
        _ if old.trim().is_empty() => format!("# Benchmarks\n\n{section}\n"),
        _ => format!("{}\n\n{section}\n", old.trim_end()),
    };
    std::fs::write(path, new)?;
    Ok(())
}
