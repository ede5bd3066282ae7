//! Recruitment event pages (专场招聘): the public list and an event's page with its shifts and
//! counts, where a worker registers interest and an employer joins and attaches shifts; the
//! check-in link the venue's QR code opens; and the staff console page to create an event and
//! manage it (the QR code, the counts by key group, desk check-in, cancelling). Each handler
//! parses its form, calls the same `services::events` function as the API, and renders.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::{EventId, ShiftId};
use crate::domain::{EventKind, EventStatus, KeyGroup, Role};
use crate::error::Error;
use crate::routes::error::ApiError;
use crate::services::events::{self, CheckInRequest, CheckInView, DeskCheckInRequest, EventCounts, EventDetail, EventListParams, EventRequest, EventView};
use crate::services::page::PageRequest;
use crate::services::search::{self, SearchParams, ShiftHit};
use crate::web::station::qr_svg;
use crate::web::{Fields, PageCtx, PageForm, form_errors, show};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/events", web::get().to(list_page))
        .route("/events/{id}", web::get().to(event_page))
        .route("/events/{id}/join", web::post().to(join))
        .route("/events/{id}/attach", web::post().to(attach))
        .route("/events/{id}/detach", web::post().to(detach))
        .route("/events/{id}/interest", web::post().to(interest))
        .route("/events/{id}/withdraw", web::post().to(withdraw))
        .route("/events/{id}/check-in", web::get().to(check_in))
        .route("/console/events", web::get().to(console_list))
        .route("/console/events", web::post().to(console_create))
        .route("/console/events/{id}", web::get().to(console_event))
        .route("/console/events/{id}/cancel", web::post().to(console_cancel))
        .route("/console/events/{id}/desk-check-in", web::post().to(console_desk_check_in));
}

pub fn kind_word(ctx: &PageCtx, k: EventKind) -> &'static str {
    match k {
        EventKind::OnSite => ctx.t("现场招聘", "On site"),
        EventKind::Online => ctx.t("线上招聘", "Online"),
        EventKind::Both => ctx.t("现场 + 线上", "On site and online"),
    }
}

pub fn status_word(ctx: &PageCtx, s: EventStatus) -> &'static str {
    match s {
        EventStatus::Draft => ctx.t("草稿（仅工作人员可见）", "Draft (staff only)"),
        EventStatus::Published => ctx.t("已发布", "Published"),
        EventStatus::Cancelled => ctx.t("已取消", "Cancelled"),
    }
}

pub fn group_word(ctx: &PageCtx, g: KeyGroup) -> &'static str {
    match g {
        KeyGroup::LaidOff => ctx.t("下岗失业人员", "Laid-off workers"),
        KeyGroup::Graduate => ctx.t("高校毕业生", "College graduates"),
        KeyGroup::MigrantWorker => ctx.t("农民工", "Migrant workers"),
        KeyGroup::HardToEmploy => ctx.t("就业困难人员", "People with difficulty finding work"),
        KeyGroup::Age_40_50 => ctx.t("“4050”人员", "Aged 40–50"),
        KeyGroup::LiftedFromPoverty => ctx.t("脱贫人口", "Lifted from poverty"),
        KeyGroup::ZeroEmploymentFamily => ctx.t("零就业家庭", "Zero-employment families"),
        KeyGroup::LowIncomeFamily => ctx.t("低保家庭", "Low-income families"),
        KeyGroup::Veteran => ctx.t("退役军人", "Veterans"),
    }
}

/// How every event page words an event. Each page says where its context is; the words are
/// written once here.
trait EventWords {
    fn ctx(&self) -> &PageCtx;

    /// An event's time in words: `12月5日 09:00–12:00`.
    fn when(&self, e: &EventView) -> String {
        show::slot(self.ctx(), &e.starts_at, &e.ends_at)
    }

    fn kind(&self, e: &EventView) -> &'static str {
        kind_word(self.ctx(), e.kind)
    }

    fn groups(&self, e: &EventView) -> String {
        let ctx = self.ctx();
        if e.target_groups.is_empty() {
            return ctx.t("所有求职者", "Everyone").to_string();
        }
        e.target_groups.iter().map(|g| group_word(ctx, *g)).collect::<Vec<_>>().join(ctx.t("、", ", "))
    }

    fn status(&self, e: &EventView) -> &'static str {
        status_word(self.ctx(), e.status)
    }

    fn group(&self, g: &KeyGroup) -> &'static str {
        group_word(self.ctx(), *g)
    }
}

