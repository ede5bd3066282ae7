//! The worker's own settings: profile (`services::workers`, as `PUT /api/v1/workers/me`),
//! availability (`services::availability`, as `/api/v1/availability`) and job alerts
//! (`alerts::subscriptions`, as `/api/v1/workers/me/alerts`). The handlers turn the forms —
//! checkboxes, yuan amounts, a weekday × part-of-day grid, a district name — into the API's
//! request bodies; every rule is the service's, and its field errors come back at their inputs.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::alerts::subscriptions::{self, AlertRequest, AlertView, SOURCE_SEARCH};
use crate::app::AppState;
use crate::domain::{KeyGroup, PayUnit};
use crate::error::{Error, FieldErrors, Invalid, Thing};
use crate::routes::error::ApiError;
use crate::services::availability::{self, AvailabilityRequest, AvailabilityView, DatedWindowBody, WeeklyWindowBody, WindowsBody};
use crate::services::categories::{self, Category};
use crate::services::districts::{District, Districts, Resolved};
use crate::services::page::PageRequest;
use crate::services::views::PayBody;
use crate::services::workers::{self, WorkerRequest, WorkerView};
use crate::web::{Fields, PageCtx, PageForm, form_errors, show};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/me/profile", web::get().to(profile_page))
        .route("/me/profile", web::post().to(profile_save))
        .route("/me/availability", web::get().to(availability_page))
        .route("/me/availability", web::post().to(availability_create))
        .route("/me/availability/{id}/delete", web::post().to(availability_delete))
        .route("/me/alerts", web::get().to(alerts_page))
        .route("/me/alerts", web::post().to(alerts_create))
        .route("/me/alerts/{id}/delete", web::post().to(alerts_delete));
}

/// Every name=value pair of a form in order, repeated names included (checkbox groups), which a
/// struct with `Vec` fields cannot take from `application/x-www-form-urlencoded`.
#[derive(Default)]
pub struct Pairs(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Pairs, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pairs;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("form fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Pairs, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, String>()? {
                    out.push((k, v));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl Pairs {
    /// The first value of `key`, trimmed ("" when absent).
    pub fn one(&self, key: &str) -> String {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
    }

    /// Every value of `key`, in order, blanks dropped.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0.iter().filter(|(k, v)| k == key && !v.trim().is_empty()).map(|(_, v)| v.trim().to_string()).collect()
    }

    /// Every value of `key` in order, blanks kept (rows of inputs that line up by position).
    fn column(&self, key: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.trim().to_string()).collect()
    }
}

fn number(errs: &mut FieldErrors, field: &str, v: &str) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() => Some(x),
        _ => {
            errs.add(field, Invalid::new("not_a_number", "应为数字", "must be a number"));
            None
        }
    }
}

/// `25`, `25.5`, `25.50` 元 → fen; blank is none.
fn fen(errs: &mut FieldErrors, field: &str, v: &str) -> Option<i64> {
    if v.trim().is_empty() {
        return None;
    }
    let fen = crate::web::parse_yuan(v);
    if fen.is_none() {
        errs.add(field, crate::web::not_an_amount());
    }
    fen
}

/// A district the worker typed (`朝阳`, `chaoyang`, a code): the one place it names
/// ([`Districts::resolve`], the home page's rule too), or a field error at `field` saying it names
/// none or several.
pub(crate) fn district(errs: &mut FieldErrors, field: &str, name: &str) -> Option<&'static District> {
    match Districts::get().resolve(name) {
        Resolved::One(d) => Some(d),
        Resolved::Nothing => {
            errs.add(field, Invalid::new("unknown_district", "没有找到这个地区", "no district has that name"));
            None
        }
        Resolved::Several(hits) => {
            let names: Vec<&str> = hits.iter().take(5).map(|d| d.full_name.as_str()).collect();
            let list = names.join("、");
            errs.add(
                field,
                Invalid::new(
                    "ambiguous_district",
                    format!("有几个地方叫这个名字，请写得更具体：{list}"),
                    format!("several places have this name; be more specific: {list}"),
                ),
            );
            None
        }
    }
}

