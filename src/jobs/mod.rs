//! Background jobs, one file each. They share one small abstraction: a job knows how to do one
//! bounded run at a given time and how long to wait between runs; [`spawn`] loops it, logs what
//! it did, and keeps going through failures (a failing dependency delays a job, never stops it).
//! Every job is safe to run on several replicas at once; each file says why.

pub mod engagement_timers;
pub mod event_reminders;
pub mod expire_shifts;
pub mod match_alerts;
pub mod purge_idempotency_keys;
pub mod send_mail;
pub mod station_digest;

use std::future::Future;
use std::time::Duration;

use chrono::NaiveDateTime;

use crate::clock::Clock;
use crate::error::Error;

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Ran {
    /// Worth a line in the log, when the run did something.
    pub summary: Option<String>,
    /// A full batch was handled: run again at once rather than after the pause.
    pub more: bool,
}

impl Ran {
    pub fn nothing() -> Ran {
        Ran::default()
    }
}

pub trait Job: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// The pause between runs.
    fn every(&self) -> Duration;
    /// One run at `now`.
    fn run_once(&self, now: NaiveDateTime) -> impl Future<Output = Result<Ran, Error>> + Send;
}

/// Runs `job` forever on the tokio runtime, reading the time from `clock`.
pub fn spawn<J: Job>(job: J, clock: Clock) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match job.run_once(clock.now()).await {
                Ok(ran) => {
                    if let Some(s) = &ran.summary {
                        tracing::info!(job = job.name(), "{s}");
                    }
                    if ran.more {
                        continue;
                    }
                }
                Err(e) => tracing::warn!(job = job.name(), error = %e, "job run failed; will retry"),
            }
            tokio::time::sleep(job.every()).await;
        }
    })
}

/// Runs blocking database work of a job off the async executor.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::internal(format!("job task failed: {e}")))?
}
