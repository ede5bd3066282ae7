//! The programme pages of issue 14 in the browser, as their people see them: the public
//! 求人倍率 table, the staff statistics, labour sharing (共享用工) for two enterprises and the
//! moderator who brokers it, and a shift page's JobPosting data. Page checks (axe, phone layout,
//! JS off) on each.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::bodies::shift_body;
use crate::browser::Browser;
use crate::helpers::spawn_app;

fn day(days: i64) -> String {
    ((Utc::now() + Duration::hours(8)).date_naive() + Duration::days(days)).format("%Y-%m-%d").to_string()
}

fn sharing_post(side: &str) -> Value {
    json!({
        "side": side,
        "categories": ["cleaning"],
        "headcount": 3,
        "start_date": day(3),
        "end_date": day(10),
        "address": "北京市朝阳区建国路88号",
        "lat": 39.9087,
        "lng": 116.4605,
        "note": "酒店客房保洁，每天8小时，由原单位照常发放工资并缴纳社保。"
    })
}

#[tokio::test]
async fn statistics_labour_sharing_and_job_posting_data_pages() {
    let app = spawn_app().await;
    let moderator = app.staff("moderator").await;
    let (lender, _) = app.employer(true).await;
    let (borrower, _) = app.employer(true).await;
    let r = app.post("/api/v1/shifts", Some(&lender), shift_body()).await;
    r.assert(201);
    let shift = r.body["id"].as_i64().unwrap();
    let r = app.post("/api/v1/sharing/posts", Some(&lender), sharing_post("surplus")).await;
    r.assert(201);
    let surplus = r.body["id"].as_i64().unwrap();
    app.post("/api/v1/sharing/posts", Some(&borrower), sharing_post("shortage")).await.assert(201);

    // The public: the 求人倍率 table with its definitions, and a shift page's JobPosting.
    let p = Browser::start(&app).await;
    p.goto("/stats").await;
    assert!(p.exists("#ratio-table").await && p.exists("#definitions").await && p.exists("#as-of").await);
    p.check_page("stats-public").await;
    p.goto(&format!("/shifts/{shift}")).await;
    let ld = p.js("const s = document.getElementById('jobposting-jsonld'); return s ? s.textContent : ''", vec![]).await;
    let ld: Value = serde_json::from_str(ld.as_str().unwrap()).expect("the page carries JobPosting JSON-LD");
    assert_eq!(ld["@type"], "JobPosting");
    assert_eq!(ld["baseSalary"]["currency"], "CNY");

    // The lending enterprise on a phone: its sharing page and its post with the match found.
    let e = Browser::start(&app).await;
    e.sign_in_with_token(&lender).await;
    e.goto("/employer/sharing").await;
    assert!(e.exists("#sharing-policy").await, "the no-profit, original-employer terms are stated");
    assert!(e.exists(&format!("#sharing-posts tr[data-id='{surplus}']")).await);
    e.check_page("sharing-home").await;
    e.goto(&format!("/employer/sharing/posts/{surplus}")).await;
    assert_eq!(e.find_all("#sharing-matches li.match").await.len(), 1, "the shortage is matched, with reasons");
    e.check_page("sharing-post").await;
    e.goto("/employer/sharing/new").await;
    e.check_page("sharing-new").await;

    // The moderator at a desk: statistics, and the post with the propose form under its match.
    let m = Browser::start_desktop(&app).await;
    m.sign_in_with_token(&moderator).await;
    m.goto("/console/stats").await;
    assert!(m.exists("#stats-table").await && m.exists("#csv-link").await);
    m.check_page("stats-console").await;
    m.goto("/console/sharing").await;
    m.check_page("sharing-console").await;
    m.goto(&format!("/console/sharing/posts/{surplus}")).await;
    assert!(m.exists("form.propose-form").await, "staff may broker the match");
    m.check_page("sharing-console-post").await;
}