fn district_name(adcode: Option<&str>) -> String {
    adcode.and_then(|c| Districts::get().by_code(c)).map(|d| d.full_name.clone()).unwrap_or_default()
}

fn unit_text(ctx: &PageCtx, u: PayUnit) -> &'static str {
    match u {
        PayUnit::Hour => ctx.t("元/小时", "yuan / hour"),
        PayUnit::Day => ctx.t("元/天", "yuan / day"),
        PayUnit::Piece => ctx.t("元/件", "yuan / piece"),
        PayUnit::Shift => ctx.t("元/班", "yuan / shift"),
    }
}

pub(crate) fn key_group_text(ctx: &PageCtx, g: KeyGroup) -> &'static str {
    match g {
        KeyGroup::LaidOff => ctx.t("失业人员", "Unemployed"),
        KeyGroup::Graduate => ctx.t("高校毕业生", "Recent graduate"),
        KeyGroup::MigrantWorker => ctx.t("农民工", "Migrant worker"),
        KeyGroup::HardToEmploy => ctx.t("就业困难人员", "Hard to employ"),
        KeyGroup::Age_40_50 => ctx.t("“4050”人员", "Aged 40–50 (4050)"),
        KeyGroup::LiftedFromPoverty => ctx.t("脱贫人口", "Lifted out of poverty"),
        KeyGroup::ZeroEmploymentFamily => ctx.t("零就业家庭成员", "Zero-employment family"),
        KeyGroup::LowIncomeFamily => ctx.t("低保家庭成员", "Low-income family"),
        KeyGroup::Veteran => ctx.t("退役军人", "Veteran"),
    }
}

/// The weekly grid's rows: (weekday 1–7, its name).
pub(crate) fn grid_days(ctx: &PageCtx) -> Vec<(u8, &'static str)> {
    (1..=7).map(|d| (d, weekday_text(ctx, d))).collect()
}

/// The weekly grid's columns: (part, its name, start, end).
pub(crate) fn grid_parts(ctx: &PageCtx) -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    PARTS.iter().map(|(p, s, e)| (*p, part_text(ctx, p), *s, *e)).collect()
}

pub(crate) fn status_of(errors: &Fields) -> StatusCode {
    if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK }
}

// ------------------------------------------------------------------------------------------
// Profile
// ------------------------------------------------------------------------------------------

/// What the profile form shows: the stored profile, or what was just sent back with errors.
#[derive(Default)]
pub struct ProfileValues {
    pub display_name: String,
    pub skills: Vec<String>,
    pub lat: String,
    pub lng: String,
    pub district: String,
    pub radius_km: String,
    pub pay_amount: String,
    pub pay_unit: String,
    pub id_number_masked: String,
    pub key_groups: Vec<String>,
}

impl ProfileValues {
    fn of(v: &WorkerView) -> ProfileValues {
        ProfileValues {
            display_name: v.display_name.clone(),
            skills: v.skills.clone(),
            lat: v.lat.map(|x| format!("{x:.5}")).unwrap_or_default(),
            lng: v.lng.map(|x| format!("{x:.5}")).unwrap_or_default(),
            district: String::new(),
            radius_km: format!("{}", v.radius_km),
            pay_amount: v.expected_pay.map(|p| crate::web::yuan(p.amount_fen)).unwrap_or_default(),
            pay_unit: v.expected_pay.map(|p| p.unit.as_str().to_string()).unwrap_or_else(|| "hour".into()),
            id_number_masked: v.id_number_masked.clone().unwrap_or_default(),
            key_groups: v.key_groups.iter().map(|g| g.as_str().to_string()).collect(),
        }
    }