macro_rules! event_words {
    ($($page:ident),+) => {$(
        impl EventWords for $page<'_> {
            fn ctx(&self) -> &PageCtx {
                self.ctx
            }
        }
    )+};
}
event_words!(ListPage, EventPage, ConsoleList, ConsoleEvent);

#[derive(Template)]
#[template(path = "web/events.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    items: Vec<EventView>,
    past: bool,
    /// The next page, when there is one.
    more: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    when: String,
    cursor: Option<String>,
}

async fn list_page(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<ListQuery>>) -> Result<HttpResponse, ApiError> {
    let q = q.map(|q| q.into_inner()).unwrap_or_default();
    let past = q.when == "past";
    let when = if past { "past" } else { "upcoming" };
    let cursor = crate::web::page_cursor(q.cursor.as_deref()).map(|c| c.to_string());
    let params = EventListParams { when: Some(when.into()), limit: Some(50), cursor, ..Default::default() };
    let page = events::list(&state, ctx.user.as_ref(), params).await?;
    let more = page.next_cursor.map(|c| format!("/events?when={when}&cursor={c}"));
    ctx.render(&ListPage { ctx: &ctx, items: page.items, past, more })
}

#[derive(Template)]
#[template(path = "web/event.html")]
struct EventPage<'a> {
    ctx: &'a PageCtx,
    e: EventView,
    d: EventDetail,
    shifts: Vec<ShiftHit>,
    counts: EventCounts,
    /// The employer's published shifts not yet on the event, for the attach form: (id, title).
    attachable: Vec<(i64, String)>,
    /// Titles of the employer's shifts on the event: (id, title).
    attached: Vec<(i64, String)>,
    /// Staff in whose area the event is: where to manage it.
    manage: bool,
    errors: Fields,
}

impl EventPage<'_> {
    fn checked_in(&self) -> Option<String> {
        self.d.checked_in_at.as_ref().map(show::when)
    }

    fn pay(&self, h: &ShiftHit) -> String {
        show::pay(self.ctx, &h.shift.pay)
    }

    fn first_slot(&self, h: &ShiftHit) -> String {
        h.shift.slots.first().map(|s| show::slot(self.ctx, &s.start, &s.end)).unwrap_or_default()
    }
}

async fn render_event(state: &AppState, ctx: &PageCtx, id: i64, errors: Fields) -> Result<HttpResponse, ApiError> {
    let d = events::get(state, ctx.user.as_ref(), id).await?;
    let params = SearchParams { event: Some(id.to_string()), limit: Some(100), sort: Some("start".into()), ..Default::default() };
    let shifts = search::search_shifts(state, params).await?.items;
    let counts = events::counts(state, ctx.user.as_ref(), id).await?;
    let (mut attachable, mut attached) = (Vec::new(), Vec::new());
    if let Some(u) = ctx.user.as_ref().filter(|u| u.role == Role::Employer)
        && d.joined == Some(true)
    {
        let mine = d.my_shift_ids.clone().unwrap_or_default();
        let own = crate::services::shifts::list_mine(state, u, Some("published"), PageRequest { limit: 100, cursor: None }).await?.items;
        for s in own {
            if mine.contains(&s.shift.id) {
                attached.push((s.shift.id, s.shift.title));
            } else {
                attachable.push((s.shift.id, s.shift.title));
            }
        }
    }
    let manage = d.check_in_url.is_some() || (ctx.user.as_ref().is_some_and(|u| u.role.is_staff()) && d.event.status == EventStatus::Draft);
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    ctx.render_status(status, &EventPage { ctx, e: d.event.clone(), d, shifts, counts, attachable, attached, manage, errors })
}

async fn event_page(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    render_event(&state, &ctx, id.into_inner(), Fields::default()).await
}

async fn join(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, _form: PageForm<Vec<(String, String)>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    events::join(&state, user, id).await?;
    Ok(ctx.redirect(&format!("/events/{id}#employer-actions")))
}

#[derive(Deserialize, Default)]
pub struct ShiftForm {
    #[serde(default)]
    shift_id: String,
}

