//! Search that reads queries the way workers write them: attribute words rank by the shift's
//! fields (and come back as `understood`), synonyms and job nouns, pair-exact fallbacks, field
//! weights, pay per hour. Each rule is checked over several phrasings and several shifts.

use std::time::Duration;

use chrono::{Datelike, Utc};
use serde_json::{Value, json};

use crate::bodies::{at, employer_body};
use crate::helpers::*;

struct Shift<'a> {
    title: &'a str,
    description: &'a str,
    category: &'a str,
    settlement: &'a str,
    employment_type: &'a str,
    pay: (i64, &'a str),
    /// (days from today, start hour, hours)
    slot: (i64, u32, u32),
    point: (f64, f64),
}

const NEAR: (f64, f64) = (39.92, 116.46);

fn base<'a>(title: &'a str, description: &'a str, category: &'a str) -> Shift<'a> {
    Shift {
        title,
        description,
        category,
        settlement: "weekly",
        employment_type: "gig",
        pay: (3000, "hour"),
        slot: (2, 9, 4),
        point: (NEAR.0 + 0.01, NEAR.1 + 0.01),
    }
}

fn body(s: &Shift) -> Value {
    let mut b = shift_body();
    let (day, hour, hours) = s.slot;
    let end = hour + hours;
    let end_at = if end >= 24 { at(day + 1, end - 24) } else { at(day, end) };
    b["title"] = json!(s.title);
    // Postings need a few words more than the tests care about: neutral ones.
    b["description"] = json!(format!("{}，按时到岗", s.description));
    b["requirements"] = json!("身体健康");
    b["category"] = json!(s.category);
    b["settlement"] = json!(s.settlement);
    b["employment_type"] = json!(s.employment_type);
    b["pay"] = json!({"amount_fen": s.pay.0, "unit": s.pay.1});
    b["slots"] = json!([{"start": at(day, hour), "end": end_at}]);
    b["valid_through"] = json!(at(day + 2, 0));
    b["lat"] = json!(s.point.0);
    b["lng"] = json!(s.point.1);
    b
}

