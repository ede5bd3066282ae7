//! China's administrative divisions with a representative point, from the shipped `adcodes.csv`
//! (province, city, county; CC BY 4.0) and `townships.csv` (街道 / 乡镇; 国家统计局 2023 via
//! modood/Administrative-divisions-of-China, WTFPL), see assets/ATTRIBUTION.md; both embedded in
//! the binary and parsed once.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::GeoPoint;
pub use crate::domain::geo::ServiceArea;
use crate::error::{FieldErrors, Invalid};

const CSV: &str = include_str!("../../assets/adcodes.csv");
/// `code,name`: the 9-digit township code and its name. The source's `areaCode`, `cityCode` and
/// `provinceCode` columns are left out: they are always the code's first 6, 4 and 2 digits.
const TOWNSHIPS: &str = include_str!("../../assets/townships.csv");

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct District {
    /// 12-digit division code, e.g. `440305000000` (深圳市南山区); a township's is its 9-digit
    /// code followed by `000` (`110105026000`, 望京街道).
    pub adcode: String,
    pub name: String,
    /// Province, city, district (and township) names, e.g. `广东省 深圳市 南山区`.
    pub full_name: String,
    /// `province`, `city`, `county` or `township`.
    pub level: &'static str,
    /// A township has no point of its own in the data: these are its county's (or, where the
    /// county is newer than the point data, its city's).
    pub lat: f64,
    pub lng: f64,
    /// How many leading digits of `adcode` the shifts in this district carry: see [`District::shift_prefix`].
    #[serde(skip)]
    prefix: u8,
}

impl District {
    /// The adcode prefix of the shifts in this district (`11` for 北京市, `4403` for 深圳市,
    /// `110105` for 朝阳区). Shifts are stored with county adcodes, so a township searches as its
    /// county (望京街道 → `110105`), or as its city where its county is newer than the point
    /// data (任泽区's 任城镇 → `1305`, 邢台市).
    pub fn shift_prefix(&self) -> &str {
        &self.adcode[..self.prefix as usize]
    }

    /// The name without its administrative ending (`朝阳` for 朝阳区, `望京` for 望京街道), as
    /// people say and type it.
    pub fn bare_name(&self) -> &str {
        bare(&self.name)
    }
}

/// What a typed place name (or code) names: [`Districts::resolve`].
#[derive(Debug)]
pub enum Resolved<'a> {
    One(&'a District),
    /// Best first, at most [`SEVERAL`].
    Several(Vec<&'a District>),
    Nothing,
}

/// How many places [`Resolved::Several`] offers at most.
pub const SEVERAL: usize = 12;

pub struct Districts {
    /// Sorted by code (so a code is found by binary search).
    all: Vec<District>,
    /// The finest districts a point can fall in: counties, and regions the data does not divide
    /// further (香港, 澳门, 台湾 have one row each), so a point there is placed there.
    leaves: Vec<usize>,
    /// The toneless pinyin of each name without its ending (`chaoyang` for 朝阳区, `wangjing`
    /// for 望京街道), by index into `all`: workers type `chaoyang` on a phone as often as 朝阳.
    pinyin: Vec<String>,
    /// Each full name without its spaces (`北京市朝阳区`), by index into `all`, for matching what
    /// people type without spaces.
    compact: Vec<String>,
    /// Indices into `all` in the order places are offered: [`level_rank`], then code.
    order: Vec<u32>,
    /// Each place's position in `order`, by index into `all`.
    rank: Vec<u32>,
    /// (hash of a key, index into `all`), sorted: each place under its bare name and its pinyin,
    /// so that exact fits are found without a scan.
    keys: Vec<(u64, u32)>,
}

/// The place with this code in `all`, sorted by code.
fn find<'a>(all: &'a [District], code: &str) -> Option<&'a District> {
    all.binary_search_by(|d| d.adcode.as_str().cmp(code)).ok().map(|i| &all[i])
}

