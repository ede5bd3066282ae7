//! iCalendar (RFC 5545) text for a worker's calendar feed: CRLF line endings, content lines folded
//! at 75 octets without splitting a UTF-8 character, TEXT values escaped, times in UTC.

use chrono::NaiveDateTime;

/// One event of the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct CalEvent {
    pub uid: String,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub summary: String,
    pub location: String,
    pub description: String,
    pub geo: Option<(f64, f64)>,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line (§3.1): at most 75 octets per physical line, continuation lines start
/// with a space, and a multi-byte character is never cut.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut used = 0;
    let mut limit = 75;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > limit {
            out.push_str("\r\n ");
            used = 0;
            // The leading space counts toward the next line's 75 octets.
            limit = 74;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
    out
}

fn utc(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The whole calendar.
pub fn calendar(name: &str, events: &[CalEvent], stamp: NaiveDateTime) -> String {
    let mut out = String::new();
    let mut line = |s: String| out.push_str(&fold(&s));
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//lingong//engagements//ZH".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape(name)));
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", e.uid));
        line(format!("DTSTAMP:{}", utc(stamp)));
        line(format!("DTSTART:{}", utc(e.start)));
        line(format!("DTEND:{}", utc(e.end)));
        line(format!("SUMMARY:{}", escape(&e.summary)));
        line(format!("LOCATION:{}", escape(&e.location)));
        if let Some((lat, lng)) = e.geo {
            line(format!("GEO:{lat:.6};{lng:.6}"));
        }
        line(format!("DESCRIPTION:{}", escape(&e.description)));
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_instant;

    #[test]
    fn lines_fold_at_75_octets_without_cutting_characters() {
        let long = format!("DESCRIPTION:{}", "保洁".repeat(40));
        let folded = fold(&long);
        assert!(folded.ends_with("\r\n"));
        for (i, l) in folded.trim_end_matches("\r\n").split("\r\n").enumerate() {
            assert!(l.len() <= 75, "line {i} has {} octets", l.len());
            if i > 0 {
                assert!(l.starts_with(' '));
            }
        }
        let unfolded: String = folded.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, long);
        assert_eq!(fold("SHORT"), "SHORT\r\n");
    }

    #[test]
    fn text_is_escaped_and_times_are_utc() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let t = |s: &str| parse_instant(s).unwrap();
        let ev = CalEvent {
            uid: "engagement-1-slot-2@lingong".into(),
            start: t("2026-11-23T08:00:00+08:00"),
            end: t("2026-11-23T12:00:00+08:00"),
            summary: "家庭保洁员, 日结".into(),
            location: "北京市朝阳区建国路88号".into(),
            description: "联系人：王经理".into(),
            geo: Some((39.9087, 116.4605)),
        };
        let cal = calendar("我的零工", &[ev], t("2026-11-22T10:00:00+08:00"));
        assert!(cal.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(cal.contains("DTSTART:20261123T000000Z\r\n"));
        assert!(cal.contains("DTEND:20261123T040000Z\r\n"));
        assert!(cal.contains("DTSTAMP:20261122T020000Z\r\n"));
        assert!(cal.contains("SUMMARY:家庭保洁员\\, 日结\r\n"));
        assert!(cal.contains("GEO:39.908700;116.460500\r\n"));
        assert!(cal.ends_with("END:VCALENDAR\r\n"));
        assert!(!cal.replace("\r\n", "").contains('\n'), "only CRLF line endings");
    }
}
