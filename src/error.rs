//! What can go wrong in an operation, as values. Services return [`Error`]; only the HTTP layer
//! (`routes::error`) knows which status code each variant becomes. Every message lives here, once,
//! keyed by its code: a code has one wording in Chinese and one in English, wherever it is raised.
//!
//! This module is pure: it names neither diesel nor actix (a test checks that).

use crate::domain::ShiftStatus;

/// A message in both languages the service speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub zh: String,
    pub en: String,
}

impl Msg {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Msg {
        Msg { zh: zh.into(), en: en.into() }
    }

    pub fn pick(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Chinese unless the client's first preference is English.
    pub fn from_accept_language(value: Option<&str>) -> Lang {
        let Some(value) = value else { return Lang::Zh };
        let first = value.split(',').next().unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if first == "en" || first.starts_with("en-") { Lang::En } else { Lang::Zh }
    }
}

/// Why one field was refused. Domain constructors return these; `FieldErrors` attaches the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub msg: Msg,
}

impl Invalid {
    pub fn new(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Invalid {
        Invalid { code, msg: Msg::new(zh, en) }
    }

    pub fn required() -> Invalid {
        Invalid::new("required", "此项必填", "this field is required")
    }

    /// A number outside its allowed range, e.g. `limit` 1–100.
    pub fn out_of_range(zh: impl Into<String>, en: impl Into<String>) -> Invalid {
        Invalid::new("out_of_range", zh, en)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub msg: Msg,
}

impl FieldError {
    pub fn new(field: impl Into<String>, invalid: Invalid) -> FieldError {
        FieldError { field: field.into(), code: invalid.code.to_string(), msg: invalid.msg }
    }
}

/// Collects every bad field of a request so one error names them all.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors(Vec::new())
    }

    pub fn add(&mut self, field: impl Into<String>, invalid: Invalid) {
        self.0.push(FieldError::new(field, invalid));
    }