    fn of_form(f: &Pairs, masked: String) -> ProfileValues {
        ProfileValues {
            display_name: f.one("display_name"),
            skills: f.all("skills"),
            lat: f.one("lat"),
            lng: f.one("lng"),
            district: f.one("district"),
            radius_km: f.one("radius_km"),
            pay_amount: f.one("pay_amount"),
            pay_unit: f.one("pay_unit"),
            id_number_masked: masked,
            key_groups: f.all("key_groups"),
        }
    }
}

#[derive(Template)]
#[template(path = "web/me_profile.html")]
struct ProfilePage<'a> {
    ctx: &'a PageCtx,
    v: ProfileValues,
    /// The district of the home point on file, in words.
    home: String,
    new_profile: bool,
    saved: bool,
    cats: Vec<Category>,
    errors: Fields,
}

impl ProfilePage<'_> {
    fn cat_name<'b>(&self, c: &'b Category) -> &'b str {
        if self.ctx.en() { &c.name_en } else { &c.name_zh }
    }
    fn has_skill(&self, code: &str) -> bool {
        self.v.skills.iter().any(|s| s == code)
    }
    fn groups(&self) -> Vec<(&'static str, &'static str, bool)> {
        KeyGroup::ALL.iter().map(|g| (g.as_str(), key_group_text(self.ctx, *g), self.v.key_groups.iter().any(|k| k == g.as_str()))).collect()
    }
    fn radii(&self) -> Vec<(&'static str, bool)> {
        let current = self.v.radius_km.parse::<f64>().unwrap_or(5.0);
        ["3", "5", "10", "20"].iter().map(|r| (*r, r.parse::<f64>().ok() == Some(current))).collect()
    }
    fn units(&self) -> Vec<(&'static str, &'static str, bool)> {
        [PayUnit::Hour, PayUnit::Day].iter().map(|u| (u.as_str(), unit_text(self.ctx, *u), self.v.pay_unit == u.as_str())).collect()
    }
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

async fn profile_page(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<SavedQuery>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let (v, home, new_profile) = match workers::get_mine(&state, user).await {
        Ok(w) => {
            let home = district_name(w.adcode.as_deref());
            (ProfileValues::of(&w), home, false)
        }
        Err(Error::NotFound(Thing::WorkerProfile)) => (
            ProfileValues { display_name: user.display_name.clone(), radius_km: "5".into(), pay_unit: "hour".into(), ..Default::default() },
            String::new(),
            true,
        ),
        Err(e) => return Err(e.into()),
    };
    let cats = categories::list_all(&state).await?;
    ctx.render(&ProfilePage { ctx: &ctx, v, home, new_profile, saved: q.is_some_and(|q| q.saved.is_some()), cats, errors: Fields::default() })
}

/// The profile form as the API's body; a district typed in replaces the point. Inputs the page
/// cannot read (a number that is not one) are left out of the body and named in the errors.
pub(crate) fn profile_request(f: &Pairs) -> (WorkerRequest, FieldErrors) {
    let mut errs = FieldErrors::new();
    let (mut lat, mut lng) = (number(&mut errs, "lat", &f.one("lat")), number(&mut errs, "lng", &f.one("lng")));
    let name = f.one("district");
    if !name.is_empty()
        && let Some(d) = district(&mut errs, "district", &name)
    {
        (lat, lng) = (Some(d.lat), Some(d.lng));
    }
    let radius_km = number(&mut errs, "radius_km", &f.one("radius_km"));
    let amount = fen(&mut errs, "expected_pay", &f.one("pay_amount"));
    let unit = match f.one("pay_unit").as_str() {
        "" | "hour" => PayUnit::Hour,
        "day" => PayUnit::Day,
        _ => {
            errs.add("expected_pay", Invalid::new("invalid_choice", "请选择按小时或按天", "choose per hour or per day"));
            PayUnit::Hour
        }
    };
    let req = WorkerRequest {
        display_name: Some(f.one("display_name")),
        skills: Some(f.all("skills")),
        lat,
        lng,
        radius_km,
        expected_pay: amount.map(|amount_fen| PayBody { amount_fen, unit }),
        id_number: Some(f.one("id_number")).filter(|s| !s.is_empty()),
        key_groups: Some(f.all("key_groups")),
    };
    (req, errs)
}

