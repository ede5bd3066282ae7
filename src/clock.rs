//! The time engagement rules read. In production it is the system clock; tests that play a shift
//! through the API move it forward in-process (there is no endpoint or setting that moves it), so
//! check-in windows, no-shows and overdue pay are tested without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{Duration, NaiveDateTime};

use crate::domain::time::now_utc;

#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    /// System time.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Now, in UTC, whole seconds.
    pub fn now(&self) -> NaiveDateTime {
        now_utc() + Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every clone of it) forward; only code holding the application in
    /// the same process can call it.
    pub fn advance(&self, by: Duration) {
        self.offset_secs.fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clones_share_the_offset() {
        let c = super::Clock::system();
        let d = c.clone();
        let before = d.now();
        c.advance(chrono::Duration::hours(3));
        assert!(d.now() - before >= chrono::Duration::hours(3));
    }
}
