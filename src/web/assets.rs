//! The pages' static files, embedded in the binary (no CDN, no Node at build or run time) and
//! served under a content fingerprint (`/static/app.3f2a9c1d.css`): a changed file gets a new URL,
//! so every asset can be cached for a year.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    mime: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset { name: "app.css", mime: "text/css; charset=utf-8", bytes: include_bytes!("../../assets/web/app.css") },
    Asset { name: "favicon.svg", mime: "image/svg+xml", bytes: include_bytes!("../../assets/web/favicon.svg") },
    Asset { name: "app.js", mime: "text/javascript; charset=utf-8", bytes: include_bytes!("../../assets/web/app.js") },
    // htmx 2 (0BSD, vendored from npm `htmx.org`; assets/web/htmx.LICENSE): partial page updates
    // such as the employer form's live findings. Loaded only by the pages that use it.
    // The employer forms' "use my location", which fills the point without sending the form.
    Asset { name: "post.js", mime: "text/javascript; charset=utf-8", bytes: include_bytes!("../../assets/web/post.js") },
    // The moderation console's keyboard shortcuts (an ES module; the console works without it).
    Asset { name: "console.js", mime: "text/javascript; charset=utf-8", bytes: include_bytes!("../../assets/web/console.js") },
    Asset { name: "htmx.min.js", mime: "text/javascript; charset=utf-8", bytes: include_bytes!("../../assets/web/htmx.min.js") },
];

/// (name, fingerprinted file name) of every asset, computed once.
fn fingerprinted() -> &'static Vec<(&'static str, String)> {
    static F: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    F.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| {
                let hash = hex::encode(&Sha256::digest(a.bytes)[..4]);
                let (stem, ext) = a.name.rsplit_once('.').expect("asset names have an extension");
                (a.name, format!("{stem}.{hash}.{ext}"))
            })
            .collect()
    })
}

/// The URL of an asset by its plain name; an unknown name is a bug caught by the page tests.
pub fn url(name: &str) -> String {
    match fingerprinted().iter().find(|(n, _)| *n == name) {
        Some((_, f)) => format!("/static/{f}"),
        None => format!("/static/missing-{name}"),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/{file}", web::get().to(serve)).route("/favicon.ico", web::get().to(favicon));
}

/// Browsers ask for `/favicon.ico` whatever the page says; they get the icon's current URL.
async fn favicon() -> HttpResponse {
    HttpResponse::MovedPermanently().insert_header((header::LOCATION, url("favicon.svg"))).finish()
}

async fn serve(file: web::Path<String>) -> HttpResponse {
    let file = file.into_inner();
    let found = fingerprinted().iter().position(|(_, f)| *f == file);
    match found {
        Some(i) => {
            HttpResponse::Ok().content_type(ASSETS[i].mime).insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable")).body(ASSETS[i].bytes)
        }
        None => HttpResponse::NotFound().content_type("text/plain; charset=utf-8").insert_header((header::CACHE_CONTROL, "no-store")).body("not found"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_asset_has_a_fingerprinted_url() {
        for a in super::ASSETS {
            let u = super::url(a.name);
            assert!(u.starts_with("/static/") && !u.contains("missing"), "{u}");
            assert_ne!(u, format!("/static/{}", a.name));
        }
    }
}
