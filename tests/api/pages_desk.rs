//! The station desk's pages over HTTP: a worker without a phone registered with their consents,
//! the slip with its one-time code (never cached), applying for them from their desk page, and
//! the worker claiming the account on the `/claim` page; the desk refuses everyone but station
//! staff. The same morning in a real browser is tests/browser/station.rs.

use serde_json::json;

use crate::bodies::shift_body;
use crate::helpers::*;
use crate::pages::PageClient;

/// A station in 朝阳 with one staff member signed in on the pages.
async fn desk_client(app: &TestApp) -> PageClient {
    let station = app.station().await;
    let mut c = PageClient::new(app);
    c.cookies.insert("lg_session".into(), station.staff);
    c
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("{start} not in {text}")) + start.len();
    &text[from..from + text[from..].find(end).unwrap()]
}

#[tokio::test]
async fn a_stations_morning_on_the_desk_pages() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let shift = app.post("/api/v1/shifts", Some(&employer), shift_body()).await;
    shift.assert(201);
    let shift = shift.body["id"].as_i64().unwrap();
    eventually(std::time::Duration::from_secs(10), || async {
        app.get("/api/v1/shifts/search?lat=39.91&lng=116.46&radius_km=5&category=cleaning&sort=distance", None).await.body["total"].as_u64() == Some(1)
    })
    .await;
    let mut c = desk_client(&app).await;
    let home = c.get("/desk").await;
    assert_eq!(home.status, 200, "{}", home.text);
    assert!(home.text.contains("建外街道社区就业服务站"), "{}", home.text);
    assert!(home.text.contains("id=\"figures\""), "the week's figures are on the desk: {}", home.text);
    assert!(home.text.contains("<title>服务站办理台 · 零工市场</title>"), "{}", home.text);

    // Without the person's consent nothing is registered, and the error sits at the box.
    let form = [("display_name", "张桂兰"), ("skills", "cleaning"), ("grid", "1-morning"), ("grid", "3-afternoon")];
    let r = c.submit("/desk/workers/new", "/desk/workers", &form).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"consent.registration-error\"") && r.text.contains("aria-describedby=\"consent.registration-error\""), "{}", r.text);
    let mut with_consent = form.to_vec();
    with_consent.push(("consent_registration", "yes"));
    let r = c.submit("/desk/workers/new", "/desk/workers", &with_consent).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-store", "the code is never cached");
    let account = between(&r.text, "id=\"slip-account\">", "<").to_string();
    let code = between(&r.text, "id=\"slip-code\">", "<").to_string();
    let worker: i64 = between(&r.text, "id=\"slip-worker\">", "<").parse().unwrap();
    assert!(account.starts_with("LG") && code.len() == 11, "{account} {code}");
    assert!(r.text.contains("12333") && r.text.contains("/claim"), "{}", r.text);

    // Their desk page offers the shift near their home; the desk applies for them.
    let page = c.get(&format!("/desk/workers/{worker}")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains(&format!("id=\"apply-{shift}\"")), "{}", page.text);
    let r = c.submit(&format!("/desk/workers/{worker}"), &format!("/desk/workers/{worker}/apply"), &[("shift_id", &shift.to_string())]).await;
    assert_eq!((r.status.as_u16(), r.location()), (303, format!("/desk/workers/{worker}?done=apply")), "{}", r.text);
    let page = c.get(&format!("/desk/workers/{worker}?done=apply")).await;
    assert!(page.text.contains("id=\"desk-done\"") && page.text.contains("家庭保洁员"), "{}", page.text);

    // Later they say when else they can work: a window from the grid.
    let r = c.submit(&format!("/desk/workers/{worker}"), &format!("/desk/workers/{worker}/availability"), &[("grid", "6-morning")]).await;
    assert_eq!((r.status.as_u16(), r.location()), (303, format!("/desk/workers/{worker}?done=availability")), "{}", r.text);
    let r = c.submit(&format!("/desk/workers/{worker}"), &format!("/desk/workers/{worker}/availability"), &[]).await;
    assert_eq!(r.status, 422, "an empty grid saves nothing: {}", r.text);

    // The person claims the account on a phone, then sees what the station did.
    let mut phone = PageClient::new(&app);
    let r =
        phone.submit("/claim", "/claim", &[("account", &account), ("code", "AAAAA-AAAAA"), ("phone", "13700005555"), ("password", "my-own-passphrase")]).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("id=\"code-error\""), "{}", r.text);
    let r = phone.submit("/claim", "/claim", &[("account", &account), ("code", &code), ("phone", "13700005555"), ("password", "my-own-passphrase")]).await;
    assert_eq!((r.status.as_u16(), r.location()), (303, "/me/profile".to_string()), "{}", r.text);
    let inbox = phone.get("/inbox").await;
    assert!(inbox.text.contains("求职登记") && inbox.text.contains("报名"), "{}", inbox.text);
    let availability = phone.get("/me/availability").await;
    assert_eq!(availability.text.matches("id=\"delete-").count(), 2, "the two windows the desk saved: {}", availability.text);
    let work = phone.get("/my-work").await;
    assert!(work.text.contains("家庭保洁员"), "{}", work.text);
}

