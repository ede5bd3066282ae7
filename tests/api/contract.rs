//! The OpenAPI document says what the server does: 405s carry `Allow`, query parameters are as
//! strict as JSON bodies, the audit log matches its schema, and every status is documented.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn every_405_lists_the_paths_methods() {
    let app = spawn_app().await;
    for (method, path, allow) in [
        ("DELETE", "/api/v1/categories", "GET, POST"),
        ("PUT", "/api/v1/shifts/1", "GET, PATCH"),
        ("POST", "/healthz", "GET"),
        ("DELETE", "/readyz", "GET"),
        ("PUT", "/metrics", "GET"),
        ("GET", "/api/v1/workers/me/calendar-token", "POST, DELETE"),
    ] {
        let r = app.req(method.parse().unwrap(), path, None, None).await;
        r.assert_error(405, "method_not_allowed");
        assert_eq!(r.headers.get("allow").and_then(|v| v.to_str().ok()), Some(allow), "{method} {path}");
    }
    // English rendering keeps the header.
    let r = app.client.delete(format!("{}/api/v1/categories", app.addr)).header("Accept-Language", "en").send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, POST");
}

#[tokio::test]
async fn unknown_and_unparsable_query_parameters_are_named() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/shifts/search?categroy=cleaning", None).await;
    r.assert_error(422, "validation_failed");
    assert_eq!(r.fields(), ["categroy"]);
    assert_eq!(r.field_code("categroy").as_deref(), Some("unknown_field"));

    let r = app.get("/api/v1/shifts/search?limit=abc", None).await;
    r.assert_error(422, "validation_failed");
    assert_eq!(r.fields(), ["limit"]);
    assert_eq!(r.field_code("limit").as_deref(), Some("invalid_type"));
    assert!(!r.text.contains("Query deserialize"), "{}", r.text);
    let en = app.client.get(format!("{}/api/v1/shifts/search?limit=abc", app.addr)).header("Accept-Language", "en").send().await.unwrap();
    let body: serde_json::Value = en.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "limit");
    assert!(body["error"]["fields"][0]["message"].as_str().unwrap().starts_with("wrong type or value"), "{body}");

    // Lists whose page parameters share the query with their own filters accept both, and only those.
    let (employer, _) = app.employer(false).await;
    app.get("/api/v1/employers/me/shifts?status=published&limit=5", Some(&employer)).await.assert(200);
    app.get("/api/v1/employers/me/engagements?limit=5&state=applied", Some(&employer)).await.assert(200);
    let r = app.get("/api/v1/employers/me/shifts?limit=5&sort=new", Some(&employer)).await;
    r.assert_error(422, "validation_failed");
    assert_eq!(r.fields(), ["sort"]);
    let r = app.get("/api/v1/employers/me/shifts?limit=x", Some(&employer)).await;
    assert_eq!(r.fields(), ["limit"]);
    // An integral decimal is an integer, as in JSON Schema; any other fraction is not.
    app.get("/api/v1/shifts/search?limit=5.0", None).await.assert(200);
    for limit in ["5.5", "5.", ".0", "5.0x"] {
        assert_eq!(app.get(&format!("/api/v1/shifts/search?limit={limit}"), None).await.fields(), ["limit"], "{limit}");
    }
    // Percent-encoding and `+` are decoded.
    app.get("/api/v1/shifts/search?q=%E4%BF%9D%E6%B4%81+%E6%97%A5%E7%BB%93", None).await.assert(200);
}

