//! The employer's pages over HTTP: registering and the profile, posting a shift with its
//! screening shown at the fields (and live, as a fragment), review for unverified employers, then
//! an applicant accepted, completed with the computed pay and rated, all on the pages; and every
//! bad form value answered at its field with nothing posted.

use chrono::DateTime;
use serde_json::json;

use crate::helpers::*;
use crate::pages::PageClient;

/// A new employer signed in on the pages, with a profile saved through the profile page.
async fn employer_on_pages(app: &TestApp) -> PageClient {
    let mut c = PageClient::new(app);
    let phone = format!("138{:08}", unique() % 100_000_000);
    let r = c
        .submit(
            "/register?role=employer",
            "/register",
            &[("role", "employer"), ("phone", &phone), ("password", "a-good-passphrase"), ("display_name", "王经理")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.location(), "/employer/profile", "a new employer fills in the profile first");
    // Without a profile there is nothing to list yet: the list sends them there too.
    assert_eq!(c.get("/employer").await.location(), "/employer/profile");
    let form = c.get("/employer/profile").await;
    assert!(form.text.contains("data-status=\"none\""), "{}", form.text);
    let r = c
        .submit(
            "/employer/profile",
            "/employer/profile",
            &[
                ("name", "北京城市综合服务有限公司"),
                ("kind", "enterprise"),
                ("credit_code", "91350100M000100Y43"),
                ("contact_name", "王经理"),
                ("contact_phone", "13812345678"),
                ("address", "北京市朝阳区建国路88号"),
                ("lat", "39.9087"),
                ("lng", "116.4605"),
                ("description", "社区家政与保洁服务"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = c.get("/employer/profile?saved=1").await;
    assert!(page.text.contains("data-status=\"unverified\"") && page.text.contains("待认证"), "the verification status is said in words");
    c
}

fn token(c: &PageClient) -> String {
    c.cookies["lg_session"].clone()
}

/// The posting form as a browser sends it: one slot on day 2, 08:00–12:00, two empty rows.
fn shift_form(description: &str) -> Vec<(&'static str, String)> {
    let day = at(2, 8)[..10].to_string();
    vec![
        ("title", "家庭保洁员（日结）".into()),
        ("category", "cleaning".into()),
        ("description", description.into()),
        ("requirements", "身体健康，做事细心".into()),
        ("headcount", "2".into()),
        ("address", "北京市朝阳区建国路88号".into()),
        ("lat", "39.9087".into()),
        ("lng", "116.4605".into()),
        ("slot_date", day.clone()),
        ("slot_start", "08:00".into()),
        ("slot_end", "12:00".into()),
        ("slot_date", String::new()),
        ("slot_start", String::new()),
        ("slot_end", String::new()),
        ("slot_date", String::new()),
        ("slot_start", String::new()),
        ("slot_end", String::new()),
        ("pay_yuan", "35".into()),
        ("pay_unit", "hour".into()),
        ("settlement", "daily".into()),
        ("employment_type", "gig".into()),
        ("take_mode", "apply".into()),
        ("valid_through", day),
    ]
}

fn pairs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

const CLEAN: &str = "负责住户家庭日常保洁，厨房和卫生间清洁，工具由公司提供。";

async fn post_shift(c: &mut PageClient, description: &str) -> i64 {
    let form = shift_form(description);
    let r = c.submit("/employer/shifts/new", "/employer/shifts/new", &pairs(&form)).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let loc = r.location();
    assert!(loc.starts_with("/employer/shifts/") && loc.ends_with("?posted=1"), "{loc}");
    loc["/employer/shifts/".len()..loc.len() - "?posted=1".len()].parse().unwrap()
}

async fn my_shift_count(app: &TestApp, token: &str) -> usize {
    let r = app.get("/api/v1/employers/me/shifts", Some(token)).await;
    r.assert(200);
    r.body["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn an_employer_posts_on_the_pages_and_takes_a_worker_from_application_to_rating() {
    let app = spawn_app().await;
    let mut c = employer_on_pages(&app).await;
    let tok = token(&c);

    // A fee demand: refused, shown at the description with the phrase quoted, nothing stored.
    let form = shift_form("负责住户家庭日常保洁，入职需交押金200元。");
    let r = c.submit("/employer/shifts/new", "/employer/shifts/new", &pairs(&form)).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let at_field = r.text.split("id=\"description-error\">").nth(1).expect("the finding is at the description");
    let at_field = &at_field[..at_field.find('<').unwrap()];
    assert!(at_field.contains("押金200元") && at_field.contains("劳动合同法第九条"), "the phrase and the rule: {at_field}");
    assert!(r.text.contains("入职需交押金200元"), "what was typed is kept");
    assert_eq!(my_shift_count(&app, &tok).await, 0);
    // The live check says the same, as a fragment.
    let page = c.get("/employer/shifts/new").await;
    assert!(page.text.contains("hx-post=\"/employer/shifts/check\"") && page.text.contains("/static/htmx."), "the form loads htmx for the live check");
    let csrf = page.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend(pairs(&form));
    let frag = c.post("/employer/shifts/check", &all).await;
    assert_eq!(frag.status, 200);
    assert!(!frag.text.contains("<html"), "a fragment, not a page");
    assert!(frag.text.contains("data-decision=\"refuse\"") && frag.text.contains("「需交押金200元」") && frag.text.contains("工作内容"), "{}", frag.text);
    let clean_form = shift_form(CLEAN);
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend(pairs(&clean_form));
    let frag = c.post("/employer/shifts/check", &all).await;
    assert!(frag.text.contains("data-decision=\"review\""), "unverified: it would wait for review: {}", frag.text);

    // Unverified: the clean shift waits for review, and the page says why.
    let first = post_shift(&mut c, CLEAN).await;
    let page = c.get(&format!("/employer/shifts/{first}?posted=1")).await;
    assert!(page.text.contains("data-status=\"pending_review\"") && page.text.contains("id=\"why-unverified\""), "{}", page.text);
    let list = c.get("/employer").await;
    assert!(list.text.contains(&format!("id=\"shift-{first}\"")) && list.text.contains("待审核"));

    // Verified by a moderator: the next one is published at once.
    let me = app.get("/api/v1/employers/me", Some(&tok)).await;
    let employer_id = me.body["id"].as_i64().unwrap();
    let m = app.staff("moderator").await;
    app.post(&format!("/api/v1/employers/{employer_id}/verify"), Some(&m), json!({})).await.assert(200);
    assert!(c.get("/employer/profile").await.text.contains("data-status=\"verified\""));
    let shift = post_shift(&mut c, CLEAN).await;
    let page = c.get(&format!("/employer/shifts/{shift}?posted=1")).await;
    assert!(page.text.contains("data-status=\"published\"") && page.text.contains("id=\"posted-notice\""));
    assert!(page.text.contains("报名 0 人 · 已确认 0 人 · 招 2 人"), "the counts");

    // A worker applies through the API; the employer sees them, with their record, and accepts.
    let (worker, _) = app.worker().await;
    let r = app.post(&format!("/api/v1/shifts/{shift}/applications"), Some(&worker), json!({})).await;
    r.assert(201);
    let e = r.body["id"].as_i64().unwrap();
    let page = c.get(&format!("/employer/shifts/{shift}")).await;
    assert!(page.text.contains(&format!("id=\"applicant-{e}\"")) && page.text.contains("李秀英") && page.text.contains("守约"), "{}", page.text);
    assert!(page.text.contains("报名 1 人"));
    let ep = format!("/employer/engagements/{e}");
    let eng = c.get(&ep).await;
    assert!(eng.text.contains("id=\"act-accept\"") && !eng.text.contains("id=\"act-complete\""));
    let r = c.submit(&ep, &format!("{ep}/act"), &[("action", "accept")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let eng = c.get(&ep).await;
    assert!(eng.text.contains("data-state=\"confirmed\"") && eng.text.contains("id=\"act-cancel\""));

    // The worker checks in at 08:00 and out at 12:00 (through the API, on the app's clock).
    let start = DateTime::parse_from_rfc3339(&at(2, 8)).unwrap().naive_utc();
    app.clock.advance(start - app.clock.now());
    let here = json!({"lat": 39.9087, "lng": 116.4605});
    app.post(&format!("/api/v1/engagements/{e}/check-in"), Some(&worker), here.clone()).await.assert(200);
    app.clock.advance(chrono::Duration::hours(4));
    let r = app.post(&format!("/api/v1/engagements/{e}/check-out"), Some(&worker), here).await;
    r.assert(200);
    let slot = r.body["slots"][0]["id"].as_i64().unwrap();

    // The employer confirms the record and completes with the computed pay: 4 h at 35 元 = 140 元.
    let eng = c.get(&ep).await;
    assert!(eng.text.contains(&format!("id=\"confirm-{slot}\"")) && eng.text.contains("id=\"act-complete\""));
    // A correction out of range is said at its field; one within it is kept.
    let day = &at(2, 8)[..10];
    let (late, right_in, right_out) = (format!("{day}T23:00"), format!("{day}T08:00"), format!("{day}T12:00"));
    let r = c
        .submit(&ep, &format!("{ep}/act"), &[("action", "correct_attendance"), ("slot_id", &slot.to_string()), ("check_in", &right_in), ("check_out", &late)])
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"check_out-error\""));
    let r = c
        .submit(
            &ep,
            &format!("{ep}/act"),
            &[("action", "correct_attendance"), ("slot_id", &slot.to_string()), ("check_in", &right_in), ("check_out", &right_out)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(c.get(&ep).await.text.contains("已更正"), "the record says it was corrected");
    let r = c.submit(&ep, &format!("{ep}/act"), &[("action", "confirm_attendance"), ("slot_id", &slot.to_string())]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    // A bad amount is said at its field.
    let r = c.submit(&ep, &format!("{ep}/act"), &[("action", "complete"), ("amount_yuan", "12.345")]).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("id=\"amount_fen-error\""));
    let r = c.submit(&ep, &format!("{ep}/act"), &[("action", "complete"), ("amount_yuan", ""), ("hours", "")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let eng = c.get(&ep).await;
    assert!(eng.text.contains("data-state=\"completed\""));
    assert!(eng.text.contains("id=\"amount-recorded\">140<") && eng.text.contains("id=\"amount-computed\">140<"), "{}", eng.text);

    // And rates the worker.
    let r = c.submit(&ep, &format!("{ep}/rate"), &[("score", "5"), ("comment", "准时，干活仔细")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(c.get(&r.location()).await.text.contains("id=\"rated-notice\""));
    let api = app.get(&format!("/api/v1/engagements/{e}"), Some(&tok)).await;
    assert_eq!(api.body["state"], "completed");
    assert_eq!(api.body["amount_fen"], 14000);
}

#[tokio::test]
async fn every_bad_posting_value_is_said_at_its_field_and_nothing_is_posted() {
    let app = spawn_app().await;
    let mut c = employer_on_pages(&app).await;
    let tok = token(&c);
    let past = "2020-01-01";
    // (field changed, value, the error shown)
    let cases: &[(&str, &str, &str)] = &[
        ("title", "", "title-error"),
        ("title", "x", "title-error"),
        ("category", "no_such_work", "category-error"),
        ("category", "", "category-error"),
        ("description", "短", "description-error"),
        ("requirements", "", "requirements-error"),
        ("headcount", "abc", "headcount-error"),
        ("headcount", "0", "headcount-error"),
        ("headcount", "501", "headcount-error"),
        ("headcount", "2.5", "headcount-error"),
        ("address", "", "address-error"),
        ("lat", "abc", "lat-error"),
        ("lat", "95", "lat-error"),
        ("lng", "", "lat-error"),
        ("slot_date", past, "slot-0-error"),
        ("slot_date", "tomorrow", "slot-0-error"),
        ("slot_start", "25:00", "slot-0-error"),
        ("slot_end", "07:00", "slot-0-error"),
        ("pay_yuan", "abc", "pay-error"),
        ("pay_yuan", "-5", "pay-error"),
        ("pay_yuan", "12.345", "pay-error"),
        ("pay_yuan", "", "pay-error"),
        ("pay_unit", "month", "pay-error"),
        ("settlement", "monthly", "settlement-error"),
        ("settlement", "", "settlement-error"),
        ("employment_type", "forever", "employment_type-error"),
        ("take_mode", "grab", "take_mode-error"),
        ("valid_through", past, "valid_through-error"),
        ("valid_through", "soon", "valid_through-error"),
        ("valid_through", "", "valid_through-error"),
    ];
    for (field, value, shown) in cases {
        let mut form = shift_form(CLEAN);
        let slot = form.iter_mut().find(|(k, _)| k == field).expect("a field of the form");
        slot.1 = value.to_string();
        let r = c.submit("/employer/shifts/new", "/employer/shifts/new", &pairs(&form)).await;
        assert_eq!(r.status, 422, "{field}={value:?}: {}", r.text);
        assert!(r.text.contains(&format!("id=\"{shown}\"")), "{field}={value:?}: the message at {shown}: {}", r.text);
        assert!(r.text.contains("id=\"error-summary\""), "{field}={value:?}: and in the summary");
    }
    // No slot at all (every row empty) is said at the slots.
    let form: Vec<(&'static str, String)> =
        shift_form(CLEAN).into_iter().map(|(k, v)| if k.starts_with("slot_") { (k, String::new()) } else { (k, v) }).collect();
    let r = c.submit("/employer/shifts/new", "/employer/shifts/new", &pairs(&form)).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("id=\"slots-error\""), "{}", r.text);
    assert_eq!(my_shift_count(&app, &tok).await, 0, "nothing was posted");
    // The same form, fixed, posts (so each case failed for its one value).
    post_shift(&mut c, CLEAN).await;
    assert_eq!(my_shift_count(&app, &tok).await, 1);
}

#[tokio::test]
async fn the_form_starts_from_a_template_or_an_earlier_shift_and_prefills_the_profile_point() {
    let app = spawn_app().await;
    let mut c = employer_on_pages(&app).await;
    let blank = c.get("/employer/shifts/new?utm_source=x").await;
    assert_eq!(blank.status, 200);
    assert!(blank.text.contains("value=\"北京市朝阳区建国路88号\"") && blank.text.contains("value=\"39.9087\""), "the profile's address and point");
    let t = c.get("/employer/shifts/new?template=moving").await;
    assert!(t.text.contains("搬家搬运工") && t.text.contains("<option value=\"moving\" selected>"));
    let id = post_shift(&mut c, "负责小区住户搬家，家具和纸箱的搬运装车。").await;
    let again = c.get(&format!("/employer/shifts/new?from={id}")).await;
    assert!(again.text.contains("负责小区住户搬家"), "the earlier shift's text");
    // Another employer's shift, or none, gives the blank form.
    let mut other = employer_on_pages(&app).await;
    let theirs = other.get(&format!("/employer/shifts/new?from={id}")).await;
    assert_eq!(theirs.status, 200);
    assert!(!theirs.text.contains("负责小区住户搬家"));
    assert_eq!(other.get(&format!("/employer/shifts/{id}")).await.status, 403, "nor its page");
}

#[tokio::test]
async fn matching_workers_are_invited_applicants_declined_and_the_shift_closed_on_the_page() {
    let app = spawn_app().await;
    let mut c = employer_on_pages(&app).await;
    let tok = token(&c);
    let me = app.get("/api/v1/employers/me", Some(&tok)).await;
    let m = app.staff("moderator").await;
    app.post(&format!("/api/v1/employers/{}/verify", me.body["id"]), Some(&m), json!({})).await.assert(200);
    let shift = post_shift(&mut c, CLEAN).await;
    let sp = format!("/employer/shifts/{shift}");

    // A worker whose availability fits is offered, with a masked name, and invited.
    let (w1, w1_id) = app.worker().await;
    make_available(&app, &w1, w1_id, shift, &tok).await;
    let page = c.get(&sp).await;
    assert!(page.text.contains(&format!("id=\"invite-{w1_id}\"")) && page.text.contains("李**"), "{}", page.text);
    let r = c.submit(&sp, &format!("{sp}/invite"), &[("worker_id", &w1_id.to_string())]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = c.get(&r.location()).await;
    assert!(page.text.contains("id=\"invited-notice\"") && page.text.contains("已邀请，等对方回复"));
    let r = c.submit(&sp, &format!("{sp}/invite"), &[("worker_id", &w1_id.to_string())]).await;
    assert_eq!(r.status, 409, "inviting twice is said as a page: {}", r.text);

    // Another applies and is declined with a reason.
    let (w2, _) = app.worker().await;
    let r = app.post(&format!("/api/v1/shifts/{shift}/applications"), Some(&w2), json!({})).await;
    let e2 = r.body["id"].as_i64().unwrap();
    let ep = format!("/employer/engagements/{e2}");
    let r = c.submit(&ep, &format!("{ep}/act"), &[("action", "decline"), ("reason", "人已招满")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(c.get(&ep).await.text.contains("data-state=\"declined\""));
    // A move the state does not allow is refused, not performed.
    let r = c.submit(&ep, &format!("{ep}/act"), &[("action", "accept")]).await;
    assert_eq!(r.status, 409);
    // The worker's own page is /my-work/{id}; this one is the employer's.
    let mut wc = PageClient::new(&app);
    wc.cookies.insert("lg_session".into(), w2.clone());
    assert_eq!(wc.get(&ep).await.status, 403);

    // Closing the shift.
    let r = c.submit(&sp, &format!("{sp}/close"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = c.get(&sp).await;
    assert!(page.text.contains("data-status=\"closed\"") && !page.text.contains("id=\"close-shift\""));
    assert!(c.get("/employer").await.text.contains("已关闭"));

    // Every employer form needs its form token.
    for path in [
        "/employer/shifts/new",
        "/employer/shifts/check",
        &format!("{sp}/invite"),
        &format!("{sp}/close"),
        &format!("{ep}/act"),
        &format!("{ep}/rate"),
        "/employer/profile",
    ] {
        let r = c.post(path, &[("title", "x")]).await;
        assert_eq!(r.status, 403, "{path}");
    }
}
