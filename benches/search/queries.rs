//! The seeded query mix, shared by the in-process run, PostGIS and the URLs for wrk.

use chrono::{Duration, NaiveDateTime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use lingong::domain::GeoPoint;
use lingong::search::engine::{ShiftQuery, Sort};

use crate::random::{jitter, pick};
use crate::world::World;

/// Realistic search words; a space means every piece must match.
pub const WORDS: &[&str] = &[
    "保洁",
    "搬家 周末",
    "日结",
    "分拣",
    "帮厨",
    "保安",
    "促销",
    "夜班 分拣",
    "家政",
    "养老 陪护",
    "装卸",
    "骑手",
    "服务员",
    "钟点工",
    "兼职 日结",
    "快递",
    "仓库",
    "开荒保洁",
    "发传单",
    "育婴员",
    "水电工",
    "绿化",
    "布展",
    "直播",
    "包吃住",
    "奶茶",
    "录入",
    "司机",
    "采摘",
    "小工",
    "保洁 日结",
    "洗碗",
    "理货",
    "护工",
    "传菜",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Text,
    Geo,
}

impl Kind {
    /// Kind by its `key`, as the results carry it.
    pub fn of(key: &Value) -> Kind {
        if *key == "text" { Kind::Text } else { Kind::Geo }
    }
    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "text + radius + 7-day window",
            Kind::Geo => "pure geo (radius only)",
        }
    }
    /// The short form used in the targets table.
    pub fn target_name(self) -> &'static str {
        match self {
            Kind::Text => "text + radius + time",
            Kind::Geo => "pure geo",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Geo => "geo",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Q {
    pub words: Option<&'static str>,
    pub lat: f64,
    pub lng: f64,
    pub radius_km: f64,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// The seeded query mix of one kind: points in the big cities' districts (jittered 3 km).
pub fn queries(w: &World, seed: u64, n: usize, kind: Kind) -> Vec<Q> {
    let mut rng = StdRng::seed_from_u64(seed ^ if kind == Kind::Text { 0x7E47 } else { 0x6E0 });
    (0..n)
        .map(|_| {
            let p = &w.places[w.pick_big_place(&mut rng)];
            let (lat, lng) = jitter(&mut rng, p.lat, p.lng, 3.0);
            match kind {
                Kind::Text => {
                    let from = w.base_day + Duration::days(rng.random_range(1..=21));
                    let from = from.and_hms_opt(0, 0, 0).expect("midnight") - Duration::hours(8);
                    Q {
                        words: Some(pick(&mut rng, WORDS)),
                        lat,
                        lng,
                        radius_km: rng.random_range(10..=20) as f64 / 2.0,
                        from: Some(from),
                        to: Some(from + Duration::days(7)),
                    }
                }
                Kind::Geo => Q { words: None, lat, lng, radius_km: rng.random_range(6..=20) as f64 / 2.0, from: None, to: None },
            }
        })
        .collect()
}

pub fn engine_query(q: &Q, now: NaiveDateTime, with_text: bool) -> ShiftQuery {
    ShiftQuery {
        q: if with_text { q.words.map(str::to_string) } else { None },
        near: Some((GeoPoint { lat: q.lat, lng: q.lng }, q.radius_km)),
        bbox: None,
        category: None,
        adcode: None,
        from: q.from,
        to: q.to,
        min_pay_fen: None,
        pay_unit: None,
        settlement: None,
        employment_type: None,
        days: None,
        ids: None,
        understood: Default::default(),
        sort: Sort::Relevance,
        offset: 0,
        limit: 20,
        now,
    }
}
