//! Users and sessions.

use chrono::Duration;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{AuthUser, password, token};
use crate::db::schema::{auth_tokens, users};
use crate::db::{DbConn, Tx};
use crate::domain::{BoundedText, Phone, Role, UserId};
use crate::error::{Conflict, Error, FieldErrors, Invalid, Thing};
use crate::ratelimit::Budget;
use crate::services::Services;

/// A new account, validated.
pub struct NewUser {
    pub role: Role,
    pub phone: Phone,
    pub password: String,
    pub display_name: String,
    pub email: Option<String>,
}

impl NewUser {
    /// Validates every field at once. `allowed_roles` is what this path may create: self-registration
    /// allows worker and employer only; staff accounts come from an admin.
    pub fn parse(
        role: Option<&str>,
        phone: Option<&str>,
        pass: Option<&str>,
        display_name: Option<&str>,
        email: Option<&str>,
        allowed_roles: &[Role],
    ) -> Result<NewUser, Error> {
        let mut errs = FieldErrors::new();
        let role = match role {
            None => {
                errs.add("role", Invalid::required());
                None
            }
            Some(r) => match Role::parse(r) {
                Ok(r) if allowed_roles.contains(&r) => Some(r),
                _ => {
                    let allowed: Vec<&str> = allowed_roles.iter().map(|r| r.as_str()).collect();
                    errs.add(
                        "role",
                        Invalid::new("invalid_choice", format!("此处只能注册：{}", allowed.join("、")), format!("role must be one of: {}", allowed.join(", "))),
                    );
                    None
                }
            },
        };
        let phone = errs.check("phone", phone.ok_or_else(Invalid::required).and_then(Phone::parse));
        if let Some(p) = pass {
            errs.check("password", password::validate(p));
        } else {
            errs.add("password", Invalid::required());
        }
        let display_name = errs.check("display_name", BoundedText::parse(display_name.unwrap_or(""), 1, 40));
        let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(e) => errs.check("email", parse_email(e)),
        };
        errs.into_result()?;
        Ok(NewUser {
            role: role.expect("checked"),
            phone: phone.expect("checked"),
            password: pass.expect("checked").to_string(),
            display_name: display_name.expect("checked").into_string(),
            email,
        })
    }
}

pub fn parse_email(e: &str) -> Result<String, Invalid> {
    let ok = e.len() <= 254
        && e.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
        && !e.chars().any(|c| c.is_whitespace() || c == ',' || c == ';' || c == '<' || c == '>');
    if ok { Ok(e.to_string()) } else { Err(Invalid::new("invalid_email", "邮箱地址格式不正确", "not an email address")) }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub role: Role,
    pub display_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    /// Bearer token for the `Authorization` header.
    pub token: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: chrono::DateTime<chrono::FixedOffset>,
    pub user: UserView,
}

/// Creates the user; the password hash is computed by the caller off the async executor.
pub fn create_user(tx: &mut Tx, u: &NewUser, password_hash: &str, created_by: Option<i64>) -> Result<UserView, Error> {
    let taken: i64 = users::table.filter(users::phone.eq(u.phone.as_str())).count().get_result(tx.conn())?;
    if taken > 0 {
        return Err(phone_taken());
    }
    let id: i64 = diesel::insert_into(users::table)
        .values((
            users::role.eq(u.role.as_str()),
            users::phone.eq(u.phone.as_str()),
            users::password_hash.eq(password_hash),
            users::display_name.eq(&u.display_name),
            users::email.eq(&u.email),
            users::created_by.eq(created_by),
            users::created_at.eq(tx.now()),
        ))
        .returning(users::id)
        .get_result(tx.conn())
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => phone_taken(),
            e => e.into(),
        })?;
    Ok(UserView { id, role: u.role, display_name: u.display_name.clone() })
}

fn phone_taken() -> Error {
    Error::Conflict(Conflict::PhoneTaken)
}

pub fn issue_token(tx: &mut Tx, user: UserView, ttl_hours: i64) -> Result<Session, Error> {
    let token = token::generate();
    let now = tx.now();
    let expires = now + Duration::hours(ttl_hours);
    diesel::insert_into(auth_tokens::table)
        .values((
            auth_tokens::user_id.eq(user.id),
            auth_tokens::token_hash.eq(token::hash(&token)),
            auth_tokens::created_at.eq(now),
            auth_tokens::expires_at.eq(expires),
        ))
        .execute(tx.conn())?;
    // Expired tokens of this user are of no use to anyone; drop them while we are here.
    diesel::delete(auth_tokens::table.filter(auth_tokens::user_id.eq(user.id)).filter(auth_tokens::expires_at.le(now))).execute(tx.conn())?;
    Ok(Session { token, expires_at: crate::domain::time::to_display(expires), user })
}

