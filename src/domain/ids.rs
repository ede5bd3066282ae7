//! Ids by what they name. An operation that takes two ids (a user and a shift, an event and a
//! shift, an engagement and one of its slots) takes them as these types, so a call with the two
//! swapped does not compile. They are plain numbers underneath: rows and request bodies keep
//! `i64`, and `.get()` gives the value a query compares against.

use std::fmt;

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

ids! {
    /// An account (`users.id`): a worker's, an employer's or a staff member's login.
    UserId,
    /// A worker profile (`workers.id`), not the account behind it.
    WorkerId,
    /// An employer profile (`employers.id`), not the account behind it.
    EmployerId,
    ShiftId,
    /// One slot of a shift (`shift_slots.id`).
    SlotId,
    EngagementId,
    AvailabilityId,
    AlertId,
    ReportId,
    StationId,
    EventId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_shows_and_gives_its_number() {
        assert_eq!(ShiftId(42).get(), 42);
        assert_eq!(UserId(7).to_string(), "7");
        assert!(EventId(1) < EventId(2));
    }
}
