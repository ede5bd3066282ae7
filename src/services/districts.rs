//! China's administrative divisions with a representative point, from the shipped `adcodes.csv`
//! (CC BY 4.0, see assets/ATTRIBUTION.md), embedded in the binary and parsed once.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::GeoPoint;
pub use crate::domain::geo::ServiceArea;
use crate::error::Invalid;

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
    /// The finest districts a point can fall in: counties, and regions the data does not divide
    /// further (香港, 澳门, 台湾 have one row each), so a point there is placed there.
    leaves: Vec<usize>,
    /// The toneless pinyin of each name without its 区/县/市 ending (`chaoyang` for 朝阳区), by
    /// index into `all`: workers type `chaoyang` on a phone as often as 朝阳.
    pinyin: Vec<String>,
}

/// `朝阳区` → `chaoyang`; the administrative ending is left off so the bare name matches.
fn name_pinyin(name: &str) -> String {
    use pinyin::ToPinyin;
    let bare =
        ["自治县", "自治州", "新区", "区", "县", "市", "旗", "省"].iter().find_map(|e| name.strip_suffix(e).filter(|b| b.chars().count() >= 2)).unwrap_or(name);
    bare.chars().map(|c| c.to_pinyin().map(|p| p.plain().to_string()).unwrap_or_else(|| c.to_lowercase().collect())).collect()
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
        let divided: std::collections::HashSet<&str> = all.iter().filter(|d| d.level != "province").map(|d| &d.adcode[..2]).collect();
        let leaves = all.iter().enumerate().filter(|(_, d)| d.level == "county" || !divided.contains(&d.adcode[..2])).map(|(i, _)| i).collect();
        let pinyin = all.iter().map(|d| name_pinyin(&d.name)).collect();
        Districts { all, by_code, leaves, pinyin }
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
        let spelled: String = q.chars().filter(|c| !c.is_whitespace() && *c != '\'').flat_map(char::to_lowercase).collect();
        let by_pinyin = spelled.len() >= 2 && spelled.bytes().all(|b| b.is_ascii_lowercase());
        let mut hits: Vec<(bool, &District)> = self
            .all
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                let exact_pinyin = by_pinyin && self.pinyin[i] == spelled;
                let hit = q.is_empty()
                    || d.name.contains(q)
                    || d.full_name.replace(' ', "").contains(&q.replace(' ', ""))
                    || d.adcode.starts_with(q)
                    || exact_pinyin
                    || (by_pinyin && spelled.len() >= 4 && self.pinyin[i].starts_with(&spelled));
                hit.then_some((exact_pinyin, d))
            })
            .collect();
        hits.sort_by_key(|(exact_pinyin, d)| (d.name != q && !exact_pinyin, d.level != "county", d.adcode.clone()));
        hits.truncate(limit);
        hits.into_iter().map(|(_, d)| d).collect()
    }

    /// The places a worker means by a name they typed (`朝阳`, `chaoyang`): the districts whose own
    /// name begins with it or is spelt so, when there are any, else every [`Districts::search`] hit.
    /// 朝阳 gives 北京 朝阳区, 长春 朝阳区, 辽宁 朝阳市 and 朝阳县, not every county of 朝阳市.
    pub fn by_name(&self, q: &str, limit: usize) -> Vec<&District> {
        let q = q.trim();
        let spelled: String = q.chars().filter(|c| !c.is_whitespace() && *c != '\'').flat_map(char::to_lowercase).collect();
        let hits = self.search(q, 200);
        let named: Vec<&District> = hits
            .iter()
            .copied()
            .filter(|d| d.name.starts_with(q) || self.by_code.get(&d.adcode).is_some_and(|&i| !spelled.is_empty() && self.pinyin[i].starts_with(&spelled)))
            .take(limit)
            .collect();
        if named.is_empty() { hits.into_iter().take(limit).collect() } else { named }
    }

    /// The county-level districts whose points are nearest to `p`, nearest first, if the nearest
    /// is within 100 km (beyond that the point is in no district the data knows).
    pub fn nearest_counties(&self, p: GeoPoint, n: usize) -> Vec<&District> {
        let mut near: Vec<(f64, &District)> =
            self.leaves.iter().map(|&i| &self.all[i]).map(|d| (p.haversine_km(&GeoPoint { lat: d.lat, lng: d.lng }), d)).collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        if near.first().is_none_or(|(km, _)| *km >= 100.0) {
            return Vec::new();
        }
        near.into_iter().take(n).map(|(_, d)| d).collect()
    }

    /// The county-level district whose point is nearest: good enough to place a posting for
    /// wage-floor and statistics purposes when the employer gave no adcode.
    pub fn nearest_county(&self, p: GeoPoint) -> Option<&District> {
        self.nearest_counties(p, 1).into_iter().next()
    }

    /// The district of a place: the one rule for every point anyone gives (shifts, employers,
    /// availability). The adcode must agree with the point — derived from it when absent; when
    /// given, a county must be the point's or one of the [`PLACE_CANDIDATES`] county points
    /// nearest to it (county points are all the data has), a city or province must contain the
    /// nearest county (which is then kept) — and the district must lie in the service area.
    pub fn place(&self, given: Option<&str>, p: GeoPoint, area: &ServiceArea) -> Result<&District, Invalid> {
        let near = self.nearest_counties(p, PLACE_CANDIDATES);
        let outside = || Invalid::new("outside_service_area", "该地点不在本平台服务范围内", "this place is outside the service area");
        let Some(nearest) = near.first().copied() else { return Err(outside()) };
        let district = match given.map(str::trim).filter(|s| !s.is_empty()) {
            None => nearest,
            Some(code) => {
                let d = self.normalize(code).ok_or_else(|| Invalid::new("unknown_adcode", "未知的行政区划代码", "unknown district code (adcode)"))?;
                let agrees = match d.level {
                    _ if near.iter().any(|n| n.adcode == d.adcode) => true,
                    "county" => false,
                    "city" => nearest.adcode[..4] == d.adcode[..4],
                    _ => nearest.adcode[..2] == d.adcode[..2],
                };
                if !agrees {
                    return Err(Invalid::new(
                        "adcode_mismatch",
                        format!("行政区划代码与地点不符：该地点位于{}", nearest.full_name),
                        format!("the district code does not match the point, which lies in {} ({})", nearest.full_name, nearest.adcode),
                    ));
                }
                if near.iter().any(|n| n.adcode == d.adcode) { d } else { nearest }
            }
        };
        if !area.contains(&district.adcode) {
            return Err(outside());
        }
        Ok(district)
    }
}

