//! Finds the signed-in user of a request from its bearer token.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::Error;
use crate::routes::error::ApiError;
use crate::services::accounts;

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
            let token = token.ok_or(Error::Unauthorized)?;
            let state = state.ok_or_else(|| Error::internal("app state missing"))?;
            let user = accounts::session_user(&state, &token).await?;
            Ok(user.ok_or(Error::Unauthorized)?)
        })
    }
}
