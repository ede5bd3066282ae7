//! Domain values that validate themselves on construction: a value that exists is valid.
//! Each constructor returns `Invalid` (code + Chinese and English message); request parsing
//! attaches the field name, so one 422 can name every bad field.

pub mod codes;
pub mod credit_code;
pub mod engagement;
pub mod geo;
pub mod ical;
pub mod id_number;
pub mod ids;
pub mod notification;
pub mod pay;
pub mod phone;
pub mod sharing;
pub mod shift;
pub mod text;
pub mod time;

pub use codes::*;
pub use credit_code::CreditCode;
pub use geo::GeoPoint;
pub use id_number::IdNumber;
pub use ids::*;
pub use pay::{Pay, PayUnit};
pub use phone::Phone;
pub use text::BoundedText;
pub use time::{DatedWindow, TimeSlot, WeeklyWindow};
