//! A moderator's working hour on the console, at a desk's screen (1280×800): the queue with a fee
//! demand marked in the posting's text, rejected with a canned reason and a note; the employer
//! fixes it; approved from the keyboard (j/k to it, a); a wage-arrears report, the engagement
//! behind it (timeline, attendance, pay), the reported shift taken down; the take-down in the
//! audit log, read as an admin. Every console page passes the page checks, with JS on and off.

use chrono::DateTime;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::json;

use crate::bodies::{at, shift_body};
use crate::browser::{Browser, DESKTOP_HEIGHT, DESKTOP_WIDTH};
use crate::helpers::{TestApp, spawn_app};

/// A borderline fee demand: the posting waits for review with the phrase quoted.
const FEE: &str = "负责住户家庭日常保洁，厨房和卫生间清洁。需交300元。";
const CLEAN: &str = "负责住户家庭日常保洁，厨房和卫生间清洁，工具由公司提供。";

async fn id_of(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/auth/me", Some(token)).await.body["id"].as_i64().unwrap()
}

async fn status_of(app: &TestApp, token: &str, id: i64) -> String {
    app.get(&format!("/api/v1/shifts/{id}"), Some(token)).await.body["status"].as_str().unwrap().to_string()
}

/// A posting of an unverified employer: it waits for review. Its id.
async fn waiting(app: &TestApp, employer: &str, title: &str, description: &str) -> i64 {
    let mut s = shift_body();
    s["title"] = json!(title);
    s["description"] = json!(description);
    s["valid_through"] = json!(at(2, 0));
    let r = app.post("/api/v1/shifts", Some(employer), s).await;
    r.assert(201);
    assert_eq!(r.body["status"], "pending_review", "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// Presses `key` as the moderator would, on whatever has the focus.
async fn press(b: &Browser, key: char) {
    let keys = KeyActions::new("keyboard".into()).then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
    b.client.perform_actions(keys).await.unwrap_or_else(|e| panic!("press {key}: {e}"));
}

/// The id of the posting the shortcuts act on now.
async fn current(b: &Browser) -> String {
    b.js("const p = document.querySelector('article.posting.current'); return p ? p.id : ''", vec![]).await.as_str().unwrap_or("").to_string()
}

/// Presses `key`, which submits a form: returns once the next page has replaced this one (the
/// old document, still `complete`, must not be read as the new one), as `Browser::click` does.
async fn press_and_wait(b: &Browser, key: char) {
    b.js("window.__lgOldPage = true", vec![]).await;
    press(b, key).await;
    let started = std::time::Instant::now();
    loop {
        let old = b.client.execute("return window.__lgOldPage === true || document.readyState !== 'complete'", vec![]).await;
        if matches!(old, Ok(serde_json::Value::Bool(false))) {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "pressing {key} loaded no page");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn the_desktop_browser_stays_desktop_sized() {
    let app = spawn_app().await;
    let b = Browser::start_desktop(&app).await;
    for path in ["/", "/signin"] {
        b.goto(path).await;
        let v = b.js("return [window.innerWidth, window.innerHeight, navigator.userAgent, matchMedia('(pointer: coarse)').matches]", vec![]).await;
        assert_eq!((v[0].as_u64(), v[1].as_u64()), (Some(DESKTOP_WIDTH as u64), Some(DESKTOP_HEIGHT as u64)), "{path}: {v}");
        assert!(!v[2].as_str().unwrap().contains("Mobile"), "{v}");
    }
    // The JS-off reload of check_page keeps the size too.
    b.check_page("signin-desktop").await;
    let w = b.js("return window.innerWidth", vec![]).await;
    assert_eq!(w.as_u64(), Some(DESKTOP_WIDTH as u64));
}

#[tokio::test]
async fn a_moderators_hour_queue_reject_fix_approve_report_take_down_audit() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let moderator = app.staff("moderator").await;
    let moderator_id = id_of(&app, &moderator).await;
    // The moderator works Beijing.
    app.put(&format!("/api/v1/staff/{moderator_id}/scope"), Some(&admin), json!({"adcodes": ["11"]})).await.assert(204);
    let (employer, employer_id) = app.employer(false).await;
    let other = waiting(&app, &employer, "写字楼保洁（周末）", CLEAN).await;
    let fee = waiting(&app, &employer, "家庭保洁员（日结）", FEE).await;
    let third = waiting(&app, &employer, "餐厅帮厨", "餐厅后厨洗菜切配，协助厨师备餐，提供工作餐。").await;

    let b = Browser::start_desktop(&app).await;
    b.sign_in_with_token(&moderator).await;
    b.goto("/console").await;
    assert_eq!(b.attr("#queue", "data-total").await.as_deref(), Some("3"));
    let marked = b.text(&format!("#description-{fee} mark")).await;
    assert!(FEE.contains(&marked) && marked.contains("300"), "the fee demand is marked where it stands: {marked}");
    assert!(b.text(&format!("#findings-{fee}")).await.contains(&marked));
    assert!(b.text(&format!("#history-{fee}")).await.contains("曾被驳回 0 次"));
    assert!(b.text(&format!("#posting-{fee}")).await.contains("35 元/小时"), "the pay is shown");
    b.check_page("queue").await;

    // Rejected with a canned reason and a note for the employer.
    b.select(&format!("#reason-{fee}"), "illegal_fee").await;
    b.fill(&format!("#reason-text-{fee}"), "请删除“需交300元”的收费内容").await;
    b.click(&format!("#reject-{fee}")).await;
    assert_eq!(b.path().await, format!("/console?decided={fee}&did=reject"));
    assert!(b.text("#console-notice").await.contains(&fee.to_string()));
    assert!(!b.exists(&format!("#posting-{fee}")).await, "rejected: out of the queue");
    assert_eq!(status_of(&app, &employer, fee).await, "rejected");
    b.check_page("rejected").await;

    // The employer reads the reason and fixes the posting (its own pages are tested elsewhere).
    let mine = app.get(&format!("/api/v1/shifts/{fee}"), Some(&employer)).await;
    assert!(mine.text.contains("请删除"), "the note reaches the employer: {}", mine.text);
    let r = app.patch(&format!("/api/v1/shifts/{fee}"), Some(&employer), json!({"description": CLEAN})).await;
    assert_eq!(r.body["status"], "pending_review", "{}", r.text);

    // Back in the queue, from the keyboard: j to the end, k back up to the fixed posting, a.
    b.goto("/console").await;
    assert!(b.text(&format!("#history-{fee}")).await.contains("曾被驳回 1 次"), "the past rejection is on the record");
    assert!(!b.exists(&format!("#description-{fee} mark")).await, "nothing to mark any more");
    let order: Vec<String> = serde_json::from_value(b.js("return [...document.querySelectorAll('article.posting')].map(p => p.id)", vec![]).await).unwrap();
    assert_eq!(order.len(), 3, "{order:?}");
    for _ in 0..order.len() {
        press(&b, 'j').await;
    }
    assert_eq!(current(&b).await, order[2], "j stops at the last posting");
    let here = order.iter().position(|p| *p == format!("posting-{fee}")).unwrap();
    for _ in here..order.len() - 1 {
        press(&b, 'k').await;
    }
    assert_eq!(current(&b).await, format!("posting-{fee}"));
    b.screenshot("queue-current").await;
    press_and_wait(&b, 'a').await;
    assert_eq!(b.path().await, format!("/console?decided={fee}&did=approve"));
    assert_eq!(status_of(&app, &employer, fee).await, "published");
    assert!(b.exists(&format!("#posting-{other}")).await && b.exists(&format!("#posting-{third}")).await, "the others still wait");
    b.check_page("approved").await;

    // A wage-arrears complaint: an engagement worked on day 2, pay disputed and reported.
    let (payer, payer_id) = app.employer(true).await;
    let mut s = shift_body();
    s["take_mode"] = json!("instant");
    s["headcount"] = json!(2);
    s["slots"] = json!([{"start": at(2, 8), "end": at(2, 12)}]);
    s["valid_through"] = json!(at(5, 0));
    let r = app.post("/api/v1/shifts", Some(&payer), s).await;
    r.assert(201);
    let shift = r.body["id"].as_i64().unwrap();
    let (worker, _) = app.worker().await;
    let r = app.post(&format!("/api/v1/shifts/{shift}/applications"), Some(&worker), json!({})).await;
    r.assert(201);
    let engagement = r.body["id"].as_i64().unwrap();
    let start = DateTime::parse_from_rfc3339(&at(2, 8)).unwrap().naive_utc();
    app.clock.advance(start - app.clock.now());
    app.post(&format!("/api/v1/engagements/{engagement}/check-in"), Some(&worker), json!({"lat": 39.9087, "lng": 116.4605})).await.assert(200);
    app.clock.advance(chrono::Duration::hours(4));
    app.post(&format!("/api/v1/engagements/{engagement}/check-out"), Some(&worker), json!({})).await.assert(200);
    app.post(&format!("/api/v1/engagements/{engagement}/complete"), Some(&payer), json!({"hours": 4, "amount_fen": 14000})).await.assert(200);
    app.post(&format!("/api/v1/engagements/{engagement}/dispute"), Some(&worker), json!({"reason": "只付了一半"})).await.assert(200);
    let r = app.post(&format!("/api/v1/engagements/{engagement}/arrears-report"), Some(&worker), json!({"note": "多次催要未果"})).await;
    r.assert(201);
    let report = r.body["id"].as_i64().unwrap();

    b.click("#console-nav-reports").await;
    assert_eq!(b.path().await, "/console/reports");
    assert_eq!(b.attr(&format!("#report-{report}"), "data-kind").await.as_deref(), Some("wage_arrears"));
    assert!(b.exists(&format!("#employer-group-{payer_id}")).await);
    assert!(!b.exists(&format!("#employer-group-{employer_id}")).await, "no reports on the first employer");
    b.check_page("reports").await;

    // The engagement behind it: both sides, the pay record, attendance and the timeline.
    b.click(&format!("#engagement-link-{report}")).await;
    assert_eq!(b.path().await, format!("/console/engagements/{engagement}"));
    assert_eq!(b.attr("#engagement-state", "data-state").await.as_deref(), Some("disputed"));
    assert_eq!(b.text("#amount").await, "140");
    assert_eq!(b.text("#hours").await, "4.00");
    assert_eq!(b.text("#worker-name").await, "李秀英");
    let trail: Vec<String> =
        serde_json::from_value(b.js("return [...document.querySelectorAll('#timeline tr[data-to]')].map(r => r.dataset.to)", vec![]).await).unwrap();
    assert_eq!(trail, ["confirmed", "checked_in", "checked_out", "completed", "disputed"]);
    b.check_page("engagement").await;

    // Back to the report: the shift comes down, with the reason the employer reads.
    b.click("main a[href='/console/reports'].button").await;
    b.select(&format!("#report-takedown-reason-{report}"), "other").await;
    b.fill(&format!("#report-takedown-text-{report}"), "核实拖欠工资，岗位下架").await;
    b.click(&format!("#report-takedown-{report}")).await;
    assert_eq!(b.path().await, format!("/console/reports?decided={shift}&did=take_down"));
    assert!(b.text("#console-notice").await.contains(&shift.to_string()));
    assert_eq!(status_of(&app, &payer, shift).await, "taken_down");
    b.check_page("taken-down").await;

    // The moderator has no audit log; an admin finds the take-down in it.
    b.goto("/console/audit").await;
    assert!(b.page_text().await.contains("不能这样操作"), "moderators do not read the audit log");
    b.sign_in_with_token(&admin).await;
    b.goto("/console").await;
    b.click("#console-nav-audit").await;
    b.check_page("audit").await;
    b.select("#target_type", "shift").await;
    b.fill("#target_id", &shift.to_string()).await;
    b.click("#audit-submit").await;
    let row = format!("#audit tr[data-action='shift.take_down'][data-target='shift:{shift}']");
    let text = b.text(&row).await;
    assert!(text.contains(&format!("#{moderator_id}")) && text.contains("核实拖欠工资"), "who and why: {text}");
    b.check_page("audit-entry").await;

    // The admin's staff list: the moderator limited to Beijing.
    b.click("#console-nav-staff").await;
    assert_eq!(b.attr(&format!("#staff-{moderator_id}"), "data-scope").await.as_deref(), Some("11"));
    assert!(b.text(&format!("#staff-{moderator_id}")).await.contains("北京市"));
    b.check_page("staff").await;
}

/// The synonyms page, on a phone as on a desk: the built-in groups listed, a moderator adds a
/// group (and is told so), the same group again is refused beside its field, and search then
/// finds a shift by the other word of the group. Page checks with JS on and off at each step.
#[tokio::test]
async fn a_moderator_adds_a_synonym_group_and_search_uses_it() {
    let app = spawn_app().await;
    let moderator = app.staff("moderator").await;
    let (employer, _) = app.employer(true).await;
    let mut s = shift_body();
    s["title"] = json!("擦玻璃（上午）");
    s["description"] = json!("负责住户家庭日常保洁，每次四小时。");
    let r = app.post("/api/v1/shifts", Some(&employer), s).await;
    r.assert(201);
    let shift = r.body["id"].as_i64().unwrap();
    let finds = |q: &'static str| {
        let app = &app;
        async move {
            let r = app.get(&format!("/api/v1/shifts/search?q={q}"), None).await;
            r.body["items"].as_array().is_some_and(|items| items.iter().any(|i| i["shift"]["id"] == shift))
        }
    };
    crate::helpers::eventually(std::time::Duration::from_secs(5), || finds("擦玻璃")).await;
    assert!(!finds("洗窗户").await, "before the group, the other word finds nothing");

    for (screen, b) in [("phone", Browser::start(&app).await), ("desk", Browser::start_desktop(&app).await)] {
        b.sign_in_with_token(&moderator).await;
        b.goto("/console/synonyms").await;
        assert!(b.exists("#synonyms tr[data-built-in]").await, "{screen}: the built-in groups are listed");
        b.check_page(&format!("synonyms-{screen}")).await;
        if screen == "phone" {
            b.fill("#words", "擦玻璃 洗窗户").await;
            b.click("#synonym-submit").await;
            assert!(b.text("#console-notice").await.contains("擦玻璃 洗窗户"), "{screen}: told what was added");
            assert!(b.exists("#synonyms tr[data-id]").await);
            b.check_page(&format!("synonym-added-{screen}")).await;
        }
        // The same group again (in the other order): refused beside its field, nothing added.
        b.fill("#words", "洗窗户，擦玻璃").await;
        b.click("#synonym-submit").await;
        assert!(b.text("#words-error").await.contains("已经有了"), "{screen}: the duplicate is refused at its field");
        assert_eq!(b.find_all("#synonyms tr[data-id]").await.len(), 1, "{screen}: still one stored group");
        b.check_here(&format!("synonym-duplicate-{screen}")).await;
    }

    // Search by the other word now finds the shift, within the follower's bound.
    crate::helpers::eventually(std::time::Duration::from_secs(5), || finds("洗窗户")).await;
}
