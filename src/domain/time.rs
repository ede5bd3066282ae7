//! Times: stored as UTC, spoken as RFC 3339 with an offset. China keeps one zone without daylight
//! saving (UTC+8 since 1991), so Asia/Shanghai is a fixed +08:00 for every date the service handles.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Invalid;

pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

fn offset() -> Duration {
    Duration::seconds(shanghai().local_minus_utc() as i64)
}

/// The Asia/Shanghai wall-clock time of a UTC instant. Every conversion goes through here and
/// [`from_local`], so none writes the offset by hand.
pub fn to_local(utc: NaiveDateTime) -> NaiveDateTime {
    utc + offset()
}

/// The UTC instant of an Asia/Shanghai wall-clock time.
pub fn from_local(local: NaiveDateTime) -> NaiveDateTime {
    local - offset()
}

/// The Asia/Shanghai calendar day of a UTC instant.
pub fn local_date(utc: NaiveDateTime) -> chrono::NaiveDate {
    to_local(utc).date()
}

/// The Monday (local date, Asia/Shanghai) of the Monday–Sunday week an instant falls in: the
/// week of 劳动合同法 Art. 68's weekly limit.
pub fn local_week(utc: NaiveDateTime) -> chrono::NaiveDate {
    use chrono::Datelike;
    let d = local_date(utc);
    d - Duration::days(d.weekday().num_days_from_monday() as i64)
}

/// Minutes of the slots in each local Monday–Sunday week (keyed by its Monday); a slot across
/// Sunday midnight counts in both weeks.
pub fn minutes_by_week(slots: &[TimeSlot]) -> std::collections::BTreeMap<chrono::NaiveDate, i64> {
    let mut out = std::collections::BTreeMap::new();
    for s in slots {
        let mut start = s.start;
        while start < s.end {
            let week = local_week(start);
            let next_monday = from_local((week + Duration::days(7)).and_time(NaiveTime::MIN));
            let end = s.end.min(next_monday);
            *out.entry(week).or_insert(0) += (end - start).num_minutes();
            start = end;
        }
    }
    out
}

/// RFC 3339 in the display zone, e.g. `2026-11-22T08:00:00+08:00`.
pub fn to_display(utc: NaiveDateTime) -> DateTime<FixedOffset> {
    DateTime::<Utc>::from_naive_utc_and_offset(utc, Utc).with_timezone(&shanghai())
}

/// Parses RFC 3339 (any offset) to naive UTC, truncated to whole seconds.
pub fn parse_instant(s: &str) -> Result<NaiveDateTime, Invalid> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| {
            let utc = t.with_timezone(&Utc).naive_utc();
            utc - Duration::nanoseconds(utc.and_utc().timestamp_subsec_nanos() as i64)
        })
        .map_err(|_| {
            Invalid::new(
                "invalid_datetime",
                "时间格式应为带时区的 RFC 3339，例如 2026-11-22T08:00:00+08:00",
                "expected an RFC 3339 time with offset, e.g. 2026-11-22T08:00:00+08:00",
            )
        })
}

/// The one rule for a local calendar date typed by a person or a client: exactly `YYYY-MM-DD`
/// (chrono alone would also take `2026-1-5` or a sign) and a day that exists.
pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, Invalid> {
    let shape = s.len() == 10 && s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    shape
        .then(|| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| Invalid::new("invalid_date", "日期格式应为 YYYY-MM-DD，例如 2026-12-05", "a date must be YYYY-MM-DD, e.g. 2026-12-05"))
}

/// [`parse_date`] as the regular expression the API document gives clients, so that a generated
/// client (or schemathesis) only sends dates the server takes: month lengths and leap years
/// included. The attribute macros need a literal, so each `pattern =` repeats this text and the
/// test `every_date_pattern_in_the_api_document_is_the_calendar_one` holds them to it.
pub const DATE_PATTERN: &str = r"^(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)$";

pub fn now_utc() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    now - Duration::nanoseconds(now.and_utc().timestamp_subsec_nanos() as i64)
}

/// Longest single shift slot: a 24-hour shift is the most any real posting needs.
pub const MAX_SLOT_HOURS: i64 = 24;

/// One working period of a shift, start before end, at most 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSlot {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

impl TimeSlot {
    pub fn new(start: NaiveDateTime, end: NaiveDateTime) -> Result<TimeSlot, Invalid> {
        if end <= start {
            return Err(Invalid::new("end_before_start", "结束时间必须晚于开始时间", "end must be after start"));
        }
        if end - start > Duration::hours(MAX_SLOT_HOURS) {
            return Err(Invalid::new("slot_too_long", "单个时段不能超过 24 小时", "one slot may last at most 24 hours"));
        }
        Ok(TimeSlot { start, end })
    }

    pub fn hours(&self) -> f64 {
        (self.end - self.start).num_seconds() as f64 / 3600.0
    }
}

/// A dated window in which a worker can work (at most 31 days long).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatedWindow {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

impl DatedWindow {
    pub fn new(start: NaiveDateTime, end: NaiveDateTime) -> Result<DatedWindow, Invalid> {
        if end <= start {
            return Err(Invalid::new("end_before_start", "结束时间必须晚于开始时间", "end must be after start"));
        }
        if end - start > Duration::days(31) {
            return Err(Invalid::new(
                "window_too_long",
                "单个可工作时段不能超过 31 天，长期安排请用每周时段",
                "a dated window may last at most 31 days; use weekly windows for a routine",
            ));
        }
        Ok(DatedWindow { start, end })
    }
}