fn key(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// Administrative endings, longest first: what [`bare`] leaves off.
const ENDINGS: [&str; 17] =
    ["街道办事处", "地区办事处", "自治县", "自治州", "自治旗", "新区", "街道", "办事处", "地区", "苏木", "区", "县", "市", "旗", "省", "镇", "乡"];

/// `朝阳区` → `朝阳`, `望京街道` → `望京`, `马驹桥镇` → `马驹桥`; a name that would be left with
/// fewer than two characters is kept whole (`城区`).
fn bare(name: &str) -> &str {
    ENDINGS.iter().find_map(|e| name.strip_suffix(e).filter(|b| b.chars().count() >= 2)).unwrap_or(name)
}

/// `朝阳区` → `chaoyang`; the administrative ending is left off so the bare name matches.
fn name_pinyin(name: &str) -> String {
    use pinyin::ToPinyin;
    let mut out = String::with_capacity(name.len() * 2);
    for c in bare(name).chars() {
        match c.to_pinyin() {
            Some(p) => out.push_str(p.plain()),
            None => out.extend(c.to_lowercase()),
        }
    }
    out
}

fn level(code: &str) -> &'static str {
    if &code[6..] != "000000" {
        "township"
    } else if &code[2..] == "0000000000" {
        "province"
    } else if &code[4..] == "00000000" {
        "city"
    } else {
        "county"
    }
}

/// The order places are offered in: districts before the cities and provinces named alike (a
/// worker looks for work in a 区 or 县), townships last.
fn level_rank(level: &str) -> u8 {
    match level {
        "county" => 0,
        "city" => 1,
        "province" => 2,
        _ => 3,
    }
}

/// Whether `typed` (no spaces) spells a place by its full name's parts in order, each whole or
/// bare, some left out, ending with the place's own: `北京市朝阳区`, `北京朝阳`, `长春朝阳区`,
/// `朝阳区望京`, `北京望京` (never only a part before the place's own, `北京市` for 朝阳区).
fn spells(parts: &[&str], typed: &str) -> bool {
    match parts {
        [] => false,
        [own] => typed == *own || typed == bare(own),
        [first, rest @ ..] => {
            spells(rest, typed) || [*first, bare(first)].iter().any(|form| typed.strip_prefix(form).is_some_and(|left| !left.is_empty() && spells(rest, left)))
        }
    }
}

/// A typed query in the forms it is compared in.
struct Typed<'q> {
    raw: &'q str,
    /// Without whitespace.
    compact: String,
    /// Lower-case letters without whitespace and apostrophes (`chao'yang` → `chaoyang`) when the
    /// query is pinyin, else empty.
    spelled: String,
}

impl<'q> Typed<'q> {
    fn new(q: &'q str) -> Typed<'q> {
        let raw = q.trim();
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let spelled: String = compact.chars().filter(|c| *c != '\'').flat_map(char::to_lowercase).collect();
        let spelled = if spelled.len() >= 2 && spelled.bytes().all(|b| b.is_ascii_lowercase()) { spelled } else { String::new() };
        Typed { raw, compact, spelled }
    }
}

/// The places fitting a query, each group in offering order ([`level_rank`], then code).
#[derive(Default)]
struct Fits {
    /// By name, bare name, pinyin or (qualified) full name: `朝阳`, `朝阳区`, `chaoyang`, `北京朝阳`.
    exact: Vec<usize>,
    /// Name or pinyin (four letters or more) begins so: `马驹` for 马驹桥镇.
    prefix: Vec<usize>,
    /// Name or full name contains it, or code begins so.
    other: Vec<usize>,
}

impl Districts {
    pub fn get() -> &'static Districts {
        static D: OnceLock<Districts> = OnceLock::new();
        D.get_or_init(Districts::load)
    }