#[tokio::test]
async fn the_desk_is_for_station_staff_only() {
    let app = spawn_app().await;
    let (worker, _) = app.worker().await;
    let (employer, _) = app.employer(true).await;
    for token in [worker, employer, app.staff("moderator").await, app.staff("admin").await] {
        let mut c = PageClient::new(&app);
        c.cookies.insert("lg_session".into(), token);
        for path in ["/desk", "/desk/workers/new", "/desk/workers/1"] {
            let r = c.get(path).await;
            assert_eq!(r.status, 403, "{path}: {}", r.text);
            assert!(r.text.contains("<html"), "a page, not JSON");
        }
    }
    let mut visitor = PageClient::new(&app);
    let r = visitor.get("/desk").await;
    assert_eq!(r.status, 303, "signed out: to sign in");
}

#[tokio::test]
async fn a_household_is_registered_on_the_desk_page() {
    let app = spawn_app().await;
    let mut c = desk_client(&app).await;
    let form = [
        ("name", "刘女士家"),
        ("kind", "household"),
        ("contact_name", "刘女士"),
        ("contact_phone", "13912340000"),
        ("address", "北京市朝阳区建国路99号"),
        ("description", "家里老人需要照看"),
        ("consent_registration", "yes"),
    ];
    // The in-person check must be written down; the error is at its field.
    let r = c.submit("/desk/employers/new", "/desk/employers", &form).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"checked_in_person-error\""), "{}", r.text);
    // A bad contact phone is said at the form's own field, not under `employer.`.
    let mut bad = form.to_vec();
    bad.retain(|(k, _)| *k != "contact_phone");
    bad.push(("contact_phone", "123"));
    bad.push(("checked_in_person", "身份证原件核验"));
    let r = c.submit("/desk/employers/new", "/desk/employers", &bad).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"contact_phone-error\""), "{}", r.text);
    let mut good = form.to_vec();
    good.push(("checked_in_person", "身份证原件核验"));
    let r = c.submit("/desk/employers/new", "/desk/employers", &good).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.text.contains("id=\"slip-code\""), "{}", r.text);
}

#[tokio::test]
async fn the_desk_posts_for_a_household_on_the_posting_form_under_the_same_rules() {
    let app = spawn_app().await;
    let mut c = desk_client(&app).await;
    let staff = c.cookies["lg_session"].clone();
    let household = json!({
        "name": "刘女士家", "kind": "household", "contact_name": "刘女士", "contact_phone": "13912340000",
        "address": "北京市朝阳区建国路99号", "lat": 39.909, "lng": 116.461, "description": "家里老人需要照看"
    });
    let r = app
        .post("/api/v1/desk/employers", Some(&staff), json!({"employer": household, "checked_in_person": "身份证原件核验", "consent": {"registration": true}}))
        .await;
    r.assert(201);
    let employer = r.body["employer_id"].as_i64().unwrap();
    let page = c.get(&format!("/desk/employers/{employer}/post")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("id=\"post-for\"") && page.text.contains("刘女士家"), "{}", page.text);
    assert!(page.text.contains("北京市朝阳区建国路99号"), "the employer's address to start from");
    let day = crate::bodies::at(2, 8)[..10].to_string();
    let form = |description: &str| -> Vec<(&'static str, String)> {
        vec![
            ("title", "照看老人（半天）".into()),
            ("category", "housekeeping".into()),
            ("description", description.into()),
            ("requirements", "有耐心".into()),
            ("headcount", "1".into()),
            ("address", "北京市朝阳区建国路99号".into()),
            ("lat", "39.909".into()),
            ("lng", "116.461".into()),
            ("slot_date", day.clone()),
            ("slot_start", "08:00".into()),
            ("slot_end", "12:00".into()),
            ("pay_yuan", "30".into()),
            ("pay_unit", "hour".into()),
            ("settlement", "daily".into()),
            ("employment_type", "gig".into()),
            ("take_mode", "apply".into()),
            ("valid_through", day.clone()),
        ]
    };
    let bad = form("陪伴家中老人。入职前需交押金200元。");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = c.submit(&format!("/desk/employers/{employer}/post"), &format!("/desk/employers/{employer}/post"), &bad).await;
    assert_eq!(r.status, 422, "a fee demand is refused at the desk too: {}", r.text);
    assert!(r.text.contains("押金"), "{}", r.text);
    let good = form("陪伴家中老人，做简单午饭，不需要护理资格。");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = c.submit(&format!("/desk/employers/{employer}/post"), &format!("/desk/employers/{employer}/post"), &good).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let shift: i64 = r.location().trim_start_matches("/shifts/").parse().unwrap();
    let s = app.get(&format!("/api/v1/shifts/{shift}"), None).await;
    assert_eq!(s.body["status"], "published", "verified at the desk: published at once: {}", s.text);
    // Only station staff reach the desk's form.
    let (worker, _) = app.worker().await;
    let mut w = PageClient::new(&app);
    w.cookies.insert("lg_session".into(), worker);
    assert_eq!(w.get(&format!("/desk/employers/{employer}/post")).await.status, 403);
}
