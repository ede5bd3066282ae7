//! The worker's home page (shifts near me) and the shift page with its 报名 / 抢单 and 举报 forms.
//! The search is `services::search::search_shifts`, the same as `GET /api/v1/shifts/search`; the
//! chips only set its parameters.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::TakeMode;
use crate::domain::engagement::State;
use crate::routes::client_key;
use crate::routes::error::ApiError;
use crate::services::categories::{self, Category};
use crate::services::districts::{District, Districts, Resolved};
use crate::services::engagements::{self, ApplyRequest, EngagementView};
use crate::services::reports::{self, ReportRequest};
use crate::services::search::{self, SearchParams, ShiftHit};
use crate::services::shift_detail::{self, ShiftDetail};
use crate::services::workers::{self, WorkerView};
use crate::web::{Fields, PageCtx, PageForm, form_errors, show, urlencode};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/shifts/{id}", web::get().to(shift_page))
        .route("/shifts/{id}/take", web::post().to(take))
        .route("/shifts/{id}/report", web::post().to(report));
}

/// The home page's query. Every field is text and read leniently: a link shared from WeChat
/// carries parameters of its own (`from=singlemessage`), and a bad value is dropped, not an error.
#[derive(Deserialize, Default, Clone)]
pub struct HomeQuery {
    #[serde(default)]
    q: String,
    lat: Option<String>,
    lng: Option<String>,
    /// A district name (`朝阳`, `chaoyang`) or code.
    #[serde(default)]
    district: String,
    radius_km: Option<String>,
    /// `daily` for the 日结 chip.
    #[serde(default)]
    settlement: String,
    /// `1` for the 周末 chip.
    #[serde(default)]
    weekend: String,
    #[serde(default)]
    category: String,
    cursor: Option<String>,
}

const RADII: [u32; 3] = [3, 5, 10];

impl HomeQuery {
    fn point(&self) -> Option<(f64, f64)> {
        let lat = self.lat.as_deref()?.trim().parse::<f64>().ok().filter(|v| (-90.0..=90.0).contains(v))?;
        let lng = self.lng.as_deref()?.trim().parse::<f64>().ok().filter(|v| (-180.0..=180.0).contains(v))?;
        Some((lat, lng))
    }

    fn radius(&self) -> u32 {
        self.radius_km.as_deref().and_then(|r| r.trim().parse::<u32>().ok()).filter(|r| RADII.contains(r)).unwrap_or(10)
    }

    fn daily(&self) -> bool {
        self.settlement == "daily"
    }

    fn weekend(&self) -> bool {
        self.weekend == "1"
    }

    /// This search as a query string, with one parameter changed (`None` removes it): the chips'
    /// links, which toggle one filter and keep the rest.
    fn with(&self, key: &str, value: Option<&str>) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let point = self.point();
        let mut push = |k: &'static str, v: String| {
            if !v.is_empty() && k != key {
                pairs.push((k, v));
            }
        };
        push("q", self.q.trim().to_string());
        if let Some((lat, lng)) = point {
            push("lat", format!("{lat:.5}"));
            push("lng", format!("{lng:.5}"));
        }
        push("district", self.district.trim().to_string());
        push("radius_km", self.radius_km.clone().map(|_| self.radius().to_string()).unwrap_or_default());
        push("settlement", if self.daily() { "daily".into() } else { String::new() });
        push("weekend", if self.weekend() { "1".into() } else { String::new() });
        push("category", self.category.trim().to_string());
        if let Some(v) = value {
            pairs.push((key_static(key), v.to_string()));
        }
        let qs: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}={}", urlencode(&v))).collect();
        if qs.is_empty() { "/".into() } else { format!("/?{}", qs.join("&")) }
    }
}

fn key_static(key: &str) -> &'static str {
    match key {
        "q" => "q",
        "district" => "district",
        "radius_km" => "radius_km",
        "settlement" => "settlement",
        "weekend" => "weekend",
        "category" => "category",
        "cursor" => "cursor",
        _ => "q",
    }
}

/// One chip: its label, the link that toggles it, and whether it is on.
pub struct Chip {
    pub label: String,
    pub href: String,
    pub on: bool,
}

