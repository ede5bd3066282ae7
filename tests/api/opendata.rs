//! Open data and interchange: every published shift's page carries schema.org JobPosting JSON-LD
//! that is valid against the schema.org vocabulary (tests/data, see scripts/extract-schemaorg.py)
//! and has Google's required and recommended properties, never a household's home, and cannot be
//! broken out of by hostile text; `Accept: application/ld+json` negotiates it; the sitemap splits
//! and escapes; the CSV export has a BOM, keeps to the staff member's area and makes formulas
//! inert; the CSV import reports every row, keeps whole rows only, in UTF-8 and GB18030, through
//! the API and the command line.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};

use crate::helpers::*;

// ---------------------------------------------------------------------------------------------
// The schema.org check.
// ---------------------------------------------------------------------------------------------

const VOCABULARY: &str = include_str!("../data/schemaorg-jobposting.json");

struct Vocab {
    supers: BTreeMap<String, Vec<String>>,
    props: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

impl Vocab {
    fn load() -> Vocab {
        let v: Value = serde_json::from_str(VOCABULARY).unwrap();
        let mut supers = BTreeMap::new();
        let mut props = BTreeMap::new();
        for (name, c) in v["classes"].as_object().unwrap() {
            supers.insert(name.clone(), c["super"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect());
            let p: BTreeMap<String, Vec<String>> = c["properties"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, r)| (k.clone(), r.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()))
                .collect();
            props.insert(name.clone(), p);
        }
        assert!(props["JobPosting"].contains_key("directApply") && props["Thing"].contains_key("name"), "the vocabulary is the real one");
        Vocab { supers, props }
    }

    /// The class and every class it is a subclass of.
    fn lineage(&self, class: &str) -> Vec<String> {
        let mut out = vec![class.to_string()];
        let mut i = 0;
        while i < out.len() {
            for s in self.supers.get(&out[i]).into_iter().flatten() {
                if !out.contains(s) {
                    out.push(s.clone());
                }
            }
            i += 1;
        }
        out
    }

    fn range_of(&self, class: &str, prop: &str) -> Option<Vec<String>> {
        self.lineage(class).iter().find_map(|c| self.props.get(c)?.get(prop).cloned())
    }

    /// Every property of every node is a property of the node's type (or a supertype), and every
    /// value is within the property's range.
    fn check(&self, node: &Value, path: &str, errs: &mut Vec<String>) {
        let Some(class) = node["@type"].as_str() else {
            errs.push(format!("{path}: no @type"));
            return;
        };
        if !self.props.contains_key(class) {
            errs.push(format!("{path}: unknown type {class}"));
            return;
        }
        for (k, v) in node.as_object().unwrap() {
            if k == "@type" || k == "@context" {
                continue;
            }
            let Some(range) = self.range_of(class, k) else {
                errs.push(format!("{path}.{k}: not a property of {class}"));
                continue;
            };
            let values: Vec<&Value> = match v {
                Value::Array(items) => items.iter().collect(),
                v => vec![v],
            };
            for v in values {
                self.check_value(v, &range, &format!("{path}.{k}"), errs);
            }
        }
    }

