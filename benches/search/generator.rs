//! The shift generator: employers on real district points, then shifts from the category
//! templates, all from a fixed seed.

use std::fmt::Write as _;

use chrono::{Datelike, Duration, NaiveDateTime, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use lingong::domain::PayUnit::{Day as D, Hour as H, Piece as P, Shift as S};
use lingong::domain::{GeoPoint, PayUnit};
use lingong::search::analyze::{ShiftText, shift_text};
use lingong::search::engine::ShiftDoc;
use lingong::search::timefit::Interval;

use crate::cats::{CATS, Pattern};
use crate::random::{jitter, pick, pick_k, weighted};
use crate::world::{Place, World};

/// Shifts per batch, for indexing and for each SQLite transaction.
pub const BATCH: usize = 10_000;

const BRANDS: &[&str] = &[
    "安居",
    "顺心",
    "鑫达",
    "宏远",
    "佳美",
    "诚信",
    "优洁",
    "万家",
    "金牌",
    "速达",
    "恒通",
    "福满",
    "好运",
    "康乐",
    "利民",
    "众诚",
    "美家",
    "乐享",
    "同城",
    "惠民",
    "益家",
    "邻里",
    "健安",
    "德信",
    "兴旺",
    "天天",
    "红星",
    "华安",
    "永盛",
    "新起点",
];
const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"];
const TITLES_OF_CONTACT: &[&str] = &["经理", "主管", "店长", "师傅", "女士", "先生"];
const ROADS: &[&str] = &[
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "和平路",
    "新华路",
    "胜利路",
    "长江路",
    "黄河路",
    "文化路",
    "学府路",
    "工业大道",
    "滨江路",
    "科技路",
    "迎宾大道",
    "光明路",
    "幸福路",
    "东风路",
    "朝阳路",
    "青年路",
    "花园路",
    "友谊路",
    "五一路",
    "振兴路",
    "育才路",
];
const COMMUNITIES: &[&str] = &[
    "阳光", "幸福", "锦绣", "翠苑", "金色", "东方", "世纪", "和谐", "碧水", "绿地", "华府", "紫荆", "玉兰", "春晓", "天成", "嘉园", "新城", "国际", "滨江",
    "明珠",
];
const SITES: &[&str] = &["小区", "花园", "广场", "大厦", "物流园", "产业园", "商业街", "中心"];
const EXTRAS: &[&str] = &["包吃住", "包午餐", "长期可做", "男女不限", "新手可做", "提供工服"];
const GENERIC_REQS: &[&str] = &["年龄18至55周岁", "身体健康", "守时守纪，服从现场安排", "需实名认证", "有相关经验者优先", "普通话沟通无障碍"];
const SETTLEMENTS: &[(&str, u32)] = &[("daily", 50), ("weekly", 20), ("on_completion", 20), ("biweekly", 10)];
const EMPLOYMENT: &[(&str, u32)] = &[("gig", 50), ("part_time", 25), ("temporary", 20), ("seasonal", 5)];
const SEASONAL: &[(&str, u32)] = &[("seasonal", 50), ("gig", 30), ("temporary", 20)];

pub struct Employer {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub contact: String,
    pub phone: String,
    pub place: usize,
    pub lat: f64,
    pub lng: f64,
    pub address: String,
    pub cat: usize,
    pub cat2: usize,
}

#[derive(Clone)]
pub struct GenShift {
    pub id: i64,
    pub employer: usize,
    pub cat: usize,
    pub title: String,
    pub description: String,
    pub requirements: String,
    pub headcount: i32,
    pub address: String,
    pub place: usize,
    pub lat: f64,
    pub lng: f64,
    pub pay_fen: i64,
    pub pay_unit: PayUnit,
    pub settlement: &'static str,
    pub employment_type: &'static str,
    pub take_mode: &'static str,
    pub slots: Vec<Interval>,
    pub valid_through: NaiveDateTime,
    pub published_at: NaiveDateTime,
}

/// Employers are drawn up front from `seed`; shifts come one at a time from a second stream,
/// so the engine run, the PostGIS COPY and the SQLite writer all get the same shifts for the
/// same seed and size.
pub struct Gen<'w> {
    w: &'w World,
    rng: StdRng,
    pub employers: Vec<Employer>,
    next: i64,
    n: i64,
}

fn address(rng: &mut StdRng, p: &Place) -> String {
    let mut a = format!("{}{}{}号", p.city_addr, pick(rng, ROADS), rng.random_range(1..=999));
    if rng.random_bool(0.6) {
        a.push_str(pick(rng, COMMUNITIES));
        a.push_str(pick(rng, SITES));
    }
    a
}