/// The stored credentials for a phone, if registered and not disabled.
pub fn credentials(conn: &mut DbConn, phone: &Phone) -> Result<Option<(UserView, String)>, Error> {
    let row = users::table
        .filter(users::phone.eq(phone.as_str()))
        .filter(users::disabled.eq(false))
        .select((users::id, users::role, users::display_name, users::password_hash))
        .first::<(i64, String, String, String)>(conn)
        .optional()?;
    // A stored role outside the set is corrupt data: refuse the sign-in rather than guess one.
    row.map(|(id, role, display_name, hash)| Ok((UserView { id, role: Role::try_from(role).map_err(Error::internal)?, display_name }, hash))).transpose()
}

pub fn revoke(conn: &mut DbConn, token_hash: &str) -> Result<(), Error> {
    diesel::delete(auth_tokens::table.filter(auth_tokens::token_hash.eq(token_hash))).execute(conn)?;
    Ok(())
}

/// Ends every session of an account: all its bearer tokens. Returns how many there were.
pub fn revoke_all(conn: &mut DbConn, user_id: i64) -> Result<usize, Error> {
    Ok(diesel::delete(auth_tokens::table.filter(auth_tokens::user_id.eq(user_id))).execute(conn)?)
}

/// The phone and password hash of an enabled account.
fn credentials_by_id(conn: &mut DbConn, user_id: i64) -> Result<(String, String), Error> {
    // An account without a phone (registered at a desk, not yet claimed) has no sign-in at all.
    match users::table
        .find(user_id)
        .filter(users::disabled.eq(false))
        .select((users::phone, users::password_hash))
        .first::<(Option<String>, String)>(conn)
        .optional()?
    {
        Some((Some(phone), hash)) => Ok((phone, hash)),
        _ => Err(Error::Unauthorized),
    }
}

/// Limits a staff member to districts (adcode prefixes; empty means everywhere), audited.
fn set_scope(tx: &mut Tx, admin_id: UserId, user_id: UserId, adcodes: &[String]) -> Result<(), Error> {
    let (admin_id, user_id) = (admin_id.get(), user_id.get());
    let (role, old): (String, String) =
        users::table.find(user_id).select((users::role, users::scope_adcodes)).first(tx.conn()).optional()?.ok_or(Error::NotFound(Thing::User))?;
    if !Role::parse(&role).is_ok_and(|r| r.is_staff()) {
        return Err(Error::Conflict(Conflict::NotStaff));
    }
    let new = serde_json::to_string(adcodes).expect("serializable");
    diesel::update(users::table.find(user_id)).set(users::scope_adcodes.eq(&new)).execute(tx.conn())?;
    crate::services::audit::record(
        tx,
        crate::services::audit::Entry {
            actor_id: admin_id,
            action: "staff.scope",
            target_type: "user",
            target_id: user_id,
            reason: None,
            before: serde_json::from_str(&old).ok(),
            after: serde_json::from_str(&new).ok(),
        },
    )
}

/// The enabled account with this phone as the actor of an operation run from the command line
/// (`lingong admin …`), where no one signs in; the operation checks the role as for a request.
pub fn actor_by_phone(conn: &mut DbConn, phone: &str) -> Result<AuthUser, Error> {
    let phone = Phone::parse(phone).map_err(|e| Error::field("phone", e))?;
    let (id, role, display_name) = users::table
        .filter(users::phone.eq(phone.as_str()))
        .filter(users::disabled.eq(false))
        .select((users::id, users::role, users::display_name))
        .first::<(i64, String, String)>(conn)
        .optional()?
        .ok_or(Error::NotFound(Thing::User))?;
    let role = Role::parse(&role).map_err(|_| Error::internal(format!("user {id} has an unknown stored role {role:?}")))?;
    Ok(AuthUser { id, role, display_name, token_hash: String::new() })
}

