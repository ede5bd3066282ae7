//! The station desk: 求职登记 and 用工登记 in person at a community employment service station,
//! and what its staff do for someone standing (or phoning) at the desk. Each operation is one
//! function doing the whole job — the station's scope, validation, the write, the consent record,
//! the audit entry and the notice to the person — on the same inner functions the person's own
//! operations use (`workers::upsert`, `take::apply`, `actions::act`, `shifts::post_in`), so a
//! desk can do nothing the person could not do themselves under the same rules.
//!
//! People registered at a desk may have no phone: their account has no sign-in until they claim
//! it with the one-time code printed on their slip (10 characters, 30 days, 5 tries). Until then
//! the station acts for them, and every such action says so in their history: the engagement
//! events carry `by_station` (see `Tx::act_on_behalf`), the audit log names the staff member and
//! the station, and the person's inbox gets a [`DoneForYou`] notice.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::auth::{AuthUser, password};
use crate::db::schema::{claim_codes, consents, employers as employers_t, shifts as shifts_t, users, workers as workers_t};
use crate::db::{DbConn, Tx};
use crate::domain::engagement::Action;
use crate::domain::notification::{DoneForYou, Notification};
use crate::domain::time::to_display;
use crate::domain::{EmployerId, EngagementId, ShiftId, UserId, WorkerId};
use crate::domain::{GeoPoint, Phone, Role};
use crate::error::{Conflict, Error, FieldErrors, Invalid, Thing};
use crate::ratelimit::Budget;
use crate::services::accounts::{self, Session, UserView};
use crate::services::availability::{self, AvailabilityRequest, AvailabilityView};
use crate::services::employers::{self, EmployerRequest, EmployerView};
use crate::services::engagements::{self, ActionRequest, ApplyRequest, Ctx, EngagementView, Viewer};
use crate::services::scope::{Place, StaffScope};
use crate::services::shifts::{self, ShiftRequest, ShiftView};
use crate::services::stations::{self, StationRow};
use crate::services::views::PayBody;
use crate::services::workers::{self, WorkerRequest, WorkerView};
use crate::services::{Services, audit, outbox};

/// Claim codes avoid characters that look alike on a printed slip (0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// 31^10 ≈ 2^49.5; with five tries per code an attacker's chance is about 5 in 8·10^14.
pub const CODE_LEN: usize = 10;
pub const CODE_DAYS: i64 = 30;
pub const CODE_TRIES: i32 = 5;
/// What an account without a usable password stores: no password verifies against it.
const NO_PASSWORD: &str = "!desk-registered";

/// A fresh code, printed as `ABCDE-FGHJK`.
fn new_code() -> String {
    let mut rng = rand::rng();
    let chars: String = (0..CODE_LEN).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// As typed back: case, spaces and dashes do not matter.
fn normalize_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// Only a keyed hash of a code is stored, bound to its account, so a leaked table yields nothing
/// to type in and one account's code never opens another.
fn code_hash(key: &str, user_id: i64, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{key}\u{0}claim\u{0}{user_id}\u{0}{}", normalize_code(code)).as_bytes()))
}

/// The account number printed on the slip: `LG` and eight digits.
pub fn account_number(user_id: i64) -> String {
    format!("LG{user_id:08}")
}

/// `LG00000123`, `lg 123`, `123` → 123.
pub fn parse_account_number(s: &str) -> Option<i64> {
    let digits: String = s.trim().trim_start_matches(['L', 'l']).trim_start_matches(['G', 'g']).chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|id| *id > 0)
}

/// The words each consent is given to, as the desk reads them out or shows them; stored with
/// each consent record so what was agreed stays known if the wording changes.
pub fn consent_wording(kind: &str) -> &'static str {
    match kind {
        "registration" => "同意服务站为我办理求职/用工登记，保存我的姓名、联系方式、技能和空闲时间，用于为我推荐和办理零工岗位。",
        "key_groups" => "单独同意：保存我属于的重点群体（如就业困难人员、脱贫人口），仅本人和工作人员可见，用于提供就业帮扶。",
        "location" => "单独同意：签到、签退时记录我的位置，用于确认到岗。不同意时，由服务站或雇主按电话确认。",
        "id_number" => "单独同意：保存我的身份证号（只显示部分号码），用于核实身份、防止重复登记。",
        _ => "",
    }
}

/// Which consents were given, as ticked at the desk.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    /// To the registration itself (required).
    pub registration: Option<bool>,
    /// Separately, to storing key-group status (required when `key_groups` are given).
    pub key_groups: Option<bool>,
    /// Separately, to recording location at check-in.
    pub location: Option<bool>,
    /// Separately, to storing the 身份证号 (required when `id_number` is given).
    pub id_number: Option<bool>,
}

impl ConsentBody {
    fn given(&self, kind: &str) -> Option<bool> {
        match kind {
            "registration" => self.registration,
            "key_groups" => self.key_groups,
            "location" => self.location,
            "id_number" => self.id_number,
            _ => None,
        }
    }
}

/// 求职登记 at the desk.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeskWorkerRequest {
    pub display_name: Option<String>,
    /// Optional: many people registered at a desk have no phone of their own.
    pub phone: Option<String>,
    /// 身份证号, checked; optional.
    pub id_number: Option<String>,
    pub skills: Option<Vec<String>>,
    /// Home point; default the station's own point.
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub radius_km: Option<f64>,
    pub expected_pay: Option<PayBody>,
    pub key_groups: Option<Vec<String>>,
    /// When they can work, as for `POST /api/v1/workers/me/availability`.
    pub availability: Option<AvailabilityRequest>,
    pub consent: Option<ConsentBody>,
}

