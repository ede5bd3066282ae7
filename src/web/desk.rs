//! The station desk in the browser, at a desk-sized screen: 求职登记 for a worker who may have no
//! phone, the printed slip with the claim code, a worker's desk page (apply for them, record a
//! phoned-in check-in, a new code after an identity check), and `/claim`, where the person takes
//! the account over on any phone. Every action is one `services::desk` call, as on the API; the
//! forms are read by the same parsers as the worker's own profile and availability pages.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::AppState;
use crate::domain::{KeyGroup, Role};
use crate::error::{Error, FieldErrors};
use crate::routes::client_key;
use crate::routes::error::ApiError;
use crate::services::categories::{self, Category};
use crate::services::desk::{
    self, CheckInForRequest, ClaimRequest, CodeRequest, ConsentBody, DeskApplyRequest, DeskEmployerRequest, DeskSlip, DeskWorkerRequest,
};
use crate::services::employers::EmployerRequest;
use crate::services::engagements::EngagementView;
use crate::services::search::{self, SearchParams, ShiftHit};
use crate::services::stations::StationRow;
use crate::services::workers::WorkerView;
use crate::web::me::{Pairs, availability_request, district, grid_days, grid_parts, key_group_text, profile_request, status_of};
use crate::web::{Fields, PageCtx, PageForm, form_errors, show};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/desk", web::get().to(home))
        .route("/desk/find", web::get().to(find))
        .route("/desk/workers/new", web::get().to(new_worker))
        .route("/desk/workers", web::post().to(register_worker))
        .route("/desk/workers/{id}", web::get().to(worker_page))
        .route("/desk/employers/new", web::get().to(new_employer))
        .route("/desk/employers", web::post().to(register_employer))
        .route("/desk/employers/{id}/post", web::get().to(crate::web::employer::post::desk_form))
        .route("/desk/employers/{id}/post", web::post().to(crate::web::employer::post::desk_submit))
        .route("/desk/workers/{id}/apply", web::post().to(apply_for))
        .route("/desk/workers/{id}/availability", web::post().to(availability_for))
        .route("/desk/engagements/{id}/check-in", web::post().to(check_in_for))
        .route("/desk/accounts/{user_id}/code", web::post().to(new_code))
        .route("/claim", web::get().to(claim_form))
        .route("/claim", web::post().to(claim));
}

/// The desk is for station staff; anyone else gets the page answer for 403.
pub(crate) fn desk_user(ctx: &PageCtx) -> Result<&crate::auth::AuthUser, ApiError> {
    let user = ctx.require_user()?;
    if user.role != Role::StationStaff {
        return Err(Error::forbidden().into());
    }
    Ok(user)
}

#[derive(Template)]
#[template(path = "web/desk_home.html")]
struct DeskHome<'a> {
    ctx: &'a PageCtx,
    station: StationRow,
    figures: desk::StationFigures,
}

async fn home(state: web::Data<AppState>, ctx: PageCtx) -> Result<HttpResponse, ApiError> {
    let user = desk_user(&ctx)?;
    let station = desk::my_station(&state, user).await?;
    let figures = desk::station_figures(&state, user, station.id, Some(8)).await?;
    ctx.render(&DeskHome { ctx: &ctx, station, figures })
}

#[derive(serde::Deserialize, Default)]
pub struct FindQuery {
    worker: Option<String>,
}

/// The number typed on the desk's home page, as the worker's desk page.
async fn find(ctx: PageCtx, q: web::Query<FindQuery>) -> Result<HttpResponse, ApiError> {
    desk_user(&ctx)?;
    match q.worker.as_deref().map(str::trim).and_then(|w| w.parse::<i64>().ok()) {
        Some(id) => Ok(ctx.redirect(&format!("/desk/workers/{id}"))),
        None => Ok(ctx.redirect("/desk")),
    }
}

#[derive(Template)]
#[template(path = "web/desk_worker_new.html")]
struct NewWorkerPage<'a> {
    ctx: &'a PageCtx,
    station: StationRow,
    cats: Vec<Category>,
    form: Pairs,
    errors: Fields,
}

impl NewWorkerPage<'_> {
    fn value(&self, key: &str) -> String {
        self.form.one(key)
    }
    fn has(&self, key: &str, value: &str) -> bool {
        self.form.all(key).iter().any(|v| v == value)
    }
    fn ticked(&self, day: &u8, part: &str) -> bool {
        self.has("grid", &format!("{day}-{part}"))
    }
    fn cat_name<'b>(&self, c: &'b Category) -> &'b str {
        if self.ctx.en() { &c.name_en } else { &c.name_zh }
    }
    fn key_groups(&self) -> Vec<(&'static str, &'static str)> {
        KeyGroup::ALL.iter().map(|g| (g.as_str(), key_group_text(self.ctx, *g))).collect()
    }
    fn days(&self) -> Vec<(u8, &'static str)> {
        grid_days(self.ctx)
    }
    fn parts(&self) -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
        grid_parts(self.ctx)
    }
    fn consent_text(&self, kind: &str) -> &'static str {
        desk::consent_wording(kind)
    }
}

