//! The harness's own levers take effect: the location the tests set through the DevTools
//! Protocol is the one pages read, a denied location is denied, JS off is off and the slow
//! network is slow. The journeys rely on each.

use serde_json::json;

use crate::browser::Browser;
use crate::checks;
use crate::helpers::spawn_app;

/// Asks the page for its position the way the pages' scripts do; (lat, lng) or the error code.
const WHERE_AM_I: &str = r#"
const done = arguments[arguments.length - 1];
navigator.geolocation.getCurrentPosition(
  p => done({lat: p.coords.latitude, lng: p.coords.longitude}),
  e => done({error: e.code}),
  {timeout: 5000});
"#;

#[tokio::test]
async fn location_granted_denied_and_scripts_off() {
    let app = spawn_app().await;
    let b = Browser::start(&app).await;
    b.goto("/api/v1/categories").await;
    // (A JSON document has no viewport meta, so it lays out wider than the screen; the screen is the phone's.)
    let ua = b.js("return [navigator.userAgent, navigator.language, screen.width, screen.height]", vec![]).await;
    assert!(ua[0].as_str().unwrap().contains("Mobile"), "{ua}");
    assert_eq!(ua[1], "zh-CN");
    assert_eq!((ua[2].as_u64(), ua[3].as_u64()), (Some(360), Some(740)));

    // 北京朝阳, near the tests' shifts (tests/api/bodies.rs).
    b.set_location(39.92, 116.46).await;
    let at = b.js_async(WHERE_AM_I, vec![]).await;
    assert_eq!(at, json!({"lat": 39.92, "lng": 116.46}));

    b.deny_location().await;
    let at = b.js_async(WHERE_AM_I, vec![]).await;
    assert_eq!(at, json!({"error": 1}), "PERMISSION_DENIED");

    b.set_js_disabled(true).await;
    b.goto("/api/v1/categories?again=1").await;
    // WebDriver's own scripts still run; the page's do not (a script element added now is inert).
    let ran =
        b.js("const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.head.append(s); return window.ran === 1", vec![]).await;
    assert_eq!(ran, false);
    b.set_js_disabled(false).await;
}

#[tokio::test]
async fn slow_network_is_slow() {
    let app = spawn_app().await;
    let b = Browser::start(&app).await;
    let m = checks::metrics(&b, "/api/v1/categories").await;
    println!("categories over {} kbit/s, {} ms RTT: {:?}", checks::SLOW_KBITS, checks::SLOW_RTT_MS, m);
    // At least one round trip before the response is in.
    assert!(m.response_end_ms >= checks::SLOW_RTT_MS as f64, "throttling took effect: {m:?}");
    assert!(m.transfer_bytes > 0, "{m:?}");
}