/// The signed-in user a bearer token belongs to, if the token is live and the account enabled.
pub fn authenticate(conn: &mut DbConn, token_hash: &str, now: chrono::NaiveDateTime) -> Result<Option<crate::auth::AuthUser>, Error> {
    let row = auth_tokens::table
        .inner_join(users::table)
        .filter(auth_tokens::token_hash.eq(token_hash))
        .filter(auth_tokens::expires_at.gt(now))
        .filter(users::disabled.eq(false))
        .select((users::id, users::role, users::display_name))
        .first::<(i64, String, String)>(conn)
        .optional()?;
    let Some((id, role, display_name)) = row else { return Ok(None) };
    let role = Role::parse(&role).map_err(|_| Error::internal(format!("user {id} has an unknown stored role {role:?}")))?;
    Ok(Some(crate::auth::AuthUser { id, role, display_name, token_hash: token_hash.to_string() }))
}

// ---------------------------------------------------------------------------------------------
// Operations: signing up, in and out. `client` is the caller's address, which keys the budget
// against password guessing and mass registration.
// ---------------------------------------------------------------------------------------------

async fn auth_budget(svc: &Services, client: &str) -> Result<(), Error> {
    let rl = &svc.config.rate_limit;
    let budget = Budget { name: "auth", limit: rl.auth_requests, window: std::time::Duration::from_secs(rl.auth_window_secs) };
    svc.limiter.hit(budget, client).await
}

/// Sign-in attempts on one account, from whatever addresses: spreading guesses over many
/// addresses gains nothing. Keyed by the phone number, so unknown numbers are limited alike.
async fn account_budget(svc: &Services, phone: &Phone) -> Result<(), Error> {
    let rl = &svc.config.rate_limit;
    let budget = Budget { name: "login_account", limit: rl.login_account_attempts, window: std::time::Duration::from_secs(rl.login_account_window_secs) };
    svc.limiter.hit(budget, phone.as_str()).await
}

/// Argon2 takes tens of milliseconds of CPU: off the async executor.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::internal(format!("password task failed: {e}")))
}

/// Register a worker or employer account and sign it in.
pub async fn register(svc: &Services, client: &str, user: NewUser) -> Result<Session, Error> {
    auth_budget(svc, client).await?;
    let pw = user.password.clone();
    let hash = blocking(move || password::hash(&pw)).await?;
    let ttl = svc.config.auth.token_ttl_hours;
    svc.db
        .tx(move |tx| {
            let view = create_user(tx, &user, &hash, None)?;
            issue_token(tx, view, ttl)
        })
        .await
}

/// Sign in with phone and password. An unknown phone costs the same hash as a wrong password, so
/// timing does not tell which accounts exist.
/// The user a session token (API bearer token or page cookie) belongs to, if it is live.
/// Answered from the token cache for up to `auth::cache::MAX_AGE` after the database last
/// confirmed the token (revocations elsewhere apply within that); only live tokens are cached.
pub async fn session_user(svc: &Services, token: &str) -> Result<Option<AuthUser>, Error> {
    let token_hash = crate::auth::token::hash(token);
    if let Some(user) = svc.tokens.get(&token_hash) {
        return Ok(Some(user));
    }
    let now = svc.clock.now();
    let asked = std::time::Instant::now();
    let user = svc.db.run(move |conn| authenticate(conn, &token_hash, now)).await?;
    if let Some(u) = &user {
        svc.tokens.put(u.clone(), asked);
    }
    Ok(user)
}

pub async fn login(svc: &Services, client: &str, phone: &str, pass: String) -> Result<Session, Error> {
    auth_budget(svc, client).await?;
    let Ok(phone) = Phone::parse(phone) else { return Err(Error::InvalidCredentials) };
    account_budget(svc, &phone).await?;
    let found = svc.db.run(move |conn| credentials(conn, &phone)).await?;
    let (stored, user) = match found {
        Some((user, hash)) => (hash, Some(user)),
        None => (password::dummy_hash().to_string(), None),
    };
    let ok = blocking(move || password::verify(&pass, &stored)).await?;
    let user = user.filter(|_| ok).ok_or(Error::InvalidCredentials)?;
    let ttl = svc.config.auth.token_ttl_hours;
    svc.db.tx(move |tx| issue_token(tx, user, ttl)).await
}

/// Revoke the token the request was signed in with.
pub async fn logout(svc: &Services, user: &AuthUser) -> Result<(), Error> {
    let hash = user.token_hash.clone();
    svc.db.run(move |conn| revoke(conn, &hash)).await?;
    svc.tokens.forget(&user.token_hash);
    Ok(())
}

/// Sign out everywhere: every token of the account, this one included, stops working.
pub async fn logout_everywhere(svc: &Services, user: &AuthUser) -> Result<(), Error> {
    let id = user.id;
    svc.db.run(move |conn| revoke_all(conn, id)).await?;
    svc.tokens.forget_user(id);
    Ok(())
}

