//! A published shift as schema.org `JobPosting` JSON-LD, with the properties Google's job search
//! requires (title, description, datePosted, hiringOrganization, jobLocation) and recommends
//! (validThrough, employmentType, baseSalary, directApply, identifier). It is public data: it is
//! built from the shift as the public sees it, so a household employer's home is never in it
//! (`views::hide_homes` with no viewer, the one rule for homes: the district only).

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::db::schema::categories;
use crate::domain::{EmploymentType, PayUnit};
use crate::error::Error;
use crate::services::Services;
use crate::services::districts::Districts;
use crate::services::shifts::{self, ShiftView};
use crate::services::views::{self, PlaceOf};

/// The media type of JSON-LD (`Accept: application/ld+json`).
pub const MEDIA_TYPE: &str = "application/ld+json";

/// What of a shift's surroundings its JSON-LD needs beyond the view.
pub struct Facts<'a> {
    /// The employer is a household: the view's place is already the district's, not the home.
    pub household: bool,
    /// The category's 职业分类大典 code, if it has one.
    pub ccdo_code: Option<&'a str>,
    /// The service's public origin, e.g. `https://lingong.example.org`.
    pub base_url: &'a str,
}

/// Google's employment types: 零工 and temporary and seasonal work are all `TEMPORARY` (work for
/// a limited time); 非全日制用工 is `PART_TIME`.
fn employment_type(t: EmploymentType) -> &'static str {
    match t {
        EmploymentType::PartTime => "PART_TIME",
        EmploymentType::Gig | EmploymentType::Temporary | EmploymentType::Seasonal => "TEMPORARY",
    }
}

fn yuan(fen: i64) -> Value {
    json!(fen as f64 / 100.0)
}

/// `baseSalary`: hourly and daily rates as given; shift and piece rates as the per-hour figure the
/// view carries (`domain::pay::hourly_fen`, the one conversion: a piece rate through the
/// employer's minutes per piece). A piece rate without that estimate has no per-hour figure, so
/// it gets no `baseSalary` rather than an invented one.
fn base_salary(v: &ShiftView) -> Option<Value> {
    let (fen, unit) = match v.pay.unit {
        PayUnit::Hour => (Some(v.pay.amount_fen), "HOUR"),
        PayUnit::Day => (Some(v.pay.amount_fen), "DAY"),
        PayUnit::Shift | PayUnit::Piece => (v.pay_per_hour_fen, "HOUR"),
    };
    let fen = fen?;
    Some(json!({
        "@type": "MonetaryAmount",
        "currency": "CNY",
        "value": {"@type": "QuantitativeValue", "value": yuan(fen), "unitText": unit},
    }))
}

/// `jobLocation`: a Place in China with the district's names, the street only for employers who
/// are not households, and the point as the view shows it (a household's is its district's).
fn job_location(v: &ShiftView, household: bool) -> Value {
    let districts = Districts::get();
    let point = crate::domain::GeoPoint { lat: v.lat, lng: v.lng };
    let district = v.adcode.as_deref().and_then(|a| districts.normalize(a)).or_else(|| districts.nearest_county(point));
    let mut address = json!({"@type": "PostalAddress", "addressCountry": "CN"});
    if let Some(d) = district {
        let mut parts = d.full_name.split(' ');
        if let Some(region) = parts.next() {
            address["addressRegion"] = json!(region);
        }
        let locality: String = parts.collect();
        if !locality.is_empty() {
            address["addressLocality"] = json!(locality);
        }
    }
    if !household {
        address["streetAddress"] = json!(v.address);
    }
    json!({
        "@type": "Place",
        "address": address,
        "geo": {"@type": "GeoCoordinates", "latitude": v.lat, "longitude": v.lng},
    })
}

