//! The station board (送岗位进社区): a printable A4 page of open shifts near a community station,
//! each with a QR code to its page, and a full-screen mode (`?mode=tv`) for a screen in the
//! station that reloads itself. The shifts come from `services::stations::board`, the same
//! search as the API's; this module only lays them out.

use std::fmt::Write as _;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::pay::PayUnit;
use crate::routes::error::ApiError;
use crate::services::search::ShiftHit;
use crate::services::stations::{self, Board};
use crate::web::{PageCtx, show};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/stations/{id}/board", web::get().to(board));
}

/// How often the TV board reloads itself, seconds.
pub const TV_REFRESH_SECS: u32 = 300;

/// Read leniently, as links are typed by hand or printed: a bad radius is the service's to refuse.
#[derive(Deserialize, Default)]
pub struct BoardQuery {
    radius_km: Option<String>,
    #[serde(default)]
    mode: String,
}

/// One shift as the board shows it.
pub struct BoardItem {
    pub title: String,
    /// The pay per hour in large type (`35 元/小时`, or `约 25 元/小时` for a day rate).
    pub per_hour: String,
    /// The pay as posted, when it is not per hour (`200 元/天`).
    pub posted_pay: String,
    pub when: String,
    pub more_slots: usize,
    pub place: String,
    pub distance: String,
    pub url: String,
    /// The QR code of `url` as inline SVG.
    pub qr: String,
}

#[derive(Template)]
#[template(path = "web/station_board.html")]
struct BoardPage<'a> {
    ctx: &'a PageCtx,
    name: String,
    address: String,
    radius_km: String,
    tv: bool,
    refresh_secs: u32,
    items: Vec<BoardItem>,
    /// When the board was made, Beijing time, so a printed copy tells its age.
    made_at: String,
}

fn item(ctx: &PageCtx, public_url: &str, h: &ShiftHit) -> BoardItem {
    let s = &h.shift;
    let (per_hour, posted_pay) = match (s.pay.unit, s.pay_per_hour_fen) {
        (PayUnit::Hour, _) => (show::pay(ctx, &s.pay), String::new()),
        (_, Some(_)) => (show::per_hour(ctx, &s.pay, s.pay_per_hour_fen), show::pay(ctx, &s.pay)),
        (_, None) => (show::pay(ctx, &s.pay), String::new()),
    };
    let url = format!("{public_url}/shifts/{}", s.id);
    BoardItem {
        title: s.title.clone(),
        per_hour,
        posted_pay,
        when: s.slots.first().map(|t| show::slot(ctx, &t.start, &t.end)).unwrap_or_default(),
        more_slots: s.slots.len().saturating_sub(1),
        place: s.address.clone(),
        distance: show::distance(ctx, h.distance_km),
        qr: qr_svg(&url),
        url,
    }
}

/// `url` as a QR code in inline SVG: one `rect` per run of dark modules in a row, on a white
/// square with the 4-module quiet zone scanners need. Medium error correction survives a
/// smudged print.
pub fn qr_svg(url: &str) -> String {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M) else { return String::new() };
    let w = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let size = w + 2 * quiet;
    let mut svg = format!(
        r##"<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges" aria-hidden="true"><rect width="{size}" height="{size}" fill="#fff"/><g fill="#000">"##
    );
    for y in 0..w {
        let mut x = 0;
        while x < w {
            if colors[y * w + x] == qrcode::Color::Dark {
                let start = x;
                while x < w && colors[y * w + x] == qrcode::Color::Dark {
                    x += 1;
                }
                let _ = write!(svg, r#"<rect x="{}" y="{}" width="{}" height="1"/>"#, start + quiet, y + quiet, x - start);
            } else {
                x += 1;
            }
        }
    }
    svg.push_str("</g></svg>");
    svg
}

async fn board(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, q: Option<web::Query<BoardQuery>>) -> Result<HttpResponse, ApiError> {
    let q = q.map(|q| q.into_inner()).unwrap_or_default();
    // Text that is no number reaches the service as one it refuses, naming the field.
    let radius = q.radius_km.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(|r| r.parse::<f64>().unwrap_or(f64::NAN));
    let Board { station, radius_km, items } = stations::board(&state, id.into_inner(), radius).await?;
    let public_url = state.config.server.public_url.clone();
    let made_at = show::when(&crate::domain::time::to_display(state.clock.now()));
    let page = BoardPage {
        name: station.name,
        address: station.address,
        radius_km: if radius_km.fract() == 0.0 { format!("{radius_km:.0}") } else { format!("{radius_km:.1}") },
        tv: q.mode == "tv",
        refresh_secs: TV_REFRESH_SECS,
        items: items.iter().map(|h| item(&ctx, &public_url, h)).collect(),
        made_at,
        ctx: &ctx,
    };
    ctx.render(&page)
}