async fn post_all(app: &TestApp, shifts: &[Shift<'_>]) -> Vec<i64> {
    let (token, _) = app.employer(true).await;
    let mut ids = Vec::new();
    for s in shifts {
        let r = app.post("/api/v1/shifts", Some(&token), body(s)).await;
        r.assert(201);
        ids.push(r.body["id"].as_i64().unwrap());
    }
    let n = ids.len();
    eventually(Duration::from_secs(10), || async { search(app, "limit=100").await["total"].as_u64() == Some(n as u64) }).await;
    ids
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

async fn search(app: &TestApp, query: &str) -> Value {
    let r = app.get(&format!("/api/v1/shifts/search?{query}"), None).await;
    r.assert(200);
    r.body
}

fn ids(v: &Value) -> Vec<i64> {
    v["items"].as_array().unwrap().iter().map(|i| i["shift"]["id"].as_i64().unwrap()).collect()
}

async fn near(app: &TestApp, q: &str) -> Value {
    search(app, &format!("q={}&lat={}&lng={}&radius_km=10&limit=50", enc(q), NEAR.0, NEAR.1)).await
}

/// Whether every id of `first` comes before every other id in `got`.
fn leads(got: &[i64], first: &[i64]) -> bool {
    got.len() >= first.len() && got[..first.len()].iter().all(|id| first.contains(id))
}

/// Days from today (Asia/Shanghai) to the next `weekday` (1 = Monday), at least 1.
fn days_to(weekday: u32) -> i64 {
    let today = (Utc::now() + chrono::Duration::hours(8)).date_naive().weekday().number_from_monday();
    let d = (weekday + 7 - today) % 7;
    if d == 0 { 7 } else { d as i64 }
}

#[tokio::test]
async fn settlement_words_rank_by_the_field_whatever_the_text_says() {
    let app = spawn_app().await;
    // Daily-settled shifts whose text never says 日结, and weekly ones, nearer and fresher.
    let mut shifts = Vec::new();
    for (title, desc, cat) in [("写字楼保洁", "日常打扫", "cleaning"), ("快递分拣", "包裹分拣", "parcel_sorting"), ("搬家", "居民搬家", "moving")]
    {
        shifts.push(Shift { settlement: "daily", point: (NEAR.0 + 0.05, NEAR.1 + 0.02), ..base(title, desc, cat) });
        shifts.push(Shift { settlement: "weekly", point: (NEAR.0, NEAR.1), ..base(title, desc, cat) });
    }
    let ids = post_all(&app, &shifts).await;
    let daily: Vec<i64> = ids.iter().step_by(2).copied().collect();
    for q in ["日结", "当天结", "当日结算", "日结 ", "附近日结"] {
        let v = near(&app, q).await;
        let got = ids_of(&v);
        assert!(leads(&got, &daily), "{q}: daily first, got {got:?}");
        // A boost, not a filter: the weekly ones follow.
        assert_eq!(got.len(), 6, "{q}");
        assert_eq!(v["understood"]["settlement"], "daily", "{q}");
        assert!(v["understood"]["words"].as_array().unwrap().iter().any(|w| w["attribute"] == "settlement"), "{q}");
    }
    // With a job word: that word must match, and among its shifts the daily one leads.
    for (i, q) in ["保洁 日结", "日结保洁", "保洁当天结"].into_iter().enumerate() {
        let got = ids_of(&near(&app, q).await);
        assert_eq!(got, [ids[0], ids[1]], "{q} ({i})");
    }
    for (q, want) in [("周结", "weekly"), ("完工结", "on_completion")] {
        let v = near(&app, q).await;
        assert_eq!(v["understood"]["settlement"], want);
        if want == "weekly" {
            let weekly: Vec<i64> = ids.iter().skip(1).step_by(2).copied().collect();
            assert!(leads(&ids_of(&v), &weekly), "{q}");
        }
    }
    // Plain words are not attributes.
    let v = near(&app, "保洁").await;
    assert!(v["understood"].get("settlement").is_none());
}

fn ids_of(v: &Value) -> Vec<i64> {
    ids(v)
}

#[tokio::test]
async fn time_kind_and_perk_words_rank_the_shifts_that_have_them() {
    let app = spawn_app().await;
    let sat = days_to(6);
    let wed = if days_to(3) == sat { days_to(3) + 7 } else { days_to(3) };
    let shifts = [
        // 0: weekend day shift, part-time
        Shift { slot: (sat, 9, 4), employment_type: "part_time", point: (NEAR.0 + 0.04, NEAR.1), ..base("超市理货", "货架整理", "warehouse") },
        // 1: weekday night shift, temporary, meals
        Shift {
            slot: (wed, 22, 7), employment_type: "temporary", point: (NEAR.0 + 0.04, NEAR.1 + 0.01), ..base("仓库理货", "夜间理货，包吃", "warehouse")
        },
        // 2: weekday early shift, gig, nearest
        Shift { slot: (wed, 6, 6), point: NEAR, ..base("理货员", "早上理货", "warehouse") },
    ];
    let ids = post_all(&app, &shifts).await;
    for (q, first, attr, value) in [
        ("周末", 0, "days", json!([6, 7])),
        ("周末 理货", 0, "days", json!([6, 7])),
        ("理货周末", 0, "days", json!([6, 7])),
        ("兼职", 0, "employment_type", json!("part_time")),
        ("兼职理货", 0, "employment_type", json!("part_time")),
        ("夜班", 1, "time_of_day", json!("night")),
        ("夜班 理货", 1, "time_of_day", json!("night")),
        ("通宵", 1, "time_of_day", json!("night")),
        ("临时", 1, "employment_type", json!("temporary")),
        ("包吃", 1, "perks", json!(["meals"])),
        ("理货 包吃", 1, "perks", json!(["meals"])),
        ("早班", 2, "time_of_day", json!("morning")),
    ] {
        let v = near(&app, q).await;
        let got = ids_of(&v);
        assert_eq!(got.first(), Some(&ids[first]), "{q}: {got:?}");
        assert_eq!(got.len(), 3, "{q}: a boost, not a filter");
        assert_eq!(v["understood"][attr], value, "{q}");
    }
}

#[tokio::test]
async fn synonyms_and_job_nouns_find_what_postings_call_it() {
    let app = spawn_app().await;
    let shifts = [
        base("外卖骑手", "午高峰外卖", "delivery"),
        base("育婴员", "托育中心看护", "childcare"),
        base("写字楼保洁", "日常保洁", "cleaning"),
        base("小时工", "酒店布草整理", "other"),
        base("后厨洗碗", "中餐厅", "kitchen_helper"),
        base("超市理货", "货架整理", "warehouse"),
        base("居民搬家", "家具拆装", "moving"),
    ];
    let ids = post_all(&app, &shifts).await;
    for (q, want) in [
        ("送餐", 0),
        ("配送", 0),
        ("送外卖", 0),
        ("月嫂", 1),
        ("育婴", 1),
        ("保洁阿姨", 2),
        ("清洁工", 2),
        ("小时工", 3),
        ("洗碗工", 4),
        ("洗碗阿姨", 4),
        ("理货员", 5),
        ("理货小工", 5),
        ("搬家师傅", 6),
    ] {
        let got = ids_of(&near(&app, q).await);
        assert_eq!(got.first(), Some(&ids[want]), "{q}: {got:?}");
    }
}

#[tokio::test]
async fn a_word_never_matches_as_characters_far_apart() {
    let app = spawn_app().await;
    // Each word's two characters occur in these shifts, never next to each other.
    let shifts =
        [base("小区保洁", "安居小区公共区域打扫", "cleaning"), base("仓库理货", "货物装车，保持安全", "warehouse"), base("门岗值守", "保安巡逻", "security")];
    let ids = post_all(&app, &shifts).await;
    for (q, want) in [("保安", vec![ids[2]]), ("洁安", vec![]), ("货安", vec![]), ("理车", vec![])] {
        let got = ids_of(&near(&app, q).await);
        assert_eq!(got, want, "{q}");
    }
    // A single character still finds every shift holding it.
    let mut got = ids_of(&near(&app, "安").await);
    got.sort();
    assert_eq!(got, ids);
    // A misspelt word is found by its sound: 保结 for 保洁, 理获 for 理货.
    for (q, want) in [("保结", ids[0]), ("理获", ids[1])] {
        assert_eq!(ids_of(&near(&app, q).await).first(), Some(&want), "{q}");
    }
}

#[tokio::test]
async fn titles_weigh_more_than_employer_names() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    // An employer named for 家政 posts a warehouse job; another employer posts housekeeping, as near.
    let (other, _, _) = app.register("employer").await;
    let mut e = employer_body();
    e["name"] = json!("好帮手家政服务有限公司");
    let r = app.put("/api/v1/employers/me", Some(&other), e).await;
    r.assert(200);
    let m = app.staff("moderator").await;
    app.post(&format!("/api/v1/employers/{}/verify", r.body["id"].as_i64().unwrap()), Some(&m), json!({})).await.assert(200);
    let mut ids = Vec::new();
    for (tok, s) in [
        (&other, Shift { point: (NEAR.0 + 0.01, NEAR.1), ..base("仓库打包", "仓库分拣打包", "warehouse") }),
        (&token, Shift { point: (NEAR.0 - 0.01, NEAR.1), ..base("家政服务员", "上门家政", "housekeeping") }),
    ] {
        let r = app.post("/api/v1/shifts", Some(tok), body(&s)).await;
        r.assert(201);
        ids.push(r.body["id"].as_i64().unwrap());
    }
    eventually(Duration::from_secs(10), || async { search(&app, "limit=100").await["total"].as_u64() == Some(2) }).await;
    for q in ["jiazheng", "家政", "jz"] {
        let got = ids_of(&near(&app, q).await);
        assert_eq!(got.first(), Some(&ids[1]), "{q}: {got:?}");
    }
}

#[tokio::test]
async fn place_names_and_pay_figures() {
    let app = spawn_app().await;
    let shifts = [
        // 0: Haidian, 30/h
        Shift { point: (39.98, 116.31), pay: (3000, "hour"), ..base("写字楼保洁", "中关村写字楼", "cleaning") },
        // 1: Chaoyang, 280 a day over 10 hours = 28/h
        Shift { point: NEAR, pay: (28000, "day"), slot: (2, 8, 10), ..base("商场保洁", "商场打扫", "cleaning") },
        // 2: Chaoyang, 40/h
        Shift { point: (NEAR.0 + 0.01, NEAR.1), pay: (4000, "hour"), ..base("家庭保洁", "上门打扫", "cleaning") },
    ];
    let ids = post_all(&app, &shifts).await;
    // Without a point, an unambiguous district is the place: its shifts lead, the rest follow.
    for q in ["海淀 保洁", "海淀保洁", "保洁 海淀区"] {
        let v = search(&app, &format!("q={}", enc(q))).await;
        let got = ids_of(&v);
        assert_eq!(got.first(), Some(&ids[0]), "{q}: {got:?}");
        assert_eq!(got.len(), 3, "{q}");
        assert_eq!(v["understood"]["place"]["adcode"], "110108", "{q}");
    }
    // With a point the name is only a word; an ambiguous name (two 朝阳区) is a word too.
    let v = search(&app, &format!("q={}&lat=39.98&lng=116.31", enc("海淀 保洁"))).await;
    assert!(v["understood"].get("place").is_none());
    let v = search(&app, &format!("q={}", enc("朝阳 保洁"))).await;
    assert!(v["understood"].get("place").is_none());
    // Pay compared per hour: 40/h before 30/h before 280 a day of ten hours.
    let v = search(&app, "sort=pay&limit=10").await;
    assert_eq!(ids_of(&v), [ids[2], ids[0], ids[1]]);
    for (q, fen, unit) in [("时薪30以上", 3000, "hour"), ("保洁 每小时30元", 3000, "hour"), ("日薪300", 30000, "day")] {
        let v = near(&app, q).await;
        assert_eq!(v["understood"]["min_pay"], json!({"amount_fen": fen, "unit": unit}), "{q}");
        // Only the 40/h shift meets 30/h (and 300 a day over its four hours is 75/h: none does).
        if unit == "hour" {
            assert_eq!(ids_of(&v).first(), Some(&ids[2]), "{q}");
        }
    }
}

#[tokio::test]
async fn staff_extend_the_synonyms_and_every_search_follows() {
    let app = spawn_app().await;
    let ids = post_all(&app, &[base("外卖骑手", "午高峰送单", "delivery"), base("超市理货", "货架整理", "warehouse")]).await;
    let m = app.staff("moderator").await;
    let (worker, _) = app.worker().await;
    for (q, word) in [("跑单", "跑单 外卖"), ("码货", "码货，理货")] {
        assert!(ids_of(&near(&app, q).await).is_empty(), "{q} before");
        app.post("/api/v1/synonyms", Some(&worker), json!({"words": word})).await.assert(403);
        let r = app.post("/api/v1/synonyms", Some(&m), json!({"words": word})).await;
        r.assert(201);
        assert_eq!(r.body["built_in"], false);
        app.post("/api/v1/synonyms", Some(&m), json!({"words": word})).await.assert(409);
    }
    // The same words in any order, with any separator and case, are the same group; so is a
    // built-in group retyped.
    let words = ["擦窗", "擦玻璃", "cachuang"];
    app.post("/api/v1/synonyms", Some(&m), json!({"words": words.join(" ")})).await.assert(201);
    for (a, b, c) in [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)] {
        for sep in [" ", "，", "、", ",", "；", "\u{3000}"] {
            let typed = [words[a], words[b], words[c]].join(sep).replace("cachuang", "CaChuang");
            app.post("/api/v1/synonyms", Some(&m), json!({"words": typed})).await.assert_error(409, "conflict");
        }
    }
    app.post("/api/v1/synonyms", Some(&m), json!({"words": "小时工 钟点工"})).await.assert_error(409, "conflict");
    let stored = app.get("/api/v1/synonyms", None).await.body["items"].as_array().unwrap().iter().filter(|g| g["built_in"] == false).count();
    assert_eq!(stored, 3, "nothing stored for the duplicates");
    eventually(Duration::from_secs(10), || async { ids_of(&near(&app, "跑单").await) == [ids[0]] && ids_of(&near(&app, "码货").await) == [ids[1]] }).await;
    for (bad, code) in [
        (json!({"words": "跑单"}), "word_count"),
        (json!({"words": "跑单，跑单"}), "word_count"),
        (json!({"words": ""}), "required"),
        (json!({}), "required"),
        (json!({"words": "跑单 送-餐"}), "invalid_word"),
    ] {
        app.post("/api/v1/synonyms", Some(&m), bad).await.assert_field(422, "words", code);
    }
    let list = app.get("/api/v1/synonyms", None).await;
    list.assert(200);
    let items = list.body["items"].as_array().unwrap();
    assert!(items.iter().any(|g| g["built_in"] == true && g["words"].as_array().unwrap().iter().any(|w| w == "送餐")));
    let added = items.iter().find(|g| g["words"] == json!(["跑单", "外卖"])).unwrap()["id"].as_i64().unwrap();
    app.delete(&format!("/api/v1/synonyms/{added}"), Some(&worker)).await.assert(403);
    app.delete(&format!("/api/v1/synonyms/{added}"), Some(&m)).await.assert(204);
    app.delete(&format!("/api/v1/synonyms/{added}"), Some(&m)).await.assert(404);
    eventually(Duration::from_secs(10), || async { ids_of(&near(&app, "跑单").await).is_empty() }).await;
    assert_eq!(ids_of(&near(&app, "码货").await), [ids[1]]);
    // Every change is in the audit log, with its words.
    let admin = app.staff("admin").await;
    let log = app.get(&format!("/api/v1/audit?target_type=synonym&target_id={added}"), Some(&admin)).await;
    log.assert(200);
    let actions: Vec<&str> = log.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["synonym.delete", "synonym.create"], "{}", log.text);
}