/// Change the password, given the current one; every session of the account ends (a thief
/// holding a token is signed out too). Wrong current passwords count against the account's
/// sign-in budget like failed logins.
pub async fn change_password(svc: &Services, user: &AuthUser, current: String, new: String) -> Result<(), Error> {
    let mut errs = FieldErrors::new();
    errs.check("new_password", password::validate(&new));
    if new == current {
        errs.add("new_password", Invalid::new("unchanged", "新密码不能与当前密码相同", "the new password must differ from the current one"));
    }
    errs.into_result()?;
    let id = user.id;
    let (phone, stored) = svc.db.run(move |conn| credentials_by_id(conn, id)).await?;
    let phone = Phone::parse(&phone).map_err(|_| Error::internal(format!("user {id} has an invalid stored phone")))?;
    account_budget(svc, &phone).await?;
    let ok = blocking(move || password::verify(&current, &stored)).await?;
    if !ok {
        return Err(Error::field("current_password", Invalid::new("wrong_password", "当前密码不正确", "the current password is wrong")));
    }
    let hash = blocking(move || password::hash(&new)).await?;
    svc.db
        .tx(move |tx| {
            diesel::update(users::table.find(id)).set(users::password_hash.eq(&hash)).execute(tx.conn())?;
            revoke_all(tx.conn(), id)?;
            Ok(())
        })
        .await?;
    svc.tokens.forget_user(id);
    Ok(())
}

/// Limit a staff member to districts by adcode prefix (empty: everywhere). Admins only; audited.
pub async fn set_staff_scope(svc: &Services, user: &AuthUser, target: UserId, codes: Vec<String>) -> Result<(), Error> {
    user.require(&[Role::Admin])?;
    let mut errs = FieldErrors::new();
    for (i, c) in codes.iter().enumerate() {
        if c.is_empty() || c.len() > 12 || !c.bytes().all(|b| b.is_ascii_digit()) {
            errs.add(format!("adcodes[{i}]"), Invalid::new("invalid_adcode", "行政区划代码前缀应为 1–12 位数字", "an adcode prefix is 1–12 digits"));
        }
    }
    errs.into_result()?;
    let admin_id = UserId(user.id);
    svc.db.tx(move |tx| set_scope(tx, admin_id, target, &codes)).await
}

/// A staff account as the admins' staff list shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffView {
    pub id: i64,
    pub role: Role,
    pub display_name: String,
    pub disabled: bool,
    /// The adcode prefixes an admin limited this account to; empty for everywhere.
    pub scope: Vec<ScopeCode>,
    /// The station a community station staff member belongs to: the station's area then decides
    /// where they act, and `scope` only counts again if they leave it.
    pub station_id: Option<i64>,
}

/// One adcode prefix of a staff scope, with the place it names (when the code is a known
/// division, padded to 12 digits: `4403` is 深圳市).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScopeCode {
    pub code: String,
    pub name: Option<String>,
}

/// Every staff account (community station staff, moderators, admins), oldest first, with the
/// districts it is limited to: what an admin needs before setting a scope. Admins only.
pub async fn list_staff(svc: &Services, user: &AuthUser) -> Result<Vec<StaffView>, Error> {
    user.require(&[Role::Admin])?;
    let rows = svc
        .db
        .run(move |conn| {
            let staff = [Role::StationStaff, Role::Moderator, Role::Admin].map(|r| r.as_str());
            Ok(users::table
                .filter(users::role.eq_any(staff))
                .order(users::id.asc())
                .select((users::id, users::role, users::display_name, users::disabled, users::scope_adcodes, users::station_id))
                .load::<(i64, String, String, bool, String, Option<i64>)>(conn)?)
        })
        .await?;
    let districts = crate::services::districts::Districts::get();
    rows.into_iter()
        .map(|(id, role, display_name, disabled, stored, station_id)| {
            let role = Role::parse(&role).map_err(|_| Error::internal(format!("user {id} has an unknown stored role {role:?}")))?;
            let codes: Vec<String> = serde_json::from_str(&stored).unwrap_or_default();
            let scope = codes
                .into_iter()
                .map(|code| {
                    let name = (code.len() <= 12).then(|| format!("{code:0<12}")).and_then(|c| districts.by_code(&c)).map(|d| d.full_name.clone());
                    ScopeCode { code, name }
                })
                .collect();
            Ok(StaffView { id, role, display_name, disabled, scope, station_id })
        })
        .collect()
}