#[tokio::test]
async fn audit_entries_match_their_schema_and_each_filter_works_alone() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let moderator = app.staff("moderator").await;
    let me = app.get("/api/v1/auth/me", Some(&moderator)).await.body["id"].as_i64().unwrap();
    app.put(&format!("/api/v1/staff/{me}/scope"), Some(&admin), json!({"adcodes": ["4403"]})).await.assert(204);
    let (_, employer) = app.employer(true).await;

    let all = app.get("/api/v1/audit", Some(&admin)).await;
    all.assert(200);
    for item in all.body["items"].as_array().unwrap() {
        for k in ["before", "after"] {
            assert!(item[k].is_null() || item[k].is_object(), "{k} is an object: {item}");
        }
    }
    let scope = all.body["items"].as_array().unwrap().iter().find(|i| i["action"] == "staff.scope").expect("scope entry").clone();
    assert_eq!(scope["after"], json!({"adcodes": ["4403"]}));
    assert_eq!(scope["before"], json!({"adcodes": []}));

    let by_type = app.get("/api/v1/audit?target_type=user", Some(&admin)).await;
    by_type.assert(200);
    let items = by_type.body["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.iter().all(|i| i["target_type"] == "user"), "{}", by_type.text);
    let by_type = app.get("/api/v1/audit?target_type=employer", Some(&admin)).await;
    let items = by_type.body["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.iter().all(|i| i["target_type"] == "employer" && i["target_id"] == employer), "{}", by_type.text);
    let by_id = app.get(&format!("/api/v1/audit?target_id={me}"), Some(&admin)).await;
    assert!(by_id.body["items"].as_array().unwrap().iter().all(|i| i["target_id"] == me), "{}", by_id.text);
    let none = app.get("/api/v1/audit?target_type=nothing", Some(&admin)).await;
    assert_eq!(none.body["items"], json!([]));
}

#[test]
fn the_document_lists_every_status_an_operation_can_answer() {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(lingong::routes::docs::ApiDoc::openapi()).unwrap();
    let without_db = lingong::routes::docs::WITHOUT_DATABASE;
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or(path);
            let responses = op["responses"].as_object().unwrap();
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let mut need = |status: &str, why: &str| {
                if !responses.contains_key(status) {
                    missing.push(format!("{method} {path} ({id}) lacks {status}: {why}"));
                }
            };
            if secured {
                need("401", "secured");
            }
            if !without_db.contains(&id) {
                need("503", "touches the database");
            }
            if op["requestBody"]["content"]["application/json"].is_object() {
                need("400", "takes a JSON body");
                need("422", "takes a JSON body");
            }
            if op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["in"] == "query")) {
                need("422", "takes query parameters");
            }
            for (status, r) in responses {
                if status.starts_with('4') || status == "503" && id != "ops_readyz" {
                    let content = &r["content"];
                    let ok = content["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorBody" || content["text/html"].is_object();
                    if !ok {
                        missing.push(format!("{method} {path} ({id}): {status} has no error body"));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[tokio::test]
async fn operations_without_the_database_really_answer_without_it() {
    let app = spawn_with(|c| {
        c.database.url = "postgres://postgres@127.0.0.1:1/none".into();
        c.database.migrate_on_start = false;
        c.database.connect_timeout_secs = 1;
    })
    .await;
    for path in ["/healthz", "/metrics", "/api/v1/districts?q=4403", "/api/v1/policy", "/api/v1/moderation/reasons"] {
        app.get(path, None).await.assert(200);
    }
}

#[tokio::test]
async fn the_documented_required_fields_are_the_ones_the_server_requires() {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(lingong::routes::docs::ApiDoc::openapi()).unwrap();
    let app = spawn_app().await;
    let full = json!({"role": "worker", "phone": "13912345678", "password": "a-good-passphrase", "display_name": "张三"});
    let required: Vec<String> =
        doc["components"]["schemas"]["RegisterRequest"]["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert_eq!(required, ["role", "phone", "password", "display_name"]);
    for field in &required {
        let mut body = full.clone();
        body.as_object_mut().unwrap().remove(field);
        let r = app.post("/api/v1/auth/register", None, body).await;
        r.assert_error(422, "validation_failed");
        assert!(r.fields().contains(field), "missing {field}: {}", r.text);
    }
    let role = &doc["components"]["schemas"]["SignUpRole"]["enum"];
    assert_eq!(role, &json!(["worker", "employer"]));
    let mut staff = full.clone();
    staff["role"] = json!("moderator");
    app.post("/api/v1/auth/register", None, staff).await.assert_error(422, "validation_failed");
    // With every required field it works.
    app.post("/api/v1/auth/register", None, full).await.assert(201);
}

/// Search filters as the document states them: an empty value is "any" (every enum filter's
/// pattern admits the empty string), `from`/`to` are independent bounds in either order, a
/// zero-area `bbox` is a box, and `min_pay_fen` is documented and checked as non-negative.
#[tokio::test]
async fn search_filters_take_what_the_document_admits() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    let params = doc["paths"]["/api/v1/shifts/search"]["get"]["parameters"].as_array().unwrap().clone();
    let schema = |name: &str| params.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("{name}"))["schema"].clone();
    for name in ["pay_unit", "settlement", "employment_type", "sort"] {
        let pattern = schema(name)["pattern"].as_str().unwrap_or_else(|| panic!("{name} has no pattern")).to_string();
        assert!(pattern.ends_with(")?$"), "{name}: {pattern}");
        app.get(&format!("/api/v1/shifts/search?{name}="), None).await.assert(200);
    }
    assert_eq!(schema("min_pay_fen")["minimum"], 0);
    for (from, to) in
        [("2030-01-02T00:00:00Z", "2030-01-01T00:00:00Z"), ("2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z"), ("2030-01-01T00:00:00Z", "2030-01-02T00:00:00Z")]
    {
        app.get(&format!("/api/v1/shifts/search?from={from}&to={to}"), None).await.assert(200);
    }
    for bbox in ["0,0,0,0", "113.9,22.5,113.9,22.6", "-180,-90,180,90"] {
        app.get(&format!("/api/v1/shifts/search?bbox={bbox}"), None).await.assert(200);
    }
    for bbox in ["1,0,0,0", "0,1,0,0", "0,0,181,1"] {
        let r = app.get(&format!("/api/v1/shifts/search?bbox={bbox}"), None).await;
        assert_eq!(r.fields(), ["bbox"], "{bbox}");
    }
    assert_eq!(app.get("/api/v1/shifts/search?min_pay_fen=-1", None).await.fields(), ["min_pay_fen"]);
    // A radius without a point is ignored, but checked like any other.
    for radius in ["0", "-1", "201"] {
        assert_eq!(app.get(&format!("/api/v1/shifts/search?radius_km={radius}"), None).await.fields(), ["radius_km"], "{radius}");
    }
    app.get("/api/v1/shifts/search?radius_km=5", None).await.assert(200);
}

/// The register body's text rules are in the document (length, no control characters, not one
/// character repeated, an email shape), and the server refuses each variant the patterns exclude.
#[tokio::test]
async fn register_text_rules_are_documented_and_enforced() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    let props = &doc["components"]["schemas"]["RegisterRequest"]["properties"];
    for field in ["password", "display_name", "email"] {
        assert!(props[field]["pattern"].is_string(), "{field}: {}", props[field]);
    }
    let mut n = 0;
    let mut register = |field: &'static str, value: serde_json::Value| {
        n += 1;
        let mut body = json!({"role": "worker", "phone": format!("1380000{n:04}"), "password": "correct horse battery", "display_name": "张三"});
        body[field] = value;
        (field, body)
    };
    let mut cases = Vec::new();
    for c in ['a', '0', '张', ' '] {
        cases.push(register("password", json!(c.to_string().repeat(12))));
    }
    for bad in ["\u{0}", "\u{7}", "\u{1b}", "\u{7f}", "\u{9b}"] {
        cases.push(register("display_name", json!(format!("张{bad}三"))));
    }
    for blank in [" ", "\t", "  \n "] {
        cases.push(register("display_name", json!(blank)));
    }
    cases.push(register("display_name", json!("张".repeat(41))));
    for email in ["a", "a@b", "@b.cn", "a@.cn", "a@b.", "a b@c.cn", "a@b.cn;c@d.cn", "a@b\u{85}.cn"] {
        cases.push(register("email", json!(email)));
    }
    for (field, body) in cases {
        let r = app.post("/api/v1/auth/register", None, body.clone()).await;
        assert_eq!(r.fields(), [field], "{body}: {}", r.text);
    }
    for (i, email) in ["", "  ", "a@b.cn", " li.si@example.com "].into_iter().enumerate() {
        let body = json!({"role": "worker", "phone": format!("1370000{i:04}"), "password": "correct horse battery", "display_name": format!(" \n{} ", "李".repeat(40)), "email": email});
        app.post("/api/v1/auth/register", None, body).await.assert(201);
    }
}

/// Every `cursor` parameter carries the one documented cursor pattern, and that pattern accepts
/// exactly what the server's cursor rule accepts, over generated cursors of every shape.
#[test]
fn every_cursor_parameter_documents_the_one_cursor_rule() {
    use lingong::services::page::{CURSOR_PATTERN, parse_cursor};
    use utoipa::OpenApi;
    let doc = serde_json::to_value(lingong::routes::docs::ApiDoc::openapi()).unwrap();
    let mut seen = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten().filter(|p| p["name"] == "cursor") {
                assert_eq!(p["schema"]["pattern"], CURSOR_PATTERN, "{method} {path}");
                seen += 1;
            }
        }
    }
    assert!(seen >= 10, "only {seen} cursor parameters found");
    let re = regex::Regex::new(CURSOR_PATTERN).unwrap();
    let mut cases: Vec<String> = vec!["".into(), "0".into(), "00".into(), "+1".into(), "-1".into(), " 1".into(), "1 ".into(), "1e3".into(), "٣".into()];
    for digits in 1..=20 {
        cases.push("9".repeat(digits));
        cases.push(format!("1{}", "0".repeat(digits - 1)));
        cases.push(format!("000{}", "7".repeat(digits)));
    }
    cases.push(i64::MAX.to_string());
    for c in cases {
        let mut errs = lingong::error::FieldErrors::new();
        let parsed = parse_cursor(&mut errs, Some(&c));
        let server_accepts = errs.into_result().is_ok();
        assert_eq!(re.is_match(&c), server_accepts, "cursor {c:?}: schema and server disagree");
        assert_eq!(parsed.is_some(), !c.is_empty() && server_accepts, "{c:?}");
    }
}

