//! The station board page: the open shifts near a station, nearest first, each with a QR code that
//! scans to the shift's page, the 12333 line and the free-posting notice; a TV mode that reloads.

use serde_json::json;

use crate::helpers::*;

/// The QR codes of a page as the board draws them (`<svg class="qr" viewBox="0 0 N N">` with one
/// `<rect x y width height="1"/>` per run of dark modules), painted onto a grey image at 4 px per
/// module and decoded as a phone's scanner would.
fn decode_qr_codes(html: &str) -> Vec<String> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..at + tag[at..].find('"')?].to_string())
    };
    let mut found = Vec::new();
    for svg in html.split("<svg class=\"qr\"").skip(1) {
        let svg = &svg[..svg.find("</svg>").expect("closed svg")];
        let size: usize = attr(svg, "viewBox").unwrap().split(' ').nth(2).unwrap().parse().unwrap();
        let scale = 4;
        let px = size * scale;
        let mut img = vec![255u8; px * px];
        for rect in svg.split("<rect").skip(1) {
            let tag = &rect[..rect.find("/>").unwrap()];
            if tag.contains("fill=") {
                continue; // the white background
            }
            let num = |n: &str| attr(tag, n).unwrap().parse::<usize>().unwrap();
            let (x, y, w, h) = (num("x"), num("y"), num("width"), num("height"));
            for yy in y * scale..(y + h) * scale {
                for xx in x * scale..(x + w) * scale {
                    img[yy * px + xx] = 0;
                }
            }
        }
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(px, px, |x, y| img[y * px + x]);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "one code per svg");
        found.push(grids[0].decode().expect("the code decodes").1);
    }
    found
}

#[tokio::test]
async fn the_board_lists_nearby_shifts_with_codes_that_scan_to_their_pages() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    // A station on 建国路, beside the shifts the test bodies post.
    let station = app
        .post(
            "/api/v1/stations",
            Some(&admin),
            json!({"name": "建外街道社区就业服务站", "address": "北京市朝阳区建国路93号", "lat": 39.9080, "lng": 116.4620, "adcode": "110105", "radius_km": 5}),
        )
        .await;
    station.assert(201);
    let station = station.body["id"].as_i64().unwrap();
    let (employer, _) = app.employer(true).await;
    // Near (建国路, about 150 m), a day rate a little further (about 2 km), far (海淀 中关村, about 15 km).
    let near = app.post("/api/v1/shifts", Some(&employer), shift_body()).await;
    near.assert(201);
    let near = near.body["id"].as_i64().unwrap();
    let mut body = shift_body();
    body["title"] = json!("超市理货员");
    body["lat"] = json!(39.9230);
    body["lng"] = json!(116.4480);
    body["address"] = json!("北京市朝阳区朝外大街");
    body["pay"] = json!({"amount_fen": 24000, "unit": "day"});
    let day = app.post("/api/v1/shifts", Some(&employer), body).await;
    day.assert(201);
    let day = day.body["id"].as_i64().unwrap();
    let mut body = shift_body();
    body["title"] = json!("仓库搬运工");
    body["lat"] = json!(39.9834);
    body["lng"] = json!(116.3160);
    body["address"] = json!("北京市海淀区中关村大街");
    let far = app.post("/api/v1/shifts", Some(&employer), body).await;
    far.assert(201);
    let far = far.body["id"].as_i64().unwrap();
    eventually(std::time::Duration::from_secs(5), || async { app.get("/api/v1/shifts/search", None).await.body["total"] == 3 }).await;

    let base = &app.config.server.public_url;
    let url = |id: i64| format!("{base}/shifts/{id}");
    let board = app.get(&format!("/stations/{station}/board"), None).await;
    board.assert(200);
    let html = &board.text;
    assert!(html.contains("建外街道社区就业服务站"), "{html}");
    assert!(html.contains("12333"), "the complaint line is on the board");
    assert!(html.contains("发布岗位、报名求职一律免费"), "the free-posting notice is on the board");
    assert!(!html.contains("http-equiv=\"refresh\""), "a printed board does not reload");
    assert!(html.contains("35 元/小时"), "hourly pay as posted");
    assert!(html.contains("约 ") && html.contains("240 元/天"), "a day rate shows its hourly equivalent beside it");
    // Nearest first, the far shift left off; each code scans to its shift's page.
    let (at_near, at_day) = (html.find(&url(near)).unwrap(), html.find(&url(day)).unwrap());
    assert!(at_near < at_day, "nearest first");
    assert!(!html.contains(&url(far)), "the shift 15 km away is not on a 5 km board");
    assert_eq!(decode_qr_codes(html), vec![url(near), url(day)]);

    // A wider radius takes the far shift in, last; the TV board reloads itself and drops the site chrome.
    let wide = app.get(&format!("/stations/{station}/board?radius_km=20&mode=tv"), None).await;
    wide.assert(200);
    assert_eq!(decode_qr_codes(&wide.text), vec![url(near), url(day), url(far)]);
    assert!(wide.text.contains("<meta http-equiv=\"refresh\" content=\"300\">"), "{}", wide.text);
    assert!(wide.text.contains("board-tv"));
    // The radius stays within 1–30 km; a station that does not exist is not found.
    for bad in ["0", "0.5", "31", "100", "-3", "lots"] {
        let r = app.get(&format!("/stations/{station}/board?radius_km={bad}"), None).await;
        assert_eq!(r.status.as_u16(), 422, "radius_km={bad}: {}", r.text);
    }
    for good in ["1", "30", "2.5"] {
        app.get(&format!("/stations/{station}/board?radius_km={good}"), None).await.assert(200);
    }
    let missing = app.get("/stations/999999/board", None).await;
    assert_eq!(missing.status.as_u16(), 404);
}