impl<'w> Gen<'w> {
    pub fn new(w: &'w World, seed: u64, n: usize) -> Gen<'w> {
        let mut rng = StdRng::seed_from_u64(seed);
        let count = (n / 40).clamp(50, 50_000);
        let mut employers = Vec::with_capacity(count);
        for i in 0..count {
            let place = w.pick_place(&mut rng);
            let p = &w.places[place];
            let cat = w.pick_cat(&mut rng);
            let cat2 = w.pick_cat(&mut rng);
            let c = &CATS[cat];
            let surname = pick(&mut rng, SURNAMES);
            let (name, kind) = if c.household && rng.random_bool(0.2) {
                (format!("{}{}家", surname, if rng.random_bool(0.6) { "女士" } else { "先生" }), "household")
            } else if rng.random_bool(0.15) {
                (format!("{}{}{}", p.short, pick(&mut rng, BRANDS), pick(&mut rng, &["服务部", "个体工商户", "工作室"])), "individual")
            } else {
                (format!("{}{}{}", p.short, pick(&mut rng, BRANDS), pick(&mut rng, c.industries)), "enterprise")
            };
            let (lat, lng) = jitter(&mut rng, p.lat, p.lng, 3.0);
            employers.push(Employer {
                id: i as i64 + 1,
                name,
                kind,
                contact: format!("{}{}", surname, pick(&mut rng, TITLES_OF_CONTACT)),
                phone: format!("139{:08}", i + 1),
                place,
                lat,
                lng,
                address: address(&mut rng, p),
                cat,
                cat2,
            });
        }
        Gen { w, rng: StdRng::seed_from_u64(seed ^ 0x5EED_5EED), employers, next: 1, n: n as i64 }
    }

    pub fn next_shift(&mut self) -> Option<GenShift> {
        if self.next > self.n {
            return None;
        }
        let id = self.next;
        self.next += 1;
        let w = self.w;
        let rng = &mut self.rng;
        let ei = rng.random_range(0..self.employers.len());
        let e = &self.employers[ei];
        let ci = if rng.random_bool(0.75) { e.cat } else { e.cat2 };
        let c = &CATS[ci];
        let p = &w.places[e.place];
        let (lat, lng) = jitter(rng, p.lat, p.lng, 5.0);
        let (unit, lo, hi) = pick(rng, c.pay);
        let step = match unit {
            H => 100,
            P => 10,
            _ => 1000,
        };
        let pay_fen = rng.random_range(lo / step..=hi / step) * step;
        let settlement = weighted(rng, SETTLEMENTS);
        let employment_type = if matches!(c.code, "farm_work" | "gardening") { weighted(rng, SEASONAL) } else { weighted(rng, EMPLOYMENT) };

        // When: 1–3 slots over the next 30 days, in local (UTC+8) hours.
        let night = rng.random_bool(c.night);
        let weekend = !night && rng.random_bool(0.25);
        let nslots = pick(rng, &[1, 1, 1, 1, 1, 2, 2, 2, 3, 3]);
        let mut day = w.base_day + Duration::days(rng.random_range(1..=27));
        if weekend {
            while !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                day += Duration::days(1);
            }
        }
        let (h, m) = if night {
            pick(rng, &[(20, 0), (21, 0), (22, 0)])
        } else {
            match c.pattern {
                Pattern::Day => pick(rng, &[(7, 0), (8, 0), (8, 30), (9, 0), (9, 30), (10, 0), (13, 0), (14, 0)]),
                Pattern::Meal => pick(rng, &[(9, 30), (10, 0), (10, 30), (16, 30), (17, 0)]),
                Pattern::Peak => pick(rng, &[(10, 30), (11, 0), (16, 30), (17, 0)]),
            }
        };
        let minutes = match unit {
            H => rng.random_range(4..=12) * 30,
            P => rng.random_range(6..=10) * 30,
            D => rng.random_range(16..=20) * 30,
            S => rng.random_range(8..=20) * 30,
        };
        let offset = Duration::hours(8);
        let mut slots = Vec::with_capacity(nslots);
        for _ in 0..nslots {
            let start = day.and_hms_opt(h, m, 0).expect("valid time") - offset;
            slots.push(Interval { start, end: start + Duration::minutes(minutes) });
            day += Duration::days(match (weekend, day.weekday()) {
                (true, Weekday::Sat) => 1,
                (true, _) => 6,
                (false, _) => rng.random_range(1..=2),
            });
        }
        let valid_through = slots.last().expect("a slot").start;
        let published_at = w.now - Duration::minutes(rng.random_range(10..=14 * 24 * 60));

        // What: title, description, requirements.
        let mut tags: Vec<&str> = Vec::new();
        if night && rng.random_bool(0.8) {
            tags.push("夜班");
        }
        if weekend && rng.random_bool(0.7) {
            tags.push("周末");
        }
        if c.pattern == Pattern::Meal && !night && rng.random_bool(0.5) {
            tags.push(if h < 12 { "午市" } else { "晚市" });
        }
        match settlement {
            "daily" if rng.random_bool(0.5) => tags.push("日结"),
            "weekly" if rng.random_bool(0.3) => tags.push("周结"),
            "on_completion" if rng.random_bool(0.3) => tags.push("完工结"),
            _ => {}
        }
        if employment_type == "part_time" && rng.random_bool(0.3) {
            tags.push("兼职");
        }
        if rng.random_bool(0.08) {
            tags.push(pick(rng, EXTRAS));
        }
        let mut title = String::new();
        if rng.random_bool(0.1) {
            title.push_str("急招 ");
        }
        if rng.random_bool(0.25) {
            title.push_str(&p.short);
        }
        title.push_str(pick(rng, c.titles));
        if !tags.is_empty() {
            if rng.random_bool(0.5) {
                let _ = write!(title, "（{}）", tags.join("，"));
            } else {
                title.push(' ');
                title.push_str(&tags.join(" "));
            }
        }
        let headcount = pick(rng, &[1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 15, 20]);
        let k = rng.random_range(2..=3);
        let mut description: String = pick_k(rng, c.descs, k).into_iter().copied().collect();
        description.push_str(match settlement {
            "daily" => "工资日结，当天下班后结算。",
            "weekly" => "按周结算工资，每周五发放。",
            "on_completion" => "完工后当场结算。",
            _ => "工资半月结一次，按时发放。",
        });
        if rng.random_bool(0.5) {
            let _ = write!(description, "本次招{headcount}人。");
        }
        if rng.random_bool(0.2) {
            description.push_str("提供工作餐。");
        }
        if rng.random_bool(0.3) {
            let _ = write!(description, "距地铁站步行约{}分钟。", rng.random_range(3..=15));
        }
        let k = rng.random_range(1..=2);
        let mut reqs: Vec<&str> = pick_k(rng, c.reqs, k).into_iter().copied().collect();
        let generic = pick(rng, GENERIC_REQS);
        if !reqs.iter().any(|r| r.contains(generic)) {
            reqs.push(generic);
        }
        let requirements = reqs.join("；");
        let address = address(rng, p);
        let take_mode = if rng.random_bool(0.2) { "instant" } else { "apply" };
        Some(GenShift {
            id,
            employer: ei,
            cat: ci,
            title,
            description,
            requirements,
            headcount,
            address,
            place: e.place,
            lat,
            lng,
            pay_fen,
            pay_unit: unit,
            settlement,
            employment_type,
            take_mode,
            slots,
            valid_through,
            published_at,
        })
    }