    fn check_value(&self, v: &Value, range: &[String], path: &str, errs: &mut Vec<String>) {
        let has = |t: &str| range.iter().any(|r| r == t);
        let ok = match v {
            Value::Object(_) => {
                let t = v["@type"].as_str().unwrap_or("");
                let fits = self.lineage(t).iter().any(|c| has(c));
                if fits {
                    self.check(v, path, errs);
                }
                fits
            }
            Value::String(s) => {
                has("Text")
                    || (has("URL") && (s.starts_with("https://") || s.starts_with("http://")))
                    || (has("DateTime") && chrono::DateTime::parse_from_rfc3339(s).is_ok())
                    || (has("Date") && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
            }
            Value::Number(n) => has("Number") || has("Float") || (has("Integer") && n.is_i64()),
            Value::Bool(_) => has("Boolean"),
            _ => false,
        };
        if !ok {
            errs.push(format!("{path}: {v} is not one of {range:?}"));
        }
        // A value given as text where a date is expected must still be a date.
        if let Value::String(s) = v
            && !has("Text")
        {
            let dated = (has("DateTime") && chrono::DateTime::parse_from_rfc3339(s).is_ok())
                || (has("Date") && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
                || (has("URL") && s.starts_with("http"));
            if !dated {
                errs.push(format!("{path}: {s:?} has not the form of {range:?}"));
            }
        }
    }
}

/// Google's JobPosting structured data: required and recommended properties.
const GOOGLE_REQUIRED: &[&str] = &["title", "description", "datePosted", "hiringOrganization", "jobLocation"];
const GOOGLE_RECOMMENDED: &[&str] = &["validThrough", "employmentType", "baseSalary", "directApply", "identifier"];

#[track_caller]
fn assert_valid_jobposting(ld: &Value, with_salary: bool) {
    let vocab = Vocab::load();
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "JobPosting");
    let mut errs = Vec::new();
    vocab.check(ld, "JobPosting", &mut errs);
    assert!(errs.is_empty(), "{}\n{ld:#}", errs.join("\n"));
    for p in GOOGLE_REQUIRED {
        assert!(ld.get(*p).is_some_and(|v| !v.is_null() && v != ""), "required {p} missing: {ld:#}");
    }
    for p in GOOGLE_RECOMMENDED.iter().filter(|p| with_salary || **p != "baseSalary") {
        assert!(ld.get(*p).is_some(), "recommended {p} missing: {ld:#}");
    }
    assert!(ld["hiringOrganization"]["name"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(ld["jobLocation"]["address"]["addressCountry"], "CN");
    assert_eq!(ld["directApply"], true);
    if with_salary {
        assert_eq!(ld["baseSalary"]["currency"], "CNY");
        assert!(["HOUR", "DAY"].contains(&ld["baseSalary"]["value"]["unitText"].as_str().unwrap()));
    }
}

#[test]
fn the_checker_refuses_what_schema_org_does_not_define() {
    let vocab = Vocab::load();
    let good = json!({"@type": "JobPosting", "title": "保洁", "datePosted": "2026-12-05T08:00:00+08:00", "totalJobOpenings": 3,
        "hiringOrganization": {"@type": "Organization", "name": "某公司"}});
    let mut errs = Vec::new();
    vocab.check(&good, "x", &mut errs);
    assert!(errs.is_empty(), "{errs:?}");
    for (bad, why) in [
        (json!({"@type": "JobPosting", "salary": 3}), "no such property"),
        (json!({"@type": "JobPosting", "hiringOrganization": {"@type": "Place"}}), "a Place is no Organization"),
        (json!({"@type": "JobPosting", "datePosted": "soon"}), "not a date"),
        (json!({"@type": "JobPosting", "totalJobOpenings": 2.5}), "not an integer"),
        (json!({"@type": "JobPosting", "directApply": "yes"}), "not a boolean"),
        (
            json!({"@type": "JobPosting", "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress", "latitude": 1}}}),
            "latitude is GeoCoordinates'",
        ),
        (json!({"@type": "Job"}), "no such type"),
    ] {
        let mut errs = Vec::new();
        vocab.check(&bad, "x", &mut errs);
        assert!(!errs.is_empty(), "{why}: {bad}");
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------------------------

async fn post_shift(app: &TestApp, token: &str, body: Value) -> (i64, String) {
    let r = app.post("/api/v1/shifts", Some(token), body).await;
    r.assert(201);
    (r.body["id"].as_i64().unwrap(), r.body["status"].as_str().unwrap().to_string())
}

/// The page's JSON-LD script, as a browser's HTML parser would end it (at the first `</script`).
fn page_jsonld(html: &str) -> Option<Value> {
    let open = "<script type=\"application/ld+json\" id=\"jobposting-jsonld\">";
    let start = html.find(open)? + open.len();
    let end = start + html[start..].to_ascii_lowercase().find("</script")?;
    let text = &html[start..end];
    assert!(!text.contains("<!--"), "a comment opener inside the script: {text}");
    Some(serde_json::from_str(text).unwrap_or_else(|e| panic!("the script is not JSON ({e}): {text}")))
}

/// The shift's page, signed in (by the session cookie pages read) when `token` is given.
async fn page(app: &TestApp, id: i64, token: Option<&str>) -> String {
    let mut req = app.client.get(format!("{}/shifts/{id}", app.addr));
    if let Some(t) = token {
        req = req.header("Cookie", format!("lg_session={t}"));
    }
    let r = app.send(req, None).await;
    r.assert(200);
    r.text
}

async fn ld(app: &TestApp, id: i64, accept: &str, token: Option<&str>) -> Resp {
    app.send(app.client.get(format!("{}/api/v1/shifts/{id}", app.addr)).header("Accept", accept), token).await
}

async fn household(app: &TestApp) -> (String, i64) {
    let (token, _, _) = app.register("employer").await;
    let mut body = employer_body();
    body["name"] = json!("张女士");
    body["kind"] = json!("household");
    body.as_object_mut().unwrap().remove("credit_code");
    body["address"] = json!(HOME);
    let r = app.put("/api/v1/employers/me", Some(&token), body).await;
    r.assert(200);
    let id = r.body["id"].as_i64().unwrap();
    let m = app.staff("moderator").await;
    app.post(&format!("/api/v1/employers/{id}/verify"), Some(&m), json!({})).await.assert(200);
    (token, id)
}

const HOME: &str = "北京市朝阳区建国路88号院3号楼2单元501";

// ---------------------------------------------------------------------------------------------
// JSON-LD.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn published_shift_pages_carry_valid_jobposting_json_ld() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    // Each pay unit: per hour and per day as given, per shift as its per-hour figure, per piece
    // through its minutes per piece (5 元 at 6 minutes is 50 元 an hour), and a piece rate without
    // that estimate without a salary (it has no per-hour figure).
    let mut checked = 0;
    for (amount, unit, minutes, expect) in [
        (3500, "hour", None, Some((35.0, "HOUR"))),
        (24000, "day", None, Some((240.0, "DAY"))),
        (12000, "shift", None, Some((30.0, "HOUR"))),
        (500, "piece", Some(6), Some((50.0, "HOUR"))),
        (200, "piece", None, None),
    ] {
        let mut b = shift_body();
        b["pay"] = json!({"amount_fen": amount, "unit": unit});
        if let Some(m) = minutes {
            b["minutes_per_piece"] = json!(m);
        }
        if unit == "day" || unit == "shift" {
            b["slots"] = json!([{"start": at(2, 8), "end": at(2, 12)}]);
        }
        let (id, status) = post_shift(&app, &employer, b).await;
        if status != "published" {
            // A piece rate without its minutes cannot be checked against the hourly wage floor: a
            // moderator looks.
            assert_eq!((unit, minutes), ("piece", None), "{unit}: {status}");
            let staff = app.staff("moderator").await;
            app.post(&format!("/api/v1/moderation/shifts/{id}/approve"), Some(&staff), json!({})).await.assert(200);
        }
        for token in [None, Some(employer.as_str())] {
            let ld = page_jsonld(&page(&app, id, token).await).expect("a published shift's page has JSON-LD");
            assert_valid_jobposting(&ld, expect.is_some());
            assert_eq!(ld["title"], "家庭保洁员（日结）");
            assert_eq!(ld["identifier"]["value"], id.to_string());
            assert!(ld["url"].as_str().unwrap().ends_with(&format!("/shifts/{id}")));
            assert_eq!(ld["jobLocation"]["address"]["streetAddress"], "北京市朝阳区建国路88号");
            assert_eq!(ld["jobLocation"]["address"]["addressRegion"], "北京市");
            assert_eq!(ld["jobLocation"]["address"]["addressLocality"], "朝阳区");
            assert_eq!(ld["jobLocation"]["geo"]["latitude"], 39.9087);
            assert_eq!(ld["employmentType"], "TEMPORARY");
            match expect {
                Some((value, unit_text)) => {
                    assert_eq!(ld["baseSalary"]["value"]["value"], value, "{unit}");
                    assert_eq!(ld["baseSalary"]["value"]["unitText"], unit_text);
                }
                None => assert!(ld.get("baseSalary").is_none(), "a piece rate has no hourly figure to give: {ld}"),
            }
            // The API's JSON-LD is the page's.
            let r = ld_resp_body(&app, id).await;
            assert_eq!(r, ld);
            checked += 1;
        }
    }
    assert_eq!(checked, 10);
    // 非全日制用工 is Google's PART_TIME.
    let mut b = shift_body();
    b["employment_type"] = json!("part_time");
    let (id, status) = post_shift(&app, &employer, b).await;
    if status == "published" {
        assert_eq!(page_jsonld(&page(&app, id, None).await).unwrap()["employmentType"], "PART_TIME");
    }
    // The category's 职业分类大典 code, where it has one.
    let mut b = shift_body();
    b["category"] = json!("delivery");
    let (id, _) = post_shift(&app, &employer, b).await;
    let ld = page_jsonld(&page(&app, id, None).await).unwrap();
    assert_valid_jobposting(&ld, true);
    assert_eq!(ld["occupationalCategory"]["codeValue"], "4-02-07-10");
}

async fn ld_resp_body(app: &TestApp, id: i64) -> Value {
    let r = ld(app, id, "application/ld+json", None).await;
    r.assert(200);
    assert_eq!(r.headers["content-type"], "application/ld+json");
    r.body
}

#[tokio::test]
async fn unpublished_shifts_have_no_json_ld() {
    let app = spawn_app().await;
    // An unverified employer's shift waits for review.
    let (employer, _) = app.employer(false).await;
    let (id, status) = post_shift(&app, &employer, shift_body()).await;
    assert_eq!(status, "pending_review");
    assert!(page_jsonld(&page(&app, id, Some(&employer)).await).is_none(), "no JSON-LD for a shift waiting for review, even for its owner");
    app.get(&format!("/shifts/{id}"), None).await.assert(404);
    // The owner asking only for JSON-LD: 406; JSON-LD or JSON: JSON; the public: not found.
    ld(&app, id, "application/ld+json", Some(&employer)).await.assert_error(406, "not_acceptable");
    let r = ld(&app, id, "application/ld+json, application/json;q=0.5", Some(&employer)).await;
    r.assert(200);
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(r.body["id"], id);
    ld(&app, id, "application/ld+json", None).await.assert_error(404, "not_found");
    ld(&app, 987_654, "application/ld+json", None).await.assert_error(404, "not_found");
    // Closed: readable, no longer a job posting.
    let (verified, _) = app.employer(true).await;
    let (id, _) = post_shift(&app, &verified, shift_body()).await;
    assert!(page_jsonld(&page(&app, id, None).await).is_some());
    app.post(&format!("/api/v1/shifts/{id}/close"), Some(&verified), json!({})).await.assert(200);
    assert!(page_jsonld(&page(&app, id, None).await).is_none(), "a closed shift is no job posting");
    let r = ld(&app, id, "application/ld+json, */*;q=0.1", None).await;
    r.assert(200);
    assert_eq!(r.body["status"], "closed");
}

#[tokio::test]
async fn accept_negotiates_json_ld_and_never_refuses_json() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let (id, _) = post_shift(&app, &employer, shift_body()).await;
    for (accept, is_ld) in [
        ("application/ld+json", true),
        ("application/ld+json; profile=\"https://schema.org\"", true),
        ("application/ld+json, application/json;q=0.9", true),
        ("application/ld+json;q=0.8, application/json", false),
        ("application/json", false),
        ("*/*", false),
        ("text/html", false),
        ("image/png", false),
        ("", false),
        ("application/ld+json;q=0", false),
        (";;;,,,", false),
    ] {
        let r = ld(&app, id, accept, None).await;
        r.assert(200);
        let ct = r.headers["content-type"].to_str().unwrap().to_string();
        if is_ld {
            assert_eq!(ct, "application/ld+json", "{accept}");
            assert_valid_jobposting(&r.body, true);
        } else {
            assert!(ct.starts_with("application/json"), "{accept}: {ct}");
            assert_eq!(r.body["id"], id, "{accept}");
        }
        assert!(r.headers.get("vary").is_some_and(|v| v.to_str().unwrap().contains("Accept")), "{accept}");
    }
    // Without any Accept header: JSON.
    let r = app.get(&format!("/api/v1/shifts/{id}"), None).await;
    r.assert(200);
    assert_eq!(r.body["id"], id);
    // The document says so.
    use utoipa::OpenApi;
    let doc = serde_json::to_value(lingong::routes::docs::ApiDoc::openapi()).unwrap();
    let ok = &doc["paths"]["/api/v1/shifts/{id}"]["get"]["responses"]["200"]["content"];
    assert!(ok["application/ld+json"].is_object() && ok["application/json"].is_object(), "{ok}");
}

#[tokio::test]
async fn a_households_json_ld_names_its_district_only() {
    let app = spawn_app().await;
    let (owner, _) = household(&app).await;
    let mut b = shift_body();
    b["address"] = json!(HOME);
    let (id, status) = post_shift(&app, &owner, b).await;
    assert_eq!(status, "published");
    let staff = app.staff("moderator").await;
    // Whoever looks at the page — the public, the owner, staff, who all see different places on
    // the page itself — the JSON-LD is public data: the district only.
    for token in [None, Some(owner.as_str()), Some(staff.as_str())] {
        let html = page(&app, id, token).await;
        let ld = page_jsonld(&html).unwrap();
        assert_valid_jobposting(&ld, true);
        let text = ld.to_string();
        assert!(!text.contains("88号") && !text.contains("501") && !text.contains("建国路"), "the home leaks: {text}");
        let address = &ld["jobLocation"]["address"];
        assert!(address.get("streetAddress").is_none(), "{address}");
        assert_eq!(address["addressLocality"], "朝阳区");
        let geo = &ld["jobLocation"]["geo"];
        assert!(geo["latitude"] != 39.9087 && geo["longitude"] != 116.4605, "the exact point leaks: {geo}");
        assert_eq!(ld_resp_body(&app, id).await, ld);
    }
}

#[tokio::test]
async fn hostile_titles_cannot_break_out_of_the_script() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let pieces = ["</script>", "</SCRIPT >", "<!--", "-->", "<script>", "]]>", "\u{2028}", "\"}", "\\", "&lt;", "</scr<!--ipt>", "<\u{0}/script>"];
    let mut seen = 0;
    for (i, a) in pieces.iter().enumerate() {
        let b_piece = pieces[(i * 5 + 3) % pieces.len()];
        let title = format!("保洁{a}工作{b_piece}");
        let mut b = shift_body();
        b["title"] = json!(title);
        let r = app.post("/api/v1/shifts", Some(&employer), b).await;
        if r.status != 201 {
            // Text the field rules refuse never reaches a page.
            r.assert(422);
            continue;
        }
        let id = r.body["id"].as_i64().unwrap();
        if r.body["status"] != "published" {
            continue; // held for review: no JSON-LD yet
        }
        let html = page(&app, id, None).await;
        let ld = page_jsonld(&html).expect("the script is whole");
        assert_eq!(ld["title"], r.body["title"], "{title:?}");
        // Exactly one JSON-LD script, and the rest of the page is still there after it.
        assert_eq!(html.matches("application/ld+json").count(), 1);
        assert!(html.contains("id=\"shift-title\""));
        seen += 1;
    }
    assert!(seen >= 6, "most hostile titles are stored, published and shown: {seen}");
}

// ---------------------------------------------------------------------------------------------
// Sitemap.
// ---------------------------------------------------------------------------------------------

fn locs(xml: &str) -> Vec<String> {
    xml.split("<loc>").skip(1).map(|p| p.split("</loc>").next().unwrap().to_string()).collect()
}

#[tokio::test]
async fn the_sitemap_lists_published_shifts_in_files_of_the_configured_size() {
    let app = spawn_with(|c| c.open_data.sitemap_page_size = 2).await;
    let (employer, _) = app.employer(true).await;
    let (pending, _) = app.employer(false).await;
    let mut published = Vec::new();
    for _ in 0..5 {
        published.push(post_shift(&app, &employer, shift_body()).await.0);
    }
    let (hidden, _) = post_shift(&app, &pending, shift_body()).await;
    let r = app.get("/sitemap.xml", None).await;
    r.assert(200);
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("application/xml"));
    assert!(r.text.starts_with("<?xml") && r.text.contains("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
    let files = locs(&r.text);
    assert_eq!(files.len(), 3, "5 shifts at 2 a file: {}", r.text);
    assert_eq!(r.text.matches("<lastmod>").count(), 3);
    let mut listed = Vec::new();
    for (n, f) in files.iter().enumerate() {
        assert_eq!(f, &format!("{}/sitemaps/shifts-{}.xml", app.config.server.public_url, n + 1));
        let r = app.get(&format!("/sitemaps/shifts-{}.xml", n + 1), None).await;
        r.assert(200);
        assert!(r.text.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
        let urls = locs(&r.text);
        assert!(urls.len() <= 2 && !urls.is_empty());
        assert_eq!(r.text.matches("<lastmod>").count(), urls.len());
        listed.extend(urls);
    }
    let expected: Vec<String> = published.iter().map(|id| format!("{}/shifts/{id}", app.config.server.public_url)).collect();
    assert_eq!(listed, expected, "every published shift once, in order");
    assert!(!listed.iter().any(|u| u.ends_with(&format!("/shifts/{hidden}"))), "no unpublished shift");
    for bad in ["shifts-4.xml", "shifts-0.xml", "shifts-01.xml", "shifts-x.xml", "other.xml"] {
        app.get(&format!("/sitemaps/{bad}"), None).await.assert(404);
    }
    let robots = app.get("/robots.txt", None).await;
    robots.assert(200);
    assert!(robots.text.lines().any(|l| l == format!("Sitemap: {}/sitemap.xml", app.config.server.public_url)), "{}", robots.text);
    assert!(robots.text.contains("Disallow: /api/"));
}

#[tokio::test]
async fn the_sitemap_escapes_what_it_writes() {
    // The public origin is the one configured text in the sitemap: one with XML's special
    // characters in its port-free host cannot exist, so the escaping is shown through the path.
    let app = spawn_app().await;
    let r = app.get("/sitemap.xml", None).await;
    r.assert(200);
    assert_eq!(locs(&r.text).len(), 1, "an empty market still has one (empty) file");
    let f = app.get("/sitemaps/shifts-1.xml", None).await;
    f.assert(200);
    assert!(locs(&f.text).is_empty());
    for raw in ["a&b", "<x>", "'\""] {
        let escaped = lingong::services::opendata::sitemap::xml_escape(raw);
        assert!(!escaped.contains(['<', '>', '\'', '"']) && escaped.matches('&').count() == escaped.matches(';').count(), "{escaped}");
    }
}

// ---------------------------------------------------------------------------------------------
// CSV export.
// ---------------------------------------------------------------------------------------------

async fn export_raw(app: &TestApp, query: &str, token: &str) -> (u16, String, Vec<u8>) {
    let r = app.client.get(format!("{}/api/v1/shifts/export.csv{query}", app.addr)).bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

fn csv_rows(bytes: &[u8]) -> Vec<BTreeMap<String, String>> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a UTF-8 byte-order mark first");
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let headers = r.headers().unwrap().clone();
    r.records().map(|rec| headers.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()).collect()
}

#[tokio::test]
async fn export_is_bom_utf8_within_the_staff_area_and_formula_safe() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    // Titles a spreadsheet would run.
    let hostile = ["=1+1 保洁", "+保洁员 急招", "-保洁 日结", "@保洁 周末", "=SUM(1,2) 保洁"];
    let mut ids = Vec::new();
    for t in hostile {
        let mut b = shift_body();
        b["title"] = json!(t);
        let (id, status) = post_shift(&app, &employer, b).await;
        if status == "published" {
            ids.push(id);
        }
    }
    assert!(ids.len() >= 3, "most formula titles are published: {}", ids.len());
    // A shift in Shenzhen, outside the Beijing station's area.
    let (far_employer, _) = app.employer(true).await;
    let mut b = shift_body();
    b["address"] = json!("深圳市南山区科技园");
    b["lat"] = json!(22.5405);
    b["lng"] = json!(113.9345);
    let (far, far_status) = post_shift(&app, &far_employer, b).await;
    assert_eq!(far_status, "published");
    let all_published = ids.len() as u64 + 1;
    eventually(std::time::Duration::from_secs(10), || async {
        app.get("/api/v1/shifts/search?limit=100", None).await.body["total"].as_u64().unwrap_or(0) >= all_published
    })
    .await;

    let station = app.station().await;
    let (status, ct, bytes) = export_raw(&app, "", &station.staff).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert!(ct.starts_with("text/csv"), "{ct}");
    let rows = csv_rows(&bytes);
    let got: HashSet<i64> = rows.iter().map(|r| r["id"].parse().unwrap()).collect();
    assert_eq!(got, ids.iter().copied().collect(), "the station's area only, not Shenzhen ({far})");
    for r in &rows {
        let title = &r["title"];
        assert!(title.starts_with('\''), "a formula start is made text: {title}");
        assert!(hostile.contains(&&title[1..]), "{title}");
        assert!(!r["pay_yuan"].starts_with(['=', '+', '-', '@']));
        assert_eq!(r["pay_yuan"], "35.00");
    }
    // Every cell of the file: none starts a formula.
    let mut rd = csv::Reader::from_reader(&bytes[3..]);
    for rec in rd.records() {
        for cell in rec.unwrap().iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?}");
        }
    }
    // An admin without a scope sees everything; a filter is the search's (unknown parameters refused).
    let admin = app.staff("admin").await;
    let (_, _, all) = export_raw(&app, "", &admin).await;
    assert_eq!(csv_rows(&all).len() as u64, all_published);
    let (_, _, none) = export_raw(&app, "?category=moving", &admin).await;
    assert_eq!(csv_rows(&none).len(), 0);
    let (status, _, _) = export_raw(&app, "?categroy=moving", &admin).await;
    assert_eq!(status, 422);
    let (status, _, _) = export_raw(&app, "?pay_unit=month", &admin).await;
    assert_eq!(status, 422);
    // Not for employers or workers, nor anonymous.
    let (worker, _) = app.worker().await;
    assert_eq!(export_raw(&app, "", &worker).await.0, 403);
    assert_eq!(export_raw(&app, "", &employer).await.0, 403);
    app.get("/api/v1/shifts/export.csv", None).await.assert_error(401, "unauthorized");
}

