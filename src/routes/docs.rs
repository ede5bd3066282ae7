//! The OpenAPI 3.1 document, generated from the handlers and types, and a Swagger UI whose assets
//! are compiled into the binary (no CDN).

use actix_web::web;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::routes::events;
use crate::routes::idempotency::OpenApiHeader as IdempotencyHeader;
use crate::routes::stats;
use crate::routes::{
    alerts, auth, availability, categories, desk, districts, employers, engagements, inbox, moderation, opendata, ops, reports, search, sharing, shifts,
    stations, synonyms, workers,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "lingong API", description = "lingong 零工市场: public gig-labour market: shifts, worker availability, matching, moderation and engagements (from match to paid shift). Posting is always free."),
    paths(
        auth::register, auth::login, auth::logout, auth::logout_everywhere, auth::change_password, auth::me,
        employers::put_me, employers::get_me, employers::get_one, employers::verify,
        workers::put_me, workers::get_me, workers::get_one,
        shifts::create, shifts::check, shifts::get_one, shifts::update, shifts::close, shifts::list_mine,
        opendata::export_csv, opendata::import_csv,
        availability::create, availability::get_one, availability::update, availability::delete, availability::list_mine,
        categories::list, categories::create,
        synonyms::list, synonyms::create, synonyms::delete,
        districts::search,
        search::search_shifts, search::my_matches, search::shift_matches, search::search_availability,
        moderation::queue, moderation::reasons, moderation::approve, moderation::reject, moderation::take_down, moderation::bulk,
        moderation::block, moderation::unblock, moderation::resolve_report, moderation::set_scope, moderation::audit_log,
        reports::create, reports::get_one, reports::confirm_email, reports::policy,
        alerts::create, alerts::list_mine, alerts::delete, alerts::unsubscribe_page, alerts::unsubscribe,
        inbox::list, inbox::unread_count, inbox::read_one, inbox::read_all,
        stations::create, stations::list, stations::get_one, stations::assign_staff, stations::remove_staff,
        desk::register_worker, desk::register_employer, desk::lookup, desk::new_claim_code, desk::apply_for, desk::availability_for, desk::check_in_for, desk::post_for, desk::claim, desk::figures,
        engagements::apply, engagements::invite, engagements::get_one, engagements::act, engagements::correct_attendance,
        engagements::arrears_report, engagements::rate, engagements::hide_rating, engagements::list_for_worker, engagements::list_for_employer,
        engagements::rotate_calendar, engagements::revoke_calendar, engagements::calendar_feed,
        events::list, events::create, events::get_one, events::update, events::cancel, events::join, events::attach_shift, events::detach_shift,
        events::register_interest, events::withdraw_interest, events::check_in, events::desk_check_in, events::counts,
        stats::staff, stats::public,
        ops::healthz, ops::readyz, ops::metrics,
        sharing::create_post, sharing::list_posts, sharing::get_post, sharing::withdraw_post, sharing::matches,
        sharing::propose, sharing::list_agreements, sharing::get_agreement, sharing::act,
    ),
    modifiers(&BearerAuth, &IdempotencyHeader, &ErrorResponses),
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
        (name = "stations", description = "Community employment service stations (社区就业服务站) and their staff"),
        (name = "desk", description = "The station desk: 求职登记 and 用工登记 in person, acting for someone at the desk, and claiming a desk-registered account"),
        (name = "events", description = "Recruitment events (专场招聘): staff hold them, employers join with their shifts, workers register, check in by QR code, and the counts afterwards"),
        (name = "inbox", description = "The in-app inbox (站内信): every notification to the signed-in user, mailed or not"),
        (name = "stats", description = "统计监测 for staff, and the public 求人倍率 table (openings per job seeker)"),
        (name = "ops", description = "Health and metrics"),
        (name = "sharing", description = "共享用工: labour sharing between enterprises. Verified enterprises post a surplus or shortage of staff; staff of the district broker a match into an agreement both enterprises agree to. The lending enterprise keeps the labour relation and pays wages and social insurance; workers take part only with their consent; sharing is never for profit, so no request carries a fee and any charge in a text is refused."),
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

/// Operations that answer without the database (everything else can be 503 `database_unavailable`;
/// `/readyz` documents its own 503 body).
pub const WITHOUT_DATABASE: &[&str] = &["ops_healthz", "ops_metrics", "ops_readyz", "districts_search", "reports_policy", "moderation_reasons"];

/// Operations behind a rate-limit budget (429 with `Retry-After`).
pub const RATE_LIMITED: &[&str] = &["auth_register", "auth_login", "reports_create", "shifts_create", "shifts_import"];

/// Adds the error statuses every operation of a kind can answer, in the one error shape, so no
/// handler has to list them: 401 on secured operations (no, expired or unknown token), 400 and
/// 413 and 422 on JSON bodies (malformed, too large, wrong shape), 422 on query parameters
/// (unknown or unparsable), 404 on path parameters (no such resource), 429 on rate-limited
/// operations, 503 on operations that read or write the database.
struct ErrorResponses;

/// Paths whose secured operations act on the caller's own worker or employer profile's things.
const PROFILE_PATHS: &[&str] = &["/api/v1/workers/me", "/api/v1/employers/me", "/api/v1/availability", "/api/v1/shifts", "/api/v1/engagements"];
/// The operations that fill a profile in (they cannot need one).
const PROFILE_WRITERS: &[&str] = &["workers_put_me", "employers_put_me", "workers_get_me", "employers_get_me"];

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            // Operations of a worker's or an employer's own things need that profile first.
            let needs_profile = PROFILE_PATHS.iter().any(|p| path.starts_with(p));
            for op in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten() {
                let id = op.operation_id.clone().unwrap_or_default();
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let params = op.parameters.as_deref().unwrap_or_default();
                let has_query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
                let has_path = params.iter().any(|p| p.parameter_in == ParameterIn::Path);
                let json_body = op.request_body.as_ref().is_some_and(|b| b.content.contains_key("application/json"));
                let mut add = |status: &str, description: &str| {
                    op.responses.responses.entry(status.to_string()).or_insert_with(|| error(description).into());
                };
                if json_body {
                    add("400", "malformed JSON, or a body that is not a JSON object (`malformed_json`)");
                    add("413", "the body is larger than the server's limit (`payload_too_large`)");
                    add("422", "invalid fields, each named in `fields` (`validation_failed`)");
                }
                if has_query {
                    add("422", "an unknown, unparsable or invalid query parameter, named in `fields` (`validation_failed`)");
                }
                if has_path {
                    add("404", "no such resource (`not_found`)");
                }
                if secured {
                    add("401", "no bearer token, or an expired or revoked one (`unauthorized`)");
                    if !["auth_me", "auth_logout"].contains(&id.as_str()) {
                        add("403", "the signed-in account's role or scope may not do this (`forbidden`)");
                    }
                }
                if secured && needs_profile && !PROFILE_WRITERS.contains(&id.as_str()) {
                    add("409", "the worker or employer profile this needs is not filled in yet (`worker_profile_required`, `employer_profile_required`)");
                }
                if secured && path.starts_with("/api/v1/desk/") {
                    add("409", "the staff account is not assigned to a station yet (`not_at_station`)");
                }
                if RATE_LIMITED.contains(&id.as_str()) {
                    add("429", "too many requests; retry after `Retry-After` seconds (`rate_limited`)");
                }
                if !WITHOUT_DATABASE.contains(&id.as_str()) {
                    add("503", "the database cannot be reached (`database_unavailable`)");
                }
            }
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/docs", web::get().to(|| async { actix_web::HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish() }));
    cfg.service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", ApiDoc::openapi()));
}
