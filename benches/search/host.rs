//! What Linux reports about this process and the machine: memory and CPU time from /proc,
//! load average, and a one-line description of the machine for the reports.

use std::process::Command;
use std::time::{Duration, Instant};

/// The kernel's clock ticks per second for /proc CPU times (USER_HZ, 100 on Linux).
const TICKS_PER_S: f64 = 100.0;

/// A `kB` value (VmRSS:, VmHWM:, …) of this process's /proc status.
pub fn own_status_kb(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    status_kb(&s, key)
}

/// A `kB` value of a /proc status text, e.g. one the HTTP run copied from the server.
pub fn status_kb(status: &str, key: &str) -> Option<u64> {
    status.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok())
}

/// User + system CPU time in clock ticks from a /proc `stat` file (a process's or a thread's).
fn stat_ticks(path: &str) -> u64 {
    let s = std::fs::read_to_string(path).unwrap_or_default();
    // The command name in field 2 may hold spaces and parentheses; fields after it are plain.
    let after = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat; `after` starts at field 3.
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

/// CPU seconds (user + system) of the calling thread (10 ms resolution).
pub fn thread_cpu_s() -> f64 {
    stat_ticks("/proc/thread-self/stat") as f64 / TICKS_PER_S
}

/// CPU seconds of the whole process, all threads.
pub fn process_cpu_s() -> f64 {
    stat_ticks("/proc/self/stat") as f64 / TICKS_PER_S
}

/// Waits until tantivy's background merges are done: the process uses < 5% of a core for two
/// consecutive seconds (at most `max`). Returns the seconds waited.
pub fn settle(max: Duration) -> f64 {
    let started = Instant::now();
    let mut quiet = 0;
    let mut last = stat_ticks("/proc/self/stat");
    while started.elapsed() < max {
        std::thread::sleep(Duration::from_secs(1));
        let now = stat_ticks("/proc/self/stat");
        if now - last < 5 {
            quiet += 1;
            if quiet >= 2 {
                break;
            }
        } else {
            quiet = 0;
        }
        last = now;
    }
    started.elapsed().as_secs_f64()
}

/// The 1, 5 and 15 minute load averages, space-separated.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
}

fn read_first_line(path: &str, prefix: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()?.lines().find(|l| l.starts_with(prefix)).map(|l| l[prefix.len()..].trim().to_string())
}

/// Cores, CPU model, memory, kernel and rustc, for the reports' "Machine" line.
pub fn machine() -> String {
    let cpu = read_first_line("/proc/cpuinfo", "model name").map(|s| s.trim_start_matches(':').trim().to_string()).unwrap_or_else(|| "unknown".into());
    let mem = read_first_line("/proc/meminfo", "MemTotal:").and_then(|s| s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok())).unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_string();
    let rustc = Command::new("rustc").arg("--version").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
    format!("{} cores ({cpu}), {:.1} GiB memory, Linux {kernel}, {rustc}", cores(), mem as f64 / 1024.0 / 1024.0)
}
