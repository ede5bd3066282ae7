use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Invalid;

/// How a pay amount is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayUnit {
    Hour,
    Day,
    Piece,
    Shift,
}

impl PayUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            PayUnit::Hour => "hour",
            PayUnit::Day => "day",
            PayUnit::Piece => "piece",
            PayUnit::Shift => "shift",
        }
    }

    pub fn parse(s: &str) -> Result<PayUnit, Invalid> {
        match s {
            "hour" => Ok(PayUnit::Hour),
            "day" => Ok(PayUnit::Day),
            "piece" => Ok(PayUnit::Piece),
            "shift" => Ok(PayUnit::Shift),
            _ => Err(Invalid::new("invalid_choice", "计薪方式应为 hour、day、piece 或 shift", "unit must be hour, day, piece or shift")),
        }
    }
}

/// How stored rows read the unit: a value outside the set is corrupt data, not another unit.
impl TryFrom<String> for PayUnit {
    type Error = String;
    fn try_from(s: String) -> Result<PayUnit, String> {
        PayUnit::parse(&s).map_err(|_| format!("not a pay unit: {s:?}"))
    }
}

/// Upper bound for one pay amount: 100 000 元, far above any real gig and far below overflow.
pub const MAX_AMOUNT_FEN: i64 = 10_000_000;

/// Pay in integer 分 (fen) per unit. Money is never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pay {
    pub amount_fen: i64,
    pub unit: PayUnit,
}

impl Pay {
    pub fn amount(amount_fen: i64) -> Result<i64, Invalid> {
        if amount_fen <= 0 {
            Err(Invalid::new("must_be_positive", "金额必须大于 0（单位：分）", "amount must be greater than 0 (in fen)"))
        } else if amount_fen > MAX_AMOUNT_FEN {
            Err(Invalid::new("too_large", "金额超过上限 100000 元", "amount exceeds the 100 000 yuan limit"))
        } else {
            Ok(amount_fen)
        }
    }
}

/// A stretch of work one pay amount covers, for comparing pay per hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stretch {
    pub amount_fen: i64,
    pub secs: i64,
    /// The local day a day rate covers.
    pub day: Option<chrono::NaiveDate>,
}

impl Stretch {
    pub fn hourly_fen(&self) -> f64 {
        self.amount_fen as f64 * 3600.0 / self.secs as f64
    }
}

/// Most minutes one piece may be estimated to take: a working day. Beyond it a "piece" is a job,
/// better posted per shift or per day.
pub const MAX_MINUTES_PER_PIECE: i32 = 600;

/// The employer's estimate of the minutes one piece takes (1–600), for a piece rate.
pub fn minutes_per_piece(m: i64) -> Result<i32, Invalid> {
    if (1..=MAX_MINUTES_PER_PIECE as i64).contains(&m) {
        Ok(m as i32)
    } else {
        Err(Invalid::new(
            "out_of_range",
            format!("每件所需时间应在 1 到 {MAX_MINUTES_PER_PIECE} 分钟之间"),
            format!("minutes_per_piece must be 1 to {MAX_MINUTES_PER_PIECE}"),
        ))
    }
}

/// The one notion of pay per hour. Per hour: as given. Per day: divided by the hours of that
/// shift's slots on each local day. Per shift: divided by each slot's hours. Per piece: divided by
/// the employer's estimate of the time one piece takes (`minutes_per_piece`); without an estimate
/// no hours are known, so it has no per-hour figure. The stretches are returned; hourly pay is one
/// stretch of an hour.
pub fn stretches(pay: Pay, minutes_per_piece: Option<i32>, slots: impl IntoIterator<Item = (NaiveDateTime, NaiveDateTime)>) -> Vec<Stretch> {
    let slots = slots.into_iter().filter(|(s, e)| e > s);
    match pay.unit {
        PayUnit::Hour => vec![Stretch { amount_fen: pay.amount_fen, secs: 3600, day: None }],
        PayUnit::Piece => {
            minutes_per_piece.filter(|m| *m > 0).map(|m| Stretch { amount_fen: pay.amount_fen, secs: i64::from(m) * 60, day: None }).into_iter().collect()
        }
        PayUnit::Shift => slots.map(|(s, e)| Stretch { amount_fen: pay.amount_fen, secs: (e - s).num_seconds(), day: None }).collect(),
        PayUnit::Day => {
            let mut days: std::collections::BTreeMap<chrono::NaiveDate, i64> = std::collections::BTreeMap::new();
            for (s, e) in slots {
                *days.entry(crate::domain::time::local_date(s)).or_insert(0) += (e - s).num_seconds();
            }
            days.into_iter().map(|(day, secs)| Stretch { amount_fen: pay.amount_fen, secs, day: Some(day) }).collect()
        }
    }
}