/// Where the list is centred.
enum Place<'a> {
    /// The browser's location.
    Here(f64, f64),
    /// A district the worker chose by name.
    District(&'a District),
    /// The signed-in worker's home point from their profile.
    Home(f64, f64),
    /// Nothing yet: the soonest shifts everywhere.
    Anywhere,
}

#[derive(Template)]
#[template(path = "web/home.html")]
struct HomePage<'a> {
    ctx: &'a PageCtx,
    q: &'a HomeQuery,
    /// What the district box shows: the chosen place's full name, else what was typed.
    district_box: String,
    /// Several districts fit the name: the worker picks one.
    choices: Vec<(String, String)>,
    /// What the list is centred on, in words.
    centre: String,
    located: bool,
    chips: Vec<Chip>,
    radius_chips: Vec<Chip>,
    items: Vec<ShiftHit>,
    total: usize,
    more: Option<String>,
    unknown_district: bool,
}

impl HomePage<'_> {
    fn pay(&self, h: &ShiftHit) -> String {
        show::pay(self.ctx, &h.shift.pay)
    }
    fn per_hour(&self, h: &ShiftHit) -> String {
        show::per_hour(self.ctx, &h.shift.pay, h.shift.pay_per_hour_fen)
    }
    fn first_slot(&self, h: &ShiftHit) -> String {
        h.shift.slots.first().map(|s| show::slot(self.ctx, &s.start, &s.end)).unwrap_or_default()
    }
    fn more_slots(&self, h: &ShiftHit) -> String {
        match h.shift.slots.len() {
            0 | 1 => String::new(),
            n => {
                if self.ctx.en() {
                    format!("+{} more times", n - 1)
                } else {
                    format!("另有 {} 个时段", n - 1)
                }
            }
        }
    }
    fn distance(&self, h: &ShiftHit) -> String {
        show::distance(self.ctx, h.distance_km)
    }
    fn settlement(&self, h: &ShiftHit) -> &'static str {
        show::settlement(self.ctx, h.shift.settlement)
    }
    fn instant(&self, h: &ShiftHit) -> bool {
        h.shift.take_mode == TakeMode::Instant
    }
}

