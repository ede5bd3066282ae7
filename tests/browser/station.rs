//! A community station's morning at the desk, in a desktop-sized browser: register a worker who
//! has no phone (with their consent), print the slip, apply for them on their desk page, then
//! print the station's board and scan its QR codes. The printed pages are rendered to PDF by
//! Chromium itself (`Page.printToPDF`) and read back with poppler (`pdftotext`, `pdftoppm`); the
//! codes are found and decoded in the printed page's pixels, as a phone's camera would.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use serde_json::json;

use crate::bodies::shift_body;
use crate::browser::Browser;
use crate::helpers::*;

/// A station at 建国路 with one staff member: (staff token, station id).
async fn station_with_staff(app: &TestApp) -> (String, i64) {
    let s = app.station().await;
    (s.staff, s.id)
}

/// The current page printed by Chromium on A4, saved beside the screenshots; its path.
async fn print_pdf(b: &Browser, step: &str) -> PathBuf {
    let shot = b.screenshot(step).await;
    let r = b.cdp("Page.printToPDF", json!({"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": true, "preferCSSPageSize": true})).await;
    let pdf = base64::engine::general_purpose::STANDARD.decode(r["data"].as_str().expect("printToPDF returns data")).expect("base64");
    assert!(pdf.starts_with(b"%PDF"), "{step}: not a PDF");
    let file = shot.with_extension("pdf");
    std::fs::write(&file, pdf).unwrap();
    file
}

fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext").args(["-layout"]).arg(pdf).arg("-").output().expect("pdftotext (poppler-utils) runs");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Every QR code on every printed page, decoded from the page rendered at 150 dpi in grey.
fn scan_qr_codes(pdf: &Path) -> Vec<String> {
    let prefix = pdf.with_extension("scan");
    let out = Command::new("pdftoppm").args(["-r", "150", "-gray"]).arg(pdf).arg(&prefix).output().expect("pdftoppm (poppler-utils) runs");
    assert!(out.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&out.stderr));
    let dir = pdf.parent().unwrap();
    let stem = prefix.file_name().unwrap().to_string_lossy().to_string();
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&stem))
        .collect();
    pages.sort();
    assert!(!pages.is_empty(), "pdftoppm wrote no page");
    let mut found = Vec::new();
    for page in pages {
        let (w, h, px) = read_pgm(&page);
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| px[y * w + x]);
        for grid in img.detect_grids() {
            if let Ok((_, text)) = grid.decode() {
                found.push(text);
            }
        }
    }
    found
}

/// A binary PGM (`P5`), as `pdftoppm -gray` writes it: (width, height, 8-bit pixels).
fn read_pgm(path: &Path) -> (usize, usize, Vec<u8>) {
    let data = std::fs::read(path).unwrap();
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while data[i].is_ascii_whitespace() {
            i += 1;
        }
        if data[i] == b'#' {
            while data[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while !data[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..i]).to_string());
    }
    assert_eq!(fields[0], "P5", "{}", path.display());
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let px = data[i + 1..].to_vec();
    assert_eq!(px.len(), w * h, "8-bit grey pixels");
    (w, h, px)
}

#[tokio::test]
async fn a_stations_morning_register_without_a_phone_print_the_slip_apply_and_print_the_board() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let mut shifts = Vec::new();
    for (title, lat) in [("家庭保洁员（日结）", 39.9087), ("写字楼保洁（周末）", 39.9120)] {
        let mut s = shift_body();
        s["title"] = json!(title);
        s["lat"] = json!(lat);
        let r = app.post("/api/v1/shifts", Some(&employer), s).await;
        r.assert(201);
        shifts.push(r.body["id"].as_i64().unwrap());
    }
    eventually(std::time::Duration::from_secs(10), || async {
        app.get("/api/v1/shifts/search?lat=39.91&lng=116.46&radius_km=5", None).await.body["total"].as_u64() == Some(2)
    })
    .await;
    let (staff, station) = station_with_staff(&app).await;
    let b = Browser::start_desktop(&app).await;
    b.sign_in_with_token(&staff).await;

    b.goto("/desk").await;
    b.check_page("desk").await;
    b.click("#desk-new-worker").await;
    b.check_page("desk-register").await;
    b.fill("#display_name", "张桂兰").await;
    b.check("#skill-cleaning", true).await;
    b.check("#grid-1-morning", true).await;
    b.check("#grid-3-afternoon", true).await;
    // Without the box ticked nothing is registered: the error is at the consent.
    b.click("#desk-register").await;
    b.wait_text("#error-summary", "同意").await;
    b.check_here("desk-register-no-consent").await;
    b.check("#consent_registration", true).await;
    b.click("#desk-register").await;
    let account = b.wait_text("#slip-account", "LG").await;
    let code = b.text("#slip-code").await;
    assert_eq!(code.replace('-', "").len(), 10, "{code}");
    b.check_here("desk-slip").await;
    let slip = pdf_text(&print_pdf(&b, "desk-slip-print").await);
    for part in [account.as_str(), code.as_str(), "12333", "/claim", "张桂兰"] {
        assert!(slip.contains(part), "the printed slip has {part}: {slip}");
    }
    assert!(!slip.contains("退出登录") && !slip.contains("回到办理台"), "the page's chrome is not printed: {slip}");

    // Their desk page: the nearby shifts; apply for them.
    b.click("#slip-to-worker").await;
    b.check_page("desk-worker").await;
    b.click(&format!("#apply-{}", shifts[0])).await;
    b.wait_text("#desk-done", "报名").await;
    assert!(b.text("#engagements").await.contains("家庭保洁员"));
    b.check_here("desk-worker-applied").await;

    // The board: printed on A4, every code scans to its shift's page.
    b.goto(&format!("/stations/{station}/board")).await;
    b.check_page("board").await;
    let pdf = print_pdf(&b, "board-print").await;
    let text = pdf_text(&pdf);
    for part in ["家庭保洁员", "写字楼保洁", "12333", "免费"] {
        assert!(text.contains(part), "the printed board has {part}: {text}");
    }
    let mut scanned = scan_qr_codes(&pdf);
    scanned.sort();
    let mut want: Vec<String> = shifts.iter().map(|id| format!("{}/shifts/{id}", app.config.server.public_url)).collect();
    want.sort();
    assert_eq!(scanned, want, "each printed code opens its shift's page");
}