    /// Keeps the value if valid, records the problem under `field` otherwise.
    pub fn check<T>(&mut self, field: impl Into<String>, r: Result<T, Invalid>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Adds errors found by another check, so one answer names them all.
    pub fn extend(&mut self, more: impl IntoIterator<Item = FieldError>) {
        self.0.extend(more);
    }

    pub fn into_result(self) -> Result<(), Error> {
        if self.0.is_empty() { Ok(()) } else { Err(Error::Validation(self.0)) }
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

/// What an operation could not find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing {
    Shift,
    Report,
    Availability,
    Calendar,
    Worker,
    WorkerProfile,
    Employer,
    EmployerProfile,
    Engagement,
    User,
    Attendance,
    Alert,
    Rating,
    InboxItem,
    /// A community employment service station (社区就业服务站).
    Station,
    /// A recruitment event (专场招聘).
    Event,
    /// A surplus or shortage post of labour sharing (共享用工).
    SharingPost,
    /// A labour-sharing agreement.
    SharingAgreement,
    /// A path that names nothing that could exist (`/shifts/abc`).
    Resource,
}

impl Thing {
    fn name(self) -> (&'static str, &'static str) {
        match self {
            Thing::Shift => ("岗位", "shift"),
            Thing::Report => ("举报", "report"),
            Thing::Availability => ("可工作时段", "availability"),
            Thing::Calendar => ("日历", "calendar"),
            Thing::Worker => ("求职者", "worker"),
            Thing::WorkerProfile => ("求职者信息", "worker profile"),
            Thing::Employer => ("用人单位", "employer"),
            Thing::EmployerProfile => ("用人单位信息", "employer profile"),
            Thing::Engagement => ("用工记录", "engagement"),
            Thing::User => ("用户", "user"),
            Thing::Attendance => ("签到记录", "attendance record"),
            Thing::Alert => ("职位提醒", "alert"),
            Thing::Rating => ("评价", "rating"),
            Thing::InboxItem => ("站内信", "inbox item"),
            Thing::Station => ("服务站", "station"),
            Thing::Event => ("专场招聘会", "recruitment event"),
            Thing::SharingPost => ("共享用工信息", "labour-sharing post"),
            Thing::SharingAgreement => ("共享用工协议", "labour-sharing agreement"),
            Thing::Resource => ("资源", "resource"),
        }
    }
}

/// Why an operation is refused for this actor (beyond a plain lack of role or ownership).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// The actor's role, ownership or district scope does not allow it.
    NotAllowed,
    /// Staff blocked the employer; the reason is theirs, shown to the employer.
    EmployerBlocked { reason: Option<String> },
}

/// A request that cannot be carried out in the current state of things (HTTP 409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// A unique key that already exists, found by the database (no more specific code known).
    Duplicate,
    EmployerProfileRequired,
    WorkerProfileRequired,
    PhoneTaken,
    IdNumberTaken,
    NotStaff,
    /// Only `station_staff` accounts belong to a station.
    NotStationStaff,
    /// A desk operation by a station_staff account that belongs to no station yet.
    NotAtStation,
    StationExists,
    CategoryExists,
    CreditCodeMissing,
    ReportAlreadyResolved,
    AlreadyReported,
    RatingAlreadyHidden,
    ShiftAlreadyClosed {
        status: ShiftStatus,
    },
    ShiftNotEditable {
        status: ShiftStatus,
    },
    /// A moderation action that does not apply to a shift in this status.
    ShiftWrongState {
        status: ShiftStatus,
    },
    ShiftFull,
    /// The shift takes no applications: its status (`Some`), or every slot is over (`None`).
    ShiftNotOpen {
        status: Option<ShiftStatus>,
    },
    AlreadyEngaged {
        state: String,
    },
    AlreadyCheckedIn,
    /// No slot can be checked in to now: none left (`None`), or outside the window that opens
    /// this many minutes before a slot.
    NotCheckInTime {
        opens_minutes_before: Option<i64>,
    },
    NotCheckedIn,
    NotCompleted {
        state: String,
    },
    RatingLocked {
        edit_hours: i64,
    },
    NotOverdue {
        state: String,
    },
    /// A retry of a request whose first attempt (same `Idempotency-Key`) is still running.
    IdempotencyInProgress,
    TooManyAlerts {
        max: i64,
    },
    /// Someone is confirmed on the shift and the edit would change their terms for the worse
    /// (the fields named).
    TermsLocked {
        fields: Vec<&'static str>,
    },
    /// The worker already holds a confirmed place whose time overlaps this one.
    ScheduleOverlap {
        engagement_id: i64,
    },
    /// Part-time work for one employer over the weekly limit (劳动合同法 Art. 68).
    WeeklyHoursExceeded {
        week_of: String,
        minutes: i64,
        max_minutes: i64,
    },
    /// Invitations go to workers who match the shift or have worked for the employer.
    InviteeNotMatched,
    /// A recruitment event that is a draft or cancelled (`status`) takes no one yet or any more.
    EventNotOpen {
        status: String,
    },
    /// The recruitment event is over.
    EventEnded,
    /// Shifts go on a recruitment event after the employer has joined it.
    EventNotJoined,
    /// Check-in at a recruitment event opens this many minutes before it starts and closes when it ends.
    NotEventTime {
        opens_minutes_before: i64,
    },
    /// A labour-sharing agreement whose state does not allow the action.
    SharingWrongState {
        state: String,
        action: String,
    },
    /// This enterprise already agreed to the labour-sharing agreement (a replay).
    SharingAlreadyAgreed,
    /// A labour-sharing agreement started before its start date.
    SharingTooEarly {
        start_date: String,
    },
    /// The labour-sharing post is withdrawn.
    SharingPostWithdrawn,
}