/// The stretch with the lowest pay per hour: what a worker can count on, and what a wage floor
/// is checked against. Compared exactly, by cross-multiplying.
pub fn lowest_stretch(stretches: &[Stretch]) -> Option<Stretch> {
    stretches.iter().copied().filter(|s| s.secs > 0).min_by(|a, b| (a.amount_fen as i128 * b.secs as i128).cmp(&(b.amount_fen as i128 * a.secs as i128)))
}

/// Pay per hour in fen (the lowest stretch's), or `None` for piece rates without an estimate and
/// shifts without slots.
pub fn hourly_fen(pay: Pay, minutes_per_piece: Option<i32>, slots: impl IntoIterator<Item = (NaiveDateTime, NaiveDateTime)>) -> Option<f64> {
    lowest_stretch(&stretches(pay, minutes_per_piece, slots)).map(|s| s.hourly_fen())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        crate::domain::time::parse_instant(s).unwrap()
    }

    #[test]
    fn per_hour_is_one_notion_for_every_unit() {
        let day = [(at("2026-12-05T08:00:00+08:00"), at("2026-12-05T12:00:00+08:00")), (at("2026-12-05T13:00:00+08:00"), at("2026-12-05T17:00:00+08:00"))];
        // 240 元 a day over the 8 hours of that day's slots is 30 元 an hour.
        assert_eq!(hourly_fen(Pay { amount_fen: 24_000, unit: PayUnit::Day }, None, day), Some(3000.0));
        // 120 元 a shift of 4 hours is 30 元 an hour; the worst slot decides.
        assert_eq!(hourly_fen(Pay { amount_fen: 12_000, unit: PayUnit::Shift }, None, day), Some(3000.0));
        let uneven = [day[0], (at("2026-12-06T08:00:00+08:00"), at("2026-12-06T14:00:00+08:00"))];
        assert_eq!(hourly_fen(Pay { amount_fen: 12_000, unit: PayUnit::Shift }, None, uneven), Some(2000.0));
        assert_eq!(hourly_fen(Pay { amount_fen: 4_000, unit: PayUnit::Hour }, None, []), Some(4000.0));
        // 5 元 a piece without an estimate has no per-hour figure; at 10 minutes a piece it is 30 元.
        assert_eq!(hourly_fen(Pay { amount_fen: 500, unit: PayUnit::Piece }, None, day), None);
        assert_eq!(hourly_fen(Pay { amount_fen: 500, unit: PayUnit::Piece }, Some(10), day), Some(3000.0));
        assert_eq!(hourly_fen(Pay { amount_fen: 500, unit: PayUnit::Piece }, Some(10), []), Some(3000.0), "slots do not matter to a piece");
        assert_eq!(hourly_fen(Pay { amount_fen: 3000, unit: PayUnit::Hour }, Some(10), []), Some(3000.0), "the estimate only concerns pieces");
        assert_eq!(hourly_fen(Pay { amount_fen: 24_000, unit: PayUnit::Day }, None, []), None);
        // Slots that cross local midnight count on the day they start.
        let night = [(at("2026-12-05T22:00:00+08:00"), at("2026-12-06T06:00:00+08:00"))];
        assert_eq!(stretches(Pay { amount_fen: 24_000, unit: PayUnit::Day }, None, night)[0].day.unwrap().to_string(), "2026-12-05");
    }

    #[test]
    fn pay_must_be_positive_and_bounded() {
        assert!(Pay::amount(0).is_err());
        assert!(Pay::amount(-100).is_err());
        assert!(Pay::amount(2500).is_ok());
        assert!(Pay::amount(MAX_AMOUNT_FEN + 1).is_err());
        assert_eq!(PayUnit::parse("day").unwrap(), PayUnit::Day);
        assert!(PayUnit::parse("month").is_err());
        for (m, ok) in [(0, false), (1, true), (600, true), (601, false), (-5, false), (i64::MAX, false)] {
            assert_eq!(minutes_per_piece(m).is_ok(), ok, "{m}");
        }
    }
}
