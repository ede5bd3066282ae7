//! Posting a shift: the form (blank, from a template for common jobs, or from one of my earlier
//! shifts), its live screening (`POST /employer/shifts/check`, an htmx fragment) and the post
//! itself. Both build the same `ShiftRequest` as `POST /api/v1/shifts` and call
//! `services::shifts::check` / `post`; the findings are the service's.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Duration;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::pay::PayUnit;
use crate::error::{FieldError, Msg};
use crate::listing::{Decision, Finding, Severity, Verdict};
use crate::routes::error::ApiError;
use crate::services::categories::{self, Category};
use crate::services::employers;
use crate::services::shifts::{self, ShiftRequest, SlotBody};
use crate::services::views::PayBody;
use crate::web::employer::shifts::finding_lines;
use crate::web::{Fields, PageCtx, PageForm, form_errors, not_an_amount, parse_whole, parse_yuan, yuan};

pub fn configure(_cfg: &mut web::ServiceConfig) {
    // Registered with the shift routes (`shifts::configure`), ahead of `/employer/shifts/{id}`.
}

/// Starting points for common jobs: wording to edit, no rules (the screening judges the result).
/// (key, button label zh, en, category, title, description, requirements)
const TEMPLATES: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
    (
        "cleaning",
        "保洁",
        "Cleaning",
        "cleaning",
        "家庭保洁员（日结）",
        "负责住户家庭日常保洁：客厅、卧室、厨房和卫生间清洁，工具和清洁用品由我们提供。",
        "身体健康，做事细心，守时",
    ),
    ("moving", "搬运", "Moving", "moving", "搬家搬运工", "协助住户搬家：家具和纸箱的打包、搬运、装车卸车，有电梯。", "身体健康，能搬重物"),
    ("waiter", "服务员", "Waiter", "waiter", "餐厅服务员（周末）", "负责点餐、传菜、收台和餐厅卫生，提供工作餐。", "普通话流利，态度热情"),
    ("promoter", "促销", "Promoter", "promotion", "超市促销员", "在超市门店介绍和推广商品，布置堆头，登记销量。", "口齿清楚，能站立工作"),
    ("housekeeping", "家政", "Housekeeping", "housekeeping", "家政服务员（钟点工）", "上门做饭、洗衣、整理房间，时间固定。", "有家政经验者优先，做事细心"),
];

/// The form as typed, kept as text so a refused post shows exactly what was entered.
#[derive(Clone, Default)]
pub struct PostForm {
    pub title: String,
    pub category: String,
    pub description: String,
    pub requirements: String,
    pub headcount: String,
    pub address: String,
    pub lat: String,
    pub lng: String,
    pub slots: Vec<SlotRow>,
    pub pay_yuan: String,
    pub pay_unit: String,
    /// For a piece rate: about how many minutes one piece takes.
    pub minutes_per_piece: String,
    pub settlement: String,
    pub employment_type: String,
    pub take_mode: String,
    pub valid_through: String,
}

#[derive(Clone, Default)]
pub struct SlotRow {
    pub date: String,
    pub start: String,
    pub end: String,
}

impl SlotRow {
    fn is_empty(&self) -> bool {
        self.date.trim().is_empty() && self.start.trim().is_empty() && self.end.trim().is_empty()
    }
}

/// At least three rows to fill, one more than those filled.
const MIN_ROWS: usize = 3;

fn invalid(field: &str, zh: &str, en: &str) -> FieldError {
    FieldError { field: field.into(), code: "invalid".into(), msg: Msg::new(zh, en) }
}

impl PostForm {
    /// An empty form; `today` (the local date by the service clock) starts its validity.
    fn blank(today: chrono::NaiveDate) -> PostForm {
        PostForm {
            headcount: "1".into(),
            pay_unit: "hour".into(),
            settlement: "daily".into(),
            employment_type: "gig".into(),
            take_mode: "apply".into(),
            valid_through: (today + Duration::days(7)).format("%Y-%m-%d").to_string(),
            ..Default::default()
        }
    }