/// How many nearest county points a given county adcode may be among: points near a border are
/// often nearer another county's point than their own.
pub const PLACE_CANDIDATES: usize = 3;

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
    fn finds_districts_by_pinyin_and_offers_every_place_of_a_shared_name() {
        let d = Districts::get();
        // 朝阳区 is in Beijing and in Changchun; both come back, for the worker to choose.
        for q in ["朝阳", "chaoyang", "ChaoYang", "chao yang", "chao'yang"] {
            let hits: Vec<&str> = d.search(q, 20).iter().map(|x| x.full_name.as_str()).collect();
            assert!(hits.contains(&"北京市 朝阳区"), "{q}: {hits:?}");
            assert!(hits.iter().any(|h| h.starts_with("吉林省 长春市")), "{q}: {hits:?}");
        }
        // Every county-level name is found by its own pinyin.
        for (i, x) in d.all.iter().enumerate().filter(|(_, x)| x.level == "county").take(400) {
            assert!(d.search(&d.pinyin[i], 500).iter().any(|h| h.adcode == x.adcode), "{} {}", x.name, d.pinyin[i]);
        }
        assert!(d.search("zzzzqqq", 20).is_empty());
        // The page's choice names the places called so, not every county inside 朝阳市.
        for q in ["朝阳", "chaoyang"] {
            let named: Vec<&str> = d.by_name(q, 20).iter().map(|x| x.full_name.as_str()).collect();
            assert!(named.contains(&"北京市 朝阳区") && named.iter().any(|h| h.starts_with("吉林省 长春市")), "{q}: {named:?}");
            assert!(!named.iter().any(|h| h.ends_with("双塔区")), "{q}: {named:?}");
        }
        assert_eq!(d.by_name("双塔", 20).len(), 1);
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

    #[test]
    fn a_place_is_its_point_s_district() {
        let d = Districts::get();
        let area = ServiceArea::mainland();
        // 天安门, Beijing 东城区.
        let p = GeoPoint { lat: 39.9087, lng: 116.3975 };
        let own = d.place(None, p, &area).unwrap();
        assert!(own.adcode.starts_with("11"), "{own:?}");
        // Each of the nearest county points is accepted, and so is the city or province.
        for n in d.nearest_counties(p, PLACE_CANDIDATES) {
            assert_eq!(d.place(Some(&n.adcode), p, &area).unwrap().adcode, n.adcode);
            assert_eq!(d.place(Some(&n.adcode[..6]), p, &area).unwrap().adcode, n.adcode);
        }
        assert_eq!(d.place(Some("110000000000"), p, &area).unwrap().adcode, own.adcode);
        // Every county elsewhere is refused: generated over the whole table.
        let near: Vec<String> = d.nearest_counties(p, PLACE_CANDIDATES).iter().map(|n| n.adcode.clone()).collect();
        let mut refused = 0;
        for other in d.all.iter().filter(|x| x.level == "county" && !near.contains(&x.adcode)) {
            assert_eq!(d.place(Some(&other.adcode), p, &area).unwrap_err().code, "adcode_mismatch", "{other:?}");
            refused += 1;
        }
        assert!(refused > 2000, "{refused}");
        assert_eq!(d.place(Some("650100000000"), p, &area).unwrap_err().code, "adcode_mismatch");
        assert_eq!(d.place(Some("999999"), p, &area).unwrap_err().code, "unknown_adcode");
        // Outside the data, or outside a configured area.
        assert_eq!(d.place(None, GeoPoint { lat: 0.0, lng: -150.0 }, &area).unwrap_err().code, "outside_service_area");
        assert_eq!(d.place(None, p, &ServiceArea(vec!["44".into()])).unwrap_err().code, "outside_service_area");
        // Hong Kong is in the data but not in the mainland service area.
        assert_eq!(d.place(None, GeoPoint { lat: 22.2819, lng: 114.1580 }, &area).unwrap_err().code, "outside_service_area");
        assert!(ServiceArea(vec!["4x".into()]).check().is_err());
    }
}