// ---------------------------------------------------------------------------------------------
// CSV import.
// ---------------------------------------------------------------------------------------------

const HEADER: &str =
    "employer_id,title,description,requirements,category,headcount,pay_yuan,pay_unit,settlement,employment_type,address,lat,lng,slots,valid_through";

fn row(employer: &str, title: &str, pay: &str, slots: &str) -> String {
    format!(
        "{employer},{title},负责家庭日常保洁和整理，工具齐全。,身体健康,cleaning,2,{pay},hour,daily,gig,北京市朝阳区建国路88号,39.9087,116.4605,{slots},{}",
        at(2, 0)
    )
}

fn good_slots() -> String {
    format!("{}/{};{}/{}", at(2, 8), at(2, 12), at(3, 8), at(3, 12))
}

async fn import(app: &TestApp, token: &str, mode: &str, body: Vec<u8>) -> Resp {
    let r = app.client.post(format!("{}/api/v1/shifts/import?mode={mode}", app.addr)).header("Content-Type", "text/csv").body(body);
    app.send(r, Some(token)).await
}

async fn shift_count(app: &TestApp, token: &str) -> usize {
    app.get("/api/v1/employers/me/shifts?limit=100", Some(token)).await.body["items"].as_array().unwrap().len()
}

/// A file with good rows (2 and 4) and bad ones: a missing title (3), pay that is not a number
/// and an overlapping slot pair (5), an employer the station may not post for (6).
fn mixed_file(near: i64, far: i64) -> String {
    let overlap = format!("{}/{};{}/{}", at(2, 8), at(2, 12), at(2, 10), at(2, 14));
    [
        HEADER.to_string(),
        row(&near.to_string(), "家庭保洁（导入一）", "35", &good_slots()),
        row(&near.to_string(), "", "35", &good_slots()),
        row(&near.to_string(), "家庭保洁（导入二）", "35.50", &good_slots()),
        row(&near.to_string(), "家庭保洁（导入三）", "三十五", &overlap),
        row(&far.to_string(), "家庭保洁（导入四）", "35", &good_slots()),
    ]
    .join("\r\n")
}

