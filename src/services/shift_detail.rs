//! A shift as its page shows it to one viewer: the posting, the employer's record, and the
//! viewer's own engagements on it (so the page offers 报名 / 抢单 or shows where they stand). One
//! read, used by the web page; the API has the same parts as separate resources.

use crate::auth::AuthUser;
use crate::domain::Role;
use crate::error::Error;
use crate::services::Services;
use crate::services::engagements::{self as engagement_views, EngagementView};
use crate::services::page::PageRequest;
use crate::services::reputation::ProfileStats;
use crate::services::{employers, shifts};

pub struct ShiftDetail {
    pub shift: shifts::ShiftView,
    /// The employer's last 90 days (ratings, completed work, late cancellations).
    pub employer_stats: Option<ProfileStats>,
    /// The signed-in worker's engagements on this shift, newest first.
    pub mine: Vec<EngagementView>,
}

pub async fn for_viewer(svc: &Services, viewer: Option<&AuthUser>, id: i64) -> Result<ShiftDetail, Error> {
    let shift = shifts::get(svc, viewer, id).await?;
    let employer_stats = employers::get(svc, viewer, shift.employer.id).await?.stats;
    let mine = match viewer {
        Some(u) if u.role == Role::Worker => engagement_views::list_mine(svc, u, None, Some(id), PageRequest { limit: 10, cursor: None }).await?.items,
        _ => Vec::new(),
    };
    Ok(ShiftDetail { shift, employer_stats, mine })
}