async fn home(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<HomeQuery>>) -> Result<HttpResponse, ApiError> {
    let q = q.map(|q| q.into_inner()).unwrap_or_default();
    let districts = Districts::get();
    let mut choices = Vec::new();
    let mut unknown_district = false;
    let place = match (q.point(), q.district.trim()) {
        (Some((lat, lng)), _) => Place::Here(lat, lng),
        (None, "") => Place::Anywhere,
        (None, name) => match districts.resolve(name) {
            Resolved::One(d) => Place::District(d),
            Resolved::Several(hits) => {
                choices = hits.iter().map(|d| (d.full_name.clone(), q.with("district", Some(&d.adcode)))).collect();
                Place::Anywhere
            }
            Resolved::Nothing => {
                unknown_district = true;
                Place::Anywhere
            }
        },
    };
    // A worker who has given a home point sees work near home until they choose otherwise.
    let place = match (place, &ctx.user) {
        (Place::Anywhere, Some(u)) if ctx.is_worker() && choices.is_empty() && !unknown_district => match workers::get_mine(&state, u).await {
            Ok(WorkerView { lat: Some(lat), lng: Some(lng), .. }) => Place::Home(lat, lng),
            _ => Place::Anywhere,
        },
        (p, _) => p,
    };
    let radius = q.radius();
    let mut params = SearchParams {
        q: Some(q.q.trim().to_string()).filter(|s| !s.is_empty()),
        settlement: q.daily().then(|| "daily".to_string()),
        days: q.weekend().then(|| "6,7".to_string()),
        category: Some(q.category.trim().to_string()).filter(|s| !s.is_empty()),
        // A cursor is a position in the ranking; anything else (a mangled shared link) starts over.
        cursor: q.cursor.clone().filter(|c| !c.is_empty() && c.len() < 10 && c.bytes().all(|b| b.is_ascii_digit())),
        limit: Some(20),
        ..Default::default()
    };
    let centre = match &place {
        Place::Here(lat, lng) => {
            (params.lat, params.lng, params.radius_km) = (Some(*lat), Some(*lng), Some(radius as f64));
            params.sort = Some("distance".into());
            ctx.t("你的位置附近", "Near you").to_string()
        }
        Place::Home(lat, lng) => {
            (params.lat, params.lng, params.radius_km) = (Some(*lat), Some(*lng), Some(radius as f64));
            params.sort = Some("distance".into());
            ctx.t("你家附近", "Near your home").to_string()
        }
        Place::District(d) => {
            // The district's own shifts, nearest its centre first; a township's are its county's
            // (shifts carry county adcodes, and a township's point is its county's).
            params.adcode = Some(d.shift_prefix().to_string());
            (params.lat, params.lng, params.radius_km) = (Some(d.lat), Some(d.lng), Some(200.0));
            params.sort = Some("distance".into());
            d.full_name.clone()
        }
        Place::Anywhere => {
            params.sort = Some("start".into());
            ctx.t("全部地区", "All areas").to_string()
        }
    };
    let results = search::search_shifts(&state, params).await?;
    let cats: Vec<Category> = categories::list_all(&state).await?;
    let mut chips = vec![
        Chip { label: ctx.t("日结", "Paid daily").into(), href: q.with("settlement", (!q.daily()).then_some("daily")), on: q.daily() },
        Chip { label: ctx.t("周末", "Weekend").into(), href: q.with("weekend", (!q.weekend()).then_some("1")), on: q.weekend() },
    ];
    // The categories with shifts in this search (from its facets), busiest first.
    let mut counted: Vec<(&String, &usize)> = results.facets.category.iter().collect();
    counted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut shown: Vec<String> = counted.iter().take(6).map(|(c, _)| (*c).clone()).collect();
    if !q.category.is_empty() && !shown.contains(&q.category) {
        shown.insert(0, q.category.clone());
    }
    for code in shown {
        let Some(c) = cats.iter().find(|c| c.code == code) else { continue };
        let on = q.category == c.code;
        let label = if ctx.en() { c.name_en.clone() } else { c.name_zh.clone() };
        chips.push(Chip { label, href: q.with("category", (!on).then_some(c.code.as_str())), on });
    }
    let located = matches!(place, Place::Here(..) | Place::Home(..));
    let radius_chips = if located {
        RADII
            .iter()
            .map(|r| Chip {
                label: if ctx.en() { format!("within {r} km") } else { format!("{r}公里内") },
                href: q.with("radius_km", Some(&r.to_string())),
                on: radius == *r,
            })
            .collect()
    } else {
        Vec::new()
    };
    let more = results.next_cursor.as_deref().map(|c| q.with("cursor", Some(c)));
    // The box names the chosen place in full (`北京市 朝阳区`), not the code a choice link carried.
    let district_box = match &place {
        Place::District(d) => d.full_name.clone(),
        _ => q.district.clone(),
    };
    let page = HomePage {
        ctx: &ctx,
        q: &q,
        district_box,
        choices,
        centre,
        located,
        chips,
        radius_chips,
        total: results.total,
        items: results.items,
        more,
        unknown_district,
    };
    ctx.render(&page)
}

#[derive(Template)]
#[template(path = "web/shift.html")]
struct ShiftPage<'a> {
    ctx: &'a PageCtx,
    d: ShiftDetail,
    /// The engagement that is still open, if the worker has one on this shift.
    current: Option<EngagementView>,
    report_errors: Fields,
    reported: bool,
    amap: String,
    qqmap: String,
    /// The shift's schema.org JobPosting, escaped for its `<script>` (published shifts only).
    jsonld: Option<String>,
}