async fn profile_save(state: web::Data<AppState>, ctx: PageCtx, form: PageForm<Pairs>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let f = form.0;
    let (req, page_errs) = profile_request(&f);
    let result = if page_errs.is_empty() {
        workers::put_mine(&state, user, req).await
    } else {
        // Nothing is saved; the service's errors for the rest of the form come with the page's own.
        let mut all = Fields::from_error(&page_errs.into_result().expect_err("not empty")).unwrap_or_default();
        if let Err(e) = workers::check_mine(&state, user, req).await {
            let more = form_errors(e)?;
            let new: Vec<_> = more.0.into_iter().filter(|m| !all.0.iter().any(|a| a.field == m.field)).collect();
            all.0.extend(new);
        }
        Err(Error::Validation(all.0))
    };
    match result {
        Ok(_) => {
            // A new worker goes on to say when they can work; the matching needs it.
            let none_yet = availability::list_mine(&state, user, PageRequest { limit: 1, cursor: None }).await?.items.is_empty();
            Ok(ctx.redirect(if none_yet { "/me/availability?first=1" } else { "/me/profile?saved=1" }))
        }
        Err(e) => {
            let errors = form_errors(e)?;
            let existing = match workers::get_mine(&state, user).await {
                Ok(w) => Some(w),
                Err(Error::NotFound(Thing::WorkerProfile)) => None,
                Err(e) => return Err(e.into()),
            };
            let masked = existing.as_ref().and_then(|w| w.id_number_masked.clone()).unwrap_or_default();
            let home = existing.as_ref().map(|w| district_name(w.adcode.as_deref())).unwrap_or_default();
            let cats = categories::list_all(&state).await?;
            let page = ProfilePage { ctx: &ctx, v: ProfileValues::of_form(&f, masked), home, new_profile: existing.is_none(), saved: false, cats, errors };
            ctx.render_status(status_of(&page.errors), &page)
        }
    }
}

// ------------------------------------------------------------------------------------------
// Availability
// ------------------------------------------------------------------------------------------

/// The parts of a day the grid offers, as weekly windows.
const PARTS: [(&str, &str, &str); 3] = [("morning", "08:00", "12:00"), ("afternoon", "12:00", "18:00"), ("evening", "18:00", "22:00")];

fn part_text(ctx: &PageCtx, part: &str) -> &'static str {
    match part {
        "morning" => ctx.t("上午", "Morning"),
        "afternoon" => ctx.t("下午", "Afternoon"),
        _ => ctx.t("晚上", "Evening"),
    }
}

fn weekday_text(ctx: &PageCtx, d: u8) -> &'static str {
    let i = (d as usize).clamp(1, 7) - 1;
    if ctx.en() { ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i] } else { ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][i] }
}

/// What the new-availability form shows again after errors.
#[derive(Default)]
pub struct AvailValues {
    pub grid: Vec<String>,
    pub dates: Vec<(String, String, String)>,
    pub district: String,
    pub radius_km: String,
    pub categories: Vec<String>,
    pub min_pay: String,
}

#[derive(Template)]
#[template(path = "web/me_availability.html")]
struct AvailabilityPage<'a> {
    ctx: &'a PageCtx,
    items: Vec<AvailabilityView>,
    v: AvailValues,
    /// The district of the profile's home point, which the form uses when no district is typed.
    home_name: String,
    first: bool,
    saved: bool,
    cats: Vec<Category>,
    errors: Fields,
}

