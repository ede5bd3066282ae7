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
use crate::services::views::{self, PlaceOf};
use crate::services::{employers, search, shifts};

pub struct ShiftDetail {
    pub shift: shifts::ShiftView,
    /// The employer's last 90 days (ratings, completed work, late cancellations).
    pub employer_stats: Option<ProfileStats>,
    /// The signed-in worker's engagements on this shift, newest first.
    pub mine: Vec<EngagementView>,
}

/// One shift as `viewer` may see it, read from the database (`shifts::get`, whose rules decide
/// who may read what, and which shows a change the moment it commits). While the database is
/// away, the public's read of a shift that search holds is answered from its result card —
/// exactly what search shows of it (`search::cards`), as of the last change the index applied.
pub async fn shift(svc: &Services, viewer: Option<&AuthUser>, id: i64) -> Result<shifts::ShiftView, Error> {
    match shifts::get(svc, viewer, id).await {
        Err(Error::Unavailable) if viewer.is_none() => from_memory(svc, id).ok_or(Error::Unavailable),
        read => read,
    }
}

/// The public's view of a shift from the engine's result card, if search holds the shift.
fn from_memory(svc: &Services, id: i64) -> Option<shifts::ShiftView> {
    let (card, employer) = svc.engine.cards(&[id]).pop()??;
    let mut v = search::view_of(&card, &employer);
    if employer.home {
        let place =
            PlaceOf { shift_id: v.id, employer_id: employer.id, adcode: v.adcode.as_deref(), address: &mut v.address, lat: &mut v.lat, lng: &mut v.lng };
        views::hide_home(None, employer.owner_user_id, false, place);
    }
    Some(v)
}

pub async fn for_viewer(svc: &Services, viewer: Option<&AuthUser>, id: i64) -> Result<ShiftDetail, Error> {
    let shift = shift(svc, viewer, id).await?;
    // The employer's record is the database's; while it is away the public's page goes without it.
    let employer_stats = match employers::get(svc, viewer, shift.employer.id).await {
        Ok(e) => e.stats,
        Err(Error::Unavailable) if viewer.is_none() => None,
        Err(e) => return Err(e),
    };
    let mine = match viewer {
        Some(u) if u.role == Role::Worker => engagement_views::list_mine(svc, u, None, Some(id), PageRequest { limit: 10, cursor: None }).await?.items,
        _ => Vec::new(),
    };
    Ok(ShiftDetail { shift, employer_stats, mine })
}
