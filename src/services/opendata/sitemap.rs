//! The sitemap of published shifts (sitemaps.org protocol 0.9): `/sitemap.xml` is an index of
//! `/sitemaps/shifts-<n>.xml` files, each listing at most `open_data.sitemap_page_size` shift
//! pages (the protocol allows 50 000), oldest shift first, each with its last change.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::ShiftRow;
use crate::db::schema::shifts;
use crate::domain::time::to_display;
use crate::error::{Error, Thing};
use crate::services::Services;

/// The protocol's limit of URLs in one sitemap file.
pub const MAX_URLS: usize = 50_000;

/// How many files `total` URLs take at `page_size` a file (at least one, so the index is never
/// empty of files and `/sitemaps/shifts-1.xml` always exists).
pub fn page_count(total: usize, page_size: usize) -> usize {
    total.div_ceil(page_size.max(1)).max(1)
}

/// `&`, `<`, `>`, `'` and `"` as XML entities.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn w3c(t: NaiveDateTime) -> String {
    to_display(t).to_rfc3339()
}

/// The shifts a sitemap lists: those search shows (published, not hidden by reports, employer not
/// blocked; `Standing::searchable`) and still open (valid through a time not yet passed).
fn listed(now: NaiveDateTime) -> shifts::BoxedQuery<'static, crate::db::MultiBackend> {
    ShiftRow::searchable_query().filter(shifts::valid_through.gt(now))
}

fn count_listed(conn: &mut DbConn, now: NaiveDateTime) -> Result<(usize, Option<NaiveDateTime>), Error> {
    let n: i64 = listed(now).count().get_result(conn)?;
    let last: Option<NaiveDateTime> = listed(now).select(diesel::dsl::max(shifts::updated_at)).first(conn)?;
    Ok((n as usize, last))
}

/// `/sitemap.xml`: one `<sitemap>` per file.
pub async fn index(svc: &Services) -> Result<String, Error> {
    let (base, size, now) = (svc.config.server.public_url.clone(), svc.config.open_data.sitemap_page_size, svc.clock.now());
    let (total, last) = svc.db.run(move |conn| count_listed(conn, now)).await?;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for n in 1..=page_count(total, size) {
        out.push_str("  <sitemap><loc>");
        out.push_str(&xml_escape(&format!("{base}/sitemaps/shifts-{n}.xml")));
        out.push_str("</loc>");
        if let Some(t) = last {
            out.push_str(&format!("<lastmod>{}</lastmod>", w3c(t)));
        }
        out.push_str("</sitemap>\n");
    }
    out.push_str("</sitemapindex>\n");
    Ok(out)
}

/// `/sitemaps/shifts-<n>.xml` (n from 1): the n-th run of listed shifts by id. A file past the
/// last is not found.
pub async fn page(svc: &Services, n: usize) -> Result<String, Error> {
    let (base, size, now) = (svc.config.server.public_url.clone(), svc.config.open_data.sitemap_page_size, svc.clock.now());
    let rows = svc
        .db
        .run(move |conn| {
            let (total, _) = count_listed(conn, now)?;
            if n == 0 || n > page_count(total, size) {
                return Err(Error::NotFound(Thing::Resource));
            }
            let offset = ((n - 1) * size) as i64;
            Ok(listed(now)
                .select((shifts::id, shifts::updated_at))
                .order(shifts::id.asc())
                .offset(offset)
                .limit(size as i64)
                .load::<(i64, NaiveDateTime)>(conn)?)
        })
        .await?;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (id, updated) in rows {
        out.push_str(&format!("  <url><loc>{}</loc><lastmod>{}</lastmod></url>\n", xml_escape(&format!("{base}/shifts/{id}")), w3c(updated)));
    }
    out.push_str("</urlset>\n");
    Ok(out)
}

/// `/robots.txt`: everything may be crawled except the signed-in and staff areas and the API; the
/// sitemap says where the shifts are.
pub fn robots(base_url: &str) -> String {
    format!(
        "User-agent: *\nDisallow: /api/\nDisallow: /console\nDisallow: /desk\nDisallow: /employer\nDisallow: /my-work\nDisallow: /me\nDisallow: /inbox\nDisallow: /account\n\nSitemap: {base_url}/sitemap.xml\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_split_at_the_page_size() {
        assert_eq!(page_count(0, MAX_URLS), 1);
        assert_eq!(page_count(1, MAX_URLS), 1);
        assert_eq!(page_count(MAX_URLS, MAX_URLS), 1);
        assert_eq!(page_count(MAX_URLS + 1, MAX_URLS), 2);
        assert_eq!(page_count(120_001, MAX_URLS), 3);
        for size in 1..=7 {
            for total in 0..=50 {
                let n = page_count(total, size);
                assert!(n * size >= total && (n == 1 || (n - 1) * size < total), "{total} {size}");
            }
        }
    }

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(xml_escape("https://x.org/?a=1&b=<2>'\""), "https://x.org/?a=1&amp;b=&lt;2&gt;&apos;&quot;");
        assert_eq!(xml_escape("保洁"), "保洁");
    }
}