/// (row, column, code) of every error, in order.
fn errors_of(report: &Value) -> Vec<(u64, String, String)> {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |e| (r["row"].as_u64().unwrap(), e["column"].as_str().unwrap().to_string(), e["code"].as_str().unwrap().to_string()))
        })
        .collect()
}

async fn far_employer(app: &TestApp) -> (String, i64) {
    let (token, _, _) = app.register("employer").await;
    let mut body = employer_body();
    body["name"] = json!("深圳南山家政服务部");
    body["kind"] = json!("individual");
    body.as_object_mut().unwrap().remove("credit_code");
    body["address"] = json!("深圳市南山区科技园");
    body["lat"] = json!(22.5405);
    body["lng"] = json!(113.9345);
    let r = app.put("/api/v1/employers/me", Some(&token), body).await;
    r.assert(200);
    (token, r.body["id"].as_i64().unwrap())
}

#[tokio::test]
async fn imports_report_every_row_and_keep_whole_rows_only() {
    let app = spawn_app().await;
    let (near_token, near) = app.employer(true).await;
    let (far_token, far) = far_employer(&app).await;
    let station = app.station().await;
    let file = mixed_file(near, far);
    let expected_errors: Vec<(u64, String, String)> = vec![
        (3, "title".into(), "required".into()),
        (5, "pay_yuan".into(), "invalid_amount".into()),
        (5, "slots".into(), "overlapping_slots".into()),
        (6, "employer_id".into(), "forbidden".into()),
    ];

    // all_or_nothing: nothing lands, every problem is named by row and column.
    let r = import(&app, &station.staff, "all_or_nothing", file.clone().into_bytes()).await;
    r.assert_error(422, "validation_failed");
    let fields: Vec<String> = r.fields();
    let want: Vec<String> = expected_errors.iter().map(|(row, col, _)| format!("rows[{row}].{col}")).collect();
    assert_eq!(fields, want, "{}", r.text);
    assert_eq!(r.field_code("rows[6].employer_id").as_deref(), Some("forbidden"));
    assert_eq!(shift_count(&app, &near_token).await, 0, "nothing imported");
    assert_eq!(shift_count(&app, &far_token).await, 0);

    // valid_rows: exactly the two good rows, each whole (its slots too).
    let r = import(&app, &station.staff, "valid_rows", file.clone().into_bytes()).await;
    r.assert(200);
    let report = &r.body;
    assert_eq!((report["rows"].as_u64(), report["imported"].as_u64(), report["failed"].as_u64()), (Some(5), Some(2), Some(3)), "{report:#}");
    assert_eq!(report["committed"], true);
    assert_eq!(report["encoding"], "UTF-8");
    assert_eq!(errors_of(report), expected_errors, "{report:#}");
    let outcomes: Vec<&str> = report["items"].as_array().unwrap().iter().map(|i| i["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["imported", "failed", "imported", "failed", "failed"]);
    let first = &report["items"][0];
    assert_eq!(first["row"], 2);
    assert_eq!(first["status"], "published");
    let e = &report["items"][1]["errors"][0];
    assert!(e["message"]["zh"].as_str().is_some_and(|m| !m.is_empty()) && e["message"]["en"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
    assert_eq!(shift_count(&app, &near_token).await, 2);
    assert_eq!(shift_count(&app, &far_token).await, 0, "the station may not post for a Shenzhen employer");
    let id = first["shift_id"].as_i64().unwrap();
    let shift = app.get(&format!("/api/v1/shifts/{id}"), None).await;
    assert_eq!(shift.body["slots"].as_array().unwrap().len(), 2, "the row whole, its slots too");
    assert_eq!(shift.body["pay"]["amount_fen"], 3500);
    let second = app.get(&format!("/api/v1/shifts/{}", report["items"][2]["shift_id"]), None).await;
    assert_eq!(second.body["pay"]["amount_fen"], 3550);
    // The employer is told, as after a desk posting; the audit log names the import.
    let admin = app.staff("admin").await;
    let audit = app.get("/api/v1/audit?target_type=shift&limit=100", Some(&admin)).await;
    let actions: Vec<&str> = audit.body["items"].as_array().unwrap().iter().filter_map(|a| a["action"].as_str()).collect();
    assert!(actions.contains(&"import.post_shift") && actions.contains(&"shifts.import"), "{actions:?}");

    // A file whose every row is good, all_or_nothing: all land.
    let good = [
        HEADER.to_string(),
        row(&near.to_string(), "家庭保洁（全好一）", "30", &good_slots()),
        row(&near.to_string(), "家庭保洁（全好二）", "30", &good_slots()),
    ]
    .join("\n");
    let r = import(&app, &station.staff, "all_or_nothing", good.into_bytes()).await;
    r.assert(200);
    assert_eq!(r.body["imported"], 2);
    assert_eq!(shift_count(&app, &near_token).await, 4);

    // A moderator may import for an employer anywhere in their scope (none: everywhere).
    let moderator = app.staff("moderator").await;
    let far_file = [
        HEADER.to_string(),
        row(&far.to_string(), "深圳保洁（导入）", "30", &good_slots())
            .replace("北京市朝阳区建国路88号,39.9087,116.4605", "深圳市南山区科技园,22.5405,113.9345"),
    ]
    .join("\n");
    let r = import(&app, &moderator, "valid_rows", far_file.into_bytes()).await;
    r.assert(200);
    assert_eq!(r.body["imported"], 1, "{}", r.text);
    // Employers and workers may not import at all.
    import(&app, &near_token, "valid_rows", b"employer_id\n1\n".to_vec()).await.assert_error(403, "forbidden");
}

#[tokio::test]
async fn gb18030_files_and_unreadable_ones() {
    let app = spawn_app().await;
    let (near_token, near) = app.employer(true).await;
    let station = app.station().await;
    let text = [HEADER.to_string(), row(&near.to_string(), "家庭保洁（国标编码）", "35", &good_slots()), row(&near.to_string(), "𠀀保洁", "35", &good_slots())]
        .join("\r\n");
    let (gb, _, _) = encoding_rs::GB18030.encode(&text);
    assert!(std::str::from_utf8(&gb).is_err(), "really not UTF-8");
    let r = import(&app, &station.staff, "all_or_nothing", gb.to_vec()).await;
    r.assert(200);
    assert_eq!(r.body["encoding"], "GB18030");
    assert_eq!(r.body["imported"], 2);
    let titles: Vec<String> = app.get("/api/v1/employers/me/shifts", Some(&near_token)).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap().to_string())
        .collect();
    assert!(titles.contains(&"家庭保洁（国标编码）".to_string()) && titles.contains(&"𠀀保洁".to_string()), "{titles:?}");
    // The employer named by its credit code (the one `employer_body` gives).
    let by_code =
        format!("{}\n{}", HEADER.replace("employer_id", "employer_credit_code"), row("91350100M000100Y43", "家庭保洁（信用代码）", "35", &good_slots()));
    let r = import(&app, &station.staff, "all_or_nothing", by_code.into_bytes()).await;
    r.assert(200);
    assert_eq!(r.body["imported"], 1, "{}", r.text);
    let unknown =
        format!("{}\n{}", HEADER.replace("employer_id", "employer_credit_code"), row("91110000000000000X", "家庭保洁（无此单位）", "35", &good_slots()));
    let r = import(&app, &station.staff, "valid_rows", unknown.into_bytes()).await;
    r.assert(200);
    assert_eq!(errors_of(&r.body), [(2, "employer_credit_code".to_string(), "not_found".to_string())]);
    // A BOM and UTF-8.
    let bom =
        [b"\xEF\xBB\xBF".as_slice(), [HEADER.to_string(), row(&near.to_string(), "家庭保洁（带BOM）", "35", &good_slots())].join("\n").as_bytes()].concat();
    let r = import(&app, &station.staff, "all_or_nothing", bom).await;
    r.assert(200);
    assert_eq!(r.body["encoding"], "UTF-8");
    // Neither encoding; no rows; unknown and duplicate columns; not CSV; too large.
    for (body, field) in [
        (b"employer_id,title\n\x81\x20,x\n".to_vec(), "file"),
        (format!("{HEADER}\n").into_bytes(), "file"),
        (format!("{HEADER},titel\n").into_bytes(), "columns.titel"),
        (format!("{HEADER},title\n").into_bytes(), "columns.title"),
        (b"title,description\nx,y\n".to_vec(), "columns"),
    ] {
        let r = import(&app, &station.staff, "valid_rows", body).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.fields(), [field], "{}", r.text);
    }
    let r = app.send(app.client.post(format!("{}/api/v1/shifts/import", app.addr)).json(&json!({"csv": "x"})), Some(&station.staff)).await;
    r.assert_error(415, "unsupported_media_type");
    let huge = vec![b'a'; app.config.open_data.import_max_bytes + 1];
    import(&app, &station.staff, "valid_rows", huge).await.assert_error(413, "payload_too_large");
    import(&app, &station.staff, "sometimes", b"employer_id\n1\n".to_vec()).await.assert_error(422, "validation_failed");
}

#[tokio::test]
async fn imports_have_their_own_rate_budget() {
    let app = spawn_with(|c| c.rate_limit.imports = 2).await;
    let (_, near) = app.employer(true).await;
    let station = app.station().await;
    let file = [HEADER.to_string(), row(&near.to_string(), "家庭保洁（限流）", "35", &good_slots())].join("\n");
    for _ in 0..2 {
        import(&app, &station.staff, "valid_rows", file.clone().into_bytes()).await.assert(200);
    }
    let r = import(&app, &station.staff, "valid_rows", file.clone().into_bytes()).await;
    r.assert_error(429, "rate_limited");
    assert!(r.headers.get("retry-after").is_some());
    // Another staff member has a budget of their own; posting shifts is not counted against it.
    let other = app.staff("moderator").await;
    import(&app, &other, "valid_rows", file.into_bytes()).await.assert(200);
}

#[tokio::test]
async fn the_command_line_imports_with_the_same_report() {
    let app = spawn_app().await;
    let (near_token, near) = app.employer(true).await;
    let (_, far) = far_employer(&app).await;
    // A moderator limited to Beijing, by phone, made the way operators make one.
    let phone = format!("137{:08}", unique() % 100_000_000);
    let out = lingong_cli(&app)
        .args(["admin", "create-user", "--role", "moderator", "--phone", &phone, "--password", "moderator-pass", "--name", "导入员"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let admin = app.staff("admin").await;
    let me = app.post("/api/v1/auth/login", None, json!({"phone": phone, "password": "moderator-pass"})).await;
    let me_id = me.body["user"]["id"].as_i64().unwrap();
    app.put(&format!("/api/v1/staff/{me_id}/scope"), Some(&admin), json!({"adcodes": ["11"]})).await.assert(204);

    let dir = tempfile::tempdir().unwrap();
    let mixed = dir.path().join("mixed.csv");
    let text = mixed_file(near, far);
    let (gb, _, _) = encoding_rs::GB18030.encode(&text);
    std::fs::write(&mixed, &gb).unwrap();
    let out = lingong_cli(&app).args(["import", "shifts"]).arg(&mixed).args(["--as", &phone, "--mode", "valid_rows"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "failed rows exit non-zero: {stdout}");
    assert!(stdout.contains("row 2: imported shift") && stdout.contains("row 4: imported shift"), "{stdout}");
    assert!(stdout.contains("row 3: failed: title (title, required)"), "{stdout}");
    assert!(stdout.contains("row 5: failed: pay_yuan") && stdout.contains("row 5: failed: slots"), "{stdout}");
    assert!(stdout.contains("row 6: failed: employer_id (employer, forbidden)"), "out of the moderator's scope: {stdout}");
    assert!(stdout.contains("2 of 5 rows imported (3 failed; committed, read as GB18030)"), "{stdout}");
    assert_eq!(shift_count(&app, &near_token).await, 2);

    // all_or_nothing by default: the same file keeps nothing.
    let out = lingong_cli(&app).args(["import", "shifts"]).arg(&mixed).args(["--as", &phone]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(stdout.contains("row 2: valid, not imported") && stdout.contains("0 of 5 rows imported"), "{stdout}");
    assert_eq!(shift_count(&app, &near_token).await, 2);

    // A clean file: exit 0.
    let good = dir.path().join("good.csv");
    std::fs::write(&good, [HEADER.to_string(), row(&near.to_string(), "家庭保洁（命令行）", "30", &good_slots())].join("\n")).unwrap();
    let out = lingong_cli(&app).args(["import", "shifts"]).arg(&good).args(["--as", &phone]).output().unwrap();
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(shift_count(&app, &near_token).await, 3);
    // A bad mode, an unknown account.
    let out = lingong_cli(&app).args(["import", "shifts"]).arg(&good).args(["--as", &phone, "--mode", "some"]).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--mode"));
    let out = lingong_cli(&app).args(["import", "shifts"]).arg(&good).args(["--as", "13900000000"]).output().unwrap();
    assert!(!out.status.success());
}

fn lingong_cli(app: &TestApp) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_lingong"));
    c.env("LINGONG_DATABASE__URL", &app.db.url).env("LINGONG_LOG__LEVEL", "warn").env_remove("LINGONG_REDIS__URL");
    c
}

// ---------------------------------------------------------------------------------------------
// Occupations.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn categories_carry_their_dictionary_code_and_new_ones_a_start_date() {
    let app = spawn_app().await;
    let list = app.get("/api/v1/categories", None).await;
    let items = list.body["items"].as_array().unwrap();
    let code_of = |c: &str| items.iter().find(|i| i["code"] == c).unwrap()["ccdo_code"].clone();
    assert_eq!(code_of("delivery"), "4-02-07-10");
    assert_eq!(code_of("other"), Value::Null, "no code guessed");
    let m = app.staff("moderator").await;
    let body = json!({"code": "pet_care", "name_zh": "宠物护理", "name_en": "Pet care", "keywords": "宠物 遛狗 喂猫", "ccdo_code": "4-10-08-02", "effective_from": "2026-12-05"});
    let r = app.post("/api/v1/categories", Some(&m), body.clone()).await;
    r.assert(201);
    assert_eq!(r.body["ccdo_code"], "4-10-08-02");
    assert_eq!(r.body["effective_from"], "2026-12-05");
    for (field, bad) in [
        ("ccdo_code", "4-10-08"),
        ("ccdo_code", "9-10-08-02"),
        ("ccdo_code", "4-1-08-02"),
        ("ccdo_code", " 4-10-08-02"),
        ("effective_from", "2026-02-30"),
        ("effective_from", "05/12/2026"),
    ] {
        let mut b = body.clone();
        b["code"] = json!(format!("pet_{}", unique()));
        b[field] = json!(bad);
        app.post("/api/v1/categories", Some(&m), b).await.assert_field(422, field, if field == "ccdo_code" { "invalid_ccdo_code" } else { "invalid_date" });
    }
    // Its keywords feed search like any category's.
    let (employer, _) = app.employer(true).await;
    let mut b = shift_body();
    b["category"] = json!("pet_care");
    b["title"] = json!("上门照看宠物");
    let (id, _) = post_shift(&app, &employer, b).await;
    eventually(std::time::Duration::from_secs(10), || async {
        let r = app.get("/api/v1/shifts/search?q=%E9%81%9B%E7%8B%97", None).await;
        r.body["items"].as_array().is_some_and(|items| items.iter().any(|i| i["shift"]["id"] == id))
    })
    .await;
}
