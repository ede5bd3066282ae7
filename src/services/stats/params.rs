//! What a statistics request may ask for, checked once for the API and the pages: the period
//! (a month, a quarter, a year, or two dates), how rows are grouped, the district level rows are
//! rolled up to, one district to look at, and the answer's format. Every bad value is a field
//! error naming the parameter, in Chinese and English.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::time::{from_local, local_date};
use crate::error::{Error, FieldErrors, Invalid};
use crate::services::districts::{District, Districts};

/// The longest period one request may cover: a year (and a leap day).
pub const MAX_DAYS: i64 = 366;
/// The earliest year figures are asked for; nothing earlier can exist.
pub const FIRST_YEAR: i32 = 2020;

/// `GET /api/v1/stats` and `/console/stats`, as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// `2026-11` (a month), `2026-Q4` (a quarter) or `2026` (a year), Asia/Shanghai calendar;
    /// instead of `from`/`to`. Default: the current month.
    #[param(pattern = r"^([0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?)?$")]
    pub period: Option<String>,
    /// First day, `YYYY-MM-DD` (with `to`; at most 366 days).
    #[param(
        pattern = r"^(?:(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29))?$"
    )]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`, included.
    #[param(
        pattern = r"^(?:(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29))?$"
    )]
    pub to: Option<String>,
    /// `category` (default), `district`, `employment_type`, `week`, `month` or `total`.
    #[param(pattern = "^((category|district|employment_type|week|month|total))?$")]
    pub group_by: Option<String>,
    /// District level rows are rolled up to with `group_by=district`: `county` (default), `city`, `province`.
    #[param(pattern = "^((county|city|province))?$")]
    pub level: Option<String>,
    /// Only this district: a 6-digit (`110105`, `110100`, `110000`), 9- or 12-digit code.
    #[param(pattern = "^(([0-9]{6}|[0-9]{9}|[0-9]{12}))?$")]
    pub district: Option<String>,
    /// `json` (default) or `csv` (UTF-8 with BOM).
    #[param(pattern = "^((json|csv))?$")]
    pub format: Option<String>,
}

/// `GET /api/v1/stats/public` and `/stats`, as sent: a quarter and a district only, since the
/// public tables are published per quarter (as 人社部 publishes 求人倍率) and nothing finer.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PublicQuery {
    /// `2026-Q4`. Default: the current quarter.
    #[param(pattern = "^([0-9]{4}-Q[1-4])?$")]
    pub period: Option<String>,
    /// A province, city or county: a 6-digit (`110105`, `110100`, `110000`), 9- or 12-digit code. Default: everywhere.
    #[param(pattern = "^(([0-9]{6}|[0-9]{9}|[0-9]{12}))?$")]
    pub district: Option<String>,
    /// `json` (default) or `csv` (UTF-8 with BOM).
    #[param(pattern = "^((json|csv))?$")]
    pub format: Option<String>,
}

/// Local calendar days `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct Window {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
}

impl Window {
    /// The first instant (UTC) of the window: `from` at 00:00 in Asia/Shanghai.
    pub fn start(&self) -> NaiveDateTime {
        from_local(self.from.and_time(NaiveTime::MIN))
    }

    /// The instant (UTC) just after the window: the day after `to` at 00:00 in Asia/Shanghai.
    pub fn end(&self) -> NaiveDateTime {
        from_local((self.to + Duration::days(1)).and_time(NaiveTime::MIN))
    }

    pub fn contains(&self, t: NaiveDateTime) -> bool {
        t >= self.start() && t < self.end()
    }