    /// Parses both files, once per process, on the first look-up. The townships are most of it
    /// (41 352 rows against 3 511): with their pinyin (computed here, once), full names and the
    /// index, loading takes 60–100 ms in a release build on a busy 2-core machine (debug builds
    /// several times that) and holds about 20 MB. A name that fits exactly is then found through
    /// the index in microseconds; anything else (a prefix, a part of a full name, a code prefix)
    /// is a scan of the 44 000 places, 1–3 ms.
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
        let mut all = Vec::with_capacity(rows.len() + 41_400);
        for (code, name, lat, lng) in rows {
            let lvl = level(&code);
            let province = names.get(&format!("{}0000000000", &code[..2])).cloned();
            let city = names.get(&format!("{}00000000", &code[..4])).cloned().filter(|c| c != "市辖区" && c != "县");
            let (full_name, prefix) = match lvl {
                "province" => (name.clone(), 2),
                "city" => ([province, Some(name.clone())].into_iter().flatten().collect::<Vec<_>>().join(" "), 4),
                _ => ([province, city, Some(name.clone())].into_iter().flatten().collect::<Vec<_>>().join(" "), 6),
            };
            all.push(District { adcode: code, name, full_name, level: lvl, lat, lng, prefix });
        }
        let divisions = all.len();
        // A township belongs to its county (the code's first 6 digits); where that county is not in
        // the 2016 point data (newer counties, development zones), to its city, else its province.
        // 市辖区 and 县 rows are placeholders, not places to name.
        for line in TOWNSHIPS.lines().skip(1) {
            let Some((code, name)) = line.split_once(',') else { continue };
            // `…直辖村级区划` rows are villages a county governs directly, and `350527000` (金门县)
            // is the county itself: no township to name.
            if code.len() != 9 || !code.bytes().all(|b| b.is_ascii_digit()) || code.ends_with("000") || name.ends_with("直辖村级区划") {
                continue;
            }
            let parent = [(6, "000000"), (4, "00000000"), (2, "0000000000")]
                .into_iter()
                .find_map(|(n, zeros)| find(&all[..divisions], &format!("{}{zeros}", &code[..n])).filter(|p| p.name != "市辖区" && p.name != "县"));
            // (The county code of a city without counties, 东莞 and 中山, is the city's own.)
            let Some(parent) = parent else { continue };
            all.push(District {
                adcode: format!("{code}000"),
                name: name.to_string(),
                full_name: format!("{} {name}", parent.full_name),
                level: "township",
                lat: parent.lat,
                lng: parent.lng,
                prefix: parent.prefix,
            });
        }
        all.sort_by(|a, b| a.adcode.cmp(&b.adcode));
        let divided: HashSet<&str> = all.iter().filter(|d| d.level == "city" || d.level == "county").map(|d| &d.adcode[..2]).collect();
        let leaves = all
            .iter()
            .enumerate()
            .filter(|(_, d)| d.level == "county" || (d.level == "province" && !divided.contains(&d.adcode[..2])))
            .map(|(i, _)| i)
            .collect();
        let pinyin: Vec<String> = all.iter().map(|d| name_pinyin(&d.name)).collect();
        let compact = all.iter().map(|d| d.full_name.replace(' ', "")).collect();
        let mut order: Vec<u32> = (0..all.len() as u32).collect();
        order.sort_by_key(|&i| (level_rank(all[i as usize].level), i));
        let mut rank = vec![0; all.len()];
        for (at, &i) in order.iter().enumerate() {
            rank[i as usize] = at as u32;
        }
        let mut keys: Vec<(u64, u32)> = all.iter().enumerate().flat_map(|(i, d)| [(key(bare(&d.name)), i as u32), (key(&pinyin[i]), i as u32)]).collect();
        keys.sort_unstable();
        keys.dedup();
        debug_assert!(all.len() > divisions);
        Districts { all, leaves, pinyin, compact, order, rank, keys }
    }

    pub fn by_code(&self, code: &str) -> Option<&District> {
        find(&self.all, code)
    }

    /// Accepts 6-digit county codes (`440305`) and 9-digit township codes (`110105026`) too, as
    /// many systems write them.
    pub fn normalize(&self, code: &str) -> Option<&District> {
        let code = code.trim();
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        match code.len() {
            6 => self.by_code(&format!("{code}000000")),
            9 => self.by_code(&format!("{code}000")),
            _ => self.by_code(code),
        }
    }

    /// The places filed under `k` in `keys` (to be checked: hashes may collide).
    fn keyed(&self, k: &str) -> impl Iterator<Item = usize> + '_ {
        let h = key(k);
        let from = self.keys.partition_point(|e| e.0 < h);
        self.keys[from..].iter().take_while(move |e| e.0 == h).map(|e| e.1 as usize)
    }

    /// Whether place `i` is called `q` exactly: its name or bare name, its pinyin, or its full
    /// name, whole or shortened (`北京市 朝阳区`, `北京朝阳`).
    fn is_exact(&self, i: usize, q: &Typed) -> bool {
        let d = &self.all[i];
        let own = bare(&d.name);
        d.name == q.raw
            || own == q.raw
            || (!q.spelled.is_empty() && self.pinyin[i] == q.spelled)
            // Only a query ending in this place's own name can spell its full name.
            || ((q.compact.ends_with(d.name.as_str()) || q.compact.ends_with(own)) && spells(&d.full_name.split(' ').collect::<Vec<_>>(), &q.compact))
    }

    /// The places fitting `q`. The exact fits come from the index: the query, its pinyin and each
    /// ending of it (the place's own name in a full name) are looked up. The other groups are a
    /// scan of every place, made only when `scan` says so.
    fn fits(&self, q: &Typed, scan: impl FnOnce(&[usize]) -> bool) -> Fits {
        let mut exact: Vec<usize> = Vec::new();
        let mut probe = |k: &str| {
            if !k.is_empty() {
                exact.extend(self.keyed(k));
                exact.extend(self.keyed(bare(k)));
            }
        };
        probe(q.raw);
        probe(&q.spelled);
        for (at, _) in q.compact.char_indices() {
            probe(&q.compact[at..]);
        }
        exact.retain(|&i| self.is_exact(i, q));
        exact.sort_by_key(|&i| self.rank[i]);
        exact.dedup();
        let mut fits = Fits { exact, ..Default::default() };
        if !scan(&fits.exact) {
            return fits;
        }
        let pinyin = q.spelled.len() >= 4;
        for &i in &self.order {
            let i = i as usize;
            let d = &self.all[i];
            if fits.exact.binary_search_by_key(&self.rank[i], |&e| self.rank[e]).is_ok() {
                continue;
            }
            if d.name.starts_with(q.raw) || (pinyin && self.pinyin[i].starts_with(&q.spelled)) {
                fits.prefix.push(i);
            } else if d.name.contains(q.raw) || self.compact[i].contains(&q.compact) || d.adcode.starts_with(q.raw) {
                fits.other.push(i);
            }
        }
        fits
    }

    /// Name, full name, pinyin or code prefix match, for the district look-up API: the best fits
    /// first (see [`Districts::resolve`]), counties before cities and provinces, townships last.
    pub fn search(&self, q: &str, limit: usize) -> Vec<&District> {
        let q = Typed::new(q);
        if q.raw.is_empty() {
            return self.order.iter().take(limit).map(|&i| &self.all[i as usize]).collect();
        }
        let fits = self.fits(&q, |exact| exact.len() < limit);
        fits.exact.into_iter().chain(fits.prefix).chain(fits.other).take(limit).map(|i| &self.all[i]).collect()
    }

    /// The one rule for what place a person typed (`朝阳`, `chaoyang`, `北京朝阳`, `望京`, a code),
    /// for every form that takes a place name.
    ///
    /// - Blank: [`Resolved::Nothing`].
    /// - A code (12, 9 or 6 digits) of a known place: that place.
    /// - Otherwise the places that fit best: by name, bare name (`朝阳` for 朝阳区, `望京` for
    ///   望京街道), pinyin or full name (`北京市 朝阳区`, `长春朝阳`) if any do; else those whose
    ///   name or pinyin begins so; else those whose name or full name contains it or whose code
    ///   begins so. One such place is [`Resolved::One`]; so is a single province, city or county
    ///   among townships of the same name (`东城` is Beijing's 东城区, not one of the 39 东城街道).
    ///   Several are [`Resolved::Several`], best first (counties, cities, provinces, then
    ///   townships, each by code), at most [`SEVERAL`]: `朝阳` is in Beijing and in Changchun.
    pub fn resolve(&self, typed: &str) -> Resolved<'_> {
        let q = Typed::new(typed);
        if q.raw.is_empty() {
            return Resolved::Nothing;
        }
        if let Some(d) = self.normalize(q.raw) {
            return Resolved::One(d);
        }
        let fits = self.fits(&q, |exact| exact.is_empty());
        let best = [fits.exact, fits.prefix, fits.other].into_iter().find(|f| !f.is_empty());
        let Some(best) = best else { return Resolved::Nothing };
        let hits: Vec<&District> = best.into_iter().map(|i| &self.all[i]).collect();
        let divisions: Vec<&District> = hits.iter().copied().filter(|d| d.level != "township").collect();
        match (hits.as_slice(), divisions.as_slice()) {
            ([one], _) | (_, [one]) => Resolved::One(one),
            _ => Resolved::Several(hits.into_iter().take(SEVERAL).collect()),
        }
    }

    /// The district a township belongs to for its point and its shifts: its county, or its city
    /// or province where the county is newer than the point data. Any other place is its own.
    pub fn parent<'a>(&'a self, d: &'a District) -> &'a District {
        self.by_code(&format!("{:0<12}", d.shift_prefix())).unwrap_or(d)
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
    /// nearest county (which is then kept), a township code counts as its county's ([`Districts::parent`])
    /// — and the district must lie in the service area.
    pub fn place(&self, given: Option<&str>, p: GeoPoint, area: &ServiceArea) -> Result<&District, Invalid> {
        let near = self.nearest_counties(p, PLACE_CANDIDATES);
        let outside = || Invalid::new("outside_service_area", "该地点不在本平台服务范围内", "this place is outside the service area");
        let Some(nearest) = near.first().copied() else { return Err(outside()) };
        let district = match given.map(str::trim).filter(|s| !s.is_empty()) {
            None => nearest,
            Some(code) => {
                let d = self.normalize(code).ok_or_else(unknown_adcode)?;
                // Places are kept at county level: a township code stands for its county (or city).
                let d = if d.level == "township" { self.parent(d) } else { d };
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

    /// A venue (a community station, a job fair): the county it is in, given as `adcode`, and,
    /// when it has one, its point. The county must be a county in the service area and the
    /// point must agree with it by [`Districts::place`]; a point outside the service area is
    /// named on `lat` and `lng`. `not_a_county` says, in the venue's words, what code to give.
    pub fn venue(
        &'static self,
        errs: &mut FieldErrors,
        adcode: Option<&str>,
        point: Option<GeoPoint>,
        area: &ServiceArea,
        not_a_county: Invalid,
    ) -> Option<&'static District> {
        let county = match adcode.map(str::trim).filter(|s| !s.is_empty()) {
            None => errs.check("adcode", Err(Invalid::required())),
            Some(code) => match self.normalize(code) {
                None => errs.check("adcode", Err(unknown_adcode())),
                Some(d) if d.level != "county" => errs.check("adcode", Err(not_a_county)),
                Some(d) if !area.contains(&d.adcode) => errs.check("adcode", Err(outside_service_area())),
                Some(d) => Some(d),
            },
        };
        if let Some(p) = point {
            match self.place(None, p, area) {
                Err(e) => {
                    errs.add("lat", e.clone());
                    errs.add("lng", e);
                }
                Ok(_) => {
                    if let Some(c) = county
                        && let Err(e) = self.place(Some(&c.adcode), p, area)
                    {
                        errs.add("adcode", e);
                    }
                }
            }
        }
        county
    }
}

pub fn unknown_adcode() -> Invalid {
    Invalid::new("unknown_adcode", "未知的行政区划代码", "unknown district code (adcode)")
}

pub fn outside_service_area() -> Invalid {
    Invalid::new("outside_service_area", "该地区不在本平台服务范围内", "this district is outside the service area")
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
    }

    /// The full names of what `q` resolves to: one, several (best first), or none.
    fn resolved(d: &Districts, q: &str) -> Vec<String> {
        match d.resolve(q) {
            Resolved::One(x) => vec![x.full_name.clone()],
            Resolved::Several(xs) => {
                assert!(xs.len() >= 2 && xs.len() <= SEVERAL, "{q}: {xs:?}");
                xs.iter().map(|x| x.full_name.clone()).collect()
            }
            Resolved::Nothing => Vec::new(),
        }
    }

    fn one(d: &Districts, q: &str) -> String {
        match d.resolve(q) {
            Resolved::One(x) => x.full_name.clone(),
            other => panic!("{q} names one place, not {other:?}"),
        }
    }

    #[test]
    fn resolve_names_the_one_place_or_offers_the_several() {
        let d = Districts::get();
        // Blank is nothing; so is a name no place has.
        for q in ["", " ", "\t\n", "　", "zzzzqqq", "不存在的地方乙丙", "999999", "'"] {
            assert!(matches!(d.resolve(q), Resolved::Nothing), "{q:?}: {:?}", d.resolve(q));
        }
        // One place, however it is written: name with or without its ending, pinyin in any case
        // and spacing, 12-, 6-digit code, full name with or without spaces, a shorter qualified name.
        for q in [
            "海淀",
            "海淀区",
            " 海淀区 ",
            "haidian",
            "HaiDian",
            "hai dian",
            "hai'dian",
            "110108000000",
            "110108",
            "北京市 海淀区",
            "北京市海淀区",
            "北京海淀",
            "北京 海淀区",
        ] {
            assert_eq!(one(d, q), "北京市 海淀区", "{q}");
        }
        for (q, full) in [
            ("深圳南山", "广东省 深圳市 南山区"),
            ("广东省深圳市南山区", "广东省 深圳市 南山区"),
            ("深圳", "广东省 深圳市"),
            ("shenzhen", "广东省 深圳市"),
            ("北京", "北京市"),
            ("朝阳市", "辽宁省 朝阳市"),
            ("朝阳县", "辽宁省 朝阳市 朝阳县"),
            ("长春朝阳", "吉林省 长春市 朝阳区"),
            ("长春市朝阳区", "吉林省 长春市 朝阳区"),
            ("北京朝阳", "北京市 朝阳区"),
            ("北京市 朝阳区", "北京市 朝阳区"),
            ("110105", "北京市 朝阳区"),
            // A district wins over the townships named like it: 东城 is not one of the 东城街道.
            ("东城", "北京市 东城区"),
            ("dongcheng", "北京市 东城区"),
            ("双塔", "辽宁省 朝阳市 双塔区"),
        ] {
            assert_eq!(one(d, q), full, "{q}");
        }
        // 朝阳 is a district of 北京 and of 长春, a city and a county of 辽宁: all offered,
        // districts first, and not every county inside 朝阳市.
        for q in ["朝阳", "chaoyang", "ChaoYang", "chao yang", "朝阳区"] {
            let all = resolved(d, q);
            assert!(all.len() >= 2, "{q}: {all:?}");
            assert_eq!(all[0], "北京市 朝阳区", "{q}: {all:?}");
            assert!(all.iter().any(|h| h == "吉林省 长春市 朝阳区"), "{q}: {all:?}");
            assert!(!all.iter().any(|h| h.ends_with("双塔区")), "{q}: {all:?}");
        }
        // (肇东市 has a 朝阳区街道 too, offered after the districts.)
        assert_eq!(resolved(d, "朝阳区")[..3], ["北京市 朝阳区", "吉林省 长春市 朝阳区", "黑龙江省 绥化市 肇东市 朝阳区街道"]);
        assert_eq!(resolved(d, "南山区"), ["黑龙江省 鹤岗市 南山区", "广东省 深圳市 南山区"]);
        assert_eq!(resolved(d, "nanshan")[..2], ["黑龙江省 鹤岗市 南山区", "广东省 深圳市 南山区"]);
        // Several is capped and ordered: a code prefix fits hundreds.
        let many = resolved(d, "11");
        assert_eq!(many.len(), SEVERAL, "{many:?}");
        // A name that only begins a place's name is enough when one place begins so.
        assert_eq!(one(d, "马驹"), "北京市 通州区 马驹桥镇");
    }

    #[test]
    fn townships_are_found_by_name_bare_name_pinyin_and_code() {
        let d = Districts::get();
        let wangjing = d.by_code("110105026000").unwrap();
        assert_eq!((wangjing.name.as_str(), wangjing.full_name.as_str(), wangjing.level), ("望京街道", "北京市 朝阳区 望京街道", "township"));
        assert_eq!(wangjing.bare_name(), "望京");
        // A township has its county's point, and searches as its county.
        let chaoyang = d.by_code("110105000000").unwrap();
        assert_eq!((wangjing.lat, wangjing.lng), (chaoyang.lat, chaoyang.lng));
        assert_eq!(wangjing.shift_prefix(), "110105");
        assert_eq!(d.parent(wangjing).adcode, "110105000000");
        assert_eq!(chaoyang.shift_prefix(), "110105");
        assert_eq!(d.by_code("440300000000").unwrap().shift_prefix(), "4403");
        assert_eq!(d.by_code("440000000000").unwrap().shift_prefix(), "44");
        for q in ["望京街道", "110105026", "110105026000", "朝阳区望京", "北京望京", "北京市 朝阳区 望京街道", "北京市朝阳区望京街道"]
        {
            assert_eq!(one(d, q), "北京市 朝阳区 望京街道", "{q}");
        }
        // 望京 is also a 镇 in Sichuan: both are offered, Beijing's first (by code).
        for q in ["望京", "wangjing", "Wang Jing"] {
            let all = resolved(d, q);
            assert_eq!(all.first().map(String::as_str), Some("北京市 朝阳区 望京街道"), "{q}: {all:?}");
            assert!(all.iter().any(|h| h.ends_with("平昌县 望京镇")), "{q}: {all:?}");
        }
        for q in ["马驹桥", "马驹桥镇", "majuqiao", "MaJuQiao", "110112109", "通州马驹桥"] {
            assert_eq!(one(d, q), "北京市 通州区 马驹桥镇", "{q}");
        }
        // A city without counties (东莞) is its townships' parent.
        let dongguan = d.normalize("441900003").unwrap();
        assert_eq!((dongguan.full_name.as_str(), dongguan.shift_prefix()), ("广东省 东莞市 东城街道", "4419"));
        let majuqiao = d.normalize("110112109").unwrap();
        assert_eq!(majuqiao.shift_prefix(), "110112", "马驹桥's shifts are 通州区's");
        // A name many townships share offers them all (up to the cap), in code order.
        let chengguan = resolved(d, "城关镇");
        assert_eq!(chengguan.len(), SEVERAL, "{chengguan:?}");
        assert!(chengguan.iter().all(|h| h.ends_with(" 城关镇")), "{chengguan:?}");
        // The API's look-up lists townships too, after the districts of the same name.
        let hits = d.search("望京", 20);
        assert_eq!(hits.iter().map(|h| h.adcode.as_str()).collect::<Vec<_>>()[..2], ["110105026000", "511923120000"]);
        assert!(d.search("朝阳", 50).iter().position(|h| h.level == "township") > d.search("朝阳", 50).iter().position(|h| h.adcode == "220104000000"));
        // Without a query the look-up lists counties first.
        assert!(d.search("", 30).iter().all(|h| h.level == "county"));
        assert_eq!(d.search(" ", 3).len(), 3);
        // The `…直辖村级区划` rows name no township.
        assert!(d.search("直辖村级区划", 20).is_empty());
        // Every township is there once, under a parent that is a real place.
        let townships: Vec<&District> = d.all.iter().filter(|x| x.level == "township").collect();
        assert!(townships.len() > 41_000, "{}", townships.len());
        assert!(d.all.windows(2).all(|w| w[0].adcode < w[1].adcode), "every code names one place");
        for t in &townships {
            let p = d.parent(t);
            assert_ne!(p.level, "township", "{t:?}");
            assert!(t.adcode.starts_with(p.shift_prefix()) && p.shift_prefix() == t.shift_prefix(), "{t:?} {p:?}");
            assert!(t.full_name.starts_with(&p.full_name) && t.full_name.ends_with(&t.name), "{t:?}");
            assert_eq!((t.lat, t.lng), (p.lat, p.lng));
        }
    }

    #[test]
    fn a_township_whose_county_is_newer_than_the_point_data_belongs_to_its_city() {
        let d = Districts::get();
        // 任泽区 (邢台市) was made in 2020; the 2016 point data has no 130505.
        assert!(d.by_code("130505000000").is_none());
        let t = d.normalize("130505100").unwrap();
        assert_eq!((t.name.as_str(), t.full_name.as_str()), ("任城镇", "河北省 邢台市 任城镇"));
        let xingtai = d.by_code("130500000000").unwrap();
        assert_eq!((t.lat, t.lng), (xingtai.lat, xingtai.lng));
        assert_eq!(t.shift_prefix(), "1305");
        assert_eq!(d.parent(t).adcode, "130500000000");
        assert_eq!(one(d, "任城镇"), "河北省 邢台市 任城镇");
        // 色尼区 (那曲市, 2018): its city is newer too, so its townships belong to 西藏.
        let t = d.all.iter().find(|x| x.adcode.starts_with("540602") && x.level == "township").unwrap();
        assert_eq!(t.shift_prefix(), "54");
        assert!(t.full_name.starts_with("西藏自治区 "), "{t:?}");
    }

    #[test]
    fn a_township_code_places_a_shift_in_its_county() {
        let d = Districts::get();
        let area = ServiceArea::mainland();
        // 望京 SOHO, in 朝阳区.
        let p = GeoPoint { lat: 39.9964, lng: 116.4808 };
        let placed = d.place(Some("110105026"), p, &area);
        if d.nearest_counties(p, PLACE_CANDIDATES).iter().any(|n| n.adcode == "110105000000") {
            assert_eq!(placed.unwrap().adcode, "110105000000");
        }
        // A township far from the point disagrees with it, as its county would.
        assert_eq!(d.place(Some("511923120"), p, &area).unwrap_err().code, "adcode_mismatch");
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
