//! Accounts: argon2id password hashes, random bearer tokens stored only as hashes, and the
//! `AuthUser` extractor every protected route takes.

pub mod password;
pub mod token;

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use diesel::prelude::*;

use crate::app::AppState;
use crate::db::schema::{auth_tokens, users};
use crate::domain::Role;
use crate::error::ApiError;

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
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) { Ok(()) } else { Err(ApiError::forbidden()) }
    }

    pub fn require_moderator(&self) -> Result<(), ApiError> {
        if self.role.can_moderate() { Ok(()) } else { Err(ApiError::forbidden()) }
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string()).filter(|t| !t.is_empty())
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<AuthUser, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let token = token.ok_or_else(ApiError::unauthorized)?;
            let state = state.ok_or_else(|| ApiError::internal("app state missing"))?;
            let token_hash = token::hash(&token);
            let lookup = token_hash.clone();
            let row = state
                .db
                .run(move |conn| {
                    Ok(auth_tokens::table
                        .inner_join(users::table)
                        .filter(auth_tokens::token_hash.eq(&lookup))
                        .filter(auth_tokens::expires_at.gt(crate::domain::time::now_utc()))
                        .filter(users::disabled.eq(false))
                        .select((users::id, users::role, users::display_name))
                        .first::<(i64, String, String)>(conn)
                        .optional()?)
                })
                .await?;
            let (id, role, display_name) = row.ok_or_else(ApiError::unauthorized)?;
            let role = Role::parse(&role).map_err(|_| ApiError::internal("stored role is unknown"))?;
            Ok(AuthUser { id, role, display_name, token_hash })
        })
    }
}