    /// The posted pairs; `slot_date`, `slot_start` and `slot_end` repeat once per row.
    fn from_pairs(pairs: &[(String, String)]) -> PostForm {
        let mut f = PostForm::default();
        let (mut dates, mut starts, mut ends) = (Vec::new(), Vec::new(), Vec::new());
        for (k, v) in pairs {
            let v = v.clone();
            match k.as_str() {
                "title" => f.title = v,
                "category" => f.category = v,
                "description" => f.description = v,
                "requirements" => f.requirements = v,
                "headcount" => f.headcount = v,
                "address" => f.address = v,
                "lat" => f.lat = v,
                "lng" => f.lng = v,
                "slot_date" => dates.push(v),
                "slot_start" => starts.push(v),
                "slot_end" => ends.push(v),
                "pay_yuan" => f.pay_yuan = v,
                "pay_unit" => f.pay_unit = v,
                "minutes_per_piece" => f.minutes_per_piece = v,
                "settlement" => f.settlement = v,
                "employment_type" => f.employment_type = v,
                "take_mode" => f.take_mode = v,
                "valid_through" => f.valid_through = v,
                _ => {}
            }
        }
        let n = dates.len().max(starts.len()).max(ends.len()).min(shifts::MAX_SLOTS + MIN_ROWS);
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        // Empty rows are ignored; the rest keep their order, so `slots[i]` in an error is row i.
        f.slots = (0..n).map(|i| SlotRow { date: at(&dates, i), start: at(&starts, i), end: at(&ends, i) }).filter(|r| !r.is_empty()).collect();
        f
    }

    fn from_request(r: ShiftRequest, today: chrono::NaiveDate) -> PostForm {
        let blank = PostForm::blank(today);
        PostForm {
            title: r.title.unwrap_or_default(),
            category: r.category.unwrap_or_default(),
            description: r.description.unwrap_or_default(),
            requirements: r.requirements.unwrap_or_default(),
            headcount: r.headcount.map(|h| h.to_string()).unwrap_or(blank.headcount),
            address: r.address.unwrap_or_default(),
            lat: r.lat.map(|v| v.to_string()).unwrap_or_default(),
            lng: r.lng.map(|v| v.to_string()).unwrap_or_default(),
            slots: Vec::new(),
            pay_yuan: r.pay.map(|p| yuan(p.amount_fen)).unwrap_or_default(),
            pay_unit: r.pay.map(|p| p.unit.as_str().to_string()).unwrap_or(blank.pay_unit),
            minutes_per_piece: r.minutes_per_piece.map(|m| m.to_string()).unwrap_or_default(),
            settlement: r.settlement.unwrap_or(blank.settlement),
            employment_type: r.employment_type.unwrap_or(blank.employment_type),
            take_mode: r.take_mode.unwrap_or(blank.take_mode),
            valid_through: blank.valid_through,
        }
    }

    /// The rows to show: those filled, then empty ones.
    pub fn rows(&self) -> Vec<(usize, SlotRow)> {
        let mut rows = self.slots.clone();
        let want = (rows.len() + 1).max(MIN_ROWS);
        rows.resize(want, SlotRow::default());
        rows.into_iter().enumerate().collect()
    }

    /// The API's request body, and the fields that are not even numbers or dates to send.
    fn request(&self) -> (ShiftRequest, Vec<FieldError>) {
        let mut errs = Vec::new();
        let text = |s: &str| Some(s.trim().to_string());
        let code = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let headcount = parse_whole(&mut errs, "headcount", &self.headcount, ("招聘人数请填写整数", "headcount must be a whole number"));
        let mut coord = |field: &str, v: &str| match v.trim() {
            "" => None,
            v => match v.parse::<f64>() {
                Ok(x) if x.is_finite() => Some(x),
                _ => {
                    errs.push(invalid(field, "请填写数字形式的经纬度，或点“用我的位置”", "give the coordinate as a number, or use “Use my location”"));
                    None
                }
            },
        };
        let lat = coord("lat", &self.lat);
        let lng = coord("lng", &self.lng);
        let minutes_per_piece = parse_whole(
            &mut errs,
            "minutes_per_piece",
            &self.minutes_per_piece,
            ("每件所需时间请填写整数分钟", "give the minutes a piece takes as a whole number"),
        );
        let pay = match (self.pay_yuan.trim(), PayUnit::parse(self.pay_unit.trim())) {
            ("", _) => None,
            (a, unit) => match (parse_yuan(a), unit) {
                (Some(amount_fen), Ok(unit)) => Some(PayBody { amount_fen, unit }),
                (None, _) => {
                    errs.push(FieldError::new("pay", not_an_amount()));
                    None
                }
                (_, Err(_)) => {
                    errs.push(invalid("pay", "请选择工资单位", "choose what the pay is per"));
                    None
                }
            },
        };
        let slots = self
            .slots
            .iter()
            .map(|r| SlotBody { start: format!("{}T{}:00+08:00", r.date.trim(), r.start.trim()), end: format!("{}T{}:00+08:00", r.date.trim(), r.end.trim()) })
            .collect();
        let valid_through = code(&self.valid_through).map(|d| format!("{d}T23:59:00+08:00"));
        let req = ShiftRequest {
            title: text(&self.title),
            description: text(&self.description),
            requirements: text(&self.requirements),
            category: code(&self.category),
            headcount,
            address: text(&self.address),
            lat,
            lng,
            adcode: None,
            slots: Some(slots),
            pay,
            settlement: code(&self.settlement),
            employment_type: code(&self.employment_type),
            take_mode: code(&self.take_mode),
            valid_through,
            probation_days: None,
            minutes_per_piece,
        };
        (req, errs)
    }
}

