//! The HTTP section of BENCHMARKS.md, from the files the wrk run left behind.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use crate::host::{cores, machine, status_kb};
use crate::progress::log;
use crate::report::{date_now, mib, write_section};

const HTTP_START: &str = "<!-- bench:http:start -->";
const HTTP_END: &str = "<!-- bench:http:end -->";

fn run_section(dir: &Path) -> anyhow::Result<String> {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let wrk = read("wrk.txt");
    let meta: HashMap<String, String> =
        read("meta.txt").lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let server_log = read("server.log");
    let status = read("server-status.txt");
    let get = |k: &str| meta.get(k).cloned().unwrap_or_default();

    let rps = wrk.lines().find_map(|l| l.trim().strip_prefix("Requests/sec:")).map(|v| v.trim().to_string()).unwrap_or_else(|| "?".into());
    let pcts: Vec<(String, String)> = wrk
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let p = it.next()?;
            let v = it.next()?;
            (p.ends_with('%') && it.next().is_none() && ["50%", "75%", "90%", "99%"].contains(&p)).then(|| (p.to_string(), v.to_string()))
        })
        .collect();
    let pct = |p: &str| pcts.iter().find(|x| x.0 == p).map(|x| x.1.clone()).unwrap_or_else(|| "?".into());
    let requests = wrk.lines().find(|l| l.contains("requests in")).map(|l| l.trim().to_string()).unwrap_or_default();
    let non2xx = wrk.lines().find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:")).map(|v| v.trim().to_string()).unwrap_or_else(|| "0".into());
    let sock = wrk.lines().find(|l| l.contains("Socket errors")).map(|l| l.trim().to_string()).unwrap_or_else(|| "none".into());
    let built = server_log.lines().find(|l| l.contains("search index built")).map(|l| l.trim().to_string()).unwrap_or_else(|| "(not found in the log)".into());
    let field = |line: &str, key: &str| line.split_whitespace().find_map(|t| t.strip_prefix(&format!("{key}="))).map(|v| v.trim_matches('"').to_string());
    let hwm = status_kb(&status, "VmHWM:");
    let rss = status_kb(&status, "VmRSS:");

    let mut s = String::new();
    writeln!(s, "### {} shifts\n", get("size"))?;
    writeln!(s, "- Date: {}", date_now())?;
    writeln!(s, "- Machine: {}", machine())?;
    if !get("run").is_empty() {
        writeln!(s, "- Run: `{}`", get("run"))?;
    }
    writeln!(
        s,
        "- Data: {} generated shifts (same generator and seed) written to a fresh SQLite database migrated with `lingong migrate`, by `{}`",
        get("size"),
        get("data_cmd")
    )?;
    writeln!(s, "- Server: `{}`", get("server_cmd"))?;
    writeln!(
        s,
        "- Load: `{}` — the Lua script rotates through {} URLs of the same query mix (half text + radius + 7-day window, half pure geo), each thread from its own offset",
        get("wrk_cmd"),
        get("urls")
    )?;
    writeln!(
        s,
        "- wrk and the server share the machine's {} cores, so these figures are a floor for the server alone. Load average (1, 5, 15 min) before wrk: {}.\n",
        cores(),
        get("load")
    )?;
    writeln!(s, "| requests/s | p50 | p75 | p90 | p99 | requests | non-2xx | socket errors |")?;
    writeln!(s, "|---:|---:|---:|---:|---:|---|---:|---|")?;
    writeln!(s, "| {rps} | {} | {} | {} | {} | {requests} | {non2xx} | {sock} |\n", pct("50%"), pct("75%"), pct("90%"), pct("99%"))?;
    writeln!(
        s,
        "Index build at start: {} shifts in {} ms (log line: `{}`). Server memory after the load: VmRSS {}, VmHWM {}.\n",
        field(&built, "shifts").unwrap_or_else(|| "?".into()),
        field(&built, "ms").unwrap_or_else(|| "?".into()),
        built,
        mib(rss),
        mib(hwm),
    )?;
    if !get("sample").is_empty() {
        writeln!(s, "A sample response before the load: {}.\n", get("sample"))?;
    }
    // Where the server's CPU went: the engine's own thread CPU time inside shift queries (from
    // /metrics) against the whole process's (from /proc/PID/stat), both over the wrk run.
    let num = |k: &str| get(k).parse::<f64>().ok();
    let served: Option<f64> = requests.split_whitespace().next().and_then(|n| n.parse().ok());
    if let (Some(server), Some(engine), Some(queries), Some(n)) = (num("server_cpu_secs"), num("engine_cpu_secs"), num("engine_queries"), served) {
        let per_request = server / n * 1000.0;
        let per_query = if queries > 0.0 { engine / queries * 1000.0 } else { f64::NAN };
        writeln!(
            s,
            "Server CPU over the run (utime + stime of the process, `/proc/PID/stat`) and the engine's share of it (thread CPU time inside shift queries, `lingong_search_engine_cpu_seconds_total` on `/metrics`):\n"
        )?;
        writeln!(
            s,
            "| server CPU | per request | engine CPU | engine queries | engine per query | everything else per request | everything else ÷ engine | wrk's CPU |"
        )?;
        writeln!(s, "|---:|---:|---:|---:|---:|---:|---:|---:|")?;
        writeln!(
            s,
            "| {server:.1} s | {per_request:.3} ms | {engine:.1} s | {queries:.0} | {per_query:.3} ms | {:.3} ms | {:.0}% | {} |\n",
            per_request - per_query,
            (per_request - per_query) / per_query * 100.0,
            num("wrk_cpu_secs").map(|w| format!("{w:.1} s ({:.0}% of the two together)", w / (w + server) * 100.0)).unwrap_or_else(|| "?".into()),
        )?;
    }
    writeln!(s, "<details><summary>wrk output</summary>\n\n```\n{}\n```\n</details>\n", wrk.trim_end())?;
    Ok(s)
}

/// Writes the HTTP section of `out` from what each HTTP run of scripts/bench.sh left in its
/// directory (one per data size): wrk.txt, server.log, server-status.txt (the server's /proc
/// status), meta.txt (key=value, with the CPU counters read before and after wrk).
pub fn http_report(dirs: &[std::path::PathBuf], out: &Path) -> anyhow::Result<()> {
    let mut s = String::new();
    writeln!(s, "## HTTP: `GET /api/v1/shifts/search` under wrk (loopback)\n")?;
    for dir in dirs {
        s.push_str(&run_section(dir)?);
        s.push('\n');
    }
    write_section(out, HTTP_START, HTTP_END, &s)?;
    log(format!("wrote the HTTP section of {}", out.display()));
    // Echo the summary for the terminal.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{s}")?;
    Ok(())
}
