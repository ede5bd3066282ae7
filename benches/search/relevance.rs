//! Relevance: the judged set in `relevance/` (fixture shifts and graded queries) run through the
//! engine the way the search endpoint runs it, scored as NDCG@10 and the zero-result rate of the
//! queries that have a relevant shift.
//!
//! ```text
//! cargo bench --bench search -- --relevance benches/search/relevance [--out BENCHMARKS.md]
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, bail};
use chrono::{Duration, NaiveDateTime};

use lingong::domain::time::parse_instant;
use lingong::domain::{GeoPoint, PayUnit};
use lingong::search::engine::{Engine, ShiftDoc, ShiftQuery, Sort};
use lingong::search::places::district_word;
use lingong::search::score::Weights;
use lingong::search::timefit::Interval;
use lingong::search::understand::understand;

pub const START: &str = "<!-- bench:relevance:start -->";
pub const END: &str = "<!-- bench:relevance:end -->";

/// The fixture's "now": a Friday morning, local time.
const NOW: &str = "2026-12-04T08:00:00+08:00";
const DAY0: &str = "2026-12-04";

/// The category words the index appends to a shift's text (name and keywords as seeded by the
/// first migration): the fixture has no database to read them from.
const CATEGORY_WORDS: &[(&str, &str)] = &[
    ("cleaning", "保洁 保洁员 家庭保洁 开荒保洁 清洁 打扫 钟点工"),
    ("housekeeping", "家政服务 家政 保姆 钟点工 做饭 收纳"),
    ("elderly_care", "养老护理 养老 护工 陪护 养老服务师 健康照护"),
    ("childcare", "育婴托幼 育婴员 月嫂 托育 托幼 看护儿童"),
    ("moving", "搬家搬运 搬家 搬运 拆装 装车 卸车"),
    ("plumbing_electrical", "水电维修 水电工 水管 电路 维修 安装"),
    ("appliance_repair", "家电维修 家电 空调 清洗 安装 维修"),
    ("kitchen_helper", "餐饮帮厨 帮厨 洗碗 切配 后厨 厨房"),
    ("waiter", "服务员 服务员 传菜 收银 前厅 酒店"),
    ("delivery", "网约配送 网约配送员 外卖 骑手 跑腿 配送"),
    ("parcel_sorting", "快递分拣 分拣 快递 打包 扫描 夜班"),
    ("warehouse", "仓储装卸 仓库 装卸 理货 叉车 上架"),
    ("construction_helper", "建筑小工 小工 杂工 工地 搬砖 钢筋"),
    ("gardening", "绿化养护 绿化 园林 修剪 浇水 养护"),
    ("security", "保安 保安 门岗 巡逻 安保 秩序维护"),
    ("promotion", "促销推广 促销 导购 地推 派单 发传单"),
    ("live_sales", "直播销售 直播 主播 互联网营销师 直播销售员 带货"),
    ("beauty_hair", "美容美发 美容 美发 美甲 理发"),
    ("driver", "司机 司机 驾驶 货车 代驾 送货"),
    ("farm_work", "农业采摘 采摘 农业 种植 收割 果园 茶叶"),
    ("event_staff", "会展活动 会展 活动 礼仪 布展 志愿"),
    ("grid_worker", "城市管理网格员 网格员 社区 巡查 登记"),
    ("beverage_maker", "调饮师 调饮 奶茶 咖啡 饮品"),
    ("data_entry", "数据录入与标注 录入 标注 文员 打字 数据"),
    ("other", "其他 其他 杂活 临时工"),
];

struct Judged {
    q: String,
    near: Option<(GeoPoint, f64)>,
    grades: HashMap<i64, u8>,
}

fn rows(path: &Path) -> anyhow::Result<Vec<Vec<String>>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).map(|l| l.split('\t').map(str::to_string).collect()).collect())
}

