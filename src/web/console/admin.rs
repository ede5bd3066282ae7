//! The occupation list with a form to add a 新职业 (`/console/categories`), and the audit log
//! with its filters, paged (`/console/audit`, admins only, as the API's `GET /audit`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{Error, FieldError, Msg};
use crate::routes::error::ApiError;
use crate::services::audit::{self, AuditView, Filter};
use crate::services::categories::{self, Category, NewCategory};
use crate::services::page::PageQuery;
use crate::web::{Fields, PageCtx, PageForm, form_errors, show, urlencode};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/categories", web::get().to(categories_page))
        .route("/console/categories", web::post().to(add_category))
        .route("/console/audit", web::get().to(audit_page));
}

#[derive(Template)]
#[template(path = "web/console_categories.html")]
struct CategoriesPage<'a> {
    ctx: &'a PageCtx,
    categories: Vec<Category>,
    added: Option<String>,
    errors: Fields,
    form: CategoryForm,
}

#[derive(Deserialize, Default)]
pub struct CategoryForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    group_zh: String,
    #[serde(default)]
    keywords: String,
    #[serde(default)]
    ccdo_code: String,
    #[serde(default)]
    effective_from: String,
}

#[derive(Deserialize, Default)]
pub struct AddedQuery {
    added: Option<String>,
}

async fn categories_page(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<AddedQuery>>) -> Result<HttpResponse, ApiError> {
    let added = q.and_then(|q| q.into_inner().added);
    render_categories(&state, &ctx, added, Fields::default(), CategoryForm::default()).await
}

async fn render_categories(state: &AppState, ctx: &PageCtx, added: Option<String>, errors: Fields, form: CategoryForm) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    // The list is public; the page (and its form) are the console's.
    user.require_moderator()?;
    let categories = categories::list_all(state).await?;
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    ctx.render_status(status, &CategoriesPage { ctx, categories, added, errors, form })
}

fn opt(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

async fn add_category(state: web::Data<AppState>, ctx: PageCtx, form: PageForm<CategoryForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let f = form.0;
    let parsed = NewCategory::parse_occupation(
        opt(&f.code),
        opt(&f.name_zh),
        opt(&f.name_en),
        opt(&f.group_zh),
        Some(f.keywords.trim()),
        opt(&f.ccdo_code),
        opt(&f.effective_from),
    );
    let result = match parsed {
        Ok(c) => categories::add(&state, user, c).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Ok(ctx.redirect(&format!("/console/categories?added={}", urlencode(&c.code)))),
        Err(Error::Conflict(_)) => {
            let errors =
                Fields(vec![FieldError {
                    field: "code".into(), code: "exists".into(), msg: Msg::new("这个代码已经有了", "that code is already in the list")
                }]);
            render_categories(&state, &ctx, None, errors, f).await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render_categories(&state, &ctx, None, errors, f).await
        }
    }
}

#[derive(Template)]
#[template(path = "web/console_audit.html")]
struct AuditPage<'a> {
    ctx: &'a PageCtx,
    items: Vec<AuditView>,
    next: Option<String>,
    q: AuditQuery,
}

impl AuditPage<'_> {
    fn when(&self, a: &AuditView) -> String {
        show::when(&a.created_at)
    }
    fn change(&self, a: &AuditView) -> String {
        let f = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_else(|| "—".into());
        format!("{} → {}", f(&a.before), f(&a.after))
    }
}

/// The filters as typed (kept as text so the form shows them back).
#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    target_type: String,
    #[serde(default)]
    target_id: String,
    #[serde(default)]
    actor_id: String,
    #[serde(default)]
    cursor: String,
}

impl AuditQuery {
    fn id(field: &str, s: &str) -> Result<Option<i64>, Error> {
        match s.trim() {
            "" => Ok(None),
            t => t.parse::<i64>().map(Some).map_err(|_| {
                Error::Validation(vec![FieldError { field: field.into(), code: "invalid".into(), msg: Msg::new("请填写数字编号", "give a number") }])
            }),
        }
    }

    /// The query string of these filters (for the next page's link).
    fn filters(&self) -> String {
        format!(
            "target_type={}&target_id={}&actor_id={}",
            urlencode(self.target_type.trim()),
            urlencode(self.target_id.trim()),
            urlencode(self.actor_id.trim())
        )
    }
}

async fn audit_page(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<AuditQuery>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let q = q.map(|q| q.into_inner()).unwrap_or_default();
    let filter = Filter {
        target_type: opt(&q.target_type).map(str::to_string),
        target_id: AuditQuery::id("target_id", &q.target_id)?,
        actor_id: AuditQuery::id("actor_id", &q.actor_id)?,
    };
    let page = PageQuery { limit: Some(50), cursor: opt(&q.cursor).map(str::to_string) }.parse()?;
    let p = audit::browse(&state, user, filter, page).await?;
    let next = p.next_cursor.map(|c| format!("/console/audit?{}&cursor={c}", q.filters()));
    ctx.render(&AuditPage { ctx: &ctx, items: p.items, next, q })
}