impl AvailabilityPage<'_> {
    fn cat_name(&self, code: &str) -> String {
        self.cats.iter().find(|c| c.code == code).map(|c| if self.ctx.en() { c.name_en.clone() } else { c.name_zh.clone() }).unwrap_or_else(|| code.to_string())
    }
    fn cat_label<'b>(&self, c: &'b Category) -> &'b str {
        if self.ctx.en() { &c.name_en } else { &c.name_zh }
    }
    fn has_cat(&self, code: &str) -> bool {
        self.v.categories.iter().any(|c| c == code)
    }
    fn days(&self) -> Vec<(u8, &'static str)> {
        grid_days(self.ctx)
    }
    fn parts(&self) -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
        grid_parts(self.ctx)
    }
    fn ticked(&self, day: &u8, part: &str) -> bool {
        self.v.grid.iter().any(|g| *g == format!("{day}-{part}"))
    }
    fn radii(&self) -> Vec<(&'static str, bool)> {
        let current = if self.v.radius_km.is_empty() { "5" } else { self.v.radius_km.as_str() };
        ["3", "5", "10", "20"].iter().map(|r| (*r, *r == current)).collect()
    }
    /// Three rows for dated windows: what was sent, then blanks.
    fn date_rows(&self) -> Vec<(usize, String, String, String)> {
        (0..3)
            .map(|i| {
                let (d, f, t) = self.v.dates.get(i).cloned().unwrap_or_default();
                (i, d, f, t)
            })
            .collect()
    }
    fn weekly(&self, a: &AvailabilityView) -> Vec<String> {
        a.windows.weekly.iter().map(|w| format!("{} {}–{}", weekday_text(self.ctx, w.weekday), w.start.format("%H:%M"), w.end.format("%H:%M"))).collect()
    }
    fn dated(&self, a: &AvailabilityView) -> Vec<String> {
        a.windows.dated.iter().map(|w| show::slot(self.ctx, &w.start, &w.end)).collect()
    }
    fn place(&self, a: &AvailabilityView) -> String {
        let name = district_name(a.adcode.as_deref());
        if self.ctx.en() { format!("{name}, within {} km", a.radius_km) } else { format!("{name} {} 公里内", a.radius_km) }
    }
    fn min_pay(&self, a: &AvailabilityView) -> String {
        a.min_pay.map(|p| show::pay(self.ctx, &p)).unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
pub struct AvailQuery {
    first: Option<String>,
    saved: Option<String>,
}

/// The signed-in worker's profile, if they have one yet.
async fn profile_of(state: &AppState, user: &crate::auth::AuthUser) -> Result<Option<WorkerView>, ApiError> {
    match workers::get_mine(state, user).await {
        Ok(w) => Ok(Some(w)),
        Err(Error::NotFound(Thing::WorkerProfile)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn home_of(w: Option<&WorkerView>) -> (Option<(f64, f64)>, String) {
    match w {
        Some(w) => (w.lat.zip(w.lng), district_name(w.adcode.as_deref())),
        None => (None, String::new()),
    }
}

async fn render_availability(state: &AppState, ctx: &PageCtx, v: AvailValues, errors: Fields, first: bool, saved: bool) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let profile = profile_of(state, user).await?;
    let Some(profile) = profile else {
        // Availability belongs to a profile, so that comes first.
        return Ok(ctx.redirect("/me/profile"));
    };
    let (_, home_name) = home_of(Some(&profile));
    let items = availability::list_mine(state, user, PageRequest { limit: 50, cursor: None }).await?.items;
    let cats = categories::list_all(state).await?;
    let page = AvailabilityPage { ctx, items, v, home_name, first, saved, cats, errors };
    ctx.render_status(status_of(&page.errors), &page)
}

async fn availability_page(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<AvailQuery>>) -> Result<HttpResponse, ApiError> {
    let (first, saved) = q.map(|q| (q.first.is_some(), q.saved.is_some())).unwrap_or_default();
    render_availability(&state, &ctx, AvailValues { radius_km: "5".into(), ..Default::default() }, Fields::default(), first, saved).await
}

pub(crate) fn availability_request(f: &Pairs, home: Option<(f64, f64)>) -> Result<AvailabilityRequest, Error> {
    let mut errs = FieldErrors::new();
    let (mut lat, mut lng) = (number(&mut errs, "lat", &f.one("lat")), number(&mut errs, "lng", &f.one("lng")));
    if lat.is_none()
        && lng.is_none()
        && let Some((a, b)) = home
    {
        (lat, lng) = (Some(a), Some(b));
    }
    let name = f.one("district");
    if !name.is_empty()
        && let Some(d) = district(&mut errs, "district", &name)
    {
        (lat, lng) = (Some(d.lat), Some(d.lng));
    }
    if lat.is_none() && lng.is_none() && name.is_empty() {
        errs.add(
            "district",
            Invalid::new("required", "请填写在哪个区找活（或先在个人资料里设置家的位置）", "say which district (or set your home point in the profile)"),
        );
    }
    let radius_km = number(&mut errs, "radius_km", &f.one("radius_km"));
    let mut weekly = Vec::new();
    for cell in f.all("grid") {
        let found = cell.split_once('-').and_then(|(d, p)| Some((d.parse::<i64>().ok()?, PARTS.iter().find(|(name, _, _)| *name == p)?)));
        match found {
            Some((weekday, (_, start, end))) => weekly.push(WeeklyWindowBody { weekday, start: start.to_string(), end: end.to_string() }),
            None => errs.add("windows", Invalid::new("invalid_choice", "未知的时段", "unknown time of day")),
        }
    }
    let (dates, froms, tos) = (f.column("date"), f.column("from"), f.column("to"));
    let mut dated = Vec::new();
    for i in 0..dates.len().max(froms.len()).max(tos.len()) {
        let (d, a, b) = (dates.get(i).cloned().unwrap_or_default(), froms.get(i).cloned().unwrap_or_default(), tos.get(i).cloned().unwrap_or_default());
        if d.is_empty() && a.is_empty() && b.is_empty() {
            continue;
        }
        // A window ending at or before its start runs past midnight, as the grid's weekly ones may.
        let end_day = match (chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d"), a <= b) {
            (Ok(day), false) => day.succ_opt().map(|n| n.format("%Y-%m-%d").to_string()).unwrap_or(d.clone()),
            _ => d.clone(),
        };
        dated.push(DatedWindowBody { start: format!("{d}T{a}:00+08:00"), end: format!("{end_day}T{b}:00+08:00") });
    }
    let min_pay = fen(&mut errs, "min_pay", &f.one("min_pay")).map(|amount_fen| PayBody { amount_fen, unit: PayUnit::Hour });
    errs.into_result()?;
    Ok(AvailabilityRequest {
        lat,
        lng,
        radius_km,
        adcode: None,
        categories: Some(f.all("categories")),
        min_pay,
        note: Some(f.one("note")),
        windows: Some(WindowsBody { dated, weekly }),
        active: None,
    })
}

async fn availability_create(state: web::Data<AppState>, ctx: PageCtx, form: PageForm<Pairs>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let f = form.0;
    let (home, _) = home_of(profile_of(&state, user).await?.as_ref());
    let result = match availability_request(&f, home) {
        Ok(req) => availability::post(&state, user, req).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(ctx.redirect("/me/availability?saved=1")),
        Err(e) => {
            let mut errors = form_errors(e)?;
            // The point is the district field's on this form.
            for fe in errors.0.iter_mut() {
                if fe.field == "lat" || fe.field == "lng" || fe.field == "adcode" {
                    fe.field = "district".into();
                }
            }
            let (dates, froms, tos) = (f.column("date"), f.column("from"), f.column("to"));
            let v = AvailValues {
                grid: f.all("grid"),
                dates: (0..dates.len())
                    .map(|i| (dates[i].clone(), froms.get(i).cloned().unwrap_or_default(), tos.get(i).cloned().unwrap_or_default()))
                    .collect(),
                district: f.one("district"),
                radius_km: f.one("radius_km"),
                categories: f.all("categories"),
                min_pay: f.one("min_pay"),
            };
            render_availability(&state, &ctx, v, errors, false, false).await
        }
    }
}

async fn availability_delete(
    state: web::Data<AppState>,
    ctx: PageCtx,
    id: web::Path<i64>,
    _f: PageForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    availability::remove(&state, user, id.into_inner()).await?;
    Ok(ctx.redirect("/me/availability"))
}

// ------------------------------------------------------------------------------------------
// Alerts
// ------------------------------------------------------------------------------------------

#[derive(Default)]
pub struct AlertValues {
    pub q: String,
    pub district: String,
    pub lat: String,
    pub lng: String,
    pub radius_km: String,
    pub category: String,
}

#[derive(Template)]
#[template(path = "web/me_alerts.html")]
struct AlertsPage<'a> {
    ctx: &'a PageCtx,
    items: Vec<AlertView>,
    v: AlertValues,
    saved: bool,
    cats: Vec<Category>,
    errors: Fields,
}

impl AlertsPage<'_> {
    fn cat_label<'b>(&self, c: &'b Category) -> &'b str {
        if self.ctx.en() { &c.name_en } else { &c.name_zh }
    }
    fn describe(&self, a: &AlertView) -> String {
        let ctx = self.ctx;
        let mut parts = Vec::new();
        if !a.q.is_empty() {
            parts.push(format!("“{}”", a.q));
        }
        if a.source == SOURCE_SEARCH {
            let place = match (a.lat, a.lng) {
                (Some(lat), Some(lng)) => {
                    Districts::get().nearest_county(crate::domain::GeoPoint { lat, lng }).map(|d| d.full_name.clone()).unwrap_or_default()
                }
                _ => String::new(),
            };
            let r = a.radius_km.unwrap_or(0.0);
            parts.push(if ctx.en() { format!("{place} within {r} km") } else { format!("{place} {r} 公里内") });
        } else {
            parts.push(ctx.t("按我的空闲时间", "following my availability").to_string());
        }
        for code in &a.categories {
            let name = self.cats.iter().find(|c| &c.code == code).map(|c| self.cat_label(c).to_string()).unwrap_or_else(|| code.clone());
            parts.push(name);
        }
        if let Some(p) = a.min_pay {
            parts.push(format!("≥ {}", show::pay(ctx, &p)));
        }
        parts.join(" · ")
    }
    fn frequency(&self, a: &AlertView) -> &'static str {
        if a.frequency == "daily" {
            self.ctx.t("每天汇总一封邮件", "one mail a day")
        } else {
            self.ctx.t("有新工作立即通知", "at once for each new shift")
        }
    }
    fn radii(&self) -> Vec<(&'static str, bool)> {
        let current = if self.v.radius_km.is_empty() { "10" } else { self.v.radius_km.as_str() };
        ["3", "5", "10", "20"].iter().map(|r| (*r, *r == current)).collect()
    }
}

