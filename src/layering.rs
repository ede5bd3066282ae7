//! The layers point one way, checked from the source itself:
//!
//! ```text
//! routes (HTTP) ─▶ services (use cases) ─▶ db (storage) ─▶ domain, listing, search engine (pure)
//!                         └──────────────▶ jobs share the same arrows as services
//! ```
//!
//! - pure modules name neither diesel nor actix nor anything above them;
//! - storage knows nothing of HTTP or the use cases;
//! - only the HTTP layer knows status codes;
//! - service modules do not import each other in a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return out;
    }
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The code of a file without comments, so a doc comment that mentions a layer is no violation.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

fn offenders(modules: &[&str], forbidden: &[&str]) -> Vec<String> {
    let mut bad = Vec::new();
    for m in modules {
        for f in rust_files(&src().join(m)) {
            let code = code_of(&f);
            for word in forbidden {
                if code.contains(word) {
                    bad.push(format!("{} names {word}", f.strip_prefix(src()).unwrap().display()));
                }
            }
        }
    }
    bad
}

/// The domain and the rules: values, listing rules, engagement machine, pay, time fit, scoring.
const PURE: &[&str] = &[
    "domain",
    "listing",
    "error.rs",
    "clock.rs",
    "search/analyze.rs",
    "search/cells.rs",
    "search/score.rs",
    "search/text.rs",
    "search/timefit.rs",
    "search/understand.rs",
    "search/synonyms.rs",
    "search/cards.rs",
];

#[test]
fn pure_modules_name_no_framework_and_no_layer_above() {
    let bad = offenders(PURE, &["diesel", "actix", "crate::services", "crate::routes", "crate::db", "crate::app", "crate::jobs", "StatusCode", "HttpResponse"]);
    assert!(bad.is_empty(), "pure modules reach outside their layer:\n{}", bad.join("\n"));
}

#[test]
fn storage_knows_nothing_of_http_or_use_cases() {
    let bad = offenders(&["db"], &["actix", "crate::services", "crate::routes", "crate::app", "StatusCode"]);
    assert!(bad.is_empty(), "storage reaches up:\n{}", bad.join("\n"));
}

/// Pages and API handlers call use-case functions; neither runs a query of its own.
#[test]
fn handlers_touch_no_database() {
    let bad = offenders(&["web", "routes"], &["diesel", "crate::db", ".db.run", ".db.tx"]);
    assert!(bad.is_empty(), "a handler reaches the database:\n{}", bad.join("\n"));
}

#[test]
fn only_the_http_layer_knows_status_codes() {
    let bad = offenders(&["services", "jobs", "search", "alerts", "mail", "auth", "db", "domain", "listing"], &["StatusCode", "actix_web", "crate::routes"]);
    assert!(bad.is_empty(), "HTTP outside the HTTP layer:\n{}", bad.join("\n"));
}

/// Service module → the service modules it names.
fn service_imports() -> BTreeMap<String, BTreeSet<String>> {
    let dir = src().join("services");
    let mut graph = BTreeMap::new();
    for f in rust_files(&dir) {
        let rel = f.strip_prefix(&dir).unwrap();
        let name = rel.iter().next().unwrap().to_string_lossy().trim_end_matches(".rs").to_string();
        if name == "mod" {
            continue;
        }
        let code = code_of(&f);
        let mut uses: BTreeSet<String> = BTreeSet::new();
        for part in code.split("crate::services::").skip(1) {
            let word: String = part.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !word.is_empty() && word != name {
                uses.insert(word);
            }
        }
        // `use crate::services::{a, b}` lists several at once.
        for part in code.split("crate::services::{").skip(1) {
            for item in part.split('}').next().unwrap_or("").split(',') {
                let word: String = item.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !word.is_empty() && word != name {
                    uses.insert(word);
                }
            }
        }
        graph.entry(name).or_insert_with(BTreeSet::new).extend(uses);
    }
    graph
}

#[test]
fn service_modules_form_no_cycle() {
    let graph = service_imports();
    // Depth-first search for a back edge; the path is printed when one is found.
    fn visit(n: &str, g: &BTreeMap<String, BTreeSet<String>>, state: &mut BTreeMap<String, u8>, path: &mut Vec<String>) -> Option<Vec<String>> {
        match state.get(n) {
            Some(1) => {
                let start = path.iter().position(|p| p == n).unwrap();
                let mut cycle = path[start..].to_vec();
                cycle.push(n.to_string());
                return Some(cycle);
            }
            Some(2) => return None,
            _ => {}
        }
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            if g.contains_key(m)
                && let Some(c) = visit(m, g, state, path)
            {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if let Some(cycle) = visit(n, &graph, &mut state, &mut Vec::new()) {
            panic!("service modules import each other in a cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_checks_see_real_code() {
    // Guards the guards: the walk finds the modules it checks, and a known import is seen.
    assert!(rust_files(&src().join("domain")).len() > 3);
    assert!(service_imports().values().any(|uses| !uses.is_empty()), "no service import seen at all");
    assert!(!offenders(&["routes"], &["actix_web"]).is_empty(), "the HTTP layer must be seen to use actix");
}