/// 用工登记 for a household or an individual business, after an in-person check.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeskEmployerRequest {
    /// The account's phone, if the person has one (the profile's contact phone is separate).
    pub phone: Option<String>,
    pub employer: EmployerRequest,
    /// How the staff member checked who they are, e.g. `身份证原件核验`; required (2–100
    /// characters). It is recorded, and counts as verification.
    pub checked_in_person: Option<String>,
    pub consent: Option<ConsentBody>,
}

/// The printed slip: how the person takes the account over later, on any phone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeskSlip {
    pub user_id: i64,
    /// `LG00000123`: typed with the code at `/claim`.
    pub account: String,
    pub display_name: String,
    /// Shown once, never stored in the clear: `ABCDE-FGHJK`.
    pub claim_code: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: chrono::DateTime<chrono::FixedOffset>,
    pub tries: i32,
    pub station: String,
    pub station_address: String,
    pub worker_id: Option<i64>,
    pub employer_id: Option<i64>,
}

/// A claim: the slip's account number and code, and the sign-in the person chooses.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// The slip's account number, e.g. `LG00000123` (the server also takes `lg 123` or `123`).
    #[schema(pattern = r"^(?:[Ll][Gg])?(?=0*[1-9])[0-9]{1,12}$")]
    pub account: String,
    /// The slip's claim code, 10 letters and digits (a dash between the halves is optional).
    #[schema(pattern = r"^[A-Za-z0-9]{5}-?[A-Za-z0-9]{5}$")]
    pub code: String,
    /// Required when the account has no phone yet; otherwise it may change it. Empty: none.
    #[schema(pattern = r"^(?:1[3-9][0-9]{9})?$")]
    pub phone: Option<String>,
    /// The password the person chooses, as at registration.
    #[schema(min_length = 8, max_length = 128, pattern = r"^(?!(.)\1*$)")]
    pub password: String,
}

/// A new claim code for an account, after the staff member checked the person's identity (a
/// lost slip, a forgotten password).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// How the identity was checked, e.g. `身份证原件核验` (required).
    pub identity_checked: Option<String>,
}

/// Looking a person up at the desk by their 身份证号 (sent in a body, never in a URL).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    pub id_number: String,
}

/// Applying (or claiming) for a worker at the desk.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeskApplyRequest {
    pub shift_id: i64,
    pub note: Option<String>,
    pub slot_ids: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInForRequest {
    /// The slot the worker phoned in for; default the next one.
    pub slot_id: Option<i64>,
}

/// A station staff member at their desk.
struct Desk {
    staff: AuthUser,
    station: StationRow,
    scope: StaffScope,
}

impl Desk {
    fn of(conn: &mut DbConn, user: &AuthUser) -> Result<Desk, Error> {
        user.require(&[Role::StationStaff])?;
        let station_id: Option<i64> = users::table.find(user.id).select(users::station_id).first(conn)?;
        let station = stations::by_id(conn, station_id.ok_or(Error::Conflict(Conflict::NotAtStation))?)?;
        let scope = StaffScope::staff(conn, user)?;
        Ok(Desk { staff: user.clone(), station, scope })
    }

    /// Who acts, as engagement events and audit entries record it.
    fn who(&self) -> Value {
        json!({"station_id": self.station.id, "station": self.station.name, "staff_id": self.staff.id, "staff": self.staff.display_name})
    }

    fn record(&self, tx: &mut Tx, action: &str, target_type: &str, target_id: i64, reason: Option<&str>, after: Value) -> Result<(), Error> {
        let mut after = after;
        if let Value::Object(fields) = &mut after {
            fields.insert("by_station".into(), self.who());
        }
        audit::record(tx, audit::Entry { actor_id: self.staff.id, action, target_type, target_id, reason, before: None, after: Some(after) })
    }

    fn tell(&self, tx: &mut Tx, user_id: i64, what: &str, subject: Option<String>, engagement_id: Option<i64>, shift_id: Option<i64>) -> Result<(), Error> {
        let n = Notification::DoneForYou(DoneForYou {
            station: self.station.name.clone(),
            staff: self.staff.display_name.clone(),
            what: what.into(),
            subject,
            engagement_id,
            shift_id,
        });
        outbox::enqueue_to_user(tx, user_id, &n)?;
        Ok(())
    }

    /// A worker this desk may act for: one whose home lies in the station's area.
    fn worker(&self, conn: &mut DbConn, worker_id: i64) -> Result<workers::WorkerRow, Error> {
        let row = workers::by_id(conn, worker_id)?;
        let adcode = workers::district(conn, &row)?;
        let home = row.lat.zip(row.lng).map(|(lat, lng)| GeoPoint { lat, lng });
        self.scope.check(Place { adcode: adcode.as_deref(), point: home })?;
        Ok(row)
    }

    /// A new code for `user_id`, revoking any older one; the code in the clear, once.
    fn issue_code(&self, tx: &mut Tx, key: &str, user_id: i64) -> Result<(String, NaiveDateTime), Error> {
        let now = tx.now();
        diesel::update(claim_codes::table.filter(claim_codes::user_id.eq(user_id)).filter(claim_codes::ended_at.is_null()))
            .set((claim_codes::ended_at.eq(Some(now)), claim_codes::ended_how.eq(Some("replaced"))))
            .execute(tx.conn())?;
        let code = new_code();
        let expires_at = now + Duration::days(CODE_DAYS);
        diesel::insert_into(claim_codes::table)
            .values((
                claim_codes::user_id.eq(user_id),
                claim_codes::code_hash.eq(code_hash(key, user_id, &code)),
                claim_codes::station_id.eq(Some(self.station.id)),
                claim_codes::created_by.eq(self.staff.id),
                claim_codes::created_at.eq(now),
                claim_codes::expires_at.eq(expires_at),
                claim_codes::tries_left.eq(CODE_TRIES),
            ))
            .execute(tx.conn())?;
        Ok((code, expires_at))
    }