/// The patterns the document gives bounded text fields (trimmed length within bounds, no control
/// characters) accept exactly what the server's one text rule, `BoundedText::parse`, accepts.
#[test]
fn bounded_text_patterns_agree_with_the_text_rule() {
    use lingong::domain::BoundedText;
    use utoipa::OpenApi;
    let doc = serde_json::to_value(lingong::routes::docs::ApiDoc::openapi()).unwrap();
    let props = &doc["components"]["schemas"]["CategoryRequest"]["properties"];
    let controls = ["\u{0}", "\u{7}", "\u{1b}", "\u{7f}", "\u{85}", "\u{9f}"];
    let schema = |name: &str| doc["components"]["schemas"][name]["properties"].clone();
    let (rating, hide, block, resolve) = (schema("RatingRequest"), schema("HideRequest"), schema("BlockRequest"), schema("ResolveRequest"));
    for (props, field, min, max) in [
        (props, "name_zh", 1, 30),
        (props, "name_en", 1, 60),
        (props, "group_zh", 1, 30),
        (props, "keywords", 0, 200),
        (&rating, "comment", 0, 500),
        (&hide, "reason", 2, 500),
        (&block, "reason", 2, 1000),
        (&resolve, "resolution", 2, 1000),
    ] {
        let re = regex::Regex::new(props[field]["pattern"].as_str().unwrap()).unwrap();
        let mut cases: Vec<String> = vec![String::new(), " ".into(), "\t \n".into(), "\u{3000}".into()];
        for n in [1, 2, 3, max.max(1) - 1, max, max + 1] {
            for unit in ["保", "a", " 保", "保 "] {
                cases.push(unit.repeat(n));
                cases.push(format!("  {}\u{3000}", "洁".repeat(n)));
                cases.push(format!("{}\n{}", "家".repeat(n), "政"));
            }
        }
        for c in controls {
            cases.push(format!("保{c}洁"));
            cases.push(format!("{c}保洁"));
        }
        for c in cases {
            let server = BoundedText::parse(&c, min, max).is_ok();
            assert_eq!(re.is_match(&c), server, "{field} {c:?}: schema and server disagree");
        }
    }
}

