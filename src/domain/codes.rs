//! Closed sets of codes the API speaks as lowercase strings.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Invalid;

/// Declares a string-coded enum with `as_str`, `parse` (refusing unknown codes with the allowed
/// list in both languages) and serde/OpenAPI derives, so each set is written once.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $zh:literal, { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$m])*
        // serde and the OpenAPI schema both derive the codes from the variant names; a unit test
        // checks they equal the `as_str` codes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        #[allow(non_camel_case_types)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(s: &str) -> Result<$name, Invalid> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => {
                        let allowed = [$($code),+].join(", ");
                        Err(Invalid::new("invalid_choice", format!("{}应为以下之一：{}", $zh, allowed), format!("must be one of: {}", allowed)))
                    }
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// How storage reads a stored code: an unknown one is corrupt data, an error.
        impl TryFrom<String> for $name {
            type Error = UnknownCode;
            fn try_from(s: String) -> Result<$name, UnknownCode> {
                $name::parse(&s).map_err(|_| UnknownCode { set: stringify!($name), value: s })
            }
        }
    };
}

/// A stored code outside its closed set: the data is corrupt, and reading it is an error rather
/// than a silent fall-back to some other value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    pub set: &'static str,
    pub value: String,
}

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stored {} {:?} is not a known code", self.set, self.value)
    }
}

impl std::error::Error for UnknownCode {}

code_enum!(
    /// Who a user is. Workers and employers register themselves; staff accounts are made by admins.
    Role, "角色", {
    Worker => "worker",
    Employer => "employer",
    StationStaff => "station_staff",
    Moderator => "moderator",
    Admin => "admin",
});

impl Role {
    pub fn is_staff(self) -> bool {
        matches!(self, Role::StationStaff | Role::Moderator | Role::Admin)
    }

    /// Staff who may review postings and verify employers.
    pub fn can_moderate(self) -> bool {
        matches!(self, Role::Moderator | Role::Admin)
    }
}

code_enum!(
    /// 用人主体: a registered enterprise, an individual business (个体工商户 / person), or a household.
    EmployerKind, "用工主体类型", {
    Enterprise => "enterprise",
    Individual => "individual",
    Household => "household",
});

code_enum!(
    /// When wages are paid. Part-time work must be settled at least every 15 days (劳动合同法 Art. 72).
    Settlement, "结算方式", {
    Daily => "daily",
    Weekly => "weekly",
    Biweekly => "biweekly",
    OnCompletion => "on_completion",
});

code_enum!(
    /// 零工 (gig), 非全日制 (part-time, Art. 68–72), temporary or seasonal work.
    EmploymentType, "用工形式", {
    Gig => "gig",
    PartTime => "part_time",
    Temporary => "temporary",
    Seasonal => "seasonal",
});

code_enum!(
    /// A posting's life: drafted, reviewed, published, then filled, closed, expired, or refused.
    ShiftStatus, "岗位状态", {
    Draft => "draft",
    PendingReview => "pending_review",
    Published => "published",
    Filled => "filled",
    Closed => "closed",
    Expired => "expired",
    Rejected => "rejected",
    TakenDown => "taken_down",
});

impl ShiftStatus {
    /// Statuses in which the owner may still change the posting. A rejected or taken-down
    /// posting may be corrected, and then goes back to a moderator (`after_edit`).
    pub fn is_editable(self) -> bool {
        matches!(self, ShiftStatus::Draft | ShiftStatus::PendingReview | ShiftStatus::Published | ShiftStatus::Rejected | ShiftStatus::TakenDown)
    }

    /// The status an edit leaves a posting in, given what review of the new text would give it
    /// (`judged`: published or pending review). Drafts stay drafts; a posting a moderator refused
    /// or took down never returns to the public without a moderator.
    pub fn after_edit(self, judged: ShiftStatus) -> ShiftStatus {
        match self {
            ShiftStatus::Draft => ShiftStatus::Draft,
            ShiftStatus::Rejected | ShiftStatus::TakenDown => ShiftStatus::PendingReview,
            _ => judged,
        }
    }
}

code_enum!(
    /// A report's life: open until a moderator resolves it (acted on) or dismisses it.
    ReportStatus, "举报状态", {
    Open => "open",
    Resolved => "resolved",
    Dismissed => "dismissed",
});

code_enum!(
    /// How workers take a shift: apply and wait for the employer, or claim at once (即时快招).
    TakeMode, "接单方式", {
    Apply => "apply",
    Instant => "instant",
});

code_enum!(
    /// 重点群体 that employment policy serves first (domain facts §8). Private to the worker and staff.
    KeyGroup, "重点群体", {
    LaidOff => "laid_off",
    Graduate => "graduate",
    MigrantWorker => "migrant_worker",
    HardToEmploy => "hard_to_employ",
    Age_40_50 => "age_40_50",
    LiftedFromPoverty => "lifted_from_poverty",
    ZeroEmploymentFamily => "zero_employment_family",
    LowIncomeFamily => "low_income_family",
    Veteran => "veteran",
});

code_enum!(
    /// How a recruitment event (专场招聘) is held: at a venue, online, or both.
    EventKind, "招聘会形式", {
    OnSite => "on_site",
    Online => "online",
    Both => "both",
});

code_enum!(
    /// A recruitment event's life: drafted by staff, published, or cancelled (ended is a time, not a status).
    EventStatus, "招聘会状态", {
    Draft => "draft",
    Published => "published",
    Cancelled => "cancelled",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknowns_list_choices() {
        fn same<T: serde::Serialize + Copy>(all: &[T], code: fn(T) -> &'static str) {
            for v in all {
                assert_eq!(serde_json::to_value(v).unwrap(), code(*v));
            }
        }
        same(Role::ALL, Role::as_str);
        same(EmployerKind::ALL, EmployerKind::as_str);
        same(Settlement::ALL, Settlement::as_str);
        same(EmploymentType::ALL, EmploymentType::as_str);
        same(ShiftStatus::ALL, ShiftStatus::as_str);
        same(TakeMode::ALL, TakeMode::as_str);
        same(KeyGroup::ALL, KeyGroup::as_str);
        same(EventKind::ALL, EventKind::as_str);
        same(EventStatus::ALL, EventStatus::as_str);
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), *r);
        }
        let e = Settlement::parse("monthly").unwrap_err();
        assert!(e.msg.en.contains("daily, weekly, biweekly, on_completion"));
        assert_eq!(serde_json::to_string(&KeyGroup::Age_40_50).unwrap(), "\"age_40_50\"");
        assert!(Role::Moderator.can_moderate() && !Role::StationStaff.can_moderate());
    }
}
