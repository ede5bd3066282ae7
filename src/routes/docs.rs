//! The OpenAPI 3.1 document, generated from the handlers and types, and a Swagger UI whose assets
//! are compiled into the binary (no CDN).

use actix_web::web;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::routes::{alerts, auth, availability, categories, districts, employers, engagements, moderation, ops, reports, search, shifts, workers};

#[derive(OpenApi)]
#[openapi(
    info(title = "lingong API", description = "lingong 零工市场: public gig-labour market: shifts, worker availability, matching, moderation and engagements (from match to paid shift). Posting is always free."),
    paths(
        auth::register, auth::login, auth::logout, auth::me,
        employers::put_me, employers::get_me, employers::get_one, employers::verify,
        workers::put_me, workers::get_me, workers::get_one,
        shifts::create, shifts::check, shifts::get_one, shifts::update, shifts::close, shifts::list_mine,
        availability::create, availability::get_one, availability::update, availability::delete, availability::list_mine,
        categories::list, categories::create,
        districts::search,
        search::search_shifts, search::my_matches, search::shift_matches, search::search_availability,
        moderation::queue, moderation::reasons, moderation::approve, moderation::reject, moderation::take_down, moderation::bulk,
        moderation::block, moderation::unblock, moderation::resolve_report, moderation::set_scope, moderation::audit_log,
        reports::create, reports::get_one, reports::policy,
        alerts::create, alerts::list_mine, alerts::delete, alerts::unsubscribe_page, alerts::unsubscribe,
        engagements::apply, engagements::invite, engagements::get_one, engagements::act, engagements::correct_attendance,
        engagements::arrears_report, engagements::rate, engagements::hide_rating, engagements::list_for_worker, engagements::list_for_employer,
        engagements::rotate_calendar, engagements::revoke_calendar, engagements::calendar_feed,
        ops::healthz, ops::readyz, ops::metrics,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "employers", description = "Employer profiles and verification"),
        (name = "workers", description = "Worker profiles"),
        (name = "shifts", description = "Shift postings"),
        (name = "availability", description = "When and where workers can work"),
        (name = "categories", description = "Occupation taxonomy"),
        (name = "districts", description = "Administrative divisions"),
        (name = "search", description = "Search and matching, with scores and reasons"),
        (name = "moderation", description = "Bureau staff: review queue, actions, blocks, audit log"),
        (name = "engagements", description = "Applications, instant claims, invitations, attendance, completion and pay, ratings, calendar feed"),
        (name = "reports", description = "Complaints (投诉举报) and the published service rules"),
        (name = "alerts", description = "Match alerts by mail, and their no-login unsubscribe link"),
        (name = "ops", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/docs", web::get().to(|| async { actix_web::HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish() }));
    cfg.service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", ApiDoc::openapi()));
}
