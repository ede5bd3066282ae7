//! The moderation console over HTTP: the queue with a fee demand marked in the posting's text,
//! rejecting with a canned reason (every bad variant answered at its field, nothing changed),
//! the employer seeing the reason and fixing it, approving, bulk decisions, the district scope,
//! reports grouped by employer with the arrears engagement behind one, resolving and taking
//! down, an employer's file, the occupation list and the audit log; and every other role kept out.

use serde_json::json;

use crate::helpers::*;
use crate::moderation_console::{arrears, staff_in};
use crate::pages::{PageClient, PageResp};

/// A page client signed in with an API token (a page session is the same token).
fn signed_in(app: &TestApp, token: &str) -> PageClient {
    let mut c = PageClient::new(app);
    c.cookies.insert("lg_session".into(), token.to_string());
    c
}

/// A borderline fee demand goes to review (a flat "需交 N 元" is not refused outright), and
/// markup typed by the employer must reach the page as text.
const FEE: &str = "负责住户家庭日常保洁，<b>厨房</b>和卫生间清洁。需交300元。";
const CLEAN: &str = "负责住户家庭日常保洁，厨房和卫生间清洁，工具由公司提供。";

async fn post_shift(app: &TestApp, employer: &str, description: &str) -> i64 {
    let mut b = shift_body();
    b["description"] = json!(description);
    let r = app.post("/api/v1/shifts", Some(employer), b).await;
    r.assert(201);
    assert_eq!(r.body["status"], "pending_review", "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

async fn status_of(app: &TestApp, token: &str, id: i64) -> String {
    app.get(&format!("/api/v1/shifts/{id}"), Some(token)).await.body["status"].as_str().unwrap().to_string()
}

/// Just the `<article>` of one posting in the queue page.
fn posting(page: &PageResp, id: i64) -> String {
    let start = page.text.find(&format!("id=\"posting-{id}\"")).unwrap_or_else(|| panic!("posting {id} is in the queue: {}", page.text));
    let rest = &page.text[start..];
    rest[..rest.find("</article>").unwrap()].to_string()
}

#[tokio::test]
async fn a_moderators_hour_on_the_console_pages() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let (moderator, moderator_id) = staff_in(&app, &admin, "moderator", Some("11")).await;
    let (shenzhen, _) = staff_in(&app, &admin, "moderator", Some("4403")).await;
    let (employer, employer_id) = app.employer(false).await;
    let id = post_shift(&app, &employer, FEE).await;
    let mut m = signed_in(&app, &moderator);
    let mut sz = signed_in(&app, &shenzhen);

    // The queue: the quoted phrase of each finding is marked where it stands, the rest escaped.
    let q = app.get("/api/v1/moderation/queue", Some(&moderator)).await;
    let item = q.body["items"].as_array().unwrap().iter().find(|i| i["shift"]["id"] == id).expect("in the API queue").clone();
    let phrases: Vec<String> = item["findings"].as_array().unwrap().iter().filter_map(|f| f["matched"].as_str().map(str::to_string)).collect();
    assert!(!phrases.is_empty() && phrases.iter().all(|p| FEE.contains(p.as_str())), "the finding quotes the text: {}", item["findings"]);
    let page = m.get("/console").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("id=\"nav-console\""), "staff have the console in the header");
    let art = posting(&page, id);
    for p in &phrases {
        assert!(art.contains(&format!("<mark>{p}</mark>")), "{p} is marked: {art}");
    }
    let escaped = art.contains("&lt;b&gt;厨房&lt;/b&gt;") || art.contains("&#60;b&#62;厨房&#60;/b&#62;");
    assert!(escaped && !art.contains("<b>"), "the employer's markup is shown as text: {art}");
    assert!(art.contains("未认证") && art.contains("曾被驳回 0 次") && art.contains("待处理举报 0 条"), "the employer's record: {art}");
    assert!(art.contains(&format!("href=\"/console/employers/{employer_id}\"")));
    for code in ["illegal_fee", "discrimination", "incomplete", "other"] {
        assert!(art.contains(&format!("<option value=\"{code}\">")), "canned reason {code}");
    }
    assert!(
        page.text.contains("id=\"shortcuts\"") && page.text.contains("<kbd>j</kbd>") && page.text.contains("/static/console."),
        "shortcuts listed and loaded"
    );

    // Another district's moderator neither sees it nor may decide it.
    let other = sz.get("/console").await;
    assert_eq!(other.status, 200);
    assert!(!other.text.contains(&format!("id=\"posting-{id}\"")), "out of district");
    let r = sz.submit("/console", &format!("/console/shifts/{id}/decide"), &[("action", "approve")]).await;
    assert_eq!(r.status, 403, "{}", r.text);
    let r = sz.submit("/console", "/console/bulk", &[("shift_ids", &id.to_string()), ("bulk_action", "reject"), ("reason_code", "incomplete")]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/console?bulk_ok=0&bulk_failed=1", "each shift fails on its own out of scope");
    assert_eq!(status_of(&app, &employer, id).await, "pending_review");

    // Every bad decision is answered on the page, at its field, and changes nothing.
    let long = "长".repeat(1001);
    let bad: [(&[(&str, &str)], &str); 4] = [
        (&[("action", "publish")], "action"),
        (&[("action", "reject"), ("reason_code", "other"), ("reason", "  ")], "reason"),
        (&[("action", "reject"), ("reason_code", "made_up")], "reason_code"),
        (&[("action", "reject"), ("reason_code", "incomplete"), ("reason", &long)], "reason"),
    ];
    for (form, field) in bad {
        let r = m.submit("/console", &format!("/console/shifts/{id}/decide"), form).await;
        assert_eq!(r.status, 422, "{form:?}: {}", r.text);
        if field != "action" {
            assert!(r.text.contains(&format!("id=\"{field}-error-{id}\"")), "{form:?}: the error is at {field}: {}", posting(&r, id));
        }
        assert_eq!(status_of(&app, &employer, id).await, "pending_review", "{form:?}");
    }

    // Rejected with a canned reason and a note: the employer reads both on its own page.
    let r = m
        .submit("/console", &format!("/console/shifts/{id}/decide"), &[("action", "reject"), ("reason_code", "illegal_fee"), ("reason", "请删除收费内容")])
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.location(), format!("/console?decided={id}&did=reject"));
    assert!(m.get(&r.location()).await.text.contains("id=\"console-notice\""));
    assert_eq!(status_of(&app, &employer, id).await, "rejected");
    let mut e = signed_in(&app, &employer);
    let mine = e.get(&format!("/employer/shifts/{id}")).await;
    assert_eq!(mine.status, 200);
    let said = mine.text.split("id=\"rejection-reason\">").nth(1).expect("the reason is on the employer's page");
    assert!(said.contains("向劳动者收取费用") && said.contains("请删除收费内容"), "{said}");

    // The employer fixes it; approving publishes it.
    let r = app.patch(&format!("/api/v1/shifts/{id}"), Some(&employer), json!({"description": CLEAN})).await;
    assert_eq!(r.body["status"], "pending_review", "{}", r.text);
    let page = m.get("/console").await;
    assert!(posting(&page, id).contains("曾被驳回 1 次"), "the past rejection is on the record");
    let r = m.submit("/console", &format!("/console/shifts/{id}/decide"), &[("action", "approve")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(status_of(&app, &employer, id).await, "published");
    assert!(!m.get("/console").await.text.contains(&format!("id=\"posting-{id}\"")), "done: out of the queue");

    // Bulk: the ticked postings, one reason; nothing ticked is answered at the form.
    let a = post_shift(&app, &employer, CLEAN).await;
    let b = post_shift(&app, &employer, CLEAN).await;
    let page = m.get("/console").await;
    assert!(page.text.contains(&format!("id=\"pick-{a}\"")) && page.text.contains("form=\"bulk-form\""));
    let r = m.submit("/console", "/console/bulk", &[("bulk_action", "reject"), ("reason_code", "incomplete")]).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("id=\"bulk-ids-error\""));
    let r = m
        .submit(
            "/console",
            "/console/bulk",
            &[("shift_ids", &a.to_string()), ("shift_ids", &b.to_string()), ("bulk_action", "reject"), ("reason_code", "other"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, 422, "other needs a note");
    assert!(r.text.contains("id=\"bulk-reason-error\""));
    let r = m
        .submit(
            "/console",
            "/console/bulk",
            &[("shift_ids", &a.to_string()), ("shift_ids", &b.to_string()), ("bulk_action", "approve"), ("reason_code", "other")],
        )
        .await;
    assert_eq!(r.location(), "/console?bulk_ok=2&bulk_failed=0");
    assert_eq!(status_of(&app, &employer, a).await, "published");
    assert_eq!(status_of(&app, &employer, b).await, "published");

    // The audit log lists the decisions (admins only).
    let mut adm = signed_in(&app, &admin);
    let log = adm.get(&format!("/console/audit?target_type=shift&target_id={id}")).await;
    assert_eq!(log.status, 200, "{}", log.text);
    let actions: Vec<&str> = log.text.split("data-action=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect();
    assert_eq!(actions, ["shift.approve", "shift.reject"]);
    assert!(log.text.contains(&format!("#{moderator_id}")) && log.text.contains("请删除收费内容"));
    let by_me = adm.get(&format!("/console/audit?actor_id={moderator_id}&target_type=shift")).await;
    assert_eq!(by_me.text.matches("data-action=\"shift.").count(), 4, "two single decisions and two in bulk");
    assert_eq!(adm.get("/console/audit?target_id=abc").await.status, 422);
    assert_eq!(m.get("/console/audit").await.status, 403, "moderators do not read the audit log");
}

#[tokio::test]
async fn reports_are_grouped_by_employer_and_open_the_engagement_behind_an_arrears_complaint() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let (moderator, moderator_id) = staff_in(&app, &admin, "moderator", Some("11")).await;
    let (shenzhen, _) = staff_in(&app, &admin, "moderator", Some("4403")).await;
    let a = arrears(&app, 2).await;
    // A second report on the same employer, and one on another employer.
    let (reporter, _) = app.worker().await;
    let r = app
        .post(
            "/api/v1/reports",
            Some(&reporter),
            json!({"target_type": "employer", "target_id": a.employer_id, "kind": "fake_job", "description": "岗位与实际工作不符"}),
        )
        .await;
    r.assert(201);
    let second = r.body["id"].as_i64().unwrap();
    // Another employer's published shift, reported (its work is days ahead: it is still open
    // after the clock moved past the arrears engagement's day).
    let (other_employer, other_id) = app.employer(true).await;
    let mut b = shift_body();
    b["slots"] = json!([{"start": at(6, 8), "end": at(6, 12)}]);
    b["valid_through"] = json!(at(6, 0));
    let s = app.post("/api/v1/shifts", Some(&other_employer), b).await;
    s.assert(201);
    let reported = s.body["id"].as_i64().unwrap();
    let r = app
        .post("/api/v1/reports", Some(&reporter), json!({"target_type": "shift", "target_id": reported, "kind": "unsafe", "description": "工地没有安全措施"}))
        .await;
    r.assert(201);
    let unsafe_report = r.body["id"].as_i64().unwrap();
    let mut m = signed_in(&app, &moderator);

    let page = m.get("/console/reports").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains(&format!("id=\"employer-group-{}\" data-reports=\"2\"", a.employer_id)), "{}", page.text);
    assert!(page.text.contains(&format!("id=\"employer-group-{other_id}\" data-reports=\"1\"")));
    let first_group = page.text.find(&format!("employer-group-{}", a.employer_id)).unwrap();
    assert!(first_group < page.text.find(&format!("employer-group-{other_id}")).unwrap(), "most reported first");
    assert!(page.text.contains(&format!("id=\"report-{}\" data-kind=\"wage_arrears\"", a.report)));
    let link = format!("href=\"/console/engagements/{}\" id=\"engagement-link-{}\"", a.engagement, a.report);
    assert!(page.text.contains(&link), "the arrears report opens its engagement");
    assert!(!page.text.contains(&format!("id=\"engagement-link-{second}\"")), "an ordinary report has none");
    let sz = signed_in(&app, &shenzhen).get("/console/reports").await;
    assert!(!sz.text.contains(&format!("employer-group-{}", a.employer_id)), "out of district");

    // The engagement: both sides, the timeline, attendance and pay; the read is audited.
    let e = m.get(&format!("/console/engagements/{}", a.engagement)).await;
    assert_eq!(e.status, 200, "{}", e.text);
    assert!(e.text.contains("data-state=\"disputed\"") && e.text.contains("李秀英") && e.text.contains("北京城市综合服务有限公司"));
    assert!(e.text.contains("id=\"amount\">140<") && e.text.contains("id=\"hours\">4.00<"), "the pay record");
    for s in ["confirmed", "checked_in", "checked_out", "completed", "disputed"] {
        assert!(e.text.contains(&format!("data-to=\"{s}\"")), "timeline has {s}");
    }
    assert!(e.text.contains("id=\"attendance\""));
    let log = app.get(&format!("/api/v1/audit?target_type=worker&target_id={}&actor_id={moderator_id}", a.worker_id), Some(&admin)).await;
    assert_eq!(log.body["items"][0]["action"], "worker.read_private");
    assert_eq!(signed_in(&app, &shenzhen).get(&format!("/console/engagements/{}", a.engagement)).await.status, 403);

    // Resolving needs an outcome; the unfounded one is dismissed; the arrears shift taken down.
    let r = m.submit("/console/reports", &format!("/console/reports/{second}/resolve"), &[("resolution", " "), ("dismissed", "true")]).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains(&format!("id=\"resolution-error-{second}\"")));
    let r = m.submit("/console/reports", &format!("/console/reports/{second}/resolve"), &[("resolution", "经核实岗位信息属实"), ("dismissed", "true")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(app.get(&format!("/api/v1/reports/{second}"), Some(&moderator)).await.body["status"], "dismissed");
    let page = m.get("/console/reports").await;
    assert!(page.text.contains(&format!("id=\"report-takedown-form-{unsafe_report}\"")), "a reported open shift can be taken down here");
    let path = format!("/console/shifts/{reported}/decide");
    let r = m.submit("/console/reports", &path, &[("action", "take_down"), ("reason_code", "other"), ("reason", ""), ("back", "/console/reports")]).await;
    assert_eq!(r.status, 422, "other needs a note");
    assert!(r.text.contains("id=\"report-groups\""), "answered on the reports page");
    let r = m
        .submit(
            "/console/reports",
            &path,
            &[("action", "take_down"), ("reason_code", "unsafe"), ("reason", "现场核实无安全措施"), ("back", "/console/reports")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.location(), format!("/console/reports?decided={reported}&did=take_down"));
    assert_eq!(status_of(&app, &other_employer, reported).await, "taken_down");
    assert_eq!(
        app.get(&format!("/api/v1/reports/{unsafe_report}"), Some(&moderator)).await.body["status"],
        "resolved",
        "acting on the shift closes its reports"
    );
    let page = m.get("/console/reports").await;
    assert!(!page.text.contains(&format!("employer-group-{other_id}")), "nothing open on that employer now");
    assert!(page.text.contains(&format!("employer-group-{}\" data-reports=\"1\"", a.employer_id)), "the arrears report is still open");

    // The employer's file: the credit code checked; verify, block and unblock with a reason.
    let (unverified, uid) = app.employer(false).await;
    let _ = unverified;
    let f = m.get(&format!("/console/employers/{uid}")).await;
    assert_eq!(f.status, 200, "{}", f.text);
    assert!(f.text.contains("data-valid=\"true\"") && f.text.contains("91350100M000100Y43") && f.text.contains("data-verified=\"false\""));
    let r = m.submit(&format!("/console/employers/{uid}"), &format!("/console/employers/{uid}/verify"), &[]).await;
    assert_eq!(r.status, 303);
    assert!(m.get(&r.location()).await.text.contains("data-verified=\"true\""));
    let r = m.submit(&format!("/console/employers/{uid}"), &format!("/console/employers/{uid}/block"), &[("reason", "x")]).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("id=\"reason-error\""));
    let r = m.submit(&format!("/console/employers/{uid}"), &format!("/console/employers/{uid}/block"), &[("reason", "核实存在欠薪")]).await;
    assert_eq!(r.status, 303);
    let f = m.get(&r.location()).await;
    assert!(f.text.contains("data-blocked=\"true\"") && f.text.contains("核实存在欠薪"));
    let r = m.submit(&format!("/console/employers/{uid}"), &format!("/console/employers/{uid}/unblock"), &[("reason", "问题已整改")]).await;
    assert_eq!(r.status, 303);
    assert!(m.get(&r.location()).await.text.contains("data-blocked=\"false\""));
    assert_eq!(signed_in(&app, &shenzhen).get(&format!("/console/employers/{uid}")).await.status, 403);
}

#[tokio::test]
async fn new_occupations_are_added_on_the_console() {
    let app = spawn_app().await;
    let moderator = app.staff("moderator").await;
    let mut m = signed_in(&app, &moderator);
    let page = m.get("/console/categories").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("data-code=\"cleaning\""));
    let form = [
        ("code", "health_steward"),
        ("name_zh", "社群健康助理员"),
        ("name_en", "Community health assistant"),
        ("group_zh", "社区服务"),
        ("keywords", "社群 健康"),
    ];
    let r = m.submit("/console/categories", "/console/categories", &form).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(m.get(&r.location()).await.text.contains("data-code=\"health_steward\""));
    let cats = app.get("/api/v1/categories", None).await;
    assert!(cats.text.contains("社群健康助理员"));
    let r = m.submit("/console/categories", "/console/categories", &form).await;
    assert_eq!(r.status, 422, "the same code twice");
    assert!(r.text.contains("id=\"code-error\"") && r.text.contains("社群健康助理员"), "the form keeps what was typed");
    let r = m.submit("/console/categories", "/console/categories", &[("code", "Bad Code"), ("name_zh", ""), ("name_en", "x")]).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("id=\"code-error\"") && r.text.contains("id=\"name_zh-error\""));
}

#[tokio::test]
async fn only_moderators_and_admins_reach_the_console() {
    let app = spawn_app().await;
    let a = arrears(&app, 2).await;
    let paths = [
        "/console".to_string(),
        "/console/reports".to_string(),
        "/console/categories".to_string(),
        format!("/console/engagements/{}", a.engagement),
        format!("/console/employers/{}", a.employer_id),
        "/console/audit".to_string(),
    ];
    // Signed out: to the sign-in page and back.
    for p in &paths {
        let r = PageClient::new(&app).get(p).await;
        assert_eq!(r.status, 303, "{p}");
        assert!(r.location().starts_with("/signin?next="), "{p}: {}", r.location());
    }
    let (worker, _) = app.worker().await;
    let station = app.staff("station_staff").await;
    let moderator = app.staff("moderator").await;
    let admin = app.staff("admin").await;
    for (who, token) in [("worker", &worker), ("employer", &a.employer), ("station_staff", &station), ("moderator", &moderator), ("admin", &admin)] {
        let mut c = signed_in(&app, token);
        let nav = c.get("/inbox").await;
        assert_eq!(nav.text.contains("id=\"nav-console\""), matches!(who, "moderator" | "admin"), "{who}: the header link");
        for p in &paths {
            let r = c.get(p).await;
            let want = match who {
                "moderator" if p == "/console/audit" => 403,
                "moderator" | "admin" => 200,
                _ => 403,
            };
            assert_eq!(r.status, want, "{who} {p}: {}", r.text);
            if want == 403 {
                assert!(r.text.contains("<html") && r.text.contains("不能这样操作"), "{who} {p}: the page error");
            }
        }
        // A decision from anyone else is refused and changes nothing.
        if !matches!(who, "moderator" | "admin") {
            let r = c.submit("/inbox", &format!("/console/shifts/{}/decide", a.shift), &[("action", "take_down"), ("reason_code", "unsafe")]).await;
            assert_eq!(r.status, 403, "{who}");
        }
    }
    assert_ne!(app.get(&format!("/api/v1/shifts/{}", a.shift), None).await.body["status"], "taken_down");
}

#[tokio::test]
async fn admins_set_a_staff_scope_on_the_console_and_the_queue_follows_it() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let (moderator, moderator_id) = staff_in(&app, &admin, "moderator", None).await;
    let (employer, _) = app.employer(false).await;
    let beijing = post_shift(&app, &employer, CLEAN).await;
    let mut sz = shift_body();
    sz["lat"] = json!(22.54);
    sz["lng"] = json!(113.93);
    let r = app.post("/api/v1/shifts", Some(&employer), sz).await;
    r.assert(201);
    let shenzhen = r.body["id"].as_i64().unwrap();
    let mut m = signed_in(&app, &moderator);
    let queue = m.get("/console").await;
    assert!(queue.text.contains(&format!("id=\"posting-{beijing}\"")) && queue.text.contains(&format!("id=\"posting-{shenzhen}\"")), "no scope: everywhere");

    // The admin's list: every staff account with its scope, a form per account.
    let mut adm = signed_in(&app, &admin);
    let page = adm.get("/console/staff").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains(&format!("id=\"staff-{moderator_id}\" data-role=\"moderator\" data-scope=\"\"")), "{}", page.text);
    assert!(page.text.contains(&format!("id=\"scope-form-{moderator_id}\"")) && page.text.contains("id=\"console-nav-staff\""));
    let form = format!("/console/staff/{moderator_id}/scope");

    // A bad code is answered at that account's field and changes nothing.
    let r = adm.submit("/console/staff", &form, &[("adcodes", "4403, 深圳")]).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.text.contains(&format!("id=\"adcodes-{moderator_id}-error\"")) && r.text.contains("value=\"4403, 深圳\""),
        "the error at the field, the typed text kept"
    );
    assert!(r.text.contains(&format!("href=\"#adcodes-{moderator_id}\"")), "the summary links to the field");
    assert!(m.get("/console").await.text.contains(&format!("id=\"posting-{beijing}\"")), "unchanged");

    // Set through the page (Chinese commas are fine): the moderator now sees Shenzhen only.
    let r = adm.submit("/console/staff", &form, &[("adcodes", "4403，")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.location(), format!("/console/staff?saved={moderator_id}"));
    let page = adm.get(&r.location()).await;
    assert!(
        page.text.contains("id=\"console-notice\"") && page.text.contains(&format!("id=\"staff-{moderator_id}\" data-role=\"moderator\" data-scope=\"4403\""))
    );
    assert!(page.text.contains("深圳市"), "the code's place is named");
    let queue = m.get("/console").await;
    assert!(queue.text.contains(&format!("id=\"posting-{shenzhen}\"")), "in district");
    assert!(!queue.text.contains(&format!("id=\"posting-{beijing}\"")), "out of district: {}", queue.text);
    let api = app.get("/api/v1/moderation/queue", Some(&moderator)).await;
    let ids: Vec<i64> = api.body["items"].as_array().unwrap().iter().map(|i| i["shift"]["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [shenzhen], "the API applies the same scope");
    let log = app.get(&format!("/api/v1/audit?target_type=user&target_id={moderator_id}"), Some(&admin)).await;
    assert_eq!(log.body["items"][0]["action"], "staff.scope", "{}", log.text);
    assert!(log.body["items"][0]["after"].to_string().contains("\"4403\""), "{}", log.text);

    // Emptied again: everywhere.
    let r = adm.submit("/console/staff", &form, &[("adcodes", " ")]).await;
    assert_eq!(r.status, 303);
    assert!(m.get("/console").await.text.contains(&format!("id=\"posting-{beijing}\"")));

    // Moderators neither read the list nor set a scope, not even their own.
    assert_eq!(m.get("/console/staff").await.status, 403);
    assert!(!m.get("/console").await.text.contains("id=\"console-nav-staff\""));
    let r = m.submit("/console", &form, &[("adcodes", "11")]).await;
    assert_eq!(r.status, 403, "{}", r.text);
    let (worker, _) = app.worker().await;
    assert_eq!(signed_in(&app, &worker).get("/console/staff").await.status, 403);
    assert_eq!(PageClient::new(&app).get("/console/staff").await.status, 303, "signed out: to the sign-in page");
}