impl Conflict {
    pub fn code(&self) -> &'static str {
        match self {
            Conflict::Duplicate => "conflict",
            Conflict::EmployerProfileRequired => "employer_profile_required",
            Conflict::WorkerProfileRequired => "worker_profile_required",
            Conflict::PhoneTaken => "phone_taken",
            Conflict::IdNumberTaken => "id_number_taken",
            Conflict::NotStaff => "not_staff",
            Conflict::NotStationStaff => "not_station_staff",
            Conflict::NotAtStation => "not_at_station",
            Conflict::StationExists => "station_exists",
            Conflict::CategoryExists => "category_exists",
            Conflict::CreditCodeMissing => "credit_code_missing",
            Conflict::ReportAlreadyResolved => "already_resolved",
            Conflict::AlreadyReported => "already_reported",
            Conflict::RatingAlreadyHidden => "already_hidden",
            Conflict::ShiftAlreadyClosed { .. } => "already_closed",
            Conflict::ShiftNotEditable { .. } => "not_editable",
            Conflict::ShiftWrongState { .. } => "invalid_state",
            Conflict::ShiftFull => "shift_full",
            Conflict::ShiftNotOpen { .. } => "shift_not_open",
            Conflict::AlreadyEngaged { .. } => "already_engaged",
            Conflict::AlreadyCheckedIn => "already_checked_in",
            Conflict::NotCheckInTime { .. } => "not_check_in_time",
            Conflict::NotCheckedIn => "not_checked_in",
            Conflict::NotCompleted { .. } => "not_completed",
            Conflict::RatingLocked { .. } => "rating_locked",
            Conflict::NotOverdue { .. } => "not_overdue",
            Conflict::TooManyAlerts { .. } => "too_many_alerts",
            Conflict::TermsLocked { .. } => "terms_locked",
            Conflict::ScheduleOverlap { .. } => "schedule_overlap",
            Conflict::WeeklyHoursExceeded { .. } => "weekly_hours_exceeded",
            Conflict::InviteeNotMatched => "invitee_not_matched",
            Conflict::SharingWrongState { .. } => "sharing_wrong_state",
            Conflict::SharingAlreadyAgreed => "already_agreed",
            Conflict::SharingTooEarly { .. } => "sharing_too_early",
            Conflict::SharingPostWithdrawn => "post_withdrawn",
            Conflict::IdempotencyInProgress => "idempotency_in_progress",
            Conflict::EventNotOpen { .. } => "event_not_open",
            Conflict::EventEnded => "event_ended",
            Conflict::EventNotJoined => "event_not_joined",
            Conflict::NotEventTime { .. } => "not_event_time",
        }
    }

    pub fn msg(&self) -> Msg {
        match self {
            Conflict::Duplicate => Msg::new("记录已存在", "the record already exists"),
            Conflict::EmployerProfileRequired => {
                Msg::new("请先完善用人单位信息（PUT /api/v1/employers/me）", "create your employer profile first (PUT /api/v1/employers/me)")
            }
            Conflict::WorkerProfileRequired => {
                Msg::new("请先完善求职者信息（PUT /api/v1/workers/me）", "create your worker profile first (PUT /api/v1/workers/me)")
            }
            Conflict::PhoneTaken => Msg::new("该手机号已注册", "this phone number is already registered"),
            // Neutral on purpose: one wording whichever account holds the number, naming no one.
            Conflict::IdNumberTaken => Msg::new(
                "该身份证号暂时无法在线登记，请携带身份证到社区就业服务站办理",
                "this ID number cannot be registered online; please bring your ID card to a community employment service station (社区就业服务站)",
            ),
            Conflict::NotStaff => Msg::new("只能为工作人员设置管辖范围", "only staff accounts have a district scope"),
            Conflict::NotStationStaff => {
                Msg::new("只有服务站工作人员（station_staff）账号可以分配到服务站", "only station staff (station_staff) accounts can be assigned to a station")
            }
            Conflict::StationExists => Msg::new("已有同名的服务站", "a station with this name exists"),
            Conflict::NotAtStation => Msg::new("你的账号还没有分配到服务站，请联系管理员", "your account belongs to no station yet; ask an admin"),
            Conflict::CategoryExists => Msg::new("该职业代码已存在", "a category with this code exists"),
            Conflict::CreditCodeMissing => Msg::new("企业未提供统一社会信用代码，无法认证", "the enterprise has no credit code to verify"),
            Conflict::ReportAlreadyResolved => Msg::new("该举报已处理", "the report is already resolved"),
            Conflict::AlreadyReported => Msg::new("已为这次用工提交过欠薪投诉", "a wage-arrears report was already filed for this engagement"),
            Conflict::RatingAlreadyHidden => Msg::new("该评价已隐藏", "the rating is already hidden"),
            Conflict::ShiftAlreadyClosed { status } => Msg::new(format!("岗位已是 {status} 状态"), format!("the shift is already {status}")),
            Conflict::ShiftNotEditable { status } => {
                Msg::new(format!("岗位当前状态为 {status}，不能修改"), format!("the shift is {status} and can no longer be edited"))
            }
            Conflict::ShiftWrongState { status } => {
                Msg::new(format!("岗位当前状态为 {status}，不能执行该操作"), format!("the shift is {status}; this action does not apply"))
            }
            Conflict::ShiftFull => Msg::new("名额已满", "all places on this shift are taken"),
            Conflict::ShiftNotOpen { status: Some(status) } => {
                Msg::new(format!("岗位当前状态为 {status}，不接受报名"), format!("the shift is {status} and takes no applications"))
            }
            Conflict::ShiftNotOpen { status: None } => Msg::new("岗位的所有时段都已结束", "every slot of this shift is over"),
            Conflict::AlreadyEngaged { state } => {
                Msg::new(format!("已有该岗位的用工记录（状态 {state}）"), format!("there is already an engagement for this shift and worker (state {state})"))
            }
            Conflict::AlreadyCheckedIn => Msg::new("该时段已签到", "this slot is already checked in"),
            Conflict::NotCheckInTime { opens_minutes_before: None } => Msg::new("没有可签到的时段", "no slot left to check in to"),
            Conflict::NotCheckInTime { opens_minutes_before: Some(m) } => {
                Msg::new(format!("签到时间为开工前 {m} 分钟至收工"), format!("check-in opens {m} minutes before the slot starts and closes when it ends"))
            }
            Conflict::NotCheckedIn => Msg::new("没有未签退的签到", "there is no open check-in"),
            Conflict::NotCompleted { state } => {
                Msg::new(format!("当前状态为 {state}，完工后才能评价"), format!("the engagement is {state}; ratings open after completion"))
            }
            Conflict::RatingLocked { edit_hours } => {
                Msg::new(format!("评价只能在 {edit_hours} 小时内修改"), format!("a rating can only be changed within {edit_hours} hours"))
            }
            Conflict::NotOverdue { state } => Msg::new(
                format!("当前状态为 {state}，只有逾期未付或有争议的工资可以一键投诉"),
                format!("the engagement is {state}; only overdue or disputed pay can be reported in one step"),
            ),
            Conflict::IdempotencyInProgress => {
                Msg::new("使用同一 Idempotency-Key 的请求仍在处理中，请稍后重试", "a request with this Idempotency-Key is still being processed; retry shortly")
            }
            Conflict::TooManyAlerts { max } => {
                Msg::new(format!("最多保留 {max} 个职位提醒，请先删除不需要的"), format!("at most {max} alerts; delete one you no longer need first"))
            }
            Conflict::TermsLocked { fields } => Msg::new(
                format!("已有求职者确认上岗，不能降低或改变其条件（{}）；可以提高工资或增加时段", fields.join("、")),
                format!(
                    "workers are confirmed on this shift: their terms cannot be lowered or changed ({}); raising pay or adding slots is allowed",
                    fields.join(", ")
                ),
            ),
            Conflict::ScheduleOverlap { engagement_id } => Msg::new(
                format!("与已确认的用工（编号 {engagement_id}）时间重叠"),
                format!("overlaps the time of a place already confirmed (engagement {engagement_id})"),
            ),
            Conflict::WeeklyHoursExceeded { week_of, minutes, max_minutes } => {
                let (hours, max) = (*minutes as f64 / 60.0, *max_minutes as f64 / 60.0);
                Msg::new(
                    format!("非全日制用工在同一用人单位每周不超过 {max} 小时（劳动合同法第六十八条）；{week_of} 起的一周将达 {hours} 小时"),
                    format!(
                        "part-time work for one employer may not exceed {max} hours a week (Labour Contract Law Art. 68); the week of {week_of} would have {hours} hours"
                    ),
                )
            }
            Conflict::InviteeNotMatched => {
                Msg::new("只能邀请与岗位匹配或曾为您工作过的求职者", "you can invite only workers who match the shift or have worked for you")
            }
            Conflict::EventNotOpen { status } => {
                Msg::new(format!("招聘会当前状态为 {status}，暂不能参加"), format!("the recruitment event is {status} and cannot be joined"))
            }
            Conflict::EventEnded => Msg::new("招聘会已结束", "the recruitment event is over"),
            Conflict::EventNotJoined => Msg::new("请先报名参加该招聘会，再添加岗位", "join the recruitment event before attaching shifts to it"),
            Conflict::NotEventTime { opens_minutes_before } => Msg::new(
                format!("现场签到时间为招聘会开始前 {opens_minutes_before} 分钟至结束"),
                format!("check-in opens {opens_minutes_before} minutes before the event starts and closes when it ends"),
            ),
            Conflict::SharingWrongState { state, action } => Msg::new(
                format!("共享用工协议当前状态为 {state}，不能执行 {action}"),
                format!("the labour-sharing agreement is {state}; {action} is not possible now"),
            ),
            Conflict::SharingAlreadyAgreed => {
                Msg::new("贵单位已同意该协议，正在等待对方单位", "your enterprise already agreed; waiting for the other enterprise")
            }
            Conflict::SharingTooEarly { start_date } => {
                Msg::new(format!("协议约定 {start_date} 开始，不能提前开始"), format!("the agreement starts on {start_date}; it cannot start earlier"))
            }
            Conflict::SharingPostWithdrawn => Msg::new("该共享用工信息已撤回", "the labour-sharing post is withdrawn"),
        }
    }
}