    fn slip(
        &self,
        user_id: i64,
        display_name: String,
        (code, expires_at): (String, NaiveDateTime),
        worker_id: Option<i64>,
        employer_id: Option<i64>,
    ) -> DeskSlip {
        DeskSlip {
            user_id,
            account: account_number(user_id),
            display_name,
            claim_code: code,
            expires_at: to_display(expires_at),
            tries: CODE_TRIES,
            station: self.station.name.clone(),
            station_address: self.station.address.clone(),
            worker_id,
            employer_id,
        }
    }
}

/// Consents that must be given for what the request holds: the registration always, key groups
/// and the 身份证号 each separately when given.
fn check_consents(errs: &mut FieldErrors, consent: &ConsentBody, needs: &[&str]) {
    for kind in needs {
        if consent.given(kind) != Some(true) {
            let (zh, en) = match *kind {
                "registration" => ("需要本人同意登记", "the person must agree to the registration"),
                "key_groups" => ("填写重点群体需要本人单独同意", "key groups need the person's separate consent"),
                _ => ("填写身份证号需要本人单独同意", "an ID number needs the person's separate consent"),
            };
            errs.add(format!("consent.{kind}"), Invalid::new("consent_required", zh, en));
        }
    }
}

/// Stores each consent that was answered (given or refused), with its wording.
fn record_consents(tx: &mut Tx, desk: &Desk, user_id: i64, consent: &ConsentBody) -> Result<(), Error> {
    let now = tx.now();
    for kind in ["registration", "key_groups", "location", "id_number"] {
        if let Some(given) = consent.given(kind) {
            diesel::insert_into(consents::table)
                .values((
                    consents::user_id.eq(user_id),
                    consents::kind.eq(kind),
                    consents::given.eq(given),
                    consents::wording.eq(consent_wording(kind)),
                    consents::recorded_by.eq(Some(desk.staff.id)),
                    consents::station_id.eq(Some(desk.station.id)),
                    consents::recorded_at.eq(now),
                ))
                .execute(tx.conn())?;
        }
    }
    Ok(())
}

/// A desk-managed account: no password until claimed.
fn insert_account(tx: &mut Tx, desk: &Desk, role: Role, phone: Option<&Phone>, display_name: &str) -> Result<i64, Error> {
    if let Some(p) = phone {
        let taken: i64 = users::table.filter(users::phone.eq(p.as_str())).count().get_result(tx.conn())?;
        if taken > 0 {
            return Err(Error::Conflict(Conflict::PhoneTaken));
        }
    }
    let now = tx.now();
    diesel::insert_into(users::table)
        .values((
            users::role.eq(role.as_str()),
            users::phone.eq(phone.map(|p| p.as_str().to_string())),
            users::password_hash.eq(NO_PASSWORD),
            users::display_name.eq(display_name),
            users::created_by.eq(Some(desk.staff.id)),
            users::created_at.eq(now),
            users::desk_station_id.eq(Some(desk.station.id)),
            users::desk_managed.eq(true),
        ))
        .returning(users::id)
        .get_result(tx.conn())
        .map_err(|e| match Error::from(e) {
            Error::Conflict(Conflict::Duplicate) => Error::Conflict(Conflict::PhoneTaken),
            other => other,
        })
}

fn optional_phone(errs: &mut FieldErrors, phone: Option<&str>) -> Option<Phone> {
    match phone.map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => errs.check("phone", Phone::parse(p)),
    }
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// 求职登记: registers a worker at the desk (phone optional), with their profile, availability
/// and consents, and prints the slip with the claim code.
pub async fn register_worker(svc: &Services, user: &AuthUser, req: DeskWorkerRequest) -> Result<DeskSlip, Error> {
    let (user, key, area) = (user.clone(), svc.config.auth.pii_hash_key.clone(), svc.config.listing.service_area.clone());
    svc.db
        .tx(move |tx| {
            let desk = Desk::of(tx, &user)?;
            let mut errs = FieldErrors::new();
            let phone = optional_phone(&mut errs, req.phone.as_deref());
            let consent = req.consent.clone().unwrap_or_default();
            let mut needs = vec!["registration"];
            if req.key_groups.as_ref().is_some_and(|g| !g.is_empty()) {
                needs.push("key_groups");
            }
            if req.id_number.as_deref().is_some_and(|n| !n.trim().is_empty()) {
                needs.push("id_number");
            }
            check_consents(&mut errs, &consent, &needs);
            // The home defaults to the station: people come to the station near where they live.
            let (lat, lng) = match (req.lat, req.lng) {
                (None, None) => (Some(desk.station.lat), Some(desk.station.lng)),
                given => given,
            };
            let profile = WorkerRequest {
                display_name: req.display_name.clone(),
                skills: req.skills.clone(),
                lat,
                lng,
                radius_km: req.radius_km,
                expected_pay: req.expected_pay,
                id_number: req.id_number.clone(),
                key_groups: req.key_groups.clone(),
            };
            let valid = match workers::validate(tx, &profile) {
                Ok(v) => Some(v),
                Err(Error::Validation(fields)) => {
                    errs.extend(fields);
                    None
                }
                Err(e) => return Err(e),
            };
            errs.into_result()?;
            let valid = valid.expect("checked");
            let point = lat.zip(lng).map(|(lat, lng)| GeoPoint { lat, lng });
            desk.scope.check(Place { adcode: workers::district_of_point(point).as_deref(), point })?;
            let name = req.display_name.clone().unwrap_or_default().trim().to_string();
            let user_id = insert_account(tx, &desk, Role::Worker, phone.as_ref(), &name)?;
            let worker = workers::upsert(tx, user_id, valid, &key)?;
            if let Some(a) = &req.availability {
                let now = tx.now();
                let v = availability::validate(tx, a, now, &area).map_err(|e| prefix_fields(e, "availability"))?;
                availability::create(tx, worker.id, &v)?;
            }
            record_consents(tx, &desk, user_id, &consent)?;
            let code = desk.issue_code(tx, &key, user_id)?;
            desk.record(tx, "desk.register_worker", "user", user_id, None, json!({"worker_id": worker.id, "phone": phone.is_some()}))?;
            desk.tell(tx, user_id, "registered", None, None, None)?;
            Ok(desk.slip(user_id, worker.display_name.clone(), code, Some(worker.id), None))
        })
        .await
}