fn at(day: i64, hm: &str) -> anyhow::Result<NaiveDateTime> {
    let d0 = chrono::NaiveDate::parse_from_str(DAY0, "%Y-%m-%d")?;
    let t = chrono::NaiveTime::parse_from_str(hm, "%H:%M")?;
    // Local +08:00 to UTC.
    Ok((d0 + Duration::days(day)).and_time(t) - Duration::hours(8))
}

fn slots(s: &str) -> anyhow::Result<Vec<Interval>> {
    let mut out = Vec::new();
    for part in s.split(';') {
        let (day, hours) = part.split_once(' ').context("slot: day hours")?;
        let (a, b) = hours.split_once('-').context("slot: start-end")?;
        let start = at(day.parse()?, a)?;
        let mut end = at(day.parse()?, b)?;
        if end <= start {
            end += Duration::days(1);
        }
        out.push(Interval { start, end });
    }
    Ok(out)
}

/// The fixture shifts as the engine would index them, with their searchable text.
pub fn shifts(dir: &Path, now: NaiveDateTime) -> anyhow::Result<Vec<(ShiftDoc, String)>> {
    let cats: HashMap<&str, &str> = CATEGORY_WORDS.iter().copied().collect();
    let districts = lingong::services::districts::Districts::get();
    let mut out = Vec::new();
    for r in rows(&dir.join("shifts.tsv"))? {
        if r.len() != 14 {
            bail!("shifts.tsv: 14 columns expected, got {}: {r:?}", r.len());
        }
        let id: i64 = r[0].parse()?;
        let district = districts.by_code(&r[6]).map(|d| d.full_name.clone()).unwrap_or_default();
        let text = lingong::search::analyze::shift_text(&lingong::search::analyze::ShiftText {
            title: &r[1],
            description: &r[2],
            requirements: "",
            category: cats.get(r[3].as_str()).copied().unwrap_or(""),
            employer: &r[4],
            address: &r[5],
            district: &district,
        });
        let yuan: f64 = r[9].parse()?;
        let doc = ShiftDoc {
            id,
            employer_id: id,
            category: r[3].clone(),
            adcode: Some(r[6].clone()),
            point: GeoPoint { lat: r[7].parse()?, lng: r[8].parse()? },
            pay_fen: (yuan * 100.0).round() as i64,
            pay_unit: PayUnit::parse(&r[10]).map_err(|e| anyhow::anyhow!("{e:?}"))?,
            minutes_per_piece: None,
            settlement: r[11].clone(),
            employment_type: r[12].clone(),
            slots: slots(&r[13])?,
            valid_through: now + Duration::days(30),
            published_at: now - Duration::hours(id % 48),
        };
        out.push((doc, text));
    }
    Ok(out)
}

fn judged(dir: &Path) -> anyhow::Result<Vec<Judged>> {
    let mut out = Vec::new();
    for r in rows(&dir.join("judgments.tsv"))? {
        if r.len() != 3 {
            bail!("judgments.tsv: 3 columns expected: {r:?}");
        }
        let near = match r[1].as_str() {
            "-" => None,
            p => {
                let v: Vec<f64> = p.split(',').map(str::parse).collect::<Result<_, _>>()?;
                Some((GeoPoint { lat: v[0], lng: v[1] }, v[2]))
            }
        };
        let mut grades = HashMap::new();
        for j in r[2].split_whitespace() {
            let (id, g) = j.split_once(':').context("judgment: id:grade")?;
            grades.insert(id.parse()?, g.parse()?);
        }
        out.push(Judged { q: r[0].clone(), near, grades });
    }
    Ok(out)
}

fn dcg(grades: impl Iterator<Item = u8>) -> f64 {
    grades.enumerate().map(|(i, g)| ((1u32 << g) - 1) as f64 / ((i + 2) as f64).log2()).sum()
}

pub struct QueryResult {
    pub q: String,
    pub ndcg: f64,
    pub zero: bool,
    pub top: Vec<i64>,
}

pub struct Summary {
    pub queries: usize,
    pub judgments: usize,
    pub ndcg: f64,
    pub zero_rate: f64,
    pub per_query: Vec<QueryResult>,
}