/// The list filters by state document exactly the engagement states and the shift statuses.
#[test]
fn the_state_filters_document_every_state() {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(lingong::routes::docs::ApiDoc::openapi()).unwrap();
    let states: Vec<&str> = lingong::domain::engagement::State::ALL.iter().map(|s| s.as_str()).collect();
    let want = format!("^({})?$", states.join("|"));
    for path in ["/api/v1/workers/me/engagements", "/api/v1/employers/me/engagements"] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        let state = params.iter().find(|p| p["name"] == "state").unwrap();
        assert_eq!(state["schema"]["pattern"], want.as_str(), "{path}");
    }
    let statuses: Vec<&str> = lingong::domain::ShiftStatus::ALL.iter().map(|s| s.as_str()).collect();
    let params = doc["paths"]["/api/v1/employers/me/shifts"]["get"]["parameters"].as_array().unwrap();
    let status = params.iter().find(|p| p["name"] == "status").unwrap();
    assert_eq!(status["schema"]["pattern"], format!("^({})?$", statuses.join("|")).as_str());
}

/// Every date the document asks for carries the one calendar pattern (`domain::time::DATE_PATTERN`,
/// or that pattern made optional where an empty value means "none"), so a client generated from
/// it never sends a date the server refuses, such as `6991-54-92` or 30 February.
#[test]
fn every_date_pattern_in_the_api_document_is_the_calendar_one() {
    use utoipa::OpenApi;
    fn patterns(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    match (k.as_str(), v) {
                        ("pattern", serde_json::Value::String(p)) => out.push(p.clone()),
                        _ => patterns(v, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| patterns(v, out)),
            _ => {}
        }
    }
    let doc = serde_json::to_value(lingong::routes::docs::ApiDoc::openapi()).unwrap();
    let mut all = Vec::new();
    patterns(&doc, &mut all);
    let full = lingong::domain::time::DATE_PATTERN;
    let optional = format!("^(?:{})?$", &full[1..full.len() - 1]);
    // A quarter (`2026-Q4`) is not a date.
    let dates: Vec<&String> = all.iter().filter(|p| p.contains("[0-9]{4}-") && !p.contains("Q[1-4]")).collect();
    assert!(dates.len() >= 6, "the date fields of stats, sharing and categories: {dates:?}");
    for p in dates {
        assert!(p == full || *p == optional, "a date pattern that is not the calendar one: {p}");
    }
}