/// Field errors of a nested body named under it (`availability.weekly[0].start`).
fn prefix_fields(e: Error, prefix: &str) -> Error {
    match e {
        Error::Validation(fields) => Error::Validation(
            fields
                .into_iter()
                .map(|mut f| {
                    f.field = if f.field.is_empty() { prefix.to_string() } else { format!("{prefix}.{}", f.field) };
                    f
                })
                .collect(),
        ),
        other => other,
    }
}

/// 用工登记: a household or individual business, checked in person (which counts as
/// verification), with an account the employer can claim.
pub async fn register_employer(svc: &Services, user: &AuthUser, req: DeskEmployerRequest) -> Result<DeskSlip, Error> {
    let (user, key, area, rules) = (user.clone(), svc.config.auth.pii_hash_key.clone(), svc.config.listing.service_area.clone(), svc.rules.clone());
    svc.db
        .tx(move |tx| {
            let desk = Desk::of(tx, &user)?;
            let mut errs = FieldErrors::new();
            let phone = optional_phone(&mut errs, req.phone.as_deref());
            let checked = req.checked_in_person.as_deref().map(str::trim).unwrap_or("");
            if checked.chars().count() < 2 || checked.chars().count() > 100 {
                errs.add(
                    "checked_in_person",
                    Invalid::new("required", "请写明如何现场核验（如：身份证原件核验）", "say how you checked them in person (e.g. ID card seen)"),
                );
            }
            let consent = req.consent.clone().unwrap_or_default();
            check_consents(&mut errs, &consent, &["registration"]);
            let valid = match employers::validate(&req.employer, &area) {
                Ok(v) => Some(v),
                Err(Error::Validation(fields)) => {
                    errs.extend(fields.into_iter().map(|mut f| {
                        f.field = format!("employer.{}", f.field);
                        f
                    }));
                    None
                }
                Err(e) => return Err(e),
            };
            errs.into_result()?;
            let valid = valid.expect("checked");
            // The profile's words are screened as on the employer's own form; one that needs a
            // moderator's reading is registered, but the desk's check does not verify it.
            let review = employers::screen(&rules, &valid).map_err(|e| prefix_fields(e, "employer"))?;
            let point = GeoPoint { lat: req.employer.lat.unwrap_or_default(), lng: req.employer.lng.unwrap_or_default() };
            desk.scope.check(Place { adcode: workers::district_of_point(Some(point)).as_deref(), point: Some(point) })?;
            let name = req.employer.name.clone().unwrap_or_default().trim().to_string();
            let user_id = insert_account(tx, &desk, Role::Employer, phone.as_ref(), &name)?;
            let row = employers::upsert_screened(tx, user_id, valid, review)?;
            if !review {
                employers::verify(tx, EmployerId(row.id), UserId(desk.staff.id))?;
            }
            let note = format!("{checked}（{}，{}）", desk.station.name, desk.staff.display_name);
            diesel::update(employers_t::table.find(row.id)).set(employers_t::checked_in_person.eq(Some(&note))).execute(tx.conn())?;
            record_consents(tx, &desk, user_id, &consent)?;
            let code = desk.issue_code(tx, &key, user_id)?;
            desk.record(tx, "desk.register_employer", "employer", row.id, Some(checked), json!({"user_id": user_id, "verified": !review}))?;
            desk.tell(tx, user_id, "employer_registered", None, None, None)?;
            Ok(desk.slip(user_id, name, code, None, Some(row.id)))
        })
        .await
}

/// A new claim code for an account registered in the station's area (a lost slip; or, after
/// checking the person's identity, a password reset: claiming sets a new password and ends
/// every session).
pub async fn new_claim_code(svc: &Services, user: &AuthUser, user_id: i64, req: CodeRequest) -> Result<DeskSlip, Error> {
    let (user, key) = (user.clone(), svc.config.auth.pii_hash_key.clone());
    svc.db
        .tx(move |tx| {
            let desk = Desk::of(tx, &user)?;
            let checked = req.identity_checked.as_deref().map(str::trim).unwrap_or("");
            if checked.chars().count() < 2 || checked.chars().count() > 100 {
                return Err(Error::field("identity_checked", Invalid::new("required", "请写明如何核验了本人身份", "say how you checked who they are")));
            }
            let (role, name): (String, String) =
                users::table.find(user_id).select((users::role, users::display_name)).first(tx.conn()).optional()?.ok_or(Error::NotFound(Thing::User))?;
            let (worker_id, employer_id) = match Role::parse(&role) {
                Ok(Role::Worker) => {
                    let w = workers::by_user(tx, user_id)?.ok_or(Error::NotFound(Thing::User))?;
                    desk.worker(tx, w.id)?;
                    (Some(w.id), None)
                }
                Ok(Role::Employer) => {
                    let e = employers::by_user(tx, user_id)?.ok_or(Error::NotFound(Thing::User))?;
                    desk.scope.check(Place { adcode: e.adcode.as_deref(), point: Some(GeoPoint { lat: e.lat, lng: e.lng }) })?;
                    (None, Some(e.id))
                }
                // Staff accounts are an admin's to manage, never a desk's.
                _ => return Err(Error::NotFound(Thing::User)),
            };
            let code = desk.issue_code(tx, &key, user_id)?;
            desk.record(tx, "desk.claim_code", "user", user_id, Some(checked), json!({}))?;
            desk.tell(tx, user_id, "claim_code", None, None, None)?;
            Ok(desk.slip(user_id, name, code, worker_id, employer_id))
        })
        .await
}