/// Runs every judged query; `literal` reads queries word for word, without `understand` (the
/// synonyms, job nouns, pair fallback and field weights are the index's own and apply to both).
pub fn run(dir: &Path, literal: bool) -> anyhow::Result<Summary> {
    let now = parse_instant(NOW).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let engine = Engine::new(Weights::default(), None)?;
    engine.put_shifts(shifts(dir, now)?)?;
    engine.commit()?;
    let judged = judged(dir)?;
    let synonyms = engine.synonyms();
    let today = lingong::domain::time::local_date(now);
    let mut per_query = Vec::new();
    for j in &judged {
        // As `services::search::search_shifts` reads a query.
        let (understood, words) =
            if literal { (Default::default(), j.q.clone()) } else { understand(&j.q, today, j.near.is_some(), &|w| district_word(w, &synonyms)) };
        let query = ShiftQuery {
            q: Some(words).filter(|w| !w.is_empty()),
            understood,
            near: j.near,
            bbox: None,
            category: None,
            adcode: None,
            from: None,
            to: None,
            min_pay_fen: None,
            pay_unit: None,
            settlement: None,
            employment_type: None,
            days: None,
            ids: None,
            sort: Sort::Relevance,
            offset: 0,
            limit: 10,
            now,
        };
        let results = engine.search_shifts(&query)?;
        let top: Vec<i64> = results.hits.iter().map(|h| h.id).collect();
        let got = dcg(top.iter().map(|id| j.grades.get(id).copied().unwrap_or(0)));
        let mut ideal: Vec<u8> = j.grades.values().copied().collect();
        ideal.sort_unstable_by(|a, b| b.cmp(a));
        let best = dcg(ideal.into_iter().take(10));
        let ndcg = if best > 0.0 { (got / best).max(0.0) } else { 1.0 };
        let relevant = j.grades.values().any(|g| *g > 0);
        per_query.push(QueryResult { q: j.q.clone(), ndcg, zero: relevant && top.is_empty(), top });
    }
    let relevant = judged.iter().filter(|j| j.grades.values().any(|g| *g > 0)).count();
    Ok(Summary {
        queries: judged.len(),
        judgments: judged.iter().map(|j| j.grades.len()).sum(),
        ndcg: per_query.iter().map(|r| r.ndcg).sum::<f64>() / per_query.len().max(1) as f64,
        zero_rate: per_query.iter().filter(|r| r.zero).count() as f64 / relevant.max(1) as f64,
        per_query,
    })
}

/// Prints both readings (literal and understood) and, with `out`, writes them into its section.
pub fn relevance(dir: &Path, out: Option<&Path>, verbose: bool) -> anyhow::Result<()> {
    let literal = run(dir, true)?;
    let understood = run(dir, false)?;
    let mut s = String::new();
    writeln!(s, "### Relevance (judged set)\n")?;
    writeln!(
        s,
        "`cargo bench --bench search -- --relevance benches/search/relevance` over {} fixture shifts: {} queries, {} graded judgments (0–3).\n",
        shifts(dir, parse_instant(NOW).map_err(|e| anyhow::anyhow!("{e:?}"))?)?.len(),
        understood.queries,
        understood.judgments
    )?;
    writeln!(s, "| reading | NDCG@10 | zero-result rate (queries with a relevant shift) |")?;
    writeln!(s, "|---|---:|---:|")?;
    for (name, r) in [("literal (no understanding of attribute words)", &literal), ("understood", &understood)] {
        writeln!(s, "| {name} | {:.3} | {:.1}% |", r.ndcg, r.zero_rate * 100.0)?;
    }
    print!("{s}");
    if verbose {
        for (a, b) in literal.per_query.iter().zip(&understood.per_query) {
            println!("{:.2} -> {:.2}{}  {}  {:?}", a.ndcg, b.ndcg, if b.zero { " ZERO" } else { "" }, b.q, b.top);
        }
    }
    if let Some(out) = out {
        crate::report::write_section(out, START, END, &s)?;
    }
    Ok(())
}