    /// Clears `batch` and refills it with up to `BATCH` shifts; empty when all `n` are out.
    pub fn fill(&mut self, batch: &mut Vec<GenShift>) {
        batch.clear();
        while batch.len() < BATCH {
            match self.next_shift() {
                Some(s) => batch.push(s),
                None => break,
            }
        }
    }

    /// The texts `lingong serve` indexes for a shift (see `search::load::shift_docs`).
    pub fn texts<'a>(&'a self, s: &'a GenShift) -> [&'a str; 7] {
        [
            s.title.as_str(),
            s.description.as_str(),
            s.requirements.as_str(),
            self.w.cat_words.get(CATS[s.cat].code).map(String::as_str).unwrap_or(""),
            self.employers[s.employer].name.as_str(),
            s.address.as_str(),
            self.w.places[s.place].full_name.as_str(),
        ]
    }

    pub fn text(&self, s: &GenShift) -> String {
        let [title, description, requirements, category, employer, address, district] = self.texts(s);
        shift_text(&ShiftText { title, description, requirements, category, employer, address, district })
    }

    pub fn doc(&self, s: GenShift) -> ShiftDoc {
        ShiftDoc {
            id: s.id,
            employer_id: self.employers[s.employer].id,
            category: CATS[s.cat].code.to_string(),
            adcode: Some(self.w.places[s.place].adcode.clone()),
            point: GeoPoint { lat: s.lat, lng: s.lng },
            pay_fen: s.pay_fen,
            pay_unit: s.pay_unit,
            minutes_per_piece: None,
            settlement: s.settlement.to_string(),
            employment_type: s.employment_type.to_string(),
            slots: s.slots,
            valid_through: s.valid_through,
            published_at: s.published_at,
        }
    }
}