/// The worker in the station's area with this 身份证号, if any: how a desk resolves a number
/// already on another account — in person, by finding that account and giving it a new code.
pub async fn lookup(svc: &Services, user: &AuthUser, req: LookupRequest) -> Result<WorkerView, Error> {
    let (user, key) = (user.clone(), svc.config.auth.pii_hash_key.clone());
    svc.db
        .tx(move |tx| {
            let desk = Desk::of(tx, &user)?;
            let number = crate::domain::IdNumber::parse(req.id_number.trim()).map_err(|e| Error::field("id_number", e))?;
            let worker_id: i64 = workers_t::table
                .filter(workers_t::id_number_hash.eq(number.keyed_hash(&key)))
                .select(workers_t::id)
                .first(tx.conn())
                .optional()?
                .ok_or(Error::NotFound(Thing::Worker))?;
            let row = desk.worker(tx, worker_id).map_err(|_| Error::NotFound(Thing::Worker))?;
            audit::private_read(tx, UserId(desk.staff.id), WorkerId(row.id), workers::STAFF_VIEW_FIELDS, "desk.lookup")?;
            workers::private_view(tx, row)
        })
        .await
}

/// Apply or claim for a worker at the desk.
pub async fn apply_for(svc: &Services, user: &AuthUser, worker_id: i64, req: DeskApplyRequest) -> Result<EngagementView, Error> {
    let (user, max_weekly_hours) = (user.clone(), svc.rules.max_weekly_part_time_hours());
    let shift_id = req.shift_id;
    let req = ApplyRequest { note: req.note, slot_ids: req.slot_ids };
    svc.db
        .tx(move |tx| {
            let desk = Desk::of(tx, &user)?;
            let worker = desk.worker(tx, worker_id)?;
            tx.act_on_behalf(desk.who());
            let now = tx.now();
            let row = engagements::apply(tx, UserId(worker.user_id), ShiftId(shift_id), &req, now, max_weekly_hours)?;
            let title: String = shifts_t::table.find(shift_id).select(shifts_t::title).first(tx.conn())?;
            desk.record(tx, "desk.apply", "engagement", row.id, None, json!({"worker_id": worker.id, "shift_id": shift_id, "state": row.state}))?;
            desk.tell(tx, worker.user_id, "applied", Some(title), Some(row.id), Some(shift_id))?;
            engagements::view(tx, row, Viewer::Worker, true, now)
        })
        .await
}

/// Record a check-in the worker phoned in (`by_station`, no location); the employer confirms it
/// like any check-in without a location.
pub async fn check_in_for(svc: &Services, user: &AuthUser, engagement_id: i64, req: CheckInForRequest) -> Result<EngagementView, Error> {
    let (user, cfg, max_weekly_hours) = (user.clone(), svc.config.engagements.clone(), svc.rules.max_weekly_part_time_hours());
    svc.db
        .tx(move |tx| {
            let desk = Desk::of(tx, &user)?;
            let worker_id = engagements::by_id(tx, engagement_id)?.worker_id;
            let worker = desk.worker(tx, worker_id).map_err(|_| Error::NotFound(Thing::Engagement))?;
            tx.act_on_behalf(desk.who());
            let now = tx.now();
            let ctx = Ctx { cfg: &cfg, now, max_weekly_hours };
            let body = ActionRequest { lat: None, lng: None, slot_id: req.slot_id, hours: None, amount_fen: None, reason: None };
            let (row, _) = engagements::act(tx, &ctx, UserId(worker.user_id), Role::Worker, EngagementId(engagement_id), Action::CheckIn, &body)?;
            desk.record(tx, "desk.check_in", "engagement", row.id, None, json!({"worker_id": worker.id}))?;
            desk.tell(tx, worker.user_id, "check_in", None, Some(row.id), None)?;
            engagements::view(tx, row, Viewer::Worker, true, now)
        })
        .await
}

/// Add a window of availability for a worker at the desk.
pub async fn availability_for(svc: &Services, user: &AuthUser, worker_id: i64, req: AvailabilityRequest) -> Result<AvailabilityView, Error> {
    let (user, area) = (user.clone(), svc.config.listing.service_area.clone());
    svc.db
        .tx(move |tx| {
            let desk = Desk::of(tx, &user)?;
            let worker = desk.worker(tx, worker_id)?;
            let now = tx.now();
            let v = availability::validate(tx, &req, now, &area)?;
            let row = availability::create(tx, worker.id, &v)?;
            desk.record(tx, "desk.availability", "availability", row.id, None, json!({"worker_id": worker.id}))?;
            desk.tell(tx, worker.user_id, "availability", None, None, None)?;
            Ok(row.view())
        })
        .await
}

