//! The employer profile (`GET/POST /employer/profile`): `services::employers::get_mine` and
//! `put_mine`, as `GET/PUT /api/v1/employers/me`, with the verification status in words.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{Error, FieldError, Msg};
use crate::routes::error::ApiError;
use crate::services::employers::{self, EmployerRequest, EmployerView};
use crate::web::{Fields, PageCtx, PageForm, form_errors};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/employer/profile", web::get().to(form)).route("/employer/profile", web::post().to(save));
}

#[derive(Deserialize, Default, Clone)]
pub struct ProfileForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lng: String,
    #[serde(default)]
    description: String,
}

impl ProfileForm {
    fn of(v: &EmployerView) -> ProfileForm {
        ProfileForm {
            name: v.name.clone(),
            kind: v.kind.clone(),
            credit_code: v.credit_code.clone().unwrap_or_default(),
            contact_name: v.contact_name.clone().unwrap_or_default(),
            contact_phone: v.contact_phone.clone().unwrap_or_default(),
            address: v.address.clone(),
            lat: v.lat.to_string(),
            lng: v.lng.to_string(),
            description: v.description.clone(),
        }
    }

    fn request(&self) -> (EmployerRequest, Vec<FieldError>) {
        let mut errs = Vec::new();
        let mut coord = |field: &str, v: &str| match v.trim() {
            "" => None,
            v => match v.parse::<f64>() {
                Ok(x) if x.is_finite() => Some(x),
                _ => {
                    errs.push(FieldError {
                        field: field.into(),
                        code: "invalid".into(),
                        msg: Msg::new("请填写数字形式的经纬度，或点“用我的位置”", "give the coordinate as a number, or use “Use my location”"),
                    });
                    None
                }
            },
        };
        let (lat, lng) = (coord("lat", &self.lat), coord("lng", &self.lng));
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let req = EmployerRequest {
            name: Some(self.name.trim().to_string()),
            kind: opt(&self.kind),
            credit_code: opt(&self.credit_code),
            contact_name: Some(self.contact_name.trim().to_string()),
            contact_phone: Some(self.contact_phone.trim().to_string()),
            address: Some(self.address.trim().to_string()),
            lat,
            lng,
            adcode: None,
            description: Some(self.description.trim().to_string()),
        };
        (req, errs)
    }
}

#[derive(Template)]
#[template(path = "web/employer_profile.html")]
struct ProfilePage<'a> {
    ctx: &'a PageCtx,
    form: ProfileForm,
    current: Option<EmployerView>,
    errors: Fields,
    saved: bool,
}

impl ProfilePage<'_> {
    /// The verification status in words.
    fn status(&self) -> String {
        let ctx = self.ctx;
        match &self.current {
            None => ctx.t("还没有填写单位信息。填写后才能发布岗位。", "No profile yet. Fill it in to post shifts.").to_string(),
            Some(v) if v.blocked => {
                let why = v.blocked_reason.clone().unwrap_or_default();
                format!("{}{why}", ctx.t("已被停用，不能发布新岗位。原因：", "Blocked: no new postings. Reason: "))
            }
            Some(v) if v.verified => ctx.t("已实名认证：岗位审核通过后直接发布。", "Verified: your clean postings are published at once.").to_string(),
            Some(_) => ctx
                .t(
                    "待认证：工作人员核实单位信息后完成实名认证。认证前发布的岗位需审核后才会公开。",
                    "Not verified yet: staff check your details. Until then your postings are reviewed before they are published.",
                )
                .to_string(),
        }
    }
    fn status_code(&self) -> &'static str {
        match &self.current {
            None => "none",
            Some(v) if v.blocked => "blocked",
            Some(v) if v.verified => "verified",
            Some(_) => "unverified",
        }
    }
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

async fn form(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<SavedQuery>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let current = match employers::get_mine(&state, user).await {
        Ok(v) => Some(v),
        Err(Error::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let form = current.as_ref().map(ProfileForm::of).unwrap_or_else(|| ProfileForm { kind: "individual".into(), ..Default::default() });
    ctx.render(&ProfilePage { ctx: &ctx, form, current, errors: Fields::default(), saved: q.is_some_and(|q| q.saved.is_some()) })
}

async fn save(state: web::Data<AppState>, ctx: PageCtx, form: PageForm<ProfileForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let f = form.0;
    let (req, bad) = f.request();
    let result = if bad.is_empty() { employers::put_mine(&state, user, req).await } else { Err(Error::Validation(bad)) };
    match result {
        Ok(_) => Ok(ctx.redirect("/employer/profile?saved=1")),
        Err(e) => {
            let errors = form_errors(e)?;
            let current = employers::get_mine(&state, user).await.ok();
            ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &ProfilePage { ctx: &ctx, form: f, current, errors, saved: false })
        }
    }
}
