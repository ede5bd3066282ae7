//! What every page must pass (common.md's rules for the web client), run by `Browser::check_page`:
//! no console errors (which include failed loads and CSP violations), no axe-core violation of
//! impact serious or critical (WCAG A/AA, contrast among them), and the phone layout rules —
//! no sideways scrolling at 360 px, body text ≥16 px (≥20 px in the large-text mode), form text ≥16 px (phones zoom into smaller
//! fields), every visible link, button and field at least 44×44 px.
//! Also the home page's weight and first paint over a slow phone network (`metrics`).

use serde_json::{Value, json};

use crate::browser::Browser;

/// axe-core, vendored (tests/browser/vendor, MPL-2.0): the page's CSP does not apply to scripts
/// WebDriver runs, so it is injected into each page as it is checked.
const AXE: &str = include_str!("vendor/axe.min.js");

pub async fn page(b: &Browser, step: &str, path: &str) {
    run(b, step, path, true).await;
}

/// The same with the page's scripts off, less axe-core (it needs the page's timers, which are off
/// with them); the page must still show its heading and content.
pub async fn page_without_js(b: &Browser, step: &str, path: &str) {
    let shown = b.js("const h = document.querySelector('main h1'); return h ? h.innerText.trim() : ''", vec![]).await;
    assert!(shown.as_str().is_some_and(|t| !t.is_empty()), "{path} at `{step}`: no heading in <main> without JS");
    run(b, step, path, false).await;
}

async fn run(b: &Browser, step: &str, path: &str, with_axe: bool) {
    let mut failures = Vec::new();
    let here = b.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
    for m in console_errors(b).await {
        // The page itself answered 4xx (a form shown back with its errors is a 422): the status is
        // the server's to choose, and the page's content is what the checks judge.
        if !m.starts_with(&format!("{here} - Failed to load resource")) {
            failures.push(format!("console error: {m}"));
        }
    }
    if with_axe {
        failures.extend(axe(b).await.into_iter().map(|(_, _, line)| line));
    }
    for (kind, p) in layout(b).await {
        // A link inside a sentence is as tall as its line: WCAG 2.5.8 exempts such inline
        // targets from the size rule, and so does this check.
        if kind != "inline-link" {
            failures.push(p);
        }
    }
    assert!(failures.is_empty(), "page {path} at step `{step}` fails {} check(s):\n  {}", failures.len(), failures.join("\n  "));
}

/// Errors the browser logged since the last look.
pub async fn console_errors(b: &Browser) -> Vec<String> {
    b.drain_log().await.into_iter().filter(|(level, _)| level == "SEVERE").map(|(_, m)| m).collect()
}

/// axe-core's serious and critical violations on the current page: (rule, element, readable line).
pub async fn axe(b: &Browser) -> Vec<(String, String, String)> {
    if b.js("return typeof window.axe", vec![]).await != "object" {
        b.js(&format!("{AXE}\n;return true;"), vec![]).await;
    }
    let found = b
        .js_async(
            r#"
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']})
  .then(r => done(r.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({
      target: n.target.join(' '), html: n.html.slice(0, 160), summary: (n.failureSummary || '').replace(/\s+/g, ' ')
    }))}))))
  .catch(e => done({error: String(e)}));
"#,
            vec![],
        )
        .await;
    if let Some(e) = found.get("error") {
        return vec![(String::new(), String::new(), format!("axe-core did not run: {e}"))];
    }
    let mut out = Vec::new();
    for v in found.as_array().into_iter().flatten() {
        for n in v["nodes"].as_array().into_iter().flatten() {
            let line = format!(
                "axe {} ({}): {} — at `{}` {} — {}",
                v["id"].as_str().unwrap_or(""),
                v["impact"].as_str().unwrap_or(""),
                v["help"].as_str().unwrap_or(""),
                n["target"].as_str().unwrap_or(""),
                n["html"].as_str().unwrap_or(""),
                n["summary"].as_str().unwrap_or("")
            );
            out.push((v["id"].as_str().unwrap_or("").to_string(), n["target"].as_str().unwrap_or("").to_string(), line));
        }
    }
    out
}

