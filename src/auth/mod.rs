//! Who is asking: argon2id password hashes, random bearer tokens stored only as hashes, and the
//! signed-in user (`AuthUser`) every protected operation takes. The HTTP extractor that finds the
//! user of a request lives in `routes::session`; the token lookup in `services::accounts`.

pub mod cache;
pub mod password;
pub mod token;

use crate::domain::Role;
use crate::error::Error;

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub role: Role,
    pub display_name: String,
    pub token_hash: String,
}

impl AuthUser {
    /// Refuses with 403 unless the user has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), Error> {
        if roles.contains(&self.role) { Ok(()) } else { Err(Error::forbidden()) }
    }

    pub fn require_moderator(&self) -> Result<(), Error> {
        if self.role.can_moderate() { Ok(()) } else { Err(Error::forbidden()) }
    }
}
