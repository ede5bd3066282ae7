//! 共享用工 pages, for enterprises (`/employer/sharing…`) and for staff (`/console/sharing…`):
//! posting a surplus or shortage, a post with its matches (and, for staff, a form under each
//! match to propose an agreement), and an agreement with the moves the viewer may make. Every
//! handler calls the same `services::sharing` function as the JSON API; the pages work without
//! JavaScript (plain forms, POST → redirect → GET).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::app::AppState;
use crate::domain::sharing::{AgreementAction, AgreementState, InjuryResponsibility, Reason, Side};
use crate::error::{Error, FieldError, Invalid, Msg};
use crate::routes::error::ApiError;
use crate::services::categories::{self, Category};
use crate::services::page::PageRequest;
use crate::services::sharing::{
    self as svc, ActionRequest, AgreementView, CategoryName, MatchView, POLICY_EN, POLICY_ZH, PostRequest, PostView, ProposeRequest,
};
use crate::web::me::Pairs;
use crate::web::{Fields, PageCtx, PageForm, form_errors};

const EMPLOYER: &str = "/employer/sharing";
const CONSOLE: &str = "/console/sharing";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(EMPLOYER, web::get().to(employer_home))
        .route("/employer/sharing/new", web::get().to(new_form))
        .route("/employer/sharing/new", web::post().to(create))
        .route("/employer/sharing/posts/{id}", web::get().to(employer_post))
        .route("/employer/sharing/posts/{id}/withdraw", web::post().to(withdraw))
        .route("/employer/sharing/agreements/{id}", web::get().to(employer_agreement))
        .route("/employer/sharing/agreements/{id}/{action}", web::post().to(employer_act))
        .route(CONSOLE, web::get().to(console_home))
        .route("/console/sharing/posts/{id}", web::get().to(console_post))
        .route("/console/sharing/agreements", web::post().to(propose))
        .route("/console/sharing/agreements/{id}", web::get().to(console_agreement))
        .route("/console/sharing/agreements/{id}/{action}", web::post().to(console_act));
}

fn side_word(ctx: &PageCtx, s: Side) -> &'static str {
    match s {
        Side::Surplus => ctx.t("富余（可借出员工）", "Surplus (staff to lend)"),
        Side::Shortage => ctx.t("短缺（需要员工）", "Shortage (staff needed)"),
    }
}

fn state_word(ctx: &PageCtx, s: AgreementState) -> &'static str {
    match s {
        AgreementState::Proposed => ctx.t("待双方同意", "Waiting for both to agree"),
        AgreementState::Agreed => ctx.t("双方已同意", "Agreed"),
        AgreementState::Running => ctx.t("进行中", "Running"),
        AgreementState::Ended => ctx.t("已结束", "Ended"),
        AgreementState::Cancelled => ctx.t("已取消", "Cancelled"),
    }
}

fn action_word(ctx: &PageCtx, a: AgreementAction) -> &'static str {
    match a {
        AgreementAction::Agree => ctx.t("同意协议", "Agree"),
        AgreementAction::Start => ctx.t("员工已到岗，开始", "Staff arrived: start"),
        AgreementAction::End => ctx.t("结束共享", "End the sharing"),
        AgreementAction::Cancel => ctx.t("取消协议", "Cancel the agreement"),
    }
}

fn names(ctx: &PageCtx, list: &[CategoryName]) -> String {
    let v: Vec<&str> = list.iter().map(|c| if ctx.en() { c.name_en.as_str() } else { c.name_zh.as_str() }).collect();
    v.join(if ctx.en() { ", " } else { "、" })
}

fn reason_text<'a>(ctx: &PageCtx, r: &'a Reason) -> &'a str {
    if ctx.en() { &r.en } else { &r.zh }
}

fn policy(ctx: &PageCtx) -> &'static str {
    ctx.t(POLICY_ZH, POLICY_EN)
}

// ---------------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "web/sharing_home.html")]
struct HomePage<'a> {
    ctx: &'a PageCtx,
    base: &'static str,
    staff: bool,
    posts: Vec<PostView>,
    agreements: Vec<AgreementView>,
    /// Links to the next page of each list, when there is one.
    posts_more: Option<String>,
    agreements_more: Option<String>,
}

/// `?posts=&agreements=`: where each list's page starts (the `next_cursor` the API gives).
#[derive(serde::Deserialize)]
struct HomeQuery {
    posts: Option<String>,
    agreements: Option<String>,
}

/// Rows per page on these pages.
const PAGE_ROWS: i64 = 50;

fn page_at(cursor: Option<&String>) -> PageRequest {
    PageRequest { limit: PAGE_ROWS, cursor: crate::web::page_cursor(cursor.map(String::as_str)) }
}