    pub fn overlaps(&self, start: NaiveDateTime, end: NaiveDateTime) -> bool {
        start < self.end() && end > self.start()
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Category,
    District,
    EmploymentType,
    Week,
    Month,
    Total,
}

impl GroupBy {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Category => "category",
            GroupBy::District => "district",
            GroupBy::EmploymentType => "employment_type",
            GroupBy::Week => "week",
            GroupBy::Month => "month",
            GroupBy::Total => "total",
        }
    }

    pub fn parse(s: &str) -> Result<GroupBy, Invalid> {
        Ok(match s {
            "category" => GroupBy::Category,
            "district" => GroupBy::District,
            "employment_type" => GroupBy::EmploymentType,
            "week" => GroupBy::Week,
            "month" => GroupBy::Month,
            "total" => GroupBy::Total,
            _ => {
                return Err(Invalid::new(
                    "invalid_choice",
                    "分组方式应为 category、district、employment_type、week、month 或 total",
                    "group_by must be category, district, employment_type, week, month or total",
                ));
            }
        })
    }
}

/// How far district rows are rolled up: county (6-digit code), city (first 4 digits + `00`),
/// province (first 2 + `0000`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    County,
    City,
    Province,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::County => "county",
            Level::City => "city",
            Level::Province => "province",
        }
    }

    pub fn parse(s: &str) -> Result<Level, Invalid> {
        match s {
            "county" => Ok(Level::County),
            "city" => Ok(Level::City),
            "province" => Ok(Level::Province),
            _ => Err(Invalid::new("invalid_choice", "层级应为 county、city 或 province", "level must be county, city or province")),
        }
    }

    /// The 6-digit code of the district at this level that holds `adcode` (6 or 12 digits).
    pub fn roll_up(self, adcode: &str) -> Option<String> {
        if adcode.len() < 6 || !adcode.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(match self {
            Level::County => adcode[..6].to_string(),
            Level::City => format!("{}00", &adcode[..4]),
            Level::Province => format!("{}0000", &adcode[..2]),
        })
    }
}

/// `json` or `csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    pub fn parse(s: Option<&str>) -> Result<Format, Error> {
        Format::check(s).map_err(|e| Error::field("format", e))
    }

    pub fn check(s: Option<&str>) -> Result<Format, Invalid> {
        match s {
            None | Some("") | Some("json") => Ok(Format::Json),
            Some("csv") => Ok(Format::Csv),
            Some(_) => Err(Invalid::new("invalid_choice", "格式应为 json 或 csv", "format must be json or csv")),
        }
    }
}

/// A district to look at: its 6-digit code, the prefix of the adcodes inside it, its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct DistrictRef {
    /// 6 digits: `110105` (county), `110100` (city), `110000` (province).
    pub adcode: String,
    pub name: String,
    /// The leading digits every adcode inside it has (`11`, `1101`, `110105`).
    #[serde(skip)]
    pub prefix: String,
}

impl DistrictRef {
    fn of(d: &District) -> DistrictRef {
        let d = if d.level == "township" { Districts::get().parent(d) } else { d };
        DistrictRef { adcode: d.adcode[..6].to_string(), name: d.full_name.clone(), prefix: d.shift_prefix().to_string() }
    }
}

/// A checked staff request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StatsParams {
    pub window: Window,
    pub group_by: GroupBy,
    pub level: Level,
    pub district: Option<DistrictRef>,
}

/// A checked public request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PublicParams {
    /// `2026-Q4`.
    pub quarter: String,
    pub window: Window,
    pub district: Option<DistrictRef>,
}

fn bad_period() -> Invalid {
    Invalid::new(
        "invalid_period",
        "时间段应为 2026-11（月）、2026-Q4（季度）或 2026（年）",
        "period must be a month (2026-11), a quarter (2026-Q4) or a year (2026)",
    )
}

fn year_of(s: &str, today: NaiveDate) -> Result<i32, Invalid> {
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad_period());
    }
    let y: i32 = s.parse().map_err(|_| bad_period())?;
    if y < FIRST_YEAR || y > today.year() {
        return Err(Invalid::new(
            "out_of_range",
            format!("年份应在 {FIRST_YEAR} 到 {} 之间", today.year()),
            format!("the year must be {FIRST_YEAR} to {}", today.year()),
        ));
    }
    Ok(y)
}

