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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pay_must_be_positive_and_bounded() {
        assert!(Pay::amount(0).is_err());
        assert!(Pay::amount(-100).is_err());
        assert!(Pay::amount(2500).is_ok());
        assert!(Pay::amount(MAX_AMOUNT_FEN + 1).is_err());
        assert_eq!(PayUnit::parse("day").unwrap(), PayUnit::Day);
        assert!(PayUnit::parse("month").is_err());
    }
}