impl HomePage<'_> {
    fn side(&self, s: &Side) -> &'static str {
        side_word(self.ctx, *s)
    }
    fn state(&self, s: &AgreementState) -> &'static str {
        state_word(self.ctx, *s)
    }
    fn cats(&self, l: &[CategoryName]) -> String {
        names(self.ctx, l)
    }
    fn policy(&self) -> &'static str {
        policy(self.ctx)
    }
}

async fn home(state: &AppState, ctx: &PageCtx, base: &'static str, q: Option<web::Query<HomeQuery>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let q = q.map(|q| q.into_inner()).unwrap_or(HomeQuery { posts: None, agreements: None });
    let posts = svc::list_posts(state, user, page_at(q.posts.as_ref())).await?;
    let agreements = svc::list_agreements(state, user, page_at(q.agreements.as_ref())).await?;
    ctx.render(&HomePage {
        ctx,
        base,
        staff: base == CONSOLE,
        posts: posts.items,
        agreements: agreements.items,
        posts_more: posts.next_cursor.map(|c| format!("{base}?posts={c}#sharing-posts")),
        agreements_more: agreements.next_cursor.map(|c| format!("{base}?agreements={c}#sharing-agreements")),
    })
}

async fn employer_home(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<HomeQuery>>) -> Result<HttpResponse, ApiError> {
    home(&state, &ctx, EMPLOYER, q).await
}

async fn console_home(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<HomeQuery>>) -> Result<HttpResponse, ApiError> {
    home(&state, &ctx, CONSOLE, q).await
}

// ---------------------------------------------------------------------------------------------
// Posting
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "web/sharing_new.html")]
struct NewPage<'a> {
    ctx: &'a PageCtx,
    form: Pairs,
    cats: Vec<Category>,
    errors: Fields,
}

impl NewPage<'_> {
    fn v(&self, key: &str) -> String {
        self.form.one(key)
    }
    fn checked(&self, code: &str) -> bool {
        self.form.all("categories").iter().any(|c| c == code)
    }
    fn policy(&self) -> &'static str {
        policy(self.ctx)
    }
}

#[derive(serde::Deserialize)]
pub struct SideQuery {
    side: Option<String>,
}

async fn new_form(state: web::Data<AppState>, ctx: PageCtx, q: web::Query<SideQuery>) -> Result<HttpResponse, ApiError> {
    ctx.require_user()?;
    let cats = categories::list_all(&state).await?;
    let side = q.into_inner().side.filter(|s| Side::parse(s).is_ok()).unwrap_or_else(|| "surplus".into());
    ctx.render(&NewPage {
        ctx: &ctx,
        form: serde_urlencoded::from_str::<Pairs>(&format!("side={side}")).unwrap_or_else(|_| empty_form()),
        cats,
        errors: Fields::default(),
    })
}

fn empty_form() -> Pairs {
    serde_urlencoded::from_str::<Pairs>("").expect("an empty form reads")
}

fn number<T: std::str::FromStr>(bad: &mut Vec<FieldError>, field: &str, v: &str, msg: (&str, &str)) -> Option<T> {
    if v.is_empty() {
        return None;
    }
    match v.parse::<T>() {
        Ok(x) => Some(x),
        Err(_) => {
            bad.push(FieldError::new(field, Invalid::new("invalid", msg.0, msg.1)));
            None
        }
    }
}

const NOT_A_NUMBER: (&str, &str) = ("请填写数字", "give a number");

fn post_request(f: &Pairs) -> (PostRequest, Vec<FieldError>) {
    let mut bad = Vec::new();
    let opt = |k: &str| Some(f.one(k)).filter(|s| !s.is_empty());
    let req = PostRequest {
        side: opt("side"),
        categories: Some(f.all("categories")),
        headcount: number(&mut bad, "headcount", &f.one("headcount"), NOT_A_NUMBER),
        start_date: opt("start_date"),
        end_date: opt("end_date"),
        address: Some(f.one("address")),
        lat: number::<f64>(&mut bad, "lat", &f.one("lat"), NOT_A_NUMBER).filter(|x| x.is_finite()),
        lng: number::<f64>(&mut bad, "lng", &f.one("lng"), NOT_A_NUMBER).filter(|x| x.is_finite()),
        adcode: opt("adcode"),
        note: Some(f.one("note")),
    };
    (req, bad)
}

