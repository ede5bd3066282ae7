//! Staff scopes (`/console/staff`, admins only, as the API's `PUT /staff/{id}/scope`): every
//! staff account with the districts it is limited to, and a form per account to set them as
//! adcode prefixes, comma separated.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::{Role, UserId};
use crate::error::FieldError;
use crate::routes::error::ApiError;
use crate::services::accounts::{self, StaffView};
use crate::web::{Fields, PageCtx, PageForm, form_errors};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/staff", web::get().to(page)).route("/console/staff/{id}/scope", web::post().to(set_scope));
}

#[derive(Template)]
#[template(path = "web/console_staff.html")]
struct StaffPage<'a> {
    ctx: &'a PageCtx,
    staff: Vec<StaffView>,
    notice: Option<String>,
    /// A refused scope's errors (field `adcodes-{id}`, the id of its input) and what was typed.
    errors: Fields,
    error_staff: Option<i64>,
    typed: String,
}

impl StaffPage<'_> {
    fn role(&self, s: &StaffView) -> &'static str {
        match s.role {
            Role::Admin => self.ctx.t("管理员", "Admin"),
            Role::Moderator => self.ctx.t("审核员", "Moderator"),
            Role::StationStaff => self.ctx.t("服务站工作人员", "Station staff"),
            _ => "",
        }
    }
    /// The input's value: what was typed on a refused save, else the stored codes.
    fn value(&self, s: &StaffView) -> String {
        if self.error_staff == Some(s.id) { self.typed.clone() } else { s.scope.iter().map(|c| c.code.as_str()).collect::<Vec<_>>().join(", ") }
    }
    fn error(&self, s: &StaffView) -> Option<String> {
        if self.error_staff == Some(s.id) { self.errors.get(self.ctx, &format!("adcodes-{}", s.id)) } else { None }
    }
}

#[derive(Deserialize, Default)]
pub struct StaffQuery {
    saved: Option<i64>,
}

async fn page(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<StaffQuery>>) -> Result<HttpResponse, ApiError> {
    let notice = q.and_then(|q| q.into_inner().saved).map(|id| if ctx.en() { format!("Scope of #{id} saved.") } else { format!("#{id} 的辖区已保存。") });
    render(&state, &ctx, notice, Fields::default(), None, String::new()).await
}

async fn render(
    state: &AppState,
    ctx: &PageCtx,
    notice: Option<String>,
    errors: Fields,
    error_staff: Option<i64>,
    typed: String,
) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let staff = accounts::list_staff(state, user).await?;
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    ctx.render_status(status, &StaffPage { ctx, staff, notice, errors, error_staff, typed })
}

#[derive(Deserialize)]
pub struct ScopeForm {
    #[serde(default)]
    adcodes: String,
}

/// The codes as typed: separated by commas (ASCII or Chinese), semicolons or spaces; none at
/// all means everywhere.
fn codes(typed: &str) -> Vec<String> {
    typed.split([',', '，', '、', ';', '；', ' ', '\t', '\n']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect()
}

async fn set_scope(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<ScopeForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    let typed = form.0.adcodes;
    match accounts::set_staff_scope(&state, user, UserId(id), codes(&typed)).await {
        Ok(()) => Ok(ctx.redirect(&format!("/console/staff?saved={id}"))),
        Err(e) => {
            // The service names the codes `adcodes[i]`; on the page they belong to this row's
            // input, which the error summary links to.
            let Fields(errs) = form_errors(e)?;
            let field = format!("adcodes-{id}");
            let errs = errs.into_iter().map(|f| FieldError { field: field.clone(), ..f }).collect();
            render(&state, &ctx, None, Fields(errs), Some(id), typed).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::codes;

    #[test]
    fn codes_split_on_any_common_separator() {
        assert_eq!(codes(" 11, 4403，110105、 ; "), ["11", "4403", "110105"]);
        assert!(codes("  ").is_empty());
    }
}