/// A weekly window in Asia/Shanghai local time: weekday 1 (Monday) to 7 (Sunday), `HH:MM` to
/// `HH:MM`. An end at or before the start runs past midnight into the next day (a night shift).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WeeklyWindow {
    pub weekday: u8,
    #[schema(value_type = String, example = "08:00")]
    #[serde(with = "hhmm")]
    pub start: NaiveTime,
    #[schema(value_type = String, example = "12:00")]
    #[serde(with = "hhmm")]
    pub end: NaiveTime,
}

impl WeeklyWindow {
    pub fn weekday(v: i64) -> Result<u8, Invalid> {
        if (1..=7).contains(&v) {
            Ok(v as u8)
        } else {
            Err(Invalid::new("out_of_range", "星期应为 1（周一）到 7（周日）", "weekday must be 1 (Monday) to 7 (Sunday)"))
        }
    }

    pub fn clock(s: &str) -> Result<NaiveTime, Invalid> {
        let t = s.trim();
        let shape_ok = t.len() == 5 && t.as_bytes()[2] == b':';
        match NaiveTime::parse_from_str(t, "%H:%M") {
            Ok(v) if shape_ok => Ok(v),
            _ if t == "24:00" => Ok(NaiveTime::MIN),
            _ => Err(Invalid::new("invalid_time", "时间格式应为 HH:MM，例如 08:00", "expected a time like 08:00")),
        }
    }

    pub fn new(weekday: u8, start: NaiveTime, end: NaiveTime) -> Result<WeeklyWindow, Invalid> {
        if start == end {
            return Err(Invalid::new("empty_window", "开始与结束时间不能相同", "start and end must differ"));
        }
        Ok(WeeklyWindow { weekday, start, end })
    }
}

mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format("%H:%M").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let s = String::deserialize(d)?;
        super::WeeklyWindow::clock(&s).map_err(|e| serde::de::Error::custom(e.msg.en))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_pattern_takes_exactly_the_dates_parse_date_takes() {
        let re = regex::Regex::new(DATE_PATTERN).unwrap();
        let mut cases: Vec<String> = Vec::new();
        // Every month/day pair 00..=32 across ordinary, leap, century and 400-year years.
        for y in ["2026", "2024", "2000", "1900", "2100", "0004", "0000", "9999", "6991"] {
            for m in 0..=13 {
                for d in 0..=32 {
                    cases.push(format!("{y}-{m:02}-{d:02}"));
                }
            }
        }
        cases.extend(
            ["2026-1-05", "2026/01/05", "+2026-01-05", "", "2026-01-05T00:00", " 2026-01-05", "２０２６-01-05", "20261205", "2026-12-05\n"].map(String::from),
        );
        for c in &cases {
            // Year 0000 is a leap year to chrono; the pattern leaves out its 29 February, so a
            // client is stricter than the server there and never looser.
            if c == "0000-02-29" {
                assert!(parse_date(c).is_ok() && !re.is_match(c));
                continue;
            }
            assert_eq!(re.is_match(c), parse_date(c).is_ok(), "{c:?}");
        }
    }

    #[test]
    fn weeks_run_monday_to_sunday_in_shanghai() {
        let t = |s: &str| parse_instant(s).unwrap();
        // Sunday 22:00 to Monday 02:00 local: two hours in each week.
        let across = TimeSlot::new(t("2026-12-06T22:00:00+08:00"), t("2026-12-07T02:00:00+08:00")).unwrap();
        let m = minutes_by_week(&[across]);
        let monday = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11 + (d < 10) as u32, d).unwrap();
        assert_eq!(m.get(&monday(30)), Some(&120));
        assert_eq!(m.get(&monday(7)), Some(&120));
        // Monday 00:30 local is still Sunday in UTC: the local week counts.
        assert_eq!(local_week(t("2026-12-07T00:30:00+08:00")), monday(7));
        assert_eq!(local_week(t("2026-12-06T23:59:00+08:00")), monday(30));
        // Every hour of a week-long run of slots lands in exactly one week.
        let slots: Vec<TimeSlot> = (0..30)
            .map(|h| TimeSlot::new(t("2026-12-01T00:00:00+08:00") + Duration::hours(h * 7), t("2026-12-01T03:00:00+08:00") + Duration::hours(h * 7)).unwrap())
            .collect();
        assert_eq!(minutes_by_week(&slots).values().sum::<i64>(), 30 * 180);
    }

    #[test]
    fn instants_need_an_offset_and_become_utc() {
        let t = parse_instant("2026-11-22T08:00:00+08:00").unwrap();
        assert_eq!(t.to_string(), "2026-11-22 00:00:00");
        assert!(parse_instant("2026-11-22T08:00:00").is_err());
        assert!(parse_instant("tomorrow").is_err());
        assert_eq!(to_display(t).to_rfc3339(), "2026-11-22T08:00:00+08:00");
    }

    #[test]
    fn slots_end_after_start_within_a_day() {
        let a = parse_instant("2026-11-22T08:00:00+08:00").unwrap();
        let b = parse_instant("2026-11-22T12:00:00+08:00").unwrap();
        assert!(TimeSlot::new(b, a).is_err());
        assert!(TimeSlot::new(a, a).is_err());
        assert_eq!(TimeSlot::new(a, b).unwrap().hours(), 4.0);
        assert!(TimeSlot::new(a, a + Duration::hours(25)).is_err());
    }

    #[test]
    fn weekly_clock_times() {
        assert!(WeeklyWindow::clock("08:00").is_ok());
        assert!(WeeklyWindow::clock("8:00").is_err());
        assert!(WeeklyWindow::clock("25:00").is_err());
        assert!(WeeklyWindow::weekday(0).is_err());
        assert!(WeeklyWindow::weekday(7).is_ok());
        let t = WeeklyWindow::clock("22:00").unwrap();
        assert!(WeeklyWindow::new(1, t, t).is_err());
    }
}