async fn create(state: web::Data<AppState>, ctx: PageCtx, form: PageForm<Pairs>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let f = form.0;
    let (req, bad) = post_request(&f);
    let result = if bad.is_empty() { svc::create_post(&state, user, req).await } else { Err(Error::Validation(bad)) };
    match result {
        Ok(p) => Ok(ctx.redirect(&format!("{EMPLOYER}/posts/{}", p.id))),
        Err(e) => {
            let errors = form_errors(e)?;
            let cats = categories::list_all(&state).await?;
            ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &NewPage { ctx: &ctx, form: f, cats, errors })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One post with its matches
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "web/sharing_post.html")]
struct PostPage<'a> {
    ctx: &'a PageCtx,
    base: &'static str,
    staff: bool,
    post: PostView,
    matches: Vec<MatchView>,
    /// The match (its post id) a refused proposal was for, with what was typed.
    failed: Option<(i64, Pairs)>,
    errors: Fields,
}

impl PostPage<'_> {
    fn side(&self, s: &Side) -> &'static str {
        side_word(self.ctx, *s)
    }
    fn cats(&self, l: &[CategoryName]) -> String {
        names(self.ctx, l)
    }
    fn reason<'r>(&self, r: &'r Reason) -> &'r str {
        reason_text(self.ctx, r)
    }
    fn policy(&self) -> &'static str {
        policy(self.ctx)
    }
    /// The proposal form's short inputs: (name, label zh, label en).
    fn number_fields(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        vec![
            ("headcount", "共享人数", "Staff to share"),
            ("start_date", "开始日期", "From"),
            ("end_date", "结束日期", "Until"),
            ("consenting_workers", "书面同意参加的员工人数（不少于共享人数）", "Workers who consented in writing (at least the staff to share)"),
        ]
    }
    /// The work-injury choices: (value, zh, en).
    fn injuries(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        vec![
            ("lender", "借出方（原用人单位，默认）", "The lending enterprise (the original employer, default)"),
            ("borrower", "借入方（双方另有约定）", "The borrowing enterprise (agreed otherwise)"),
            ("shared", "双方分担（双方另有约定）", "Shared (agreed otherwise)"),
        ]
    }
    /// The (surplus, shortage) ids of a match of this post.
    fn pair(&self, m: &MatchView) -> (i64, i64) {
        if self.post.side == Side::Surplus { (self.post.id, m.post.id) } else { (m.post.id, self.post.id) }
    }
    /// A value for a match's proposal form: what was typed if it was refused, else the default.
    fn v(&self, m: &MatchView, key: &str) -> String {
        match &self.failed {
            Some((id, f)) if *id == m.post.id => f.one(key),
            _ => match key {
                "headcount" | "consenting_workers" => m.headcount.to_string(),
                "start_date" => m.overlap_start.clone(),
                "end_date" => m.overlap_end.clone(),
                "injury_responsibility" => "lender".into(),
                _ => String::new(),
            },
        }
    }
    fn injury_is(&self, m: &MatchView, value: &str) -> bool {
        self.v(m, "injury_responsibility") == value
    }
    fn error(&self, m: &MatchView, field: &str) -> Option<String> {
        match &self.failed {
            Some((id, _)) if *id == m.post.id => self.errors.get(self.ctx, field),
            _ => None,
        }
    }
}

async fn post_page(
    state: &AppState,
    ctx: &PageCtx,
    base: &'static str,
    id: i64,
    failed: Option<(i64, Pairs)>,
    errors: Fields,
) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let post = svc::get_post(state, user, id).await?;
    let matches = svc::matches(state, user, id).await?;
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    ctx.render_status(status, &PostPage { ctx, base, staff: base == CONSOLE, post, matches, failed, errors })
}

async fn employer_post(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    post_page(&state, &ctx, EMPLOYER, id.into_inner(), None, Fields::default()).await
}

async fn console_post(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    post_page(&state, &ctx, CONSOLE, id.into_inner(), None, Fields::default()).await
}

async fn withdraw(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, _f: PageForm<serde::de::IgnoredAny>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    svc::withdraw_post(&state, user, id).await?;
    Ok(ctx.redirect(&format!("{EMPLOYER}/posts/{id}")))
}

fn propose_request(f: &Pairs) -> (ProposeRequest, Vec<FieldError>) {
    let mut bad = Vec::new();
    let opt = |k: &str| Some(f.one(k)).filter(|s| !s.is_empty());
    let req = ProposeRequest {
        surplus_post_id: number(&mut bad, "surplus_post_id", &f.one("surplus_post_id"), NOT_A_NUMBER),
        shortage_post_id: number(&mut bad, "shortage_post_id", &f.one("shortage_post_id"), NOT_A_NUMBER),
        headcount: number(&mut bad, "headcount", &f.one("headcount"), NOT_A_NUMBER),
        start_date: opt("start_date"),
        end_date: opt("end_date"),
        consenting_workers: number(&mut bad, "consenting_workers", &f.one("consenting_workers"), NOT_A_NUMBER),
        consent_note: Some(f.one("consent_note")),
        injury_responsibility: opt("injury_responsibility"),
        injury_note: opt("injury_note"),
        terms: Some(f.one("terms")),
    };
    (req, bad)
}