fn month_window(y: i32, m: u32, months: u32) -> Option<Window> {
    let from = NaiveDate::from_ymd_opt(y, m, 1)?;
    let (ny, nm) = if m + months > 12 { (y + 1, m + months - 12) } else { (y, m + months) };
    let to = NaiveDate::from_ymd_opt(ny, nm, 1)? - Duration::days(1);
    Some(Window { from, to })
}

/// `2026-11`, `2026-Q4` or `2026`.
pub fn parse_period(s: &str, today: NaiveDate) -> Result<Window, Invalid> {
    match s.split_once('-') {
        None => {
            let y = year_of(s, today)?;
            month_window(y, 1, 12).ok_or_else(bad_period)
        }
        Some((y, rest)) => {
            let y = year_of(y, today)?;
            if let Some(q) = rest.strip_prefix('Q') {
                match q {
                    "1" | "2" | "3" | "4" => month_window(y, (q.as_bytes()[0] - b'1') as u32 * 3 + 1, 3).ok_or_else(bad_period),
                    _ => Err(bad_period()),
                }
            } else if rest.len() == 2 && rest.bytes().all(|b| b.is_ascii_digit()) {
                let m: u32 = rest.parse().map_err(|_| bad_period())?;
                if !(1..=12).contains(&m) {
                    return Err(bad_period());
                }
                month_window(y, m, 1).ok_or_else(bad_period)
            } else {
                Err(bad_period())
            }
        }
    }
}

/// `2026-Q4` only.
pub fn parse_quarter(s: &str, today: NaiveDate) -> Result<(String, Window), Invalid> {
    let ok = s.len() == 7 && s.as_bytes()[4] == b'-' && s.as_bytes()[5] == b'Q';
    if !ok {
        return Err(Invalid::new("invalid_period", "时间段应为季度，例如 2026-Q4", "period must be a quarter, e.g. 2026-Q4"));
    }
    Ok((s.to_string(), parse_period(s, today)?))
}

/// The quarter `today` is in, e.g. `2026-Q4`.
pub fn quarter_of(d: NaiveDate) -> String {
    format!("{}-Q{}", d.year(), (d.month() - 1) / 3 + 1)
}

/// A district code as given: known, and (county, city or province) — a township stands for its county.
pub fn parse_district(s: &str) -> Result<DistrictRef, Invalid> {
    let unknown = || Invalid::new("unknown_adcode", "未知的行政区划代码", "unknown district code (adcode)");
    if !matches!(s.len(), 6 | 9 | 12) || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(unknown());
    }
    Districts::get().normalize(s).map(DistrictRef::of).ok_or_else(unknown)
}

/// A parameter given with a value; empty is the same as left out (a form's blank field). Values
/// are taken as sent, untrimmed, as the patterns in the API document say.
fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

impl StatsParams {
    /// Checks every parameter, naming each bad one; `now` is the application clock's time.
    pub fn parse(q: &StatsQuery, now: NaiveDateTime) -> Result<StatsParams, Error> {
        let today = local_date(now);
        let mut errs = FieldErrors::new();
        let window = match (given(&q.period), given(&q.from), given(&q.to)) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                errs.add("period", Invalid::new("conflict", "period 与 from/to 只能选其一", "give period or from/to, not both"));
                None
            }
            (Some(p), None, None) => errs.check("period", parse_period(p, today)),
            (None, None, None) => month_window(today.year(), today.month(), 1),
            (None, from, to) => {
                let from = match from {
                    Some(f) => errs.check("from", crate::domain::time::parse_date(f)),
                    None => {
                        errs.add("from", Invalid::required());
                        None
                    }
                };
                let to = match to {
                    Some(t) => errs.check("to", crate::domain::time::parse_date(t)),
                    None => {
                        errs.add("to", Invalid::required());
                        None
                    }
                };
                match (from, to) {
                    (Some(from), Some(to)) => check_range(&mut errs, from, to, today),
                    _ => None,
                }
            }
        };
        let group_by = match given(&q.group_by) {
            None => Some(GroupBy::Category),
            Some(g) => errs.check("group_by", GroupBy::parse(g)),
        };
        let level = match given(&q.level) {
            None => Some(Level::County),
            Some(l) => errs.check("level", Level::parse(l)),
        };
        let district = match given(&q.district) {
            None => Some(None),
            Some(d) => errs.check("district", parse_district(d)).map(Some),
        };
        errs.check("format", Format::check(q.format.as_deref()));
        errs.into_result()?;
        Ok(StatsParams {
            window: window.expect("checked"),
            group_by: group_by.expect("checked"),
            level: level.expect("checked"),
            district: district.expect("checked"),
        })
    }
}