async fn render_alerts(state: &AppState, ctx: &PageCtx, v: AlertValues, errors: Fields, saved: bool) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let items = match subscriptions::list_mine(state, user, PageRequest { limit: 50, cursor: None }).await {
        Ok(p) => p.items,
        // No profile yet: no alerts either (saving one says what is missing).
        Err(Error::Conflict(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let cats = categories::list_all(state).await?;
    let page = AlertsPage { ctx, items, v, saved, cats, errors };
    ctx.render_status(status_of(&page.errors), &page)
}

async fn alerts_page(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<SavedQuery>>) -> Result<HttpResponse, ApiError> {
    let saved = q.is_some_and(|q| q.saved.is_some());
    render_alerts(&state, &ctx, AlertValues::default(), Fields::default(), saved).await
}

/// The home page's "save this search" (and this page's own form) as the API's saved search.
fn alert_request(f: &Pairs) -> Result<AlertRequest, Error> {
    let mut errs = FieldErrors::new();
    let (mut lat, mut lng) = (number(&mut errs, "lat", &f.one("lat")), number(&mut errs, "lng", &f.one("lng")));
    let name = f.one("district");
    if lat.is_none()
        && lng.is_none()
        && !name.is_empty()
        && let Some(d) = district(&mut errs, "district", &name)
    {
        (lat, lng) = (Some(d.lat), Some(d.lng));
    }
    if lat.is_none() && lng.is_none() && name.is_empty() {
        errs.add("district", Invalid::new("required", "请先定位或填写区名，再保存提醒", "use your location or type a district before saving the alert"));
    }
    let radius_km = number(&mut errs, "radius_km", &f.one("radius_km")).or(Some(10.0));
    errs.into_result()?;
    let q = f.one("q");
    Ok(AlertRequest {
        source: Some(SOURCE_SEARCH.into()),
        q: Some(q).filter(|q| !q.is_empty()),
        lat,
        lng,
        radius_km,
        categories: Some(f.all("category")),
        ..Default::default()
    })
}

async fn alerts_create(state: web::Data<AppState>, ctx: PageCtx, form: PageForm<Pairs>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let f = form.0;
    let result = match alert_request(&f) {
        Ok(req) => subscriptions::subscribe(&state, user, req).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(ctx.redirect("/me/alerts?saved=1")),
        Err(e) => {
            let api = ApiError::from(e);
            if api.status != StatusCode::UNPROCESSABLE_ENTITY && api.status != StatusCode::CONFLICT {
                return Err(api);
            }
            let mut fields = api.fields.clone();
            for fe in fields.iter_mut() {
                if fe.field == "lat" || fe.field == "lng" {
                    fe.field = "district".into();
                }
            }
            let mut errors = Fields(fields);
            if !errors.any() {
                // A 409 (no profile yet, too many alerts) has no field: it goes at the top.
                errors.0.push(crate::error::FieldError { field: "alert-form".into(), code: api.code.into(), msg: api.msg.clone() });
            }
            let v = AlertValues {
                q: f.one("q"),
                district: f.one("district"),
                lat: f.one("lat"),
                lng: f.one("lng"),
                radius_km: f.one("radius_km"),
                category: f.one("category"),
            };
            let mut res = render_alerts(&state, &ctx, v, errors, false).await?;
            *res.status_mut() = api.status;
            Ok(res)
        }
    }
}

async fn alerts_delete(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, _f: PageForm<serde::de::IgnoredAny>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    subscriptions::remove(&state, user, id.into_inner()).await?;
    Ok(ctx.redirect("/me/alerts"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_amounts_become_fen_and_bad_ones_are_field_errors() {
        for (given, want) in [("25", Some(2500)), ("25.5", Some(2550)), ("25.50", Some(2550)), ("0.05", Some(5)), ("", None)] {
            let mut errs = FieldErrors::new();
            assert_eq!(fen(&mut errs, "min_pay", given), want, "{given}");
            assert!(errs.is_empty());
        }
        for bad in ["abc", "25.555", "-3", "1e3", ".5", "25元", "1.2.3"] {
            let mut errs = FieldErrors::new();
            assert_eq!(fen(&mut errs, "min_pay", bad), None, "{bad}");
            assert_eq!(errs.len(), 1, "{bad}");
        }
    }

    #[test]
    fn repeated_form_names_are_all_kept() {
        let p: Pairs = serde_urlencoded::from_str("skills=a&skills=b&x=+1+&skills=").unwrap();
        assert_eq!(p.all("skills"), vec!["a", "b"]);
        assert_eq!(p.column("skills").len(), 3);
        assert_eq!(p.one("x"), "1");
        assert_eq!(p.one("missing"), "");
    }
}
