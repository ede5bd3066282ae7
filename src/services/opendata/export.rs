//! CSV export of shifts for staff: the published shifts a search with the same parameters finds
//! (`search::shift_query`, the one reading of them), within the staff member's area, as UTF-8
//! with a byte-order mark (so spreadsheet programs on Windows read the Chinese right) and with
//! no cell a spreadsheet would run as a formula.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::auth::AuthUser;
use crate::db::schema::shifts as shifts_t;
use crate::domain::{GeoPoint, Role};
use crate::error::Error;
use crate::services::scope::{Place, StaffScope};
use crate::services::search::{self, SearchParams};
use crate::services::shifts::{self, ShiftRow, ShiftView};
use crate::services::{Services, audit};

use super::inert_cell;

/// The columns, in order. Those an import reads too have the import's names (docs/import.md).
pub const COLUMNS: &[&str] = &[
    "id",
    "url",
    "status",
    "employer_id",
    "employer_name",
    "title",
    "category",
    "category_name",
    "headcount",
    "pay_yuan",
    "pay_unit",
    "minutes_per_piece",
    "pay_per_hour_yuan",
    "settlement",
    "employment_type",
    "take_mode",
    "address",
    "adcode",
    "lat",
    "lng",
    "slots",
    "valid_through",
    "published_at",
    "description",
    "requirements",
];

/// `3500` → `35.00`.
pub fn yuan_text(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

fn record(base_url: &str, v: &ShiftView) -> Vec<String> {
    let slots: Vec<String> = v.slots.iter().map(|s| format!("{}/{}", s.start.to_rfc3339(), s.end.to_rfc3339())).collect();
    vec![
        v.id.to_string(),
        format!("{base_url}/shifts/{}", v.id),
        v.status.as_str().to_string(),
        v.employer.id.to_string(),
        v.employer.name.clone(),
        v.title.clone(),
        v.category.clone(),
        v.category_name.clone(),
        v.headcount.to_string(),
        yuan_text(v.pay.amount_fen),
        v.pay.unit.as_str().to_string(),
        v.minutes_per_piece.map(|m| m.to_string()).unwrap_or_default(),
        v.pay_per_hour_fen.map(yuan_text).unwrap_or_default(),
        v.settlement.as_str().to_string(),
        v.employment_type.as_str().to_string(),
        v.take_mode.as_str().to_string(),
        v.address.clone(),
        v.adcode.clone().unwrap_or_default(),
        format!("{:.6}", v.lat),
        format!("{:.6}", v.lng),
        slots.join(";"),
        v.valid_through.to_rfc3339(),
        v.published_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        v.description.clone(),
        v.requirements.clone(),
    ]
}

/// The file: a BOM, the header, one row per shift; every cell made inert.
pub fn write_csv(base_url: &str, views: &[ShiftView]) -> Result<Vec<u8>, Error> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        w.write_record(COLUMNS).map_err(Error::internal)?;
        for v in views {
            let cells = record(base_url, v);
            w.write_record(cells.iter().map(|c| inert_cell(c).into_owned())).map_err(Error::internal)?;
        }
        w.flush().map_err(Error::internal)?;
    }
    Ok(out)
}

/// The shifts a search with `p` finds, within the staff member's area (a station's: its counties
/// and radius), at most `open_data.export_max_rows`, in the search's order, as CSV. Staff see
/// exact places (homes too), so each export is written to the audit log.
pub async fn shifts_csv(svc: &Services, user: &AuthUser, p: SearchParams) -> Result<Vec<u8>, Error> {
    user.require(&[Role::StationStaff, Role::Moderator, Role::Admin])?;
    let who = user.clone();
    let scope = svc.db.run(move |conn| StaffScope::staff(conn, &who)).await?;
    let filters = serde_json::json!({
        "q": &p.q, "category": &p.category, "adcode": &p.adcode, "from": &p.from, "to": &p.to, "lat": p.lat, "lng": p.lng,
        "radius_km": p.radius_km, "bbox": &p.bbox, "pay_unit": &p.pay_unit, "min_pay_fen": p.min_pay_fen,
        "settlement": &p.settlement, "employment_type": &p.employment_type, "days": &p.days, "sort": &p.sort,
    });
    let (mut query, _) = search::shift_query(svc, &p).await?;
    let max = svc.config.open_data.export_max_rows;
    // Every match, in order: the area is applied after (it is not a search filter), then the cap.
    query.offset = 0;
    query.limit = 10_000_000;
    let (_, ids) = search::run_shift_query(svc, query).await?;
    let (base_url, staff_id) = (svc.config.server.public_url.clone(), user.id);
    let views = svc
        .db
        .tx(move |tx| {
            let mut rows: HashMap<i64, ShiftRow> = HashMap::with_capacity(ids.len());
            for chunk in ids.chunks(500) {
                for r in shifts_t::table.filter(shifts_t::id.eq_any(chunk)).load::<ShiftRow>(tx.conn())? {
                    rows.insert(r.id, r);
                }
            }
            let ordered: Vec<ShiftRow> = ids
                .iter()
                .filter_map(|id| rows.remove(id))
                .filter(|r| scope.covers(Place { adcode: r.adcode.as_deref(), point: Some(GeoPoint { lat: r.lat, lng: r.lng }) }))
                .take(max)
                .collect();
            let views = shifts::views(tx, ordered)?;
            audit::record(
                tx,
                audit::Entry {
                    actor_id: staff_id,
                    action: "shifts.export",
                    target_type: "shift",
                    target_id: 0,
                    reason: None,
                    before: None,
                    after: Some(serde_json::json!({"rows": views.len(), "filters": filters})),
                },
            )?;
            Ok(views)
        })
        .await?;
    write_csv(&base_url, &views)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_is_exact() {
        assert_eq!(yuan_text(3500), "35.00");
        assert_eq!(yuan_text(3505), "35.05");
        assert_eq!(yuan_text(1), "0.01");
        assert_eq!(yuan_text(0), "0.00");
        assert_eq!(yuan_text(10_000_000), "100000.00");
    }
}