async fn new_worker(state: web::Data<AppState>, ctx: PageCtx) -> Result<HttpResponse, ApiError> {
    let user = desk_user(&ctx)?;
    let station = desk::my_station(&state, user).await?;
    let cats = categories::list_all(&state).await?;
    ctx.render(&NewWorkerPage { ctx: &ctx, station, cats, form: Pairs::default(), errors: Fields::default() })
}

/// The form as the desk API's body: the profile and grid read as on the worker's own pages, plus
/// the phone and the consent boxes.
fn desk_request(f: &Pairs, station: &StationRow) -> (DeskWorkerRequest, FieldErrors) {
    let (profile, mut errs) = profile_request(f);
    let home = profile.lat.zip(profile.lng).or(Some((station.lat, station.lng)));
    let availability = if f.all("grid").is_empty() {
        None
    } else {
        match availability_request(f, home) {
            Ok(mut a) => {
                // The windows are for the work they can do, as far as they said they travel.
                a.categories = profile.skills.clone();
                a.radius_km = a.radius_km.or(profile.radius_km).or(Some(5.0));
                Some(a)
            }
            Err(Error::Validation(fields)) => {
                errs.extend(fields);
                None
            }
            Err(_) => None,
        }
    };
    let yes = |k: &str| Some(f.one(k) == "yes");
    let consent = ConsentBody {
        registration: yes("consent_registration"),
        key_groups: yes("consent_key_groups"),
        location: yes("consent_location"),
        id_number: yes("consent_id_number"),
    };
    let req = DeskWorkerRequest {
        display_name: profile.display_name,
        phone: Some(f.one("phone")).filter(|p| !p.is_empty()),
        id_number: profile.id_number,
        skills: profile.skills,
        lat: profile.lat,
        lng: profile.lng,
        radius_km: profile.radius_km,
        expected_pay: profile.expected_pay,
        key_groups: profile.key_groups,
        availability,
        consent: Some(consent),
    };
    (req, errs)
}

#[derive(Template)]
#[template(path = "web/desk_slip.html")]
struct SlipPage<'a> {
    ctx: &'a PageCtx,
    slip: DeskSlip,
    base_url: String,
}

impl SlipPage<'_> {
    fn expires(&self) -> String {
        show::when(&self.slip.expires_at)
    }
}

/// The slip holds the claim code in the clear, once: rendered in answer to the POST (never
/// stored, so there is no page to come back to) and never cached.
fn slip_response(state: &AppState, ctx: &PageCtx, slip: DeskSlip) -> Result<HttpResponse, ApiError> {
    let base_url = state.config.server.public_url.clone();
    let mut res = ctx.render_status(StatusCode::CREATED, &SlipPage { ctx, slip, base_url })?;
    res.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

async fn register_worker(state: web::Data<AppState>, ctx: PageCtx, form: PageForm<Pairs>) -> Result<HttpResponse, ApiError> {
    let user = desk_user(&ctx)?;
    let station = desk::my_station(&state, user).await?;
    let f = form.0;
    let (req, errs) = desk_request(&f, &station);
    // The page's own refusals (a number that is not one) are answered before anything is saved.
    let result = match errs.into_result() {
        Ok(()) => desk::register_worker(&state, user, req).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(slip) => slip_response(&state, &ctx, slip),
        Err(e) => {
            let errors = form_errors(e)?;
            let cats = categories::list_all(&state).await?;
            let status = status_of(&errors);
            ctx.render_status(status, &NewWorkerPage { ctx: &ctx, station, cats, form: f, errors })
        }
    }
}

#[derive(Template)]
#[template(path = "web/desk_employer_new.html")]
struct NewEmployerPage<'a> {
    ctx: &'a PageCtx,
    station: StationRow,
    form: Pairs,
    errors: Fields,
}

impl NewEmployerPage<'_> {
    fn value(&self, key: &str) -> String {
        self.form.one(key)
    }
    fn consent_text(&self, kind: &str) -> &'static str {
        desk::consent_wording(kind)
    }
}

async fn new_employer(state: web::Data<AppState>, ctx: PageCtx) -> Result<HttpResponse, ApiError> {
    let user = desk_user(&ctx)?;
    let station = desk::my_station(&state, user).await?;
    ctx.render(&NewEmployerPage { ctx: &ctx, station, form: Pairs::default(), errors: Fields::default() })
}