#[derive(Template)]
#[template(path = "web/employer_post.html")]
struct PostPage<'a> {
    ctx: &'a PageCtx,
    form: PostForm,
    categories: Vec<Category>,
    errors: Fields,
    templates: Vec<(&'static str, &'static str)>,
    to: Target,
}

/// Where the form is: the employer's own (`/employer/shifts/new`, with live feedback), or a
/// station desk posting for an employer it registered (`/desk/employers/{id}/post`), which
/// judges the posting when it is sent, by the same rules.
struct Target {
    action: String,
    live_check: bool,
    /// Whom the desk posts for, shown above the form.
    for_whom: Option<String>,
}

impl Target {
    fn own() -> Target {
        Target { action: "/employer/shifts/new".into(), live_check: true, for_whom: None }
    }
}

impl PostPage<'_> {
    fn cat_name<'b>(&self, c: &'b Category) -> &'b str {
        if self.ctx.en() { &c.name_en } else { &c.name_zh }
    }
    /// Errors of the whole list of slots (none given, too many), not of one row.
    fn slots_error(&self) -> Option<String> {
        let m: Vec<&str> = self.errors.0.iter().filter(|f| f.field == "slots").map(|f| f.msg.pick(self.ctx.lang)).collect();
        (!m.is_empty()).then(|| m.join("；"))
    }
    fn row_error(&self, i: &usize) -> Option<String> {
        self.errors.get(self.ctx, &format!("slots[{i}]"))
    }
    fn location_error(&self) -> Option<String> {
        let m: Vec<&str> =
            self.errors.0.iter().filter(|f| matches!(f.field.as_str(), "lat" | "lng" | "adcode" | "")).map(|f| f.msg.pick(self.ctx.lang)).collect();
        (!m.is_empty()).then(|| m.join("；"))
    }
}

#[derive(Deserialize, Default)]
pub struct FormQuery {
    from: Option<String>,
    template: Option<String>,
}

pub async fn form(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<FormQuery>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let q = q.map(|q| q.into_inner()).unwrap_or_default();
    let profile = match employers::get_mine(&state, user).await {
        Ok(p) => p,
        // Posting needs a profile: fill that in first.
        Err(crate::error::Error::NotFound(_)) => return Ok(ctx.redirect("/employer/profile")),
        Err(e) => return Err(e.into()),
    };
    let from = q.from.as_deref().and_then(|f| f.trim().parse::<i64>().ok());
    let today = crate::domain::time::local_date(state.clock.now());
    let mut form = match from {
        // A shift that is not one of mine (or gone) simply gives the blank form.
        Some(id) => shifts::repost_template(&state, user, id).await.map(|r| PostForm::from_request(r, today)).unwrap_or_else(|_| PostForm::blank(today)),
        None => PostForm::blank(today),
    };
    if let Some(t) = TEMPLATES.iter().find(|t| Some(t.0) == q.template.as_deref()) {
        (form.category, form.title, form.description, form.requirements) = (t.3.into(), t.4.into(), t.5.into(), t.6.into());
    }
    if form.address.is_empty() {
        (form.address, form.lat, form.lng) = (profile.address, profile.lat.to_string(), profile.lng.to_string());
    }
    render_form(&state, &ctx, form, Fields::default(), Target::own()).await
}

async fn render_form(state: &AppState, ctx: &PageCtx, form: PostForm, errors: Fields, to: Target) -> Result<HttpResponse, ApiError> {
    let categories = categories::list_all(state).await?;
    let templates = TEMPLATES.iter().map(|t| (t.0, if ctx.en() { t.2 } else { t.1 })).collect();
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    ctx.render_status(status, &PostPage { ctx, form, categories, errors, templates, to })
}

fn desk_target(employer_id: i64, name: String) -> Target {
    Target { action: format!("/desk/employers/{employer_id}/post"), live_check: false, for_whom: Some(name) }
}

