//! Small view types several resources show: a slot, an amount of pay.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::PayUnit;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotView {
    pub id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub start: chrono::DateTime<chrono::FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub end: chrono::DateTime<chrono::FixedOffset>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayBody {
    /// Amount in 分 (fen): 2500 is 25.00 元.
    pub amount_fen: i64,
    pub unit: PayUnit,
}