/// 用工登记 as the desk API's body. The place is a district typed in, or the station's own point
/// (a household near the station); the profile's rules are the employer's own form's.
fn desk_employer_request(f: &Pairs, station: &StationRow) -> (DeskEmployerRequest, FieldErrors) {
    let mut errs = FieldErrors::new();
    let (mut lat, mut lng) = (station.lat, station.lng);
    let name = f.one("district");
    if !name.is_empty()
        && let Some(d) = district(&mut errs, "district", &name)
    {
        (lat, lng) = (d.lat, d.lng);
    }
    let employer = EmployerRequest {
        name: Some(f.one("name")),
        kind: Some(f.one("kind")),
        credit_code: Some(f.one("credit_code")).filter(|c| !c.is_empty()),
        contact_name: Some(f.one("contact_name")),
        contact_phone: Some(f.one("contact_phone")),
        address: Some(f.one("address")),
        lat: Some(lat),
        lng: Some(lng),
        adcode: None,
        description: Some(f.one("description")),
    };
    let req = DeskEmployerRequest {
        phone: Some(f.one("phone")).filter(|p| !p.is_empty()),
        employer,
        checked_in_person: Some(f.one("checked_in_person")),
        consent: Some(ConsentBody { registration: Some(f.one("consent_registration") == "yes"), ..ConsentBody::default() }),
    };
    (req, errs)
}

async fn register_employer(state: web::Data<AppState>, ctx: PageCtx, form: PageForm<Pairs>) -> Result<HttpResponse, ApiError> {
    let user = desk_user(&ctx)?;
    let station = desk::my_station(&state, user).await?;
    let f = form.0;
    let (req, errs) = desk_employer_request(&f, &station);
    let result = match errs.into_result() {
        Ok(()) => desk::register_employer(&state, user, req).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(slip) => slip_response(&state, &ctx, slip),
        Err(e) => {
            let mut errors = form_errors(e)?;
            // The service names the profile's fields `employer.…`; the form's are bare.
            errors.unprefix("employer.");
            let status = status_of(&errors);
            ctx.render_status(status, &NewEmployerPage { ctx: &ctx, station, form: f, errors })
        }
    }
}

#[derive(Template)]
#[template(path = "web/desk_worker.html")]
struct WorkerPage<'a> {
    ctx: &'a PageCtx,
    worker: WorkerView,
    engagements: Vec<EngagementView>,
    nearby: Vec<ShiftHit>,
    errors: Fields,
    done: Option<String>,
}

impl WorkerPage<'_> {
    fn state(&self, e: &EngagementView) -> &'static str {
        show::state(self.ctx, e.state)
    }
    fn may_check_in(&self, e: &EngagementView) -> bool {
        e.state == crate::domain::engagement::State::Confirmed
    }
    fn distance(&self, h: &ShiftHit) -> String {
        show::distance(self.ctx, h.distance_km)
    }
    fn pay(&self, h: &ShiftHit) -> String {
        format!("{} {}", show::pay(self.ctx, &h.shift.pay), show::per_hour(self.ctx, &h.shift.pay, h.shift.pay_per_hour_fen)).trim().to_string()
    }
    fn first_slot(&self, h: &ShiftHit) -> String {
        h.shift.slots.first().map(|s| show::slot(self.ctx, &s.start, &s.end)).unwrap_or_default()
    }
    fn days(&self) -> Vec<(u8, &'static str)> {
        grid_days(self.ctx)
    }
    fn parts(&self) -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
        grid_parts(self.ctx)
    }
    /// The grid starts empty: each post adds a window of availability.
    fn ticked(&self, _day: &u8, _part: &str) -> bool {
        false
    }
    fn done_text(&self) -> &'static str {
        match self.done.as_deref() {
            Some("apply") => self.ctx.t("已为他/她报名。", "Applied for them."),
            Some("availability") => self.ctx.t("已记下空闲时间。", "Their availability is saved."),
            Some("check_in") => self.ctx.t("已登记签到（电话）。", "Check-in recorded (phone call)."),
            _ => "",
        }
    }
}

#[derive(serde::Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn render_worker(state: &AppState, ctx: &PageCtx, id: i64, errors: Fields, done: Option<String>) -> Result<HttpResponse, ApiError> {
    let user = desk_user(ctx)?;
    let (worker, engagements) = desk::worker_at_desk(state, user, id).await?;
    // Open shifts near their home in what they can do, nearest first: the public search.
    let params = SearchParams {
        lat: worker.lat,
        lng: worker.lng,
        radius_km: Some(worker.radius_km.max(1.0)),
        category: worker.skills.first().cloned(),
        sort: Some("distance".into()),
        limit: Some(10),
        ..Default::default()
    };
    let nearby = search::search_shifts(state, params).await?.items;
    let status = status_of(&errors);
    ctx.render_status(status, &WorkerPage { ctx, worker, engagements, nearby, errors, done })
}