fn signed_in(app: &TestApp, token: &str) -> crate::pages::PageClient {
    let mut c = crate::pages::PageClient::new(app);
    c.cookies.insert("lg_session".into(), token.to_string());
    c
}

#[tokio::test]
async fn the_console_lists_and_adds_synonym_groups() {
    let app = spawn_app().await;
    let moderator = app.staff("moderator").await;
    let mut m = signed_in(&app, &moderator);
    let page = m.get("/console/synonyms").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("data-built-in") && page.text.contains("送餐"));
    let r = m.submit("/console/synonyms", "/console/synonyms", &[("words", "跑单，外卖")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let after = m.get(&r.location()).await;
    assert!(after.text.contains("id=\"console-notice\"") && after.text.contains("跑单 · 外卖"));
    let api = app.get("/api/v1/synonyms", None).await;
    assert!(api.body["items"].as_array().unwrap().iter().any(|g| g["words"] == json!(["跑单", "外卖"])));
    for (words, why) in [("跑单 外卖", "the same group twice"), ("跑单", "one word"), ("", "nothing")] {
        let r = m.submit("/console/synonyms", "/console/synonyms", &[("words", words)]).await;
        assert_eq!(r.status, 422, "{why}: {}", r.text);
        assert!(r.text.contains("id=\"words-error\""), "{why}");
    }
    // Other roles meet the services' 403.
    let (worker, _) = app.worker().await;
    assert_eq!(signed_in(&app, &worker).get("/console/synonyms").await.status, 403);
}
