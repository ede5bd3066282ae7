//! Reading a query the way workers write it. Words that mean an attribute of a shift (日结, 周末,
//! 夜班, 兼职, 日薪300, 包吃, 附近, a district's name) are taken out of the words every match must
//! contain and become [`Understood`]: attributes the engine ranks by (a strong boost, never a
//! filter: a daily-settled shift ranks first for 日结 whether or not its text says so, and the
//! others still come after it). The response echoes them so a client can show removable chips.
//!
//! Pure: districts are resolved by a function the caller passes.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::PayUnit;

/// When in the day a shift's slots fall, as workers say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeOfDay {
    /// 早班: a slot starting between 04:00 and 08:00.
    Morning,
    /// 白班: a slot within 07:00–19:00.
    Day,
    /// 晚上, 晚班: at least two hours within 18:00–23:00.
    Evening,
    /// 夜班, 通宵: at least two hours within 22:00–05:00.
    Night,
}

/// What the shift provides besides pay; no structured field holds these, so they match text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Perk {
    /// 包吃, 管饭.
    Meals,
    /// 包住, 提供住宿.
    Housing,
}

impl TimeOfDay {
    /// Whether a slot (UTC) falls in this part of the day, local time.
    pub fn fits(self, start: NaiveDateTime, end: NaiveDateTime) -> bool {
        let local = |t: NaiveDateTime| crate::domain::time::to_display(t).naive_local();
        let (s, e) = (local(start), local(end));
        let day = s.date();
        let at = |d: NaiveDate, h: u32| d.and_hms_opt(h, 0, 0).expect("valid hour");
        let overlap = |a: NaiveDateTime, b: NaiveDateTime| (e.min(b) - s.max(a)).num_minutes().max(0);
        match self {
            TimeOfDay::Morning => (4..8).contains(&s.hour()),
            TimeOfDay::Day => s.hour() >= 7 && e <= at(day, 19),
            TimeOfDay::Evening => overlap(at(day, 18), at(day, 23)) >= 120,
            TimeOfDay::Night => {
                let prev = day.pred_opt().unwrap_or(day);
                let next = day.succ_opt().unwrap_or(day);
                overlap(at(day, 22), at(next, 5)) >= 120 || overlap(at(prev, 22), at(day, 5)) >= 120
            }
        }
    }
}

impl Perk {
    /// The words a posting offering this perk says it with.
    pub fn words(self) -> &'static [&'static str] {
        match self {
            Perk::Meals => &["包吃", "包吃住", "管饭", "包餐", "包午餐", "供餐"],
            Perk::Housing => &["包住", "包吃住", "住宿", "住家"],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct MinPay {
    pub amount_fen: i64,
    pub unit: PayUnit,
}

/// A place the query named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlaceWord {
    /// The adcode prefix of the shifts there (`110108` for 海淀区).
    pub adcode: String,
    /// The district's full name.
    pub name: String,
    /// A township (望京, 建国路街道's 建国路): a place only beside words about the work, since alone
    /// its name is as likely a street or a landmark the posting mentions.
    #[serde(skip)]
    pub township: bool,
}

/// One recognised word, for a chip: removing `word` from `q` undoes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnderstoodWord {
    pub word: String,
    /// `settlement`, `employment_type`, `pay_unit`, `days`, `date`, `time_of_day`, `min_pay`,
    /// `perk`, `place` or `near`.
    pub attribute: &'static str,
}

/// How a query was understood. Every attribute is a ranking boost, not a filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Understood {
    /// `daily`, `weekly`, `biweekly` or `on_completion`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement: Option<&'static str>,
    /// `gig`, `part_time`, `temporary` or `seasonal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employment_type: Option<&'static str>,
    /// 小时工: paid by the hour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_unit: Option<PayUnit>,
    /// ISO weekdays (1 = Monday … 7 = Sunday) a slot starts on: 周末 is `[6, 7]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<u8>,
    /// 今天, 明天: the local date a slot starts on.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_of_day: Option<TimeOfDay>,
    /// 日薪300, 时薪30以上: compared per hour over each shift's own hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_pay: Option<MinPay>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub perks: Vec<Perk>,
    /// A district named in `q`, taken as a place only when the request has no point and the name
    /// is unambiguous.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<PlaceWord>,
    /// 附近: the request's point and radius already say it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub near: bool,
    /// The recognised words, in query order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<UnderstoodWord>,
    /// Recognised words that are job nouns too (小时工): matched in the text as an extra.
    #[serde(skip)]
    pub extra_words: Vec<String>,
}

