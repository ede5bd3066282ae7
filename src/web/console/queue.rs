//! The queue (`/console`): every waiting, report-hidden or reported posting in the moderator's
//! districts with its findings marked in its text and its employer's record; one decision per
//! posting (`/console/shifts/{id}/decide`) or one for the checked ones (`/console/bulk`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::ShiftStatus;
use crate::error::{Error, FieldError, Msg};
use crate::routes::error::ApiError;
use crate::services::moderation::{self, Action, BulkRequest, EmployerHistory, QueueItem, ReasonBody, ReasonView};
use crate::services::page::PageQuery;
use crate::web::console::highlight::{Piece, highlight};
use crate::web::console::{history_line, reason_text, status_word};
use crate::web::employer::field_label;
use crate::web::{Fields, PageCtx, PageForm, form_errors, local_path, show};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console", web::get().to(page)).route("/console/shifts/{id}/decide", web::post().to(decide)).route("/console/bulk", web::post().to(bulk));
}

/// Postings per page: a moderator works down a long list.
const PAGE_SIZE: i64 = 50;

/// One finding as the console lists it.
pub struct FindingLine {
    pub refuse: bool,
    pub message: String,
    pub matched: Option<String>,
    pub field: String,
}

/// One posting of the queue, with its text cut into marked and plain pieces.
pub struct Row {
    pub item: QueueItem,
    pub title: Vec<Piece>,
    pub description: Vec<Piece>,
    pub requirements: Vec<Piece>,
    pub findings: Vec<FindingLine>,
    pub history: Vec<String>,
}

impl Row {
    fn new(ctx: &PageCtx, item: QueueItem, history: Option<&EmployerHistory>) -> Row {
        let findings: Vec<FindingLine> = item
            .findings
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| FindingLine {
                        refuse: f["severity"] == "refuse",
                        message: f["message"][if ctx.en() { "en" } else { "zh" }].as_str().unwrap_or_default().to_string(),
                        matched: f["matched"].as_str().map(str::to_string),
                        field: f["field"].as_str().map(|x| field_label(ctx, x)).unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let phrases: Vec<&str> = findings.iter().filter_map(|f| f.matched.as_deref()).collect();
        Row {
            title: highlight(&item.shift.title, &phrases),
            description: highlight(&item.shift.description, &phrases),
            requirements: highlight(&item.shift.requirements, &phrases),
            history: history.map(|h| history_line(ctx, h)).unwrap_or_default(),
            findings,
            item,
        }
    }

    pub fn id(&self) -> i64 {
        self.item.shift.id
    }

    /// Approve: a waiting posting, or a published one hidden by reports (shown again).
    pub fn may_approve(&self) -> bool {
        let s = self.item.shift.status;
        s == ShiftStatus::PendingReview || (self.item.hidden_by_reports && s == ShiftStatus::Published)
    }

    pub fn may_reject(&self) -> bool {
        self.item.shift.status == ShiftStatus::PendingReview
    }

    pub fn may_take_down(&self) -> bool {
        matches!(self.item.shift.status, ShiftStatus::Published | ShiftStatus::Filled)
    }
}

#[derive(Template)]
#[template(path = "web/console_queue.html")]
struct QueuePage<'a> {
    ctx: &'a PageCtx,
    rows: Vec<Row>,
    total: i64,
    next_cursor: Option<String>,
    reasons: Vec<ReasonView>,
    notice: Option<String>,
    /// A failed decision's errors, shown at that posting's form.
    errors: Fields,
    error_shift: Option<i64>,
    bulk_errors: Fields,
}

impl QueuePage<'_> {
    fn status(&self, r: &Row) -> &'static str {
        status_word(self.ctx, r.item.shift.status)
    }
    fn reason(&self, r: &ReasonView) -> &'static str {
        reason_text(self.ctx, r)
    }
    fn slots(&self, r: &Row) -> Vec<String> {
        r.item.shift.slots.iter().map(|s| show::slot(self.ctx, &s.start, &s.end)).collect()
    }
    /// The pay as posted, with its hourly equivalent beside a day, shift or piece rate (a
    /// moderator checks it against the minimum wage).
    fn pay(&self, r: &Row) -> String {
        let pay = show::pay(self.ctx, &r.item.shift.pay);
        match show::per_hour(self.ctx, &r.item.shift.pay, r.item.shift.pay_per_hour_fen) {
            h if h.is_empty() => pay,
            h => format!("{pay}（{h}）"),
        }
    }
    fn since(&self, r: &Row) -> String {
        show::when(&r.item.waiting_since)
    }
    fn error_at(&self, r: &Row, field: &str) -> Option<String> {
        if self.error_shift == Some(r.id()) { self.errors.get(self.ctx, field) } else { None }
    }
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    cursor: Option<String>,
    decided: Option<i64>,
    did: Option<String>,
    bulk_ok: Option<usize>,
    bulk_failed: Option<usize>,
}