/// The shift picked in a form, strictly: digits only, or the service's field error.
fn shift_id_of(f: &ShiftForm) -> Result<i64, Error> {
    let s = f.shift_id.trim();
    match s.parse::<i64>() {
        Ok(v) if v > 0 && s.bytes().all(|b| b.is_ascii_digit()) => Ok(v),
        _ => Err(Error::field("shift_id", crate::error::Invalid::new("required", "请选择一个岗位", "choose a shift"))),
    }
}

async fn attach(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<ShiftForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    let done = match shift_id_of(&form.0) {
        Ok(shift) => events::attach_shift(&state, user, EventId(id), ShiftId(shift)).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(ctx.redirect(&format!("/events/{id}#employer-actions"))),
        Err(e) => render_event(&state, &ctx, id, form_errors(e)?).await,
    }
}

async fn detach(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<ShiftForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    let shift = shift_id_of(&form.0)?;
    events::detach_shift(&state, user, EventId(id), ShiftId(shift)).await?;
    Ok(ctx.redirect(&format!("/events/{id}#employer-actions")))
}

async fn interest(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, _form: PageForm<Vec<(String, String)>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    events::register_interest(&state, user, id).await?;
    Ok(ctx.redirect(&format!("/events/{id}#worker-actions")))
}

async fn withdraw(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, _form: PageForm<Vec<(String, String)>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    events::withdraw_interest(&state, user, id).await?;
    Ok(ctx.redirect(&format!("/events/{id}#worker-actions")))
}

#[derive(Template)]
#[template(path = "web/event_check_in.html")]
struct CheckInPage<'a> {
    ctx: &'a PageCtx,
    event: EventView,
    check_in: CheckInView,
}

impl CheckInPage<'_> {
    fn at(&self) -> String {
        show::when(&self.check_in.checked_in_at)
    }
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The link the venue's QR code opens. Opening it checks the signed-in worker in: a scan is the
/// whole act, and it is safe to repeat (a replay answers the first check-in) and cannot be
/// forged from another site without the event's secret, which only the venue shows.
async fn check_in(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, q: Option<web::Query<TokenQuery>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    let token = q.map(|q| q.into_inner().token).unwrap_or_default();
    let check_in = events::check_in(&state, user, id, CheckInRequest { token: Some(token) }).await?;
    let event = events::get(&state, Some(user), id).await?.event;
    ctx.render(&CheckInPage { ctx: &ctx, event, check_in })
}

// ---------------------------------------------------------------------------------------------
// The staff console.
// ---------------------------------------------------------------------------------------------

/// The create form as typed: text for every field, times as the browser's `datetime-local`.
#[derive(Default)]
pub struct EventForm {
    pub title: String,
    pub description: String,
    pub kind: String,
    pub starts_at: String,
    pub ends_at: String,
    pub address: String,
    pub lat: String,
    pub lng: String,
    pub adcode: String,
    pub online_url: String,
    pub organiser: String,
    pub target_groups: Vec<String>,
    pub categories: String,
    pub status: String,
}

impl EventForm {
    /// From the posted pairs (checkboxes repeat `target_groups`).
    fn from_pairs(pairs: &[(String, String)]) -> EventForm {
        let mut f = EventForm::default();
        for (k, v) in pairs {
            let v = v.clone();
            match k.as_str() {
                "title" => f.title = v,
                "description" => f.description = v,
                "kind" => f.kind = v,
                "starts_at" => f.starts_at = v,
                "ends_at" => f.ends_at = v,
                "address" => f.address = v,
                "lat" => f.lat = v,
                "lng" => f.lng = v,
                "adcode" => f.adcode = v,
                "online_url" => f.online_url = v,
                "organiser" => f.organiser = v,
                "target_groups" => f.target_groups.push(v),
                "categories" => f.categories = v,
                "status" => f.status = v,
                _ => {}
            }
        }
        f
    }

    fn checked(&self, g: &KeyGroup) -> bool {
        self.target_groups.iter().any(|t| t == g.as_str())
    }

