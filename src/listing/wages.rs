//! Wage floors: the hourly minimum wage for part-time work (非全日制小时最低工资标准) by district,
//! from `config/wage_floors.toml`, and the check that a posting's pay reaches it
//! (劳动合同法 第七十二条). Provinces without an entry are not checked.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use super::rules::hours;
use super::{Finding, Posting, Severity};
use crate::domain::PayUnit;
use crate::error::Msg;

/// The hourly minimum that applies to one area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct WageFloor {
    /// The configured key that matched: a 2-digit province, 4-digit city or 6-digit county code.
    pub area_code: String,
    /// E.g. `广东 深圳`.
    pub area: String,
    /// Minimum pay for one hour, in fen.
    pub hourly_fen: i64,
    /// The province's tier (档) the area is in, when the figure comes from a tier.
    pub tier: Option<u8>,
    pub source: String,
    /// `YYYY-MM-DD`.
    pub effective: String,
}

/// Floors keyed by 2-, 4- or 6-digit code; the most specific match wins.
#[derive(Debug, Clone, Default)]
pub(crate) struct WageFloors {
    pub entries: HashMap<String, WageFloor>,
}

impl WageFloors {
    /// The floor for a district code (12 digits like `440305000000`, or 6 like `440305`):
    /// county, then city, then province. `None` when no entry covers it.
    pub(crate) fn lookup(&self, adcode: &str) -> Option<&WageFloor> {
        let code = adcode.trim();
        if code.len() < 2 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        [6, 4, 2].into_iter().filter(|&n| code.len() >= n).find_map(|n| self.entries.get(&code[..n]))
    }
}

/// What to do with piece-rate pay, which cannot be compared with an hourly figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PieceRate {
    Ignore,
    Review,
}

/// Fen as 元 without trailing zeros: 2370 → "23.7", 1875.5 → "18.76".
pub(crate) fn yuan(fen: f64) -> String {
    let s = format!("{:.2}", fen / 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub(crate) fn check(floors: &WageFloors, piece_rate: PieceRate, p: &Posting, out: &mut Vec<Finding>) {
    let (Some(pay), Some(adcode)) = (p.pay, p.adcode) else { return };
    let Some(floor) = floors.lookup(adcode) else { return };
    if pay.amount_fen <= 0 {
        return;
    }
    let where_zh = format!("{}非全日制小时最低工资{}元（{}，{}起执行）", floor.area, yuan(floor.hourly_fen as f64), floor.source, floor.effective);
    let where_en = format!(
        "the hourly minimum wage for part-time work in {} of {} yuan ({}, effective {})",
        floor.area,
        yuan(floor.hourly_fen as f64),
        floor.source,
        floor.effective
    );
    // (pay for this stretch, seconds worked in it, how the stretch is described)
    let stretches: Vec<(i64, i64, String, String)> = match pay.unit {
        PayUnit::Hour => vec![(pay.amount_fen, 3600, "按小时计薪".to_string(), "hourly pay".to_string())],
        PayUnit::Piece => {
            if piece_rate == PieceRate::Review {
                out.push(Finding {
                    code: "piece_rate_unverifiable".to_string(),
                    severity: Severity::Review,
                    message: Msg::new(
                        format!("计件工资无法自动核对是否达到{where_zh}，需审核人员确认正常工作时间内的收入不低于该标准"),
                        format!("piece-rate pay cannot be checked automatically against {where_en}; a moderator will confirm normal hours earn at least that"),
                    ),
                    matched: None,
                    field: Some("pay".to_string()),
                });
            }
            return;
        }
        PayUnit::Shift => p
            .slots
            .iter()
            .map(|s| {
                let secs = (s.end - s.start).num_seconds();
                (
                    pay.amount_fen,
                    secs,
                    format!("每班{}元、该班{}小时", yuan(pay.amount_fen as f64), hours(secs)),
                    format!("{} yuan a shift of {} hours", yuan(pay.amount_fen as f64), hours(secs)),
                )
            })
            .collect(),
        PayUnit::Day => {
            // A day's pay covers the slots that start on that local day.
            let mut days: BTreeMap<NaiveDate, i64> = BTreeMap::new();
            for s in p.slots {
                let day = (s.start + Duration::hours(8)).date();
                *days.entry(day).or_insert(0) += (s.end - s.start).num_seconds();
            }
            days.into_iter()
                .map(|(day, secs)| {
                    (
                        pay.amount_fen,
                        secs,
                        format!("日薪{}元、{day} 工作{}小时", yuan(pay.amount_fen as f64), hours(secs)),
                        format!("{} yuan a day for {} hours on {day}", yuan(pay.amount_fen as f64), hours(secs)),
                    )
                })
                .collect()
        }
    };
    // The lowest hourly rate of all stretches: amount/secs compared by cross-multiplying.
    let worst = stretches.into_iter().filter(|s| s.1 > 0).min_by(|a, b| (a.0 as i128 * b.1 as i128).cmp(&(b.0 as i128 * a.1 as i128)));
    let Some((amount, secs, zh, en)) = worst else { return };
    if (amount as i128) * 3600 >= (floor.hourly_fen as i128) * (secs as i128) {
        return;
    }
    let hourly = amount as f64 * 3600.0 / secs as f64;
    out.push(Finding {
        code: "below_minimum_wage".to_string(),
        severity: Severity::Refuse,
        message: Msg::new(
            format!("{zh}，折合时薪{}元，低于{where_zh}（劳动合同法第七十二条）", yuan(hourly)),
            format!("{en} comes to {} yuan an hour, below {where_en} (Labour Contract Law Art. 72)", yuan(hourly)),
        ),
        matched: Some(format!("{}元/小时", yuan(hourly))),
        field: Some("pay".to_string()),
    });
}