async fn worker_page(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, q: web::Query<DoneQuery>) -> Result<HttpResponse, ApiError> {
    render_worker(&state, &ctx, id.into_inner(), Fields::default(), q.into_inner().done).await
}

async fn apply_for(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<Pairs>) -> Result<HttpResponse, ApiError> {
    let user = desk_user(&ctx)?;
    let id = id.into_inner();
    let shift_id = form.0.one("shift_id").parse::<i64>().map_err(|_| Error::field("shift_id", crate::error::Invalid::required()));
    let result = match shift_id {
        Ok(shift_id) => desk::apply_for(&state, user, id, DeskApplyRequest { shift_id, note: None, slot_ids: None }).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(ctx.redirect(&format!("/desk/workers/{id}?done=apply"))),
        Err(e) => render_worker(&state, &ctx, id, form_errors(e)?, None).await,
    }
}

async fn availability_for(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<Pairs>) -> Result<HttpResponse, ApiError> {
    let user = desk_user(&ctx)?;
    let id = id.into_inner();
    let (worker, _) = desk::worker_at_desk(&state, user, id).await?;
    // Read as on the worker's own availability page: their home, what they can do.
    let result = match availability_request(&form.0, worker.lat.zip(worker.lng)) {
        Ok(mut a) => {
            a.categories = Some(worker.skills.clone());
            a.radius_km = a.radius_km.or(Some(worker.radius_km));
            desk::availability_for(&state, user, id, a).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(ctx.redirect(&format!("/desk/workers/{id}?done=availability"))),
        Err(e) => render_worker(&state, &ctx, id, form_errors(e)?, None).await,
    }
}

async fn check_in_for(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<Pairs>) -> Result<HttpResponse, ApiError> {
    let user = desk_user(&ctx)?;
    let worker_id = form.0.one("worker_id").parse::<i64>().unwrap_or_default();
    match desk::check_in_for(&state, user, id.into_inner(), CheckInForRequest { slot_id: None }).await {
        Ok(_) => Ok(ctx.redirect(&format!("/desk/workers/{worker_id}?done=check_in"))),
        Err(e) => render_worker(&state, &ctx, worker_id, form_errors(e)?, None).await,
    }
}

async fn new_code(state: web::Data<AppState>, ctx: PageCtx, user_id: web::Path<i64>, form: PageForm<Pairs>) -> Result<HttpResponse, ApiError> {
    let user = desk_user(&ctx)?;
    let f = form.0;
    let worker_id = f.one("worker_id").parse::<i64>().unwrap_or_default();
    match desk::new_claim_code(&state, user, user_id.into_inner(), CodeRequest { identity_checked: Some(f.one("identity_checked")) }).await {
        Ok(slip) => slip_response(&state, &ctx, slip),
        Err(e) => render_worker(&state, &ctx, worker_id, form_errors(e)?, None).await,
    }
}

#[derive(Template)]
#[template(path = "web/claim.html")]
struct ClaimPage<'a> {
    ctx: &'a PageCtx,
    account: String,
    phone: String,
    errors: Fields,
}

#[derive(serde::Deserialize, Default)]
pub struct ClaimQuery {
    account: Option<String>,
}

async fn claim_form(ctx: PageCtx, q: web::Query<ClaimQuery>) -> Result<HttpResponse, ApiError> {
    let account = q.into_inner().account.unwrap_or_default();
    ctx.render(&ClaimPage { ctx: &ctx, account, phone: String::new(), errors: Fields::default() })
}

async fn claim(state: web::Data<AppState>, ctx: PageCtx, req: HttpRequest, form: PageForm<Pairs>) -> Result<HttpResponse, ApiError> {
    let f = form.0;
    let body =
        ClaimRequest { account: f.one("account"), code: f.one("code"), phone: Some(f.one("phone")).filter(|p| !p.is_empty()), password: f.one("password") };
    match desk::claim(&state, &client_key(&req), body).await {
        Ok(session) => {
            let next = if session.user.role == Role::Employer { "/employer/profile" } else { "/me/profile" };
            Ok(crate::web::account::signed_in(&ctx, session, next))
        }
        Err(e) => {
            let errors = form_errors(e)?;
            ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &ClaimPage { ctx: &ctx, account: f.one("account"), phone: f.one("phone"), errors })
        }
    }
}