    /// The API request the form stands for. A `datetime-local` value is Beijing time; a number
    /// that does not read as one reaches the service as NaN, which it refuses at the field.
    fn request(&self) -> EventRequest {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let time = |s: &str| {
            let s = s.trim();
            if s.len() == 16 && s.as_bytes().get(10) == Some(&b'T') { Some(format!("{s}:00+08:00")) } else { text(s) }
        };
        let num = |s: &str| text(s).map(|v| v.parse::<f64>().unwrap_or(f64::NAN));
        EventRequest {
            title: Some(self.title.clone()),
            description: text(&self.description),
            kind: Some(self.kind.clone()),
            starts_at: time(&self.starts_at),
            ends_at: time(&self.ends_at),
            address: text(&self.address),
            lat: num(&self.lat),
            lng: num(&self.lng),
            adcode: text(&self.adcode),
            online_url: text(&self.online_url),
            organiser: Some(self.organiser.clone()),
            target_groups: Some(self.target_groups.clone()),
            categories: Some(self.categories.split([',', '，', ' ']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect()),
            status: text(&self.status),
        }
    }
}

#[derive(Template)]
#[template(path = "web/event_console_list.html")]
struct ConsoleList<'a> {
    ctx: &'a PageCtx,
    items: Vec<EventView>,
    /// The next page, when there is one.
    more: Option<String>,
    form: EventForm,
    errors: Fields,
    groups: &'static [KeyGroup],
}

#[derive(Deserialize, Default)]
pub struct ConsoleQuery {
    cursor: Option<String>,
}

async fn render_console_list(state: &AppState, ctx: &PageCtx, cursor: Option<String>, form: EventForm, errors: Fields) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    if !user.role.is_staff() {
        return Err(Error::forbidden().into());
    }
    let params = EventListParams { when: Some("all".into()), limit: Some(50), cursor, ..Default::default() };
    let page = events::list(state, Some(user), params).await?;
    let more = page.next_cursor.map(|c| format!("/console/events?cursor={c}"));
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    ctx.render_status(status, &ConsoleList { ctx, items: page.items, more, form, errors, groups: KeyGroup::ALL })
}

async fn console_list(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<ConsoleQuery>>) -> Result<HttpResponse, ApiError> {
    let cursor = q.and_then(|q| crate::web::page_cursor(q.cursor.as_deref()).map(|c| c.to_string()));
    render_console_list(&state, &ctx, cursor, EventForm { kind: "on_site".into(), ..Default::default() }, Fields::default()).await
}

async fn console_create(state: web::Data<AppState>, ctx: PageCtx, form: PageForm<Vec<(String, String)>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let f = EventForm::from_pairs(&form.0);
    match events::create(&state, user, f.request()).await {
        Ok(d) => Ok(ctx.redirect(&format!("/console/events/{}", d.event.id))),
        Err(e) => {
            let errors = form_errors(e)?;
            render_console_list(&state, &ctx, None, f, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "web/event_console.html")]
struct ConsoleEvent<'a> {
    ctx: &'a PageCtx,
    e: EventView,
    d: EventDetail,
    counts: EventCounts,
    qr: String,
    errors: Fields,
    done: Option<CheckInView>,
}

impl ConsoleEvent<'_> {
    fn group_of(&self, g: &crate::services::events::GroupCount) -> &'static str {
        group_word(self.ctx, g.group)
    }
}

async fn render_console_event(state: &AppState, ctx: &PageCtx, id: i64, errors: Fields, done: Option<CheckInView>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    if !user.role.is_staff() {
        return Err(Error::forbidden().into());
    }
    let d = events::get(state, Some(user), id).await?;
    let counts = events::counts(state, Some(user), id).await?;
    let qr = d.check_in_url.as_deref().map(qr_svg).unwrap_or_default();
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    ctx.render_status(status, &ConsoleEvent { ctx, e: d.event.clone(), d, counts, qr, errors, done })
}

async fn console_event(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    render_console_event(&state, &ctx, id.into_inner(), Fields::default(), None).await
}

async fn console_cancel(
    state: web::Data<AppState>,
    ctx: PageCtx,
    id: web::Path<i64>,
    _form: PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    events::cancel(&state, user, id).await?;
    Ok(ctx.redirect(&format!("/console/events/{id}")))
}

#[derive(Deserialize, Default)]
pub struct DeskForm {
    #[serde(default)]
    worker_id: String,
}

async fn console_desk_check_in(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<DeskForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    let w = form.0.worker_id.trim();
    // Not a number: the service's "required" at the field, as an empty box.
    let worker_id = w.parse::<i64>().ok().filter(|_| w.bytes().all(|b| b.is_ascii_digit()));
    match events::desk_check_in(&state, user, id, DeskCheckInRequest { worker_id }).await {
        Ok(c) => render_console_event(&state, &ctx, id, Fields::default(), Some(c)).await,
        Err(e) => render_console_event(&state, &ctx, id, form_errors(e)?, None).await,
    }
}