/// A request the service cannot read at all (HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadRequest {
    /// Not JSON, with the parser's complaint.
    MalformedJson(String),
    /// JSON, but not an object.
    NotAnObject,
    /// The body could not be read from the connection.
    UnreadableBody(String),
}

/// The failure of an operation.
#[derive(Debug, Clone)]
pub enum Error {
    /// Fields of the input are invalid; every one is named.
    Validation(Vec<FieldError>),
    /// The request tried to attach a charge to a listing (posting is always free).
    PostingIsFree(Vec<FieldError>),
    /// The listing rules refuse the posting; each finding names its field.
    PostingRefused(Vec<FieldError>),
    BadRequest(BadRequest),
    /// No valid sign-in.
    Unauthorized,
    /// Wrong phone number or password.
    InvalidCredentials,
    Forbidden(Denied),
    NotFound(Thing),
    Conflict(Conflict),
    /// An engagement action that its state machine does not allow now (`state` is `None` when the
    /// action cannot open an engagement).
    IllegalTransition {
        state: Option<String>,
        action: String,
    },
    RateLimited {
        retry_after_secs: u64,
    },
    PayloadTooLarge {
        limit: usize,
    },
    /// A dependency (the database) cannot be reached; try again later.
    Unavailable,
    /// A bug or a broken invariant; the cause is kept for the log, never shown.
    Internal(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Internal(cause) => write!(f, "internal: {cause}"),
            other => write!(f, "{}: {}", other.code(), other.msg().en),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// One invalid field.
    pub fn field(field: &str, invalid: Invalid) -> Error {
        let mut errs = FieldErrors::new();
        errs.add(field, invalid);
        Error::Validation(errs.0)
    }

    pub fn forbidden() -> Error {
        Error::Forbidden(Denied::NotAllowed)
    }

    pub fn internal(cause: impl std::fmt::Display) -> Error {
        Error::Internal(cause.to_string())
    }

    pub fn too_many(retry_after_secs: u64) -> Error {
        Error::RateLimited { retry_after_secs: retry_after_secs.max(1) }
    }

    /// The stable machine-readable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation(_) => "validation_failed",
            Error::PostingIsFree(_) => "posting_is_free",
            Error::PostingRefused(_) => "posting_refused",
            Error::BadRequest(BadRequest::MalformedJson(_) | BadRequest::NotAnObject) => "malformed_json",
            Error::BadRequest(BadRequest::UnreadableBody(_)) => "unreadable_body",
            Error::Unauthorized => "unauthorized",
            Error::InvalidCredentials => "invalid_credentials",
            Error::Forbidden(Denied::NotAllowed) => "forbidden",
            Error::Forbidden(Denied::EmployerBlocked { .. }) => "employer_blocked",
            Error::NotFound(_) => "not_found",
            Error::Conflict(c) => c.code(),
            Error::IllegalTransition { .. } => "illegal_transition",
            Error::RateLimited { .. } => "rate_limited",
            Error::PayloadTooLarge { .. } => "payload_too_large",
            Error::Unavailable => "database_unavailable",
            Error::Internal(_) => "internal",
        }
    }

    /// The catalogue: the one message for each code.
    pub fn msg(&self) -> Msg {
        match self {
            Error::Validation(_) => Msg::new("请求内容有误，请检查标出的字段", "the request has invalid fields"),
            Error::PostingIsFree(_) => Msg::new(
                "发布、修改、刷新和推广岗位信息一律免费，不能附加任何费用",
                "posting, editing, refreshing and promoting a listing is always free; no charge can be attached",
            ),
            Error::PostingRefused(_) => {
                Msg::new("岗位信息不符合发布规定，请按提示修改后再提交", "the posting breaks the listing rules; fix what is listed and submit again")
            }
            Error::BadRequest(BadRequest::MalformedJson(detail)) => {
                Msg::new(format!("请求体不是有效的 JSON：{detail}"), format!("the request body is not valid JSON: {detail}"))
            }
            Error::BadRequest(BadRequest::NotAnObject) => Msg::new("请求体应为 JSON 对象", "the request body must be a JSON object"),
            Error::BadRequest(BadRequest::UnreadableBody(detail)) => Msg::new("无法读取请求体", format!("cannot read the request body: {detail}")),
            Error::Unauthorized => Msg::new("请先登录（缺少或无效的令牌）", "sign in first: the bearer token is missing, invalid or expired"),
            Error::InvalidCredentials => Msg::new("手机号或密码错误", "wrong phone number or password"),
            Error::Forbidden(Denied::NotAllowed) => Msg::new("无权执行此操作", "you are not allowed to do this"),
            Error::Forbidden(Denied::EmployerBlocked { reason }) => {
                let reason = reason.as_deref().unwrap_or("");
                Msg::new(format!("该用人单位已被暂停发布岗位：{reason}"), format!("this employer is blocked from posting: {reason}"))
            }
            Error::NotFound(thing) => {
                let (zh, en) = thing.name();
                Msg::new(format!("{zh}不存在"), format!("{en} not found"))
            }
            Error::Conflict(c) => c.msg(),
            Error::IllegalTransition { state: Some(state), action } => {
                Msg::new(format!("当前状态为 {state}，不能执行 {action}"), format!("the engagement is {state}; {action} is not possible now"))
            }
            Error::IllegalTransition { state: None, action } => {
                Msg::new(format!("不能以 {action} 开始用工"), format!("an engagement cannot start with {action}"))
            }
            Error::RateLimited { retry_after_secs } => {
                Msg::new(format!("请求过于频繁，请 {retry_after_secs} 秒后再试"), format!("too many requests; try again in {retry_after_secs} s"))
            }
            Error::PayloadTooLarge { limit } => Msg::new(format!("请求体超过 {limit} 字节上限"), format!("the request body exceeds the {limit}-byte limit")),
            Error::Unavailable => Msg::new("数据库暂时不可用，请稍后再试", "the database is unavailable; try again shortly"),
            Error::Internal(_) => Msg::new("服务器内部错误", "internal server error"),
        }
    }

    /// The invalid fields, for the variants that have them.
    pub fn fields(&self) -> &[FieldError] {
        match self {
            Error::Validation(f) | Error::PostingIsFree(f) | Error::PostingRefused(f) => f,
            _ => &[],
        }
    }

    /// Seconds after which a retry may succeed, where the error says so.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Error::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            Error::Unavailable => Some(5),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_chinese_unless_english_first() {
        assert_eq!(Lang::from_accept_language(None), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("en")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("fr")), Lang::Zh);
    }

    #[test]
    fn one_code_has_one_message() {
        // Two raisings of the same code read the same, wherever they come from.
        let a = Error::Conflict(Conflict::WorkerProfileRequired);
        let b = Error::Conflict(Conflict::WorkerProfileRequired);
        assert_eq!(a.msg(), b.msg());
        assert_eq!(a.code(), "worker_profile_required");
    }
}