impl ShiftPage<'_> {
    fn pay(&self) -> String {
        show::pay(self.ctx, &self.d.shift.pay)
    }
    fn per_hour(&self) -> String {
        show::per_hour(self.ctx, &self.d.shift.pay, self.d.shift.pay_per_hour_fen)
    }
    fn slots(&self) -> Vec<String> {
        self.d.shift.slots.iter().map(|s| show::slot(self.ctx, &s.start, &s.end)).collect()
    }
    fn settlement(&self) -> &'static str {
        show::settlement(self.ctx, self.d.shift.settlement)
    }
    fn take_label(&self) -> &'static str {
        show::take_mode(self.ctx, self.d.shift.take_mode)
    }
    fn state_text(&self, e: &EngagementView) -> &'static str {
        show::state(self.ctx, e.state)
    }
    fn valid_through(&self) -> String {
        show::when(&self.d.shift.valid_through)
    }
    fn rating(&self) -> String {
        match self.d.employer_stats.and_then(|s| s.rating_avg.map(|a| (a, s.rating_count))) {
            Some((avg, n)) => {
                if self.ctx.en() {
                    format!("{avg:.1} / 5 from {n} ratings")
                } else {
                    format!("{avg:.1} 分（{n} 人评价）")
                }
            }
            None => self.ctx.t("暂无评价", "No ratings yet").to_string(),
        }
    }
    fn completed(&self) -> i64 {
        self.d.employer_stats.map(|s| s.completed).unwrap_or(0)
    }
    fn employment(&self) -> &'static str {
        use crate::domain::EmploymentType as E;
        match self.d.shift.employment_type {
            E::Gig => self.ctx.t("零工", "Gig"),
            E::PartTime => self.ctx.t("非全日制用工", "Part-time employment"),
            E::Temporary => self.ctx.t("临时用工", "Temporary"),
            E::Seasonal => self.ctx.t("季节性用工", "Seasonal"),
        }
    }
}

/// States in which a worker's engagement still stands (the page then shows it, not the button).
fn open_state(s: State) -> bool {
    !matches!(s, State::Declined | State::Withdrawn | State::Cancelled)
}

#[derive(Deserialize, Default)]
pub struct ShiftQuery {
    reported: Option<String>,
}

async fn shift_page(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, q: Option<web::Query<ShiftQuery>>) -> Result<HttpResponse, ApiError> {
    let d = shift_detail::for_viewer(&state, ctx.user.as_ref(), id.into_inner()).await?;
    let jsonld = crate::services::opendata::jsonld::for_page(&state, &d.shift).await;
    render_shift(&ctx, d, Fields::default(), q.is_some_and(|q| q.reported.is_some()), jsonld)
}

fn render_shift(ctx: &PageCtx, d: ShiftDetail, report_errors: Fields, reported: bool, jsonld: Option<String>) -> Result<HttpResponse, ApiError> {
    let current = d.mine.iter().find(|e| open_state(e.state)).cloned();
    let s = &d.shift;
    let name = urlencode(&s.title);
    // Map links the phone's map app opens (高德 and 腾讯 URI APIs); the coordinates are GCJ-02,
    // as both expect.
    let amap = format!("https://uri.amap.com/marker?position={:.6},{:.6}&name={name}&coordinate=gaode&callnative=1", s.lng, s.lat);
    let qqmap = format!("https://apis.map.qq.com/uri/v1/marker?marker=coord:{:.6},{:.6};title:{name}&referer=lingong", s.lat, s.lng);
    let status = if report_errors.any() { actix_web::http::StatusCode::UNPROCESSABLE_ENTITY } else { actix_web::http::StatusCode::OK };
    ctx.render_status(status, &ShiftPage { ctx, d, current, report_errors, reported, amap, qqmap, jsonld })
}

#[derive(Deserialize)]
pub struct TakeForm {
    #[serde(default)]
    note: String,
}

/// 报名 or 抢单: `apply_to_shift` decides which by the shift's take mode, as for the API.
async fn take(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<TakeForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let note = Some(form.0.note.trim().to_string()).filter(|n| !n.is_empty());
    let e = engagements::apply_to_shift(&state, user, id.into_inner(), ApplyRequest { note, slot_ids: None }).await?;
    Ok(ctx.redirect(&format!("/my-work/{}", e.id)))
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    email: String,
}

async fn report(state: web::Data<AppState>, req: HttpRequest, ctx: PageCtx, id: web::Path<i64>, form: PageForm<ReportForm>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let f = form.0;
    let body = ReportRequest {
        target_type: Some("shift".into()),
        target_id: Some(id),
        kind: Some(f.kind),
        description: Some(f.description),
        email: Some(f.email).filter(|e| !e.trim().is_empty()),
    };
    match reports::file(&state, ctx.user.as_ref(), &client_key(&req), body).await {
        Ok(_) => Ok(ctx.redirect(&format!("/shifts/{id}?reported=1#report"))),
        Err(e) => {
            let errors = form_errors(e)?;
            let d = shift_detail::for_viewer(&state, ctx.user.as_ref(), id).await?;
            let jsonld = crate::services::opendata::jsonld::for_page(&state, &d.shift).await;
            render_shift(&ctx, d, errors, false, jsonld)
        }
    }
}