/// Post a shift for an employer the station registered (or one in its area that asked for help
/// at the desk), through the same free-listing rules as the employer's own posting.
pub async fn post_for(svc: &Services, user: &AuthUser, employer_id: i64, req: ShiftRequest) -> Result<ShiftView, Error> {
    let (user, rules, area) = (user.clone(), svc.rules.clone(), svc.config.listing.service_area.clone());
    svc.db
        .tx(move |tx| {
            let row = post_for_in(tx, &user, &rules, &area, employer_id, &req, "desk.post_shift")?;
            shifts::view(tx, row)
        })
        .await
}

/// Posting for an employer as a station's staff, inside a write transaction: the station's area
/// must cover the employer; the posting goes through `shifts::post_in`; the audit entry is
/// `action` (by the desk, or by an import) and the employer is told. `post_for` and CSV imports
/// by station staff both post through here.
pub fn post_for_in(
    tx: &mut Tx,
    user: &AuthUser,
    rules: &crate::listing::Rules,
    area: &crate::services::districts::ServiceArea,
    employer_id: i64,
    req: &ShiftRequest,
    action: &str,
) -> Result<shifts::ShiftRow, Error> {
    let desk = Desk::of(tx, user)?;
    let employer = employers::by_id(tx, employer_id)?;
    desk.scope.check(Place { adcode: employer.adcode.as_deref(), point: Some(GeoPoint { lat: employer.lat, lng: employer.lng }) })?;
    let row = shifts::post_in(tx, rules, area, employer.user_id, req)?;
    desk.record(tx, action, "shift", row.id, None, json!({"employer_id": employer.id, "status": row.status}))?;
    desk.tell(tx, employer.user_id, "posted", Some(row.title.clone()), None, Some(row.id))?;
    Ok(row)
}

/// What a claim attempt found, committed whatever it was (a wrong code spends a try).
enum Claimed {
    Session(Box<Session>),
    Wrong { tries_left: i32 },
    Invalid,
}

fn claim_refused(tries_left: Option<i32>) -> Error {
    match tries_left {
        Some(n) if n > 0 => {
            Error::field("code", Invalid::new("claim_code_wrong", format!("领取码不对，还可以再试 {n} 次"), format!("wrong claim code; {n} tries left")))
        }
        _ => Error::field(
            "code",
            Invalid::new(
                "claim_code_invalid",
                "领取码无效或已过期，请到服务站重新领取",
                "the claim code is not valid or has expired; ask the station for a new one",
            ),
        ),
    }
}

/// Takes over an account registered at a desk (or resets its password with a new code): the
/// slip's account number and code, then the phone and password the person chooses. Five wrong
/// codes end the code; attempts are also limited per client like sign-ins.
pub async fn claim(svc: &Services, client: &str, req: ClaimRequest) -> Result<Session, Error> {
    let rl = &svc.config.rate_limit;
    let budget = Budget { name: "claim", limit: rl.auth_requests, window: std::time::Duration::from_secs(rl.auth_window_secs) };
    svc.limiter.hit(budget, client).await?;
    let mut errs = FieldErrors::new();
    let user_id = parse_account_number(&req.account);
    if user_id.is_none() {
        errs.add(
            "account",
            Invalid::new("invalid_account", "账号格式不对，请照凭条上的填写，如 LG00000123", "type the account as on the slip, e.g. LG00000123"),
        );
    }
    if normalize_code(&req.code).len() != CODE_LEN {
        errs.add(
            "code",
            Invalid::new("invalid_code", format!("领取码是 {CODE_LEN} 位字母和数字"), format!("the claim code has {CODE_LEN} letters and digits")),
        );
    }
    let phone = optional_phone(&mut errs, req.phone.as_deref());
    errs.check("password", password::validate(&req.password));
    errs.into_result()?;
    let user_id = user_id.expect("checked");
    let pass = req.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pass)).await.map_err(|e| Error::internal(format!("hashing task failed: {e}")))?;
    let (key, ttl) = (svc.config.auth.pii_hash_key.clone(), svc.config.auth.token_ttl_hours);
    let code = req.code.clone();
    let found = svc
        .db
        .tx(move |tx| {
            let now = tx.now();
            let active: Option<(i64, String, i32)> = claim_codes::table
                .filter(claim_codes::user_id.eq(user_id))
                .filter(claim_codes::ended_at.is_null())
                .filter(claim_codes::expires_at.gt(now))
                .order(claim_codes::id.desc())
                .select((claim_codes::id, claim_codes::code_hash, claim_codes::tries_left))
                .first(tx.conn())
                .optional()?;
            let Some((code_id, stored, tries)) = active else { return Ok(Claimed::Invalid) };
            if stored != code_hash(&key, user_id, &code) {
                let left = tries - 1;
                let ended = (left <= 0).then_some(now);
                diesel::update(claim_codes::table.find(code_id))
                    .set((claim_codes::tries_left.eq(left), claim_codes::ended_at.eq(ended), claim_codes::ended_how.eq(ended.map(|_| "tries"))))
                    .execute(tx.conn())?;
                return Ok(Claimed::Wrong { tries_left: left });
            }
            let (role, name, current_phone): (String, String, Option<String>) =
                users::table.find(user_id).select((users::role, users::display_name, users::phone)).first(tx.conn())?;
            let new_phone = match (&phone, current_phone) {
                (Some(p), _) => p.as_str().to_string(),
                (None, Some(p)) => p,
                (None, None) => {
                    return Err(Error::field(
                        "phone",
                        Invalid::new("required", "请填写手机号，以后用它登录", "give a phone number: it is how you will sign in"),
                    ));
                }
            };
            let taken: i64 = users::table.filter(users::phone.eq(&new_phone)).filter(users::id.ne(user_id)).count().get_result(tx.conn())?;
            if taken > 0 {
                return Err(Error::Conflict(Conflict::PhoneTaken));
            }
            diesel::update(users::table.find(user_id))
                .set((users::phone.eq(Some(&new_phone)), users::password_hash.eq(&hash), users::desk_managed.eq(false)))
                .execute(tx.conn())?;
            diesel::update(claim_codes::table.find(code_id))
                .set((claim_codes::ended_at.eq(Some(now)), claim_codes::ended_how.eq(Some("claimed"))))
                .execute(tx.conn())?;
            // Whoever held a session before (a lost phone) is signed out.
            accounts::revoke_all(tx.conn(), user_id)?;
            audit::record(
                tx,
                audit::Entry {
                    actor_id: user_id,
                    action: "desk.claimed",
                    target_type: "user",
                    target_id: user_id,
                    reason: None,
                    before: None,
                    after: Some(json!({"code_id": code_id})),
                },
            )?;
            let role = Role::parse(&role).map_err(|_| Error::internal(format!("user {user_id} has an unknown role")))?;
            let session = accounts::issue_token(tx, UserView { id: user_id, role, display_name: name }, ttl)?;
            Ok(Claimed::Session(Box::new(session)))
        })
        .await?;
    match found {
        Claimed::Session(s) => {
            // The sessions revoked above stop working on this replica at once (elsewhere within
            // the token cache's age).
            svc.tokens.forget_user(s.user.id);
            Ok(*s)
        }
        Claimed::Wrong { tries_left } => Err(claim_refused(Some(tries_left))),
        Claimed::Invalid => Err(claim_refused(None)),
    }
}