impl Understood {
    /// How many attributes the engine ranks by (`near` is already the query's own point).
    pub fn count(&self) -> usize {
        [self.settlement.is_some(), self.employment_type.is_some(), self.pay_unit.is_some(), !self.days.is_empty()]
            .into_iter()
            .chain([self.date.is_some(), self.time_of_day.is_some(), self.min_pay.is_some(), self.place.is_some()])
            .filter(|b| *b)
            .count()
            + self.perks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The weekday mask of `days` (bit 0 = Monday), as the engine's filters use.
    pub fn day_mask(&self) -> Option<u8> {
        (!self.days.is_empty()).then(|| self.days.iter().fold(0u8, |m, d| m | 1 << (d - 1)))
    }
}

/// What a word means, when it means an attribute.
#[derive(Clone, Copy)]
enum Meaning {
    Settlement(&'static str),
    Kind(&'static str),
    Unit(PayUnit),
    Days(&'static [u8]),
    /// Days from today.
    Date(i64),
    Time(TimeOfDay),
    Perk(Perk),
    BothPerks,
    Near,
}

/// Attribute words, longest first where one contains another (the scan takes the first that fits).
const WORDS: &[(&str, Meaning)] = &[
    ("当天结算", Meaning::Settlement("daily")),
    ("当日结算", Meaning::Settlement("daily")),
    ("每天结算", Meaning::Settlement("daily")),
    ("日结算", Meaning::Settlement("daily")),
    ("当天结", Meaning::Settlement("daily")),
    ("当日结", Meaning::Settlement("daily")),
    ("日结", Meaning::Settlement("daily")),
    ("日清", Meaning::Settlement("daily")),
    ("周结算", Meaning::Settlement("weekly")),
    ("周结", Meaning::Settlement("weekly")),
    ("半月结", Meaning::Settlement("biweekly")),
    ("完工结算", Meaning::Settlement("on_completion")),
    ("完工结", Meaning::Settlement("on_completion")),
    ("做完结", Meaning::Settlement("on_completion")),
    ("干完结", Meaning::Settlement("on_completion")),
    ("周末", Meaning::Days(&[6, 7])),
    ("双休日", Meaning::Days(&[6, 7])),
    ("星期六", Meaning::Days(&[6])),
    ("星期天", Meaning::Days(&[7])),
    ("星期日", Meaning::Days(&[7])),
    ("周六", Meaning::Days(&[6])),
    ("周日", Meaning::Days(&[7])),
    ("今天", Meaning::Date(0)),
    ("今日", Meaning::Date(0)),
    ("明天", Meaning::Date(1)),
    ("明日", Meaning::Date(1)),
    ("后天", Meaning::Date(2)),
    ("通宵", Meaning::Time(TimeOfDay::Night)),
    ("夜班", Meaning::Time(TimeOfDay::Night)),
    ("晚班", Meaning::Time(TimeOfDay::Evening)),
    ("晚上", Meaning::Time(TimeOfDay::Evening)),
    ("早班", Meaning::Time(TimeOfDay::Morning)),
    ("白班", Meaning::Time(TimeOfDay::Day)),
    ("兼职", Meaning::Kind("part_time")),
    ("长期", Meaning::Kind("part_time")),
    ("临时工", Meaning::Kind("temporary")),
    ("临时", Meaning::Kind("temporary")),
    ("短期", Meaning::Kind("temporary")),
    ("零工", Meaning::Kind("gig")),
    ("季节工", Meaning::Kind("seasonal")),
    ("小时工", Meaning::Unit(PayUnit::Hour)),
    ("按小时", Meaning::Unit(PayUnit::Hour)),
    ("包吃住", Meaning::BothPerks),
    ("包食宿", Meaning::BothPerks),
    ("包吃", Meaning::Perk(Perk::Meals)),
    ("管饭", Meaning::Perk(Perk::Meals)),
    ("包餐", Meaning::Perk(Perk::Meals)),
    ("包住", Meaning::Perk(Perk::Housing)),
    ("附近", Meaning::Near),
    ("周边", Meaning::Near),
];

/// Words that are job nouns as well as attributes (小时工 is also 钟点工's spoken form): they are
/// still matched in the text, as an extra, never as a requirement.
pub fn also_text(word: &str) -> bool {
    matches!(word, "小时工" | "临时工" | "零工")
}

/// A pay figure with its unit: 日薪300, 时薪30以上, 300元/天, 30一小时, 每小时25元.
fn pay_at(chars: &[char], i: usize) -> Option<(usize, usize, MinPay)> {
    if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_digit()) {
        return None;
    }
    let mut j = i;
    while j < chars.len() && chars[j].is_ascii_digit() {
        j += 1;
    }
    let yuan: i64 = chars[i..j].iter().collect::<String>().parse().ok()?;
    let before: String = chars[i.saturating_sub(4)..i].iter().collect();
    let mut end = j;
    let rest: String = chars[j..chars.len().min(j + 6)].iter().collect();
    let mut unit = None;
    for (prefix, u) in [
        ("日薪", PayUnit::Day),
        ("日工资", PayUnit::Day),
        ("每天", PayUnit::Day),
        ("一天", PayUnit::Day),
        ("时薪", PayUnit::Hour),
        ("小时", PayUnit::Hour),
        ("每小时", PayUnit::Hour),
    ] {
        if before.ends_with(prefix) {
            unit = Some((u, prefix.chars().count()));
        }
    }
    let mut start = i - unit.map_or(0, |(_, n)| n);
    let mut after = rest.as_str();
    if let Some(r) = after.strip_prefix('元').or_else(|| after.strip_prefix("块")) {
        after = r;
        end += 1;
    }
    for (suffix, u) in [
        ("/天", PayUnit::Day),
        ("一天", PayUnit::Day),
        ("每天", PayUnit::Day),
        ("/日", PayUnit::Day),
        ("/小时", PayUnit::Hour),
        ("一小时", PayUnit::Hour),
        ("每小时", PayUnit::Hour),
        ("/时", PayUnit::Hour),
    ] {
        if let Some(r) = after.strip_prefix(suffix) {
            unit = unit.or(Some((u, 0)));
            end += suffix.chars().count();
            after = r;
            break;
        }
    }
    for suffix in ["以上", "起", "+"] {
        if after.starts_with(suffix) {
            end += suffix.chars().count();
            break;
        }
    }
    // A bare figure: 300 is a day's pay, 30 an hour's.
    let unit = match unit {
        Some((u, _)) => u,
        None if end > j || yuan >= 100 => {
            if yuan >= 100 {
                PayUnit::Day
            } else {
                PayUnit::Hour
            }
        }
        None => return None,
    };
    if start > i {
        start = i;
    }
    let amount_fen = yuan.checked_mul(100).filter(|f| (1..=crate::domain::pay::MAX_AMOUNT_FEN).contains(f))?;
    Some((start, end, MinPay { amount_fen, unit }))
}

/// Splits `q` into what it understood and the words left for the text index. `place` resolves
/// a word to a district when it names exactly one (the caller's district table); it is asked only
/// when the request has no point of its own.
pub fn understand(q: &str, today: NaiveDate, has_point: bool, place: &dyn Fn(&str) -> Option<PlaceWord>) -> (Understood, String) {
    let chars: Vec<char> = q.chars().collect();
    let mut u = Understood::default();
    let mut rest = String::new();
    let mut i = 0;
    while i < chars.len() {
        if let Some((start, end, pay)) = pay_at(&chars, i) {
            // The unit words before the figure were copied to `rest` already: take them back.
            for _ in start..i {
                rest.pop();
            }
            if u.min_pay.is_none() {
                u.min_pay = Some(pay);
                u.words.push(UnderstoodWord { word: chars[start..end].iter().collect(), attribute: "min_pay" });
            }
            rest.push(' ');
            i = end;
            continue;
        }
        let found = WORDS.iter().find(|(w, _)| {
            let n = w.chars().count();
            i + n <= chars.len() && chars[i..i + n].iter().copied().eq(w.chars())
        });
        let Some((word, meaning)) = found else {
            rest.push(chars[i]);
            i += 1;
            continue;
        };
        let attribute = match *meaning {
            Meaning::Settlement(s) => {
                u.settlement.get_or_insert(s);
                "settlement"
            }
            Meaning::Kind(k) => {
                u.employment_type.get_or_insert(k);
                "employment_type"
            }
            Meaning::Unit(unit) => {
                u.pay_unit.get_or_insert(unit);
                "pay_unit"
            }
            Meaning::Days(days) => {
                for d in days {
                    if !u.days.contains(d) {
                        u.days.push(*d);
                    }
                }
                "days"
            }
            Meaning::Date(n) => {
                u.date.get_or_insert(today + chrono::Duration::days(n));
                "date"
            }
            Meaning::Time(t) => {
                u.time_of_day.get_or_insert(t);
                "time_of_day"
            }
            Meaning::Perk(p) => {
                if !u.perks.contains(&p) {
                    u.perks.push(p);
                }
                "perk"
            }
            Meaning::BothPerks => {
                for p in [Perk::Meals, Perk::Housing] {
                    if !u.perks.contains(&p) {
                        u.perks.push(p);
                    }
                }
                "perk"
            }
            Meaning::Near => {
                u.near = true;
                "near"
            }
        };
        u.words.push(UnderstoodWord { word: word.to_string(), attribute });
        rest.push(' ');
        if also_text(word) {
            u.extra_words.push(word.to_string());
        }
        i += word.chars().count();
    }
    if !has_point {
        rest = take_place(&rest, &mut u, place);
    }
    u.days.sort_unstable();
    // Today's weekday named as a day of the week is still that day; nothing else to reconcile.
    let _ = today.weekday();
    (u, rest.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The first word of `rest` that names exactly one district becomes the place; the rest stay words.
fn take_place(rest: &str, u: &mut Understood, place: &dyn Fn(&str) -> Option<PlaceWord>) -> String {
    let mut out = Vec::new();
    for piece in rest.split_whitespace() {
        if u.place.is_some() {
            out.push(piece.to_string());
            continue;
        }
        // A district's name leads the words about the work (海淀保洁): try the piece whole, then its
        // leading two to four characters.
        let chars: Vec<char> = piece.chars().collect();
        let mut taken = None;
        for n in (2..=chars.len().min(5)).rev() {
            let head: String = chars[..n].iter().collect();
            if let Some(p) = place(&head) {
                taken = Some((n, head, p));
                break;
            }
        }
        match taken {
            Some((n, head, p)) => {
                u.place = Some(p);
                u.words.push(UnderstoodWord { word: head, attribute: "place" });
                let tail: String = chars[n..].iter().collect();
                if !tail.is_empty() {
                    out.push(tail);
                }
            }
            None => out.push(piece.to_string()),
        }
    }
    if out.is_empty() && u.place.as_ref().is_some_and(|p| p.township) {
        u.place = None;
        if let Some(w) = u.words.pop() {
            out.push(w.word);
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
    }

    fn haidian(w: &str) -> Option<PlaceWord> {
        match w {
            "海淀" | "海淀区" => Some(PlaceWord { adcode: "110108".into(), name: "北京市 海淀区".into(), township: false }),
            "望京" => Some(PlaceWord { adcode: "110105".into(), name: "北京市 朝阳区 望京街道".into(), township: true }),
            _ => None,
        }
    }

    fn read(q: &str) -> (Understood, String) {
        understand(q, today(), false, &haidian)
    }

    #[test]
    fn settlement_words_in_any_position_and_phrasing() {
        for (q, want, rest) in [
            ("日结", "daily", ""),
            ("保洁 日结", "daily", "保洁"),
            ("日结保洁", "daily", "保洁"),
            ("保洁当天结", "daily", "保洁"),
            ("当日结算 搬家", "daily", "搬家"),
            ("周结 月嫂", "weekly", "月嫂"),
            ("分拣周结算", "weekly", "分拣"),
            ("完工结 装修", "on_completion", "装修"),
            ("半月结", "biweekly", ""),
        ] {
            let (u, r) = read(q);
            assert_eq!(u.settlement, Some(want), "{q}");
            assert_eq!(r, rest, "{q}");
            assert_eq!(u.words[0].attribute, "settlement", "{q}");
        }
    }

    #[test]
    fn time_kind_perk_and_near_words() {
        let (u, r) = read("周末 夜班 兼职 包吃住 附近 保安");
        assert_eq!(u.days, [6, 7]);
        assert_eq!(u.time_of_day, Some(TimeOfDay::Night));
        assert_eq!(u.employment_type, Some("part_time"));
        assert_eq!(u.perks, [Perk::Meals, Perk::Housing]);
        assert!(u.near);
        assert_eq!(r, "保安");
        assert_eq!(u.count(), 5);
        for (q, date) in [("今天 服务员", 4), ("明天搬家", 5), ("后天", 6), ("今日急招", 4)] {
            assert_eq!(read(q).0.date, NaiveDate::from_ymd_opt(2026, 12, date), "{q}");
        }
        for (q, t) in [("早班", TimeOfDay::Morning), ("晚上 服务员", TimeOfDay::Evening), ("晚班", TimeOfDay::Evening), ("通宵分拣", TimeOfDay::Night)]
        {
            assert_eq!(read(q).0.time_of_day, Some(t), "{q}");
        }
        // A job noun that is also a kind keeps matching the text, as an extra.
        let (u, r) = read("小时工");
        assert_eq!(u.pay_unit, Some(PayUnit::Hour));
        assert_eq!((r.as_str(), u.extra_words.as_slice()), ("", ["小时工".to_string()].as_slice()));
        let (u, _) = read("周六 周日");
        assert_eq!(u.day_mask(), Some(0b110_0000));
    }

    #[test]
    fn parts_of_the_day_judge_local_slots() {
        let at = |d: u32, h: u32, m: u32| crate::domain::time::parse_instant(&format!("2026-12-{d:02}T{h:02}:{m:02}:00+08:00")).unwrap();
        for (t, (d1, h1, m1), (d2, h2, m2), want) in [
            (TimeOfDay::Night, (4, 22, 0), (5, 6, 0), true),
            (TimeOfDay::Night, (4, 20, 0), (5, 2, 0), true),
            (TimeOfDay::Night, (5, 0, 30), (5, 6, 0), true),
            (TimeOfDay::Night, (4, 19, 0), (4, 23, 0), false),
            (TimeOfDay::Night, (4, 9, 0), (4, 17, 0), false),
            (TimeOfDay::Morning, (4, 5, 30), (4, 10, 0), true),
            (TimeOfDay::Morning, (4, 7, 0), (4, 15, 0), true),
            (TimeOfDay::Morning, (4, 8, 0), (4, 17, 0), false),
            (TimeOfDay::Evening, (4, 17, 0), (4, 23, 0), true),
            (TimeOfDay::Evening, (4, 16, 0), (4, 19, 0), false),
            (TimeOfDay::Evening, (4, 9, 0), (4, 17, 0), false),
            (TimeOfDay::Day, (4, 9, 0), (4, 17, 0), true),
            (TimeOfDay::Day, (4, 17, 0), (4, 23, 0), false),
        ] {
            assert_eq!(t.fits(at(d1, h1, m1), at(d2, h2, m2)), want, "{t:?} {d1} {h1}:{m1}–{d2} {h2}:{m2}");
        }
    }

    #[test]
    fn pay_figures_in_many_phrasings() {
        for (q, fen, unit, rest) in [
            ("日薪300", 30_000, PayUnit::Day, ""),
            ("日薪300元", 30_000, PayUnit::Day, ""),
            ("时薪30以上", 3_000, PayUnit::Hour, ""),
            ("保洁 时薪30以上", 3_000, PayUnit::Hour, "保洁"),
            ("300元/天 搬家", 30_000, PayUnit::Day, "搬家"),
            ("25元一小时", 2_500, PayUnit::Hour, ""),
            ("每小时40", 4_000, PayUnit::Hour, ""),
            ("保洁 每小时30元", 3_000, PayUnit::Hour, "保洁"),
            ("分拣250", 25_000, PayUnit::Day, "分拣"),
            ("30元 服务员", 3_000, PayUnit::Hour, "服务员"),
        ] {
            let (u, r) = read(q);
            assert_eq!(u.min_pay, Some(MinPay { amount_fen: fen, unit }), "{q}");
            assert_eq!(r, rest, "{q}");
        }
        // A small bare number is no pay figure (a room, a count).
        assert_eq!(read("3号线").0.min_pay, None);
    }

    #[test]
    fn a_place_only_without_a_point_and_only_when_the_table_says_one() {
        for q in ["海淀 保洁", "海淀保洁", "保洁 海淀区"] {
            let (u, r) = read(q);
            assert_eq!(u.place.as_ref().map(|p| p.adcode.as_str()), Some("110108"), "{q}");
            assert_eq!(r, "保洁", "{q}");
        }
        // A township only beside words about the work: alone its name may be a street's.
        let (u, r) = read("望京 配送");
        assert_eq!((u.place.map(|p| p.adcode), r.as_str()), (Some("110105".to_string()), "配送"));
        let (u, r) = read("望京");
        assert_eq!((u.place, r.as_str(), u.words.len()), (None, "望京", 0));
        let (u, r) = understand("海淀 保洁", today(), true, &haidian);
        assert_eq!(u.place, None);
        assert_eq!(r, "海淀 保洁");
        // Nothing recognised: the query is left as it was.
        let (u, r) = read("保洁 钟点工");
        assert!(u.is_empty() && u.count() == 0);
        assert_eq!(r, "保洁 钟点工");
    }
}
