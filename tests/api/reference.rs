use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn categories_are_seeded_and_extended_by_staff_only() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/categories", None).await;
    r.assert(200);
    let items = r.body["items"].as_array().unwrap();
    assert!(items.len() >= 25);
    let cleaning = items.iter().find(|c| c["code"] == "cleaning").unwrap();
    assert_eq!(cleaning["name_zh"], "保洁");
    for code in ["delivery", "live_sales", "elderly_care", "moving"] {
        assert!(items.iter().any(|c| c["code"] == code), "{code}");
    }

    let body = json!({"code": "pet_care", "name_zh": "宠物照护", "name_en": "Pet care", "group_zh": "生活服务", "keywords": "宠物 遛狗 喂猫"});
    let (employer, _) = app.employer(true).await;
    app.post("/api/v1/categories", Some(&employer), body.clone()).await.assert_error(403, "forbidden");
    app.post("/api/v1/categories", None, body.clone()).await.assert_error(401, "unauthorized");
    let moderator = app.staff("moderator").await;
    let r = app.post("/api/v1/categories", Some(&moderator), body.clone()).await;
    r.assert(201);
    assert_eq!(r.body["code"], "pet_care");
    app.post("/api/v1/categories", Some(&moderator), body).await.assert_error(409, "category_exists");
    let r = app.post("/api/v1/categories", Some(&moderator), json!({"code": "Bad Code", "name_zh": ""})).await;
    assert_eq!(r.fields(), ["code", "name_zh", "name_en"]);
    // The new category is usable at once.
    let mut shift = shift_body();
    shift["category"] = json!("pet_care");
    app.post("/api/v1/shifts", Some(&employer), shift).await.assert(201);
}

#[tokio::test]
async fn districts_resolve_names_to_codes_and_points() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/districts?q=%E6%B7%B1%E5%9C%B3%E5%B8%82%E5%8D%97%E5%B1%B1%E5%8C%BA", None).await; // 深圳市南山区
    r.assert(200);
    let first = &r.body["items"][0];
    assert_eq!(first["adcode"], "440305000000");
    assert_eq!(first["full_name"], "广东省 深圳市 南山区");
    assert!((first["lat"].as_f64().unwrap() - 22.53).abs() < 0.1);
    let r = app.get("/api/v1/districts?q=3101&limit=3", None).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3);
    assert!(r.body["items"].as_array().unwrap().iter().all(|d| d["adcode"].as_str().unwrap().starts_with("3101")));
    app.get("/api/v1/districts?limit=0", None).await.assert_error(422, "validation_failed");
}

#[tokio::test]
async fn districts_include_townships_with_their_county_s_point() {
    let app = spawn_app().await;
    let county = app.get("/api/v1/districts?q=110105&limit=1", None).await;
    county.assert(200);
    assert_eq!(county.body["items"][0]["full_name"], "北京市 朝阳区");
    for q in ["%E6%9C%9B%E4%BA%AC", "%E6%9C%9B%E4%BA%AC%E8%A1%97%E9%81%93", "wangjing", "110105026"] {
        // 望京, 望京街道, pinyin, the township code.
        let r = app.get(&format!("/api/v1/districts?q={q}"), None).await;
        r.assert(200);
        let items = r.body["items"].as_array().unwrap();
        let w = items.iter().find(|d| d["adcode"] == "110105026000").unwrap_or_else(|| panic!("{q}: {items:?}"));
        assert_eq!(w["name"], "望京街道");
        assert_eq!(w["full_name"], "北京市 朝阳区 望京街道");
        assert_eq!(w["level"], "township");
        assert_eq!((&w["lat"], &w["lng"]), (&county.body["items"][0]["lat"], &county.body["items"][0]["lng"]), "{q}: 朝阳区's point");
        assert_eq!(w.as_object().unwrap().len(), 6, "{q}: the same fields as every district: {w}");
    }
    // Counties come before the townships named like them.
    let r = app.get("/api/v1/districts?q=%E6%B5%B7%E6%B7%80", None).await; // 海淀
    assert_eq!(r.body["items"][0]["adcode"], "110108000000");
    assert!(r.body["items"].as_array().unwrap().iter().any(|d| d["level"] == "township"));
}
