//! The synonym groups search expands queries with, and a form to add one (`/console/synonyms`),
//! as the categories page adds a 新职业.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{Error, FieldError, Msg};
use crate::routes::error::ApiError;
use crate::services::synonyms::{self, SynonymGroup};
use crate::web::{Fields, PageCtx, PageForm, form_errors, urlencode};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/synonyms", web::get().to(page)).route("/console/synonyms", web::post().to(add));
}

#[derive(Template)]
#[template(path = "web/console_synonyms.html")]
struct SynonymsPage<'a> {
    ctx: &'a PageCtx,
    groups: Vec<SynonymGroup>,
    added: Option<String>,
    errors: Fields,
    form: SynonymForm,
}

#[derive(Deserialize, Default)]
pub struct SynonymForm {
    #[serde(default)]
    words: String,
}

#[derive(Deserialize, Default)]
pub struct AddedQuery {
    added: Option<String>,
}

async fn page(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<AddedQuery>>) -> Result<HttpResponse, ApiError> {
    let added = q.and_then(|q| q.into_inner().added);
    render(&state, &ctx, added, Fields::default(), SynonymForm::default()).await
}

async fn render(state: &AppState, ctx: &PageCtx, added: Option<String>, errors: Fields, form: SynonymForm) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    // The list is public; the page (and its form) are the console's.
    user.require_moderator()?;
    let groups = synonyms::list_all(state).await?;
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    ctx.render_status(status, &SynonymsPage { ctx, groups, added, errors, form })
}

async fn add(state: web::Data<AppState>, ctx: PageCtx, form: PageForm<SynonymForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let f = form.0;
    match synonyms::add(&state, user, Some(f.words.as_str())).await {
        Ok(g) => Ok(ctx.redirect(&format!("/console/synonyms?added={}", urlencode(&g.words.join(" "))))),
        Err(Error::Conflict(_)) => {
            let msg = Msg::new("这组同义词已经有了", "that group is already in the list");
            let errors = Fields(vec![FieldError { field: "words".into(), code: "exists".into(), msg }]);
            render(&state, &ctx, None, errors, f).await
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render(&state, &ctx, None, errors, f).await
        }
    }
}