/// The desk's posting form for an employer in the station's area, at the employer's address.
pub async fn desk_form(
    state: web::Data<AppState>,
    ctx: PageCtx,
    employer_id: web::Path<i64>,
    q: Option<web::Query<FormQuery>>,
) -> Result<HttpResponse, ApiError> {
    let user = crate::web::desk::desk_user(&ctx)?;
    let employer_id = employer_id.into_inner();
    let profile = employers::get(&state, Some(user), employer_id).await?;
    let today = crate::domain::time::local_date(state.clock.now());
    let mut form = PostForm::blank(today);
    let template = q.and_then(|q| q.into_inner().template);
    if let Some(t) = TEMPLATES.iter().find(|t| Some(t.0) == template.as_deref()) {
        (form.category, form.title, form.description, form.requirements) = (t.3.into(), t.4.into(), t.5.into(), t.6.into());
    }
    (form.address, form.lat, form.lng) = (profile.address, profile.lat.to_string(), profile.lng.to_string());
    render_form(&state, &ctx, form, Fields::default(), desk_target(employer_id, profile.name)).await
}

/// Posts for the employer through `services::desk::post_for` (the station's scope, the
/// free-listing rules, the audit entry, the employer's notice); refusals come back at the fields.
pub async fn desk_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    employer_id: web::Path<i64>,
    form: PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let user = crate::web::desk::desk_user(&ctx)?;
    let employer_id = employer_id.into_inner();
    let name = employers::get(&state, Some(user), employer_id).await?.name;
    let form = PostForm::from_pairs(&form.0);
    let (request, bad) = form.request();
    if !bad.is_empty() {
        return render_form(&state, &ctx, form, Fields(bad), desk_target(employer_id, name)).await;
    }
    match crate::services::desk::post_for(&state, user, employer_id, request).await {
        Ok(v) => Ok(ctx.redirect(&format!("/shifts/{}", v.id))),
        Err(e) => {
            let errors = form_errors(e)?;
            render_form(&state, &ctx, form, errors, desk_target(employer_id, name)).await
        }
    }
}

/// The findings a verdict carries that refuse, as field errors.
fn refusals(v: &Verdict) -> Vec<FieldError> {
    v.findings
        .iter()
        .filter(|f| f.severity == Severity::Refuse)
        .map(|f| FieldError { field: f.field.clone().unwrap_or_else(|| "posting".into()), code: f.code.clone(), msg: f.message.clone() })
        .collect()
}

pub async fn submit(state: web::Data<AppState>, ctx: PageCtx, form: PageForm<Vec<(String, String)>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let form = PostForm::from_pairs(&form.0);
    let (request, mut bad) = form.request();
    if !bad.is_empty() {
        // Nothing is posted; the rest of the form is judged all the same, so one round shows all.
        let verdict = shifts::check(&state, user, request).await?;
        let more: Vec<FieldError> = refusals(&verdict).into_iter().filter(|f| !bad.iter().any(|b| b.field == f.field)).collect();
        bad.extend(more);
        return render_form(&state, &ctx, form, Fields(bad), Target::own()).await;
    }
    match shifts::post(&state, user, request).await {
        Ok(v) => Ok(ctx.redirect(&format!("/employer/shifts/{}?posted=1", v.id))),
        Err(e) => {
            let errors = form_errors(e)?;
            render_form(&state, &ctx, form, errors, Target::own()).await
        }
    }
}

#[derive(Template)]
#[template(path = "web/employer_findings.html")]
struct FindingsFragment<'a> {
    ctx: &'a PageCtx,
    decision: Decision,
    lines: Vec<(String, String, String)>,
}

impl FindingsFragment<'_> {
    fn decision_text(&self) -> &'static str {
        match self.decision {
            Decision::Publish => self.ctx.t("可以直接发布。", "This can be published at once."),
            Decision::Review => self.ctx.t("可以提交，发布前需工作人员审核。", "This can be posted; staff review it before it is published."),
            Decision::Refuse => self.ctx.t("还不能发布，请修改以下内容：", "This cannot be posted yet. Please change:"),
        }
    }
    fn decision_code(&self) -> &'static str {
        match self.decision {
            Decision::Publish => "publish",
            Decision::Review => "review",
            Decision::Refuse => "refuse",
        }
    }
}

/// The live screening: the same verdict `POST /api/v1/shifts/check` gives, as a fragment.
pub async fn check(state: web::Data<AppState>, ctx: PageCtx, form: PageForm<Vec<(String, String)>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let form = PostForm::from_pairs(&form.0);
    let (request, bad) = form.request();
    let mut verdict = shifts::check(&state, user, request).await?;
    let extra: Vec<Finding> =
        bad.into_iter().map(|f| Finding { code: f.code, severity: Severity::Refuse, message: f.msg, matched: None, field: Some(f.field) }).collect();
    if !extra.is_empty() {
        verdict.decision = Decision::Refuse;
        verdict.findings.retain(|f| !extra.iter().any(|x| x.field == f.field));
        verdict.findings.extend(extra);
    }
    let lines = finding_lines(&ctx, &verdict.findings);
    ctx.render(&FindingsFragment { ctx: &ctx, decision: verdict.decision, lines })
}