async fn page(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<QueueQuery>>) -> Result<HttpResponse, ApiError> {
    let q = q.map(|q| q.into_inner()).unwrap_or_default();
    let notice = match (q.decided, q.did.as_deref(), q.bulk_ok) {
        (_, _, Some(ok)) => Some(if ctx.en() {
            format!("{ok} postings done, {} failed.", q.bulk_failed.unwrap_or(0))
        } else {
            format!("已处理 {ok} 条，失败 {} 条。", q.bulk_failed.unwrap_or(0))
        }),
        (Some(id), Some(did), _) => {
            let word = match did {
                "approve" => ctx.t("已通过", "approved"),
                "reject" => ctx.t("已驳回", "rejected"),
                _ => ctx.t("已下架", "taken down"),
            };
            Some(if ctx.en() { format!("Posting #{id} {word}.") } else { format!("岗位 #{id} {word}。") })
        }
        _ => None,
    };
    render(&state, &ctx, q.cursor, notice, Fields::default(), None, Fields::default()).await
}

async fn render(
    state: &AppState,
    ctx: &PageCtx,
    cursor: Option<String>,
    notice: Option<String>,
    errors: Fields,
    error_shift: Option<i64>,
    bulk_errors: Fields,
) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let page = PageQuery { limit: Some(PAGE_SIZE), cursor }.parse()?;
    let q = moderation::console_queue(state, user, page).await?;
    let rows = q.queue.items.into_iter().map(|item| {
        let h = q.employers.iter().find(|h| h.employer_id == item.shift.employer.id);
        Row::new(ctx, item, h)
    });
    let status = if errors.any() || bulk_errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let p = QueuePage {
        ctx,
        rows: rows.collect(),
        total: q.queue.total,
        next_cursor: q.queue.next_cursor,
        reasons: moderation::reasons(),
        notice,
        errors,
        error_shift,
        bulk_errors,
    };
    ctx.render_status(status, &p)
}

fn bad(field: &str, zh: &str, en: &str) -> Error {
    Error::Validation(vec![FieldError { field: field.into(), code: "invalid".into(), msg: Msg::new(zh, en) }])
}

fn parse_action(s: &str) -> Result<Action, Error> {
    match s {
        "approve" => Ok(Action::Approve),
        "reject" => Ok(Action::Reject),
        "take_down" => Ok(Action::TakeDown),
        _ => Err(bad("action", "请选择通过、驳回或下架", "choose approve, reject or take down")),
    }
}

fn text(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason_code: String,
    #[serde(default)]
    reason: String,
    /// The console page to return to (the queue, or the reports page for a take-down).
    #[serde(default)]
    back: String,
}

/// Where a console form returns: a console path, else the queue.
pub fn back_to(back: &str) -> String {
    let b = local_path(back);
    if b.starts_with("/console") { b } else { "/console".to_string() }
}

async fn decide(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<DecideForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    let f = form.0;
    let back = back_to(&f.back);
    let result = match parse_action(&f.action) {
        Ok(action) => {
            let body = (action != Action::Approve).then(|| ReasonBody { reason_code: text(&f.reason_code), reason: text(&f.reason) });
            moderation::decide(&state, user, id, action, body).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            let sep = if back.contains('?') { '&' } else { '?' };
            Ok(ctx.redirect(&format!("{back}{sep}decided={id}&did={}", f.action)))
        }
        Err(e) => {
            let errors = form_errors(e)?;
            if back.starts_with("/console/reports") {
                super::reports::render(&state, &ctx, errors, Some(id)).await
            } else {
                render(&state, &ctx, None, None, errors, Some(id), Fields::default()).await
            }
        }
    }
}

async fn bulk(state: web::Data<AppState>, ctx: PageCtx, form: PageForm<Vec<(String, String)>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let (mut ids, mut action, mut reason_code, mut reason) = (Vec::new(), String::new(), String::new(), String::new());
    let mut bad_id = false;
    for (k, v) in form.0 {
        match k.as_str() {
            "shift_ids" => match v.trim().parse::<i64>() {
                Ok(id) => ids.push(id),
                Err(_) => bad_id = true,
            },
            "bulk_action" => action = v,
            "reason_code" => reason_code = v,
            "reason" => reason = v,
            _ => {}
        }
    }
    let result = if bad_id {
        Err(bad("shift_ids", "岗位编号无效", "invalid shift id"))
    } else if ids.is_empty() {
        Err(bad("shift_ids", "请先勾选要处理的岗位", "tick the postings to act on first"))
    } else {
        match parse_action(&action) {
            Ok(action) => moderation::bulk(&state, user, BulkRequest { action, shift_ids: ids, reason_code: text(&reason_code), reason: text(&reason) }).await,
            Err(e) => Err(e),
        }
    };
    match result {
        Ok(results) => {
            let ok = results.iter().filter(|r| r.ok).count();
            Ok(ctx.redirect(&format!("/console?bulk_ok={ok}&bulk_failed={}", results.len() - ok)))
        }
        Err(e) => {
            let errors = form_errors(e)?;
            render(&state, &ctx, None, None, Fields::default(), None, errors).await
        }
    }
}