/// The JSON-LD of a published shift's public view.
pub fn build(v: &ShiftView, facts: &Facts) -> Value {
    let mut description = v.description.clone();
    if !v.requirements.trim().is_empty() {
        description.push_str("\n\n招聘条件：");
        description.push_str(&v.requirements);
    }
    let posted = v.published_at.unwrap_or(v.created_at);
    let mut out = json!({
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "identifier": {"@type": "PropertyValue", "name": "lingong", "value": v.id.to_string()},
        "url": format!("{}/shifts/{}", facts.base_url, v.id),
        "title": v.title,
        "description": description,
        "datePosted": posted.to_rfc3339(),
        "validThrough": v.valid_through.to_rfc3339(),
        "employmentType": employment_type(v.employment_type),
        "hiringOrganization": {"@type": "Organization", "name": v.employer.name},
        "jobLocation": job_location(v, facts.household),
        "totalJobOpenings": v.headcount,
        "directApply": true,
    });
    if let Some(first) = v.slots.first() {
        out["jobStartDate"] = json!(first.start.date_naive().to_string());
    }
    if let Some(s) = base_salary(v) {
        out["baseSalary"] = s;
    }
    out["occupationalCategory"] = match facts.ccdo_code {
        Some(code) => json!({"@type": "CategoryCode", "codeValue": code, "name": v.category_name}),
        None => json!(v.category_name),
    };
    out
}

/// JSON for the inside of a `<script type="application/ld+json">` element: `<`, `>` and `&` are
/// written as `\u` escapes (still the same JSON), so no text in it — `</script>`, `<!--` — can
/// end the element or open a comment; U+2028 and U+2029 likewise, for old script parsers.
pub fn script_text(v: &Value) -> String {
    let raw = serde_json::to_string(v).expect("JSON values serialize");
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The JSON-LD of shift `id` when it is published (and neither hidden by reports nor of a
/// blocked employer): `None` for any other shift, which is no job posting to advertise.
pub async fn of_shift(svc: &Services, id: i64) -> Result<Option<Value>, Error> {
    let base_url = svc.config.server.public_url.clone();
    svc.db
        .run(move |conn| {
            let row = shifts::by_id(conn, id)?;
            if !row.standing_now(conn)?.searchable() {
                return Ok(None);
            }
            let mut v = shifts::view(conn, row)?;
            let place =
                PlaceOf { shift_id: v.id, employer_id: v.employer.id, adcode: v.adcode.as_deref(), address: &mut v.address, lat: &mut v.lat, lng: &mut v.lng };
            let household = views::hide_homes(conn, None, vec![place])?.contains(&id);
            let ccdo: Option<String> =
                categories::table.filter(categories::code.eq(&v.category)).select(categories::ccdo_code).first::<Option<String>>(conn).optional()?.flatten();
            Ok(Some(build(&v, &Facts { household, ccdo_code: ccdo.as_deref(), base_url: &base_url })))
        })
        .await
}

/// The script text for shift `id`'s page, when the page shows a published shift. A page is still
/// served without it when it cannot be made (the database away: the page comes from memory).
pub async fn for_page(svc: &Services, shown: &ShiftView) -> Option<String> {
    if shown.status != crate::domain::ShiftStatus::Published {
        return None;
    }
    match of_shift(svc, shown.id).await {
        Ok(v) => v.map(|v| script_text(&v)),
        Err(e) => {
            tracing::debug!(shift = shown.id, error = %e, "page without JSON-LD");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_text_cannot_leave_its_element() {
        let hostile = [
            "</script><script>alert(1)</script>",
            "<!--",
            "<!-- </script>",
            "</SCRIPT >",
            "]]></script>",
            "a\u{2028}b\u{2029}c",
            "&lt;/script&gt;",
            "\"}</script>",
            "<\\/script>",
            "\\u003c/script>",
        ];
        for h in hostile {
            let v = json!({"title": h, "nested": [{"x": h}]});
            let text = script_text(&v);
            let lower = text.to_ascii_lowercase();
            assert!(!lower.contains("</script") && !lower.contains("<!--") && !text.contains('<') && !text.contains('>'), "{text}");
            assert!(!text.contains('\u{2028}') && !text.contains('\u{2029}'), "{text}");
            // Still the same JSON.
            let back: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back, v, "{h:?}");
        }
    }

    #[test]
    fn every_employment_type_has_a_google_value() {
        for t in EmploymentType::ALL {
            assert!(["PART_TIME", "TEMPORARY"].contains(&employment_type(*t)));
        }
    }
}
