//! Wage floors: the hourly minimum wage for part-time work (非全日制小时最低工资标准) by district,
//! from `config/wage_floors.toml`, and the check that a posting's pay reaches it
//! (劳动合同法 第七十二条). A district without an entry cannot be checked and goes to review;
//! piece-rate pay is checked through the estimated minutes per piece (`Posting::minutes_per_piece`),
//! and goes to review without one.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::rules::hours;
use super::{Finding, Posting, Severity};
use crate::domain::PayUnit;
use crate::domain::pay::{lowest_stretch, stretches};
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
    let Some(pay) = p.pay else { return };
    if pay.amount_fen <= 0 {
        return;
    }
    // A district with no configured floor cannot be checked: a moderator looks at the pay.
    let Some(floor) = p.adcode.and_then(|a| floors.lookup(a)) else {
        out.push(Finding {
            code: "wage_floor_unknown".to_string(),
            severity: Severity::Review,
            message: Msg::new(
                format!("工作地点（{}）没有配置非全日制小时最低工资标准，无法自动核对报酬，需审核人员确认", p.adcode.unwrap_or("未知区划")),
                format!(
                    "no hourly minimum wage is configured for the place of work ({}), so the pay cannot be checked automatically; a moderator will check it",
                    p.adcode.unwrap_or("unknown district")
                ),
            ),
            matched: p.adcode.map(str::to_string),
            field: Some("adcode".to_string()),
        });
        return;
    };
    let where_zh = format!("{}非全日制小时最低工资{}元（{}，{}起执行）", floor.area, yuan(floor.hourly_fen as f64), floor.source, floor.effective);
    let where_en = format!(
        "the hourly minimum wage for part-time work in {} of {} yuan ({}, effective {})",
        floor.area,
        yuan(floor.hourly_fen as f64),
        floor.source,
        floor.effective
    );
    if pay.unit == PayUnit::Piece {
        match p.minutes_per_piece.filter(|m| *m > 0) {
            // Pay per piece over the time a piece takes, against the hourly floor.
            Some(m) => {
                let hourly = crate::domain::pay::hourly_fen(pay, Some(m), []).unwrap_or_default();
                if hourly + 1e-9 < floor.hourly_fen as f64 {
                    out.push(Finding {
                        code: "below_minimum_wage".to_string(),
                        severity: Severity::Refuse,
                        message: Msg::new(
                            format!("计件单价{}元、每件约{m}分钟，折合时薪{}元，低于{where_zh}（劳动合同法第七十二条）", yuan(pay.amount_fen as f64), yuan(hourly)),
                            format!(
                                "{} yuan a piece at about {m} minutes a piece comes to {} yuan an hour, below {where_en} (Labour Contract Law Art. 72)",
                                yuan(pay.amount_fen as f64),
                                yuan(hourly)
                            ),
                        ),
                        matched: Some(format!("{}元/小时", yuan(hourly))),
                        field: Some("pay".to_string()),
                    });
                }
            }
            None if piece_rate == PieceRate::Review => out.push(Finding {
                code: "piece_rate_unverifiable".to_string(),
                severity: Severity::Review,
                message: Msg::new(
                    format!("计件工资未写明每件所需工时，无法自动核对是否达到{where_zh}，需审核人员确认正常工作时间内的收入不低于该标准"),
                    format!(
                        "piece-rate pay without the hours a piece takes cannot be checked automatically against {where_en}; a moderator will confirm normal hours earn at least that"
                    ),
                ),
                matched: None,
                field: Some("pay".to_string()),
            }),
            None => {}
        }
        return;
    }
    let all = stretches(pay, None, p.slots.iter().map(|s| (s.start, s.end)));
    let Some(worst) = lowest_stretch(&all) else { return };
    let (amount, secs) = (worst.amount_fen, worst.secs);
    if (amount as i128) * 3600 >= (floor.hourly_fen as i128) * (secs as i128) {
        return;
    }
    let (zh, en) = match (pay.unit, worst.day) {
        (PayUnit::Day, Some(day)) => (
            format!("日薪{}元、{day} 工作{}小时", yuan(amount as f64), hours(secs)),
            format!("{} yuan a day for {} hours on {day}", yuan(amount as f64), hours(secs)),
        ),
        (PayUnit::Shift, _) => {
            (format!("每班{}元、该班{}小时", yuan(amount as f64), hours(secs)), format!("{} yuan a shift of {} hours", yuan(amount as f64), hours(secs)))
        }
        _ => ("按小时计薪".to_string(), "hourly pay".to_string()),
    };
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