async fn propose(state: web::Data<AppState>, ctx: PageCtx, form: PageForm<Pairs>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let f = form.0;
    let (req, bad) = propose_request(&f);
    // The page the form was on, and the match it was under.
    let (from, other) = (f.one("from").parse::<i64>().ok(), f.one("other").parse::<i64>().ok());
    let result = if bad.is_empty() { svc::propose(&state, user, req).await } else { Err(Error::Validation(bad)) };
    match result {
        Ok(a) => Ok(ctx.redirect(&format!("{CONSOLE}/agreements/{}", a.id))),
        Err(e) => {
            let errors = form_errors(e)?;
            match (from, other) {
                (Some(from), Some(other)) => post_page(&state, &ctx, CONSOLE, from, Some((other, f)), errors).await,
                _ => Err(Error::Validation(errors.0).into()),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One agreement
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "web/sharing_agreement.html")]
struct AgreementPage<'a> {
    ctx: &'a PageCtx,
    base: &'static str,
    a: AgreementView,
    errors: Fields,
}

impl AgreementPage<'_> {
    fn state(&self) -> &'static str {
        state_word(self.ctx, self.a.state)
    }
    fn state_code(&self) -> &'static str {
        self.a.state.as_str()
    }
    fn cats(&self) -> String {
        names(self.ctx, &self.a.categories)
    }
    fn action(&self, a: &AgreementAction) -> &'static str {
        action_word(self.ctx, *a)
    }
    fn action_code(&self, a: &AgreementAction) -> &'static str {
        a.as_str()
    }
    fn is_cancel(&self, a: &AgreementAction) -> bool {
        *a == AgreementAction::Cancel
    }
    fn injury(&self) -> &'static str {
        match self.a.injury_responsibility {
            InjuryResponsibility::Lender => self.ctx.t("借出方（原用人单位）", "The lending enterprise (the original employer)"),
            InjuryResponsibility::Borrower => self.ctx.t("借入方（双方另有约定）", "The borrowing enterprise (as the two agreed)"),
            InjuryResponsibility::Shared => self.ctx.t("双方分担（双方另有约定）", "Shared (as the two agreed)"),
        }
    }
    fn agreed(&self, yes: &bool) -> &'static str {
        if *yes { self.ctx.t("已同意", "agreed") } else { self.ctx.t("尚未同意", "not yet") }
    }
    fn policy(&self) -> &'static str {
        policy(self.ctx)
    }
}

async fn agreement_page(state: &AppState, ctx: &PageCtx, base: &'static str, id: i64, errors: Fields) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let a = svc::get_agreement(state, user, id).await?;
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    ctx.render_status(status, &AgreementPage { ctx, base, a, errors })
}

async fn employer_agreement(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    agreement_page(&state, &ctx, EMPLOYER, id.into_inner(), Fields::default()).await
}

async fn console_agreement(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    agreement_page(&state, &ctx, CONSOLE, id.into_inner(), Fields::default()).await
}

async fn act(state: &AppState, ctx: &PageCtx, base: &'static str, id: i64, action: &str, f: Pairs) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let action = AgreementAction::from_path(action).ok_or_else(ApiError::route_not_found)?;
    let reason = Some(f.one("reason")).filter(|s| !s.is_empty());
    match svc::act(state, user, id, action, ActionRequest { reason }).await {
        Ok(_) => Ok(ctx.redirect(&format!("{base}/agreements/{id}"))),
        Err(e @ Error::Conflict(_)) => {
            // A move the state no longer allows (a second tab, a replay) is said on the page.
            let msg = e.msg();
            agreement_page(state, ctx, base, id, Fields(vec![FieldError { field: "actions".into(), code: e.code().into(), msg: Msg::new(msg.zh, msg.en) }]))
                .await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            agreement_page(state, ctx, base, id, errors).await
        }
    }
}

async fn employer_act(state: web::Data<AppState>, ctx: PageCtx, path: web::Path<(i64, String)>, form: PageForm<Pairs>) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    act(&state, &ctx, EMPLOYER, id, &action, form.0).await
}

async fn console_act(state: web::Data<AppState>, ctx: PageCtx, path: web::Path<(i64, String)>, form: PageForm<Pairs>) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    act(&state, &ctx, CONSOLE, id, &action, form.0).await
}
