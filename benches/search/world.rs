//! The world the shifts are generated in: real county-level district points from
//! `assets/adcodes.csv`, the big cities most of them fall in, and the categories' words.

use std::collections::HashMap;

use anyhow::bail;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::Connection;
use rand::Rng;
use rand::rngs::StdRng;

use lingong::domain::time::now_utc;
use lingong::services::districts::Districts;

use crate::cats::CATS;
use crate::random::weighted_index;

pub struct Place {
    pub adcode: String,
    pub short: String,
    pub full_name: String,
    /// City and district as written in an address, e.g. 深圳市南山区.
    pub city_addr: String,
    pub lat: f64,
    pub lng: f64,
}

struct BigCity {
    weight: u32,
    places: Vec<usize>,
}

/// Twenty big cities by 4-digit adcode prefix, weighted roughly by the size of their gig market.
const BIG_CITIES: &[(&str, &str, u32)] = &[
    ("1101", "北京", 10),
    ("3101", "上海", 10),
    ("4401", "广州", 8),
    ("4403", "深圳", 8),
    ("5101", "成都", 7),
    ("5001", "重庆", 6),
    ("3301", "杭州", 6),
    ("4201", "武汉", 6),
    ("6101", "西安", 5),
    ("3201", "南京", 5),
    ("1201", "天津", 5),
    ("3205", "苏州", 5),
    ("4101", "郑州", 4),
    ("4301", "长沙", 4),
    ("3702", "青岛", 4),
    ("2101", "沈阳", 3),
    ("3401", "合肥", 3),
    ("4406", "佛山", 3),
    ("3701", "济南", 3),
    ("3302", "宁波", 3),
];

pub struct World {
    pub places: Vec<Place>,
    big: Vec<BigCity>,
    big_weight: u32,
    pub cat_words: HashMap<String, String>,
    cat_weight: u32,
    pub now: NaiveDateTime,
    /// Today in Asia/Shanghai.
    pub base_day: NaiveDate,
}

impl World {
    pub fn new() -> anyhow::Result<World> {
        let mut places = Vec::new();
        for d in Districts::get().search("", usize::MAX) {
            if d.level != "county" || d.name == "市辖区" || !(3.0..54.0).contains(&d.lat) || !(73.0..136.0).contains(&d.lng) {
                continue;
            }
            let parts: Vec<&str> = d.full_name.split(' ').collect();
            let city_addr = if parts.len() >= 3 { parts[1..].concat() } else { parts.concat() };
            let mut short = d.name.clone();
            if short.chars().count() > 2 && (short.ends_with('区') || short.ends_with('县') || short.ends_with('市') || short.ends_with('旗')) {
                short.pop();
            }
            places.push(Place { adcode: d.adcode.clone(), short, full_name: d.full_name.clone(), city_addr, lat: d.lat, lng: d.lng });
        }
        if places.is_empty() {
            bail!("no county-level district points in assets/adcodes.csv");
        }
        let mut big = Vec::new();
        for (prefix, name, weight) in BIG_CITIES {
            let ps: Vec<usize> = places.iter().enumerate().filter(|(_, p)| p.adcode.starts_with(prefix)).map(|(i, _)| i).collect();
            if ps.is_empty() {
                bail!("no district points for {name} ({prefix}) in assets/adcodes.csv");
            }
            big.push(BigCity { weight: *weight, places: ps });
        }
        let big_weight = big.iter().map(|b| b.weight).sum();
        let cat_words = category_words()?;
        for c in CATS {
            if !cat_words.contains_key(c.code) {
                bail!("category {} is not in the migrations' categories", c.code);
            }
        }
        let cat_weight = CATS.iter().map(|c| c.weight).sum();
        let now = now_utc();
        let base_day = (now + Duration::hours(8)).date();
        Ok(World { places, big, big_weight, cat_words, cat_weight, now, base_day })
    }

    pub fn pick_big_place(&self, rng: &mut StdRng) -> usize {
        let b = &self.big[weighted_index(rng, self.big_weight, self.big.iter().map(|b| b.weight))];
        b.places[rng.random_range(0..b.places.len())]
    }

    /// 80% in the districts of the twenty big cities, 20% anywhere in the country.
    pub fn pick_place(&self, rng: &mut StdRng) -> usize {
        if rng.random_bool(0.8) { self.pick_big_place(rng) } else { rng.random_range(0..self.places.len()) }
    }

    /// An index into `CATS`, by the categories' weights.
    pub fn pick_cat(&self, rng: &mut StdRng) -> usize {
        weighted_index(rng, self.cat_weight, CATS.iter().map(|c| c.weight))
    }
}

/// Category code → "name keywords", read exactly as the service reads it (from the migrated
/// categories table), so the tokens match what `lingong serve` indexes.
fn category_words() -> anyhow::Result<HashMap<String, String>> {
    let conn = diesel::sqlite::SqliteConnection::establish(":memory:")?;
    let mut conn = lingong::db::DbConn::Sqlite(conn);
    lingong::db::migrate(&mut conn)?;
    lingong::search::load::category_words(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))
}
