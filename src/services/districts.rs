//! China's administrative divisions with a representative point, from the shipped `adcodes.csv`
//! (CC BY 4.0, see assets/ATTRIBUTION.md), embedded in the binary and parsed once.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::GeoPoint;

const CSV: &str = include_str!("../../assets/adcodes.csv");

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct District {
    /// 12-digit division code, e.g. `440305000000` (深圳市南山区).
    pub adcode: String,
    pub name: String,
    /// Province, city and district names, e.g. `广东省 深圳市 南山区`.
    pub full_name: String,
    /// `province`, `city` or `county`.
    pub level: &'static str,
    pub lat: f64,
    pub lng: f64,
}

pub struct Districts {
    all: Vec<District>,
    by_code: HashMap<String, usize>,
}

fn level(code: &str) -> &'static str {
    if &code[2..] == "0000000000" {
        "province"
    } else if &code[4..] == "00000000" {
        "city"
    } else {
        "county"
    }
}

impl Districts {
    pub fn get() -> &'static Districts {
        static D: OnceLock<Districts> = OnceLock::new();
        D.get_or_init(Districts::load)
    }

    fn load() -> Districts {
        let mut names: HashMap<String, String> = HashMap::new();
        let mut rows = Vec::new();
        for line in CSV.lines().skip(1) {
            let cols: Vec<&str> = line.split(',').collect();
            if cols.len() != 4 || cols[0].len() != 12 {
                continue;
            }
            names.insert(cols[0].to_string(), cols[1].to_string());
            // Rows without a point (mostly 市辖区 placeholders) cannot place anything on a map.
            if let (Ok(lng), Ok(lat)) = (cols[2].parse::<f64>(), cols[3].parse::<f64>()) {
                rows.push((cols[0].to_string(), cols[1].to_string(), lat, lng));
            }
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let mut all = Vec::with_capacity(rows.len());
        for (code, name, lat, lng) in rows {
            let lvl = level(&code);
            let province = names.get(&format!("{}0000000000", &code[..2])).cloned();
            let city = names.get(&format!("{}00000000", &code[..4])).cloned().filter(|c| c != "市辖区" && c != "县");
            let full_name = match lvl {
                "province" => name.clone(),
                "city" => [province, Some(name.clone())].into_iter().flatten().collect::<Vec<_>>().join(" "),
                _ => [province, city, Some(name.clone())].into_iter().flatten().collect::<Vec<_>>().join(" "),
            };
            all.push(District { adcode: code, name, full_name, level: lvl, lat, lng });
        }
        let by_code = all.iter().enumerate().map(|(i, d)| (d.adcode.clone(), i)).collect();
        Districts { all, by_code }
    }

    pub fn by_code(&self, code: &str) -> Option<&District> {
        self.by_code.get(code).map(|&i| &self.all[i])
    }

    /// Accepts 6-digit codes too (`440305`), as many systems write them.
    pub fn normalize(&self, code: &str) -> Option<&District> {
        let code = code.trim();
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) { self.by_code(&format!("{code}000000")) } else { self.by_code(code) }
    }

    /// Name, full name or code prefix match; counties first, then by code.
    pub fn search(&self, q: &str, limit: usize) -> Vec<&District> {
        let q = q.trim();
        let mut hits: Vec<&District> = self
            .all
            .iter()
            .filter(|d| q.is_empty() || d.name.contains(q) || d.full_name.replace(' ', "").contains(&q.replace(' ', "")) || d.adcode.starts_with(q))
            .collect();
        hits.sort_by_key(|d| (d.name != q, d.level != "county", d.adcode.clone()));
        hits.truncate(limit);
        hits
    }

    /// The county-level district whose point is nearest: good enough to place a posting for
    /// wage-floor and statistics purposes when the employer gave no adcode.
    pub fn nearest_county(&self, p: GeoPoint) -> Option<&District> {
        self.all
            .iter()
            .filter(|d| d.level == "county")
            .min_by(|a, b| {
                let da = p.haversine_km(&GeoPoint { lat: a.lat, lng: a.lng });
                let db = p.haversine_km(&GeoPoint { lat: b.lat, lng: b.lng });
                da.total_cmp(&db)
            })
            .filter(|d| p.haversine_km(&GeoPoint { lat: d.lat, lng: d.lng }) < 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_districts_by_name_and_code() {
        let d = Districts::get();
        let nanshan = d.normalize("440305").unwrap();
        assert_eq!(nanshan.name, "南山区");
        assert_eq!(nanshan.full_name, "广东省 深圳市 南山区");
        assert_eq!(nanshan.level, "county");
        assert!(d.search("南山区", 10).iter().any(|x| x.adcode == "440305000000"));
        assert_eq!(d.by_code("440000000000").unwrap().level, "province");
    }

    #[test]
    fn nearest_county_places_a_point() {
        let d = Districts::get();
        // A point in Shenzhen's Futian CBD.
        let hit = d.nearest_county(GeoPoint { lat: 22.5405, lng: 114.0555 }).unwrap();
        assert!(hit.adcode.starts_with("4403"), "{hit:?}");
        // Mid-Pacific: no district nearby.
        assert!(d.nearest_county(GeoPoint { lat: 0.0, lng: -150.0 }).is_none());
    }
}