/// The desk's own station, for its pages.
pub async fn my_station(svc: &Services, user: &AuthUser) -> Result<StationRow, Error> {
    let user = user.clone();
    svc.db.run(move |conn| Ok(Desk::of(conn, &user)?.station)).await
}

/// A worker at the desk: their profile (an audited staff read) and their engagements, newest
/// first, as they themselves see them — what the staff member needs to act for them.
pub async fn worker_at_desk(svc: &Services, user: &AuthUser, worker_id: i64) -> Result<(WorkerView, Vec<EngagementView>), Error> {
    let user = user.clone();
    svc.db
        .tx(move |tx| {
            let desk = Desk::of(tx, &user)?;
            let row = desk.worker(tx, worker_id)?;
            audit::private_read(tx, UserId(desk.staff.id), WorkerId(row.id), workers::STAFF_VIEW_FIELDS, "desk.worker")?;
            let rows = engagements::list_for_worker(tx, row.user_id, None, 50, None)?;
            let now = tx.now();
            let list = engagements::views(tx, rows, Viewer::Worker, false, now)?;
            let adcode = workers::district(tx, &row)?;
            let view = workers::private_view(tx, row)?;
            Ok((WorkerView { adcode, ..view }, list))
        })
        .await
}

/// One week of a station's work (送岗位进社区 counted): people registered at its desk, the
/// engagements its desk opened for them that reached confirmed (placed) and paid.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct WeekFigures {
    /// The Monday the week starts (Asia/Shanghai).
    #[schema(value_type = String, format = Date)]
    pub week: chrono::NaiveDate,
    pub registered: i64,
    /// Engagements the desk opened in this week (by when they were opened).
    pub opened: i64,
    /// Of those, how many reached confirmed.
    pub placed: i64,
    /// Of those, how many reached paid.
    pub paid: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StationFigures {
    pub station_id: i64,
    pub station: String,
    /// Newest week first, weeks without any activity included.
    pub weeks: Vec<WeekFigures>,
}

/// Buckets `(registered_at)` and `(opened_at, confirmed, paid)` into the `weeks` Monday–Sunday
/// weeks ending with the one `now` is in. Pure, so the counting is tested without a database.
pub fn count_weeks(now: NaiveDateTime, weeks: usize, registered: &[NaiveDateTime], opened: &[(NaiveDateTime, bool, bool)]) -> Vec<WeekFigures> {
    use crate::domain::time::local_week;
    let this = local_week(now);
    let mut out: Vec<WeekFigures> =
        (0..weeks).map(|i| WeekFigures { week: this - Duration::weeks(i as i64), registered: 0, opened: 0, placed: 0, paid: 0 }).collect();
    let slot = |at: NaiveDateTime| {
        let w = local_week(at);
        let back = (this - w).num_weeks();
        (0..weeks as i64).contains(&back).then_some(back as usize)
    };
    for at in registered {
        if let Some(i) = slot(*at) {
            out[i].registered += 1;
        }
    }
    for (at, placed, paid) in opened {
        if let Some(i) = slot(*at) {
            out[i].opened += 1;
            out[i].placed += i64::from(*placed);
            out[i].paid += i64::from(*paid);
        }
    }
    out
}