/// The phone layout rules, measured in the page: (kind, problem), kind `inline-link` for a small
/// link inside a sentence, else `layout`.
pub async fn layout(b: &Browser) -> Vec<(String, String)> {
    let v = b
        .js(
            r#"
const problems = [];
const px = el => parseFloat(getComputedStyle(el).fontSize);
const doc = document.documentElement;
const add = (kind, text) => problems.push([kind, text]);
if (doc.scrollWidth > window.innerWidth + 1) add('layout', `page is ${doc.scrollWidth}px wide, wider than the ${window.innerWidth}px screen`);
if (px(document.body) < 16) add('layout', `body font-size is ${px(document.body)}px, under 16px`);
if (doc.classList.contains('large') && px(document.body) < 20) add('layout', `large-text mode: body font-size is ${px(document.body)}px, under 20px`);
const describe = el => {
  let d = el.tagName.toLowerCase();
  if (el.id) d += '#' + el.id;
  if (el.getAttribute('name')) d += `[name=${el.getAttribute('name')}]`;
  if (el.type && el.tagName === 'INPUT') d += `[type=${el.type}]`;
  const t = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ').slice(0, 30);
  return t ? `${d} "${t}"` : d;
};
for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
  if (el.type === 'hidden') continue;
  if (!el.checkVisibility({visibilityProperty: true})) continue;
  let r = el.getBoundingClientRect();
  // Visually hidden (screen-reader-only) controls are no touch target; for a box or a radio
  // styled that way, or small, the target is its label.
  if ((el.type === 'checkbox' || el.type === 'radio') && el.labels && el.labels.length) {
    for (const l of el.labels) {
      const lr = l.getBoundingClientRect();
      if (lr.width * lr.height > r.width * r.height) r = lr;
    }
  }
  if (r.width <= 1 || r.height <= 1) continue;
  // Parked off the page until focused (a skip link): no touch target there.
  if (r.right + window.scrollX <= 0 || r.bottom + window.scrollY <= 0) continue;
  if (r.width < 44 - 0.5 || r.height < 44 - 0.5) {
    const inline = el.tagName === 'A' && getComputedStyle(el).display === 'inline' && el.parentElement
      && el.parentElement.textContent.trim().length > el.textContent.trim().length;
    add(inline ? 'inline-link' : el.closest('.error-summary') ? 'summary-link' : 'layout', `${describe(el)} is ${Math.round(r.width)}×${Math.round(r.height)}px, under 44×44px`);
  }
  const typed = ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName) && el.type !== 'checkbox' && el.type !== 'radio';
  if (typed && px(el) < 16) add('layout', `${describe(el)} has font-size ${px(el)}px, under 16px`);
}
return problems;
"#,
            vec![],
        )
        .await;
    v.as_array().into_iter().flatten().map(|p| (p[0].as_str().unwrap_or("").to_string(), p[1].as_str().unwrap_or("").to_string())).collect()
}

/// What loading one page cost over the emulated network.
#[derive(Debug)]
pub struct Metrics {
    /// Bytes over the wire (compressed bodies and headers), the page and everything it loaded.
    pub transfer_bytes: u64,
    /// The same bodies uncompressed.
    pub decoded_bytes: u64,
    /// First contentful paint, ms after navigation start (none for a page that paints none,
    /// such as a JSON document).
    pub fcp_ms: Option<f64>,
    /// When the page itself had arrived, ms after navigation start.
    pub response_end_ms: f64,
    /// (url, transfer bytes) of the page and each resource.
    pub items: Vec<(String, u64)>,
}

/// A slow phone connection: 400 kbit/s each way, 400 ms round trip. (DevTools' emulation adds
/// the latency once per request, as the time before its response arrives.)
pub const SLOW_KBITS: u64 = 400;
pub const SLOW_RTT_MS: u64 = 400;

/// Loads `path` in `b` with the cache off over the slow connection and measures it.
pub async fn metrics(b: &Browser, path: &str) -> Metrics {
    b.cdp("Network.enable", json!({})).await;
    b.cdp("Network.setCacheDisabled", json!({"cacheDisabled": true})).await;
    let bytes_per_s = SLOW_KBITS * 1000 / 8;
    b.cdp(
        "Network.emulateNetworkConditions",
        json!({"offline": false, "latency": SLOW_RTT_MS, "downloadThroughput": bytes_per_s, "uploadThroughput": bytes_per_s}),
    )
    .await;
    b.goto(path).await;
    // Resource timing entries are complete once the load event has ended.
    let mut v = Value::Null;
    for attempt in 0..200 {
        v = b
            .js(
                r#"
const nav = performance.getEntriesByType('navigation')[0];
const fcp = performance.getEntriesByName('first-contentful-paint')[0];
// The paint entry can come after the load event on a busy machine: wait for both, and after
// ten seconds take what there is (arguments[0]).
if (!nav || nav.loadEventEnd === 0 || (!fcp && !arguments[0])) return null;
const all = [nav, ...performance.getEntriesByType('resource')];
return {fcp: fcp ? fcp.startTime : null, response_end: nav.responseEnd,
        items: all.map(e => [e.name, e.transferSize, e.decodedBodySize])};
"#,
                vec![Value::Bool(attempt == 199)],
            )
            .await;
        if !v.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(!v.is_null(), "{path} never finished loading");
    b.cdp("Network.emulateNetworkConditions", json!({"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})).await;
    let items: Vec<(String, u64, u64)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i[0].as_str().unwrap_or("").to_string(), i[1].as_f64().unwrap_or(0.0) as u64, i[2].as_f64().unwrap_or(0.0) as u64))
        .collect();
    Metrics {
        transfer_bytes: items.iter().map(|i| i.1).sum(),
        decoded_bytes: items.iter().map(|i| i.2).sum(),
        fcp_ms: v["fcp"].as_f64(),
        response_end_ms: v["response_end"].as_f64().unwrap_or(0.0),
        items: items.into_iter().map(|(u, t, _)| (u, t)).collect(),
    }
}