fn check_range(errs: &mut FieldErrors, from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Option<Window> {
    let first = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).expect("a date");
    if from < first {
        errs.add("from", Invalid::new("out_of_range", format!("开始日期不能早于 {first}"), format!("from cannot be before {first}")));
        return None;
    }
    if to < from {
        errs.add("to", Invalid::new("end_before_start", "结束日期不能早于开始日期", "to cannot be before from"));
        return None;
    }
    if (to - from).num_days() + 1 > MAX_DAYS {
        errs.add("to", Invalid::new("too_long", format!("时间段最长 {MAX_DAYS} 天"), format!("a period may cover at most {MAX_DAYS} days")));
        return None;
    }
    if from > today {
        errs.add("from", Invalid::new("in_future", "开始日期不能晚于今天", "from cannot be after today"));
        return None;
    }
    Some(Window { from, to })
}

impl PublicParams {
    pub fn parse(q: &PublicQuery, now: NaiveDateTime) -> Result<PublicParams, Error> {
        let today = local_date(now);
        let mut errs = FieldErrors::new();
        let quarter = match given(&q.period) {
            None => parse_quarter(&quarter_of(today), today).ok(),
            Some(p) => errs.check("period", parse_quarter(p, today)),
        };
        let district = match given(&q.district) {
            None => Some(None),
            Some(d) => errs.check("district", parse_district(d)).map(Some),
        };
        errs.check("format", Format::check(q.format.as_deref()));
        errs.into_result()?;
        let (quarter, window) = quarter.expect("checked");
        Ok(PublicParams { quarter, window, district: district.expect("checked") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
    }

    #[test]
    fn periods_name_whole_calendar_stretches() {
        let w = parse_period("2026-02", today()).unwrap();
        assert_eq!((w.from.to_string(), w.to.to_string()), ("2026-02-01".into(), "2026-02-28".into()));
        let w = parse_period("2024-Q1", today()).unwrap();
        assert_eq!((w.from.to_string(), w.to.to_string(), w.days()), ("2024-01-01".into(), "2024-03-31".into(), 91));
        let w = parse_period("2026-Q4", today()).unwrap();
        assert_eq!(w.to.to_string(), "2026-12-31");
        assert_eq!(parse_period("2025", today()).unwrap().days(), 365);
        for bad in
            ["", "2026-13", "2026-00", "2026-Q5", "2026-Q0", "26-11", "2026-1", "2026-11-01", "２０２６", "2019", "2027-01", "2026-W48", "2026-q4", "-2026"]
        {
            assert!(parse_period(bad, today()).is_err(), "{bad:?}");
        }
        assert!(parse_quarter("2026-11", today()).is_err());
        assert_eq!(quarter_of(today()), "2026-Q4");
    }

    #[test]
    fn a_window_is_beijing_days() {
        let w = Window { from: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), to: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() };
        // 2026-12-01 00:00 in Beijing is 2026-11-30 16:00 UTC.
        assert_eq!(w.start().to_string(), "2026-11-30 16:00:00");
        assert_eq!(w.end().to_string(), "2026-12-01 16:00:00");
        assert!(w.contains(w.start()) && !w.contains(w.end()));
    }

    #[test]
    fn levels_roll_up_codes() {
        assert_eq!(Level::County.roll_up("440305000000").as_deref(), Some("440305"));
        assert_eq!(Level::City.roll_up("440305000000").as_deref(), Some("440300"));
        assert_eq!(Level::Province.roll_up("440305").as_deref(), Some("440000"));
        assert_eq!(Level::City.roll_up("4403"), None);
    }
}