/// A station's weekly figures, for its own staff and for moderators and admins whose scope
/// covers it.
pub async fn station_figures(svc: &Services, user: &AuthUser, station_id: i64, weeks: Option<i64>) -> Result<StationFigures, Error> {
    let weeks = match weeks.unwrap_or(8) {
        w @ 1..=52 => w as usize,
        _ => return Err(Error::field("weeks", Invalid::new("out_of_range", "周数应在 1 到 52 之间", "weeks must be 1 to 52"))),
    };
    let (user, now) = (user.clone(), svc.clock.now());
    svc.db
        .run(move |conn| {
            let station = stations::by_id(conn, station_id)?;
            if user.role == Role::StationStaff {
                if Desk::of(conn, &user)?.station.id != station_id {
                    return Err(Error::forbidden());
                }
            } else {
                StaffScope::moderator(conn, &user)?
                    .check(Place { adcode: Some(&station.adcode), point: Some(GeoPoint { lat: station.lat, lng: station.lng }) })?;
            }
            let since = now - Duration::weeks(weeks as i64 + 1);
            let registered: Vec<NaiveDateTime> =
                users::table.filter(users::desk_station_id.eq(station_id)).filter(users::created_at.ge(since)).select(users::created_at).load(conn)?;
            use crate::db::schema::engagements as e;
            let opened: Vec<(NaiveDateTime, Option<NaiveDateTime>, Option<NaiveDateTime>)> = e::table
                .filter(e::by_station_id.eq(station_id))
                .filter(e::created_at.ge(since))
                .select((e::created_at, e::confirmed_at, e::paid_at))
                .load(conn)?;
            let opened: Vec<(NaiveDateTime, bool, bool)> = opened.into_iter().map(|(at, c, p)| (at, c.is_some(), p.is_some())).collect();
            Ok(StationFigures { station_id, station: station.name, weeks: count_weeks(now, weeks, &registered, &opened) })
        })
        .await
}

/// An employer's view for the desk that registered it.
pub fn employer_view(conn: &mut DbConn, employer_id: i64) -> Result<EmployerView, Error> {
    let row = employers::by_id(conn, employer_id)?;
    employers::view_with_stats(conn, row, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_unambiguous_and_read_back_however_typed() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let c = new_code();
            assert_eq!(c.len(), CODE_LEN + 1, "{c}");
            let bare = normalize_code(&c);
            assert!(bare.len() >= 8 && bare.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{c}");
            assert!(!bare.contains(['0', 'O', '1', 'I', 'L']), "{c}");
            assert!(seen.insert(bare.clone()), "codes repeat: {c}");
            for typed in [c.to_lowercase(), bare.clone(), format!(" {} ", c.replace('-', " ")), bare.to_lowercase()] {
                assert_eq!(code_hash("k", 7, &typed), code_hash("k", 7, &c), "{typed}");
            }
            assert_ne!(code_hash("k", 7, &c), code_hash("k", 8, &c), "a code is bound to its account");
            assert_ne!(code_hash("k", 7, &c), code_hash("other", 7, &c), "and to the server key");
        }
    }

    #[test]
    fn weeks_are_counted_monday_to_sunday_in_beijing_time() {
        use chrono::NaiveDate;
        let utc = |d: &str, h: u32| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap().and_hms_opt(h, 0, 0).unwrap();
        // Wednesday 2026-12-02, 10:00 in Beijing.
        let now = utc("2026-12-02", 2);
        // Sunday 23:30 Beijing is 15:30 UTC the same Sunday: last week. Monday 00:30 Beijing is
        // Sunday 16:30 UTC: this week.
        let registered = [utc("2026-11-29", 15), utc("2026-11-29", 16), utc("2026-12-01", 0), utc("2026-10-01", 0)];
        let opened = [(utc("2026-12-01", 3), true, true), (utc("2026-12-01", 4), true, false), (utc("2026-11-24", 4), false, false)];
        let w = count_weeks(now, 3, &registered, &opened);
        assert_eq!(w.iter().map(|w| w.week.to_string()).collect::<Vec<_>>(), ["2026-11-30", "2026-11-23", "2026-11-16"]);
        assert_eq!((w[0].registered, w[0].opened, w[0].placed, w[0].paid), (2, 2, 2, 1));
        assert_eq!((w[1].registered, w[1].opened, w[1].placed, w[1].paid), (1, 1, 0, 0));
        assert_eq!((w[2].registered, w[2].opened), (0, 0), "weeks without activity are shown as zeros");
        assert_eq!(count_weeks(now, 1, &registered, &opened).len(), 1);
    }

    #[test]
    fn account_numbers_round_trip_and_junk_is_refused() {
        for id in [1_i64, 42, 123_456, 99_999_999] {
            let printed = account_number(id);
            assert!(printed.starts_with("LG") && printed.len() >= 10, "{printed}");
            for typed in [printed.clone(), printed.to_lowercase(), format!(" {printed} "), id.to_string(), printed.replace("LG", "lg ")] {
                assert_eq!(parse_account_number(&typed), Some(id), "{typed}");
            }
        }
        for bad in ["", "LG", "LGx1", "12a", "-5", "0", "LG0000000000000000001", "1 2; DROP"] {
            assert_eq!(parse_account_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn each_consent_kind_has_its_wording_and_is_asked_separately() {
        for kind in ["registration", "key_groups", "location", "id_number"] {
            assert!(!consent_wording(kind).is_empty(), "{kind}");
        }
        for (kg, id) in [(false, false), (true, false), (false, true), (true, true)] {
            let mut needs = vec!["registration"];
            if kg {
                needs.push("key_groups");
            }
            if id {
                needs.push("id_number");
            }
            // Consenting to the registration alone never covers the sensitive parts.
            let only_registration = ConsentBody { registration: Some(true), ..ConsentBody::default() };
            let mut errs = FieldErrors::new();
            check_consents(&mut errs, &only_registration, &needs);
            assert_eq!(errs.len(), needs.len() - 1, "kg={kg} id={id}");
            let all = ConsentBody { registration: Some(true), key_groups: Some(true), location: Some(false), id_number: Some(true) };
            let mut errs = FieldErrors::new();
            check_consents(&mut errs, &all, &needs);
            assert!(errs.is_empty());
        }
    }
}
