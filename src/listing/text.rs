//! Plain-text machinery the listing rules are written in: folding, clauses, numbers, a word
//! dictionary with longest-match tokens, and the small pattern language of `listing_rules.toml`
//! (`*` a short gap, `#` a number, `{name}` a list). No regular expressions.

use std::collections::HashMap;

/// One text field prepared for matching: folded characters, where each came from, and clauses.
#[derive(Debug)]
pub(crate) struct Prepared {
    orig: Vec<char>,
    /// Folded characters; clause breaks are `\n`.
    pub norm: Vec<char>,
    /// For each folded character, its index in `orig`.
    map: Vec<usize>,
    /// `[start, end)` ranges of `norm`, one per clause, none empty.
    pub clauses: Vec<(usize, usize)>,
}

/// Full-width ASCII to half-width, ideographic space to space, Latin letters to lower case.
pub(crate) fn fold(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    c.to_ascii_lowercase()
}

pub(crate) fn fold_str(s: &str) -> Vec<char> {
    s.chars().map(fold).collect()
}

/// Characters that end a clause (after folding).
fn is_break(c: char) -> bool {
    matches!(c, ',' | '。' | ';' | '!' | '?' | '|' | '\n' | '\r' | '…')
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\u{a0}'
}

impl Prepared {
    pub(crate) fn new(s: &str) -> Prepared {
        let orig: Vec<char> = s.chars().collect();
        let folded: Vec<char> = orig.iter().map(|&c| fold(c)).collect();
        let mut norm = Vec::with_capacity(folded.len());
        let mut map = Vec::with_capacity(folded.len());
        for (i, &c) in folded.iter().enumerate() {
            if is_space(c) {
                // A space between words ends a clause ("包吃住 工资日结"); a space next to a number or
                // before a Latin letter or currency sign is dropped ("押金 200元", "￥300 服装费",
                // "微信 abc123", "138 0000 0001").
                let prev = folded[..i].iter().rev().find(|c| !is_space(**c));
                let next = folded[i + 1..].iter().find(|c| !is_space(**c));
                if let (Some(&p), Some(&n)) = (prev, next) {
                    let joins = n.is_ascii() || matches!(n, '¥' | '￥') || p.is_ascii_digit();
                    if !joins && norm.last() != Some(&'\n') {
                        norm.push('\n');
                        map.push(i);
                    }
                }
                continue;
            }
            norm.push(if is_break(c) { '\n' } else { c });
            map.push(i);
        }
        let mut clauses = Vec::new();
        let mut start = 0;
        for (i, &c) in norm.iter().enumerate() {
            if c == '\n' {
                if i > start {
                    clauses.push((start, i));
                }
                start = i + 1;
            }
        }
        if norm.len() > start {
            clauses.push((start, norm.len()));
        }
        Prepared { orig, norm, map, clauses }
    }

    /// The original text behind folded range `[s, e)`, trimmed.
    pub(crate) fn quote(&self, s: usize, e: usize) -> String {
        if s >= e || e > self.map.len() {
            return String::new();
        }
        let (a, b) = (self.map[s], self.map[e - 1]);
        self.orig[a..=b].iter().collect::<String>().trim().to_string()
    }
}

pub(crate) fn starts_with_at(text: &[char], i: usize, end: usize, w: &[char]) -> bool {
    i + w.len() <= end && &text[i..i + w.len()] == w
}

pub(crate) fn ends_with_at(text: &[char], start: usize, j: usize, w: &[char]) -> bool {
    j >= start + w.len() && &text[j - w.len()..j] == w
}

// ------------------------------------------------------------------------------------------
// Numbers

const CN_NUMERALS: &str = "零〇一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟";

fn cn_digit(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

fn is_cn_numeral(c: char) -> bool {
    CN_NUMERALS.contains(c)
}

/// Value of a run of Chinese numerals: 三百 300, 一千九百八十 1980, 三十五 35, 十 10, 二〇二六 2026.
pub(crate) fn cn_value(run: &[char]) -> Option<f64> {
    if run.is_empty() {
        return None;
    }
    if run.iter().all(|&c| cn_digit(c).is_some()) {
        // Positional digits (二〇二六).
        return Some(run.iter().fold(0u64, |acc, &c| acc * 10 + cn_digit(c).unwrap_or(0)) as f64);
    }
    let (mut total, mut section, mut num) = (0u64, 0u64, 0u64);
    for &c in run {
        if let Some(d) = cn_digit(c) {
            num = d;
            continue;
        }
        match c {
            '十' | '拾' => section += if num == 0 { 1 } else { num } * 10,
            '百' | '佰' => section += num * 100,
            '千' | '仟' => section += num * 1000,
            '万' => {
                total += (section + num) * 10_000;
                section = 0;
            }
            _ => return None,
        }
        num = 0;
    }
    Some((total + section + num) as f64)
}

/// A number starting at `i`: Arabic digits (with `,` grouping and a decimal point) or a run of
/// Chinese numerals. Returns its end, value, and whether it was Arabic.
pub(crate) fn number_at(text: &[char], i: usize, end: usize) -> Option<(usize, f64, bool)> {
    if i >= end {
        return None;
    }
    if text[i].is_ascii_digit() {
        let mut j = i;
        let mut digits = String::new();
        while j < end {
            let c = text[j];
            if c.is_ascii_digit() {
                digits.push(c);
            } else if (c == ',' || c == '.') && j + 1 < end && text[j + 1].is_ascii_digit() {
                if c == '.' {
                    digits.push('.');
                }
            } else {
                break;
            }
            j += 1;
        }
        let v = digits.parse::<f64>().ok()?;
        return Some((j, v, true));
    }
    if is_cn_numeral(text[i]) {
        let mut j = i;
        while j < end && is_cn_numeral(text[j]) {
            j += 1;
        }
        return cn_value(&text[i..j]).map(|v| (j, v, false));
    }
    None
}

/// The number that ends exactly at `j` (scanning backwards), as `(start, value)`.
pub(crate) fn number_ending_at(text: &[char], start: usize, j: usize) -> Option<(usize, f64)> {
    if j <= start {
        return None;
    }
    let last = text[j - 1];
    let mut a = j;
    if last.is_ascii_digit() {
        while a > start && (text[a - 1].is_ascii_digit() || (text[a - 1] == '.' && a - 1 > start && text[a - 2].is_ascii_digit())) {
            a -= 1;
        }
        let s: String = text[a..j].iter().collect();
        return s.parse::<f64>().ok().map(|v| (a, v));
    }
    if is_cn_numeral(last) {
        while a > start && is_cn_numeral(text[a - 1]) {
            a -= 1;
        }
        return cn_value(&text[a..j]).map(|v| (a, v));
    }
    None
}

/// An amount of money at `i`: `¥300`, `300元`, `三百元`, `2万`, `1,980块`. Returns end and value in 元.
fn amount_at(text: &[char], i: usize, end: usize) -> Option<(usize, f64)> {
    let mut j = i;
    let mut prefixed = false;
    if matches!(text[j], '¥' | '￥' | '$') {
        j += 1;
        prefixed = true;
    } else if starts_with_at(text, j, end, &['r', 'm', 'b']) {
        j += 3;
        prefixed = true;
    }
    let (k, mut v, arabic) = number_at(text, j, end)?;
    let mut k = k;
    let mut unit = false;
    if arabic && k < end {
        match text[k] {
            '万' | 'w' => {
                v *= 10_000.0;
                k += 1;
                unit = true;
            }
            '千' | 'k' => {
                v *= 1_000.0;
                k += 1;
                unit = true;
            }
            _ => {}
        }
    }
    if k < end && matches!(text[k], '元' | '块' | '圆') {
        k += 1;
        unit = true;
    }
    if prefixed || unit { Some((k, v)) } else { None }
}

// ------------------------------------------------------------------------------------------
// Dictionary and tokens

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VerbClass {
    Plain,
    Strong,
    Deposit,
    /// The worker pays (自理, 个人承担).
    SelfPay,
}

/// What a dictionary word is to the fee rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Fee {
        strict: bool,
    },
    Verb(VerbClass),
    Neg,
    Filler,
    EmployerPays,
    ThirdParty,
    WorkerTarget,
    Warning,
    /// A credential the worker pays for personally: demands are only reviewed.
    Soften,
    Joiner,
    Neutral,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Dict {
    by_first: HashMap<char, Vec<(Vec<char>, Kind)>>,
}

impl Dict {
    /// Adds a folded word. Err names the kind the word already has.
    pub(crate) fn insert(&mut self, word: Vec<char>, kind: Kind) -> Result<(), Kind> {
        let Some(&first) = word.first() else { return Ok(()) };
        let list = self.by_first.entry(first).or_default();
        if let Some((_, k)) = list.iter().find(|(w, _)| *w == word) {
            return if *k == kind { Ok(()) } else { Err(*k) };
        }
        list.push((word, kind));
        list.sort_by_key(|w| std::cmp::Reverse(w.0.len()));
        Ok(())
    }

    fn longest(&self, text: &[char], i: usize, end: usize) -> Option<(usize, Kind)> {
        self.by_first.get(&text[i])?.iter().find(|(w, _)| starts_with_at(text, i, end, w)).map(|(w, k)| (w.len(), *k))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum TokKind {
    Word(Kind),
    /// Money with a unit or a currency sign, in 元.
    Amount(f64),
    /// A bare Arabic number.
    Number(f64),
    Other,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Tok {
    pub kind: TokKind,
    pub start: usize,
    pub end: usize,
}

impl Tok {
    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }
}

/// Splits a clause into amounts, numbers, dictionary words (longest match) and single characters.
pub(crate) fn tokenize(dict: &Dict, text: &[char], (s, e): (usize, usize)) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = s;
    while i < e {
        if let Some((j, v)) = amount_at(text, i, e) {
            out.push(Tok { kind: TokKind::Amount(v), start: i, end: j });
            i = j;
            continue;
        }
        if let Some((j, v, arabic)) = number_at(text, i, e) {
            // Arabic numbers, and Chinese numbers that are clearly numbers (两百, 三十), not 一 of 一律.
            let cn_number = !arabic && j - i >= 2 && text[i..j].iter().any(|c| "十百千万拾佰仟".contains(*c));
            if arabic || cn_number {
                out.push(Tok { kind: TokKind::Number(v), start: i, end: j });
                i = j;
                continue;
            }
        }
        if let Some((n, k)) = dict.longest(text, i, e) {
            out.push(Tok { kind: TokKind::Word(k), start: i, end: i + n });
            i += n;
            continue;
        }
        out.push(Tok { kind: TokKind::Other, start: i, end: i + 1 });
        i += 1;
    }
    out
}

// ------------------------------------------------------------------------------------------
// Patterns

#[derive(Debug, Clone)]
enum Elem {
    Lit(Vec<char>),
    /// 0 to n characters.
    Any(usize),
    /// One of these, longest first.
    Alt(Vec<Vec<char>>),
    /// A number, Arabic or Chinese.
    Num,
}

/// A pattern of `listing_rules.toml`: literal text with `*`, `#` and `{name}`.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    elems: Vec<Elem>,
}

impl Pattern {
    pub(crate) fn parse(src: &str, vars: &HashMap<String, Vec<Vec<char>>>, wildcard_max: usize) -> Result<Pattern, String> {
        let chars = fold_str(src.trim());
        let mut elems = Vec::new();
        let mut lit = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '*' | '#' | '{' => {
                    if !lit.is_empty() {
                        elems.push(Elem::Lit(std::mem::take(&mut lit)));
                    }
                    if c == '*' {
                        elems.push(Elem::Any(wildcard_max));
                    } else if c == '#' {
                        elems.push(Elem::Num);
                    } else {
                        let close = chars[i..].iter().position(|&c| c == '}').ok_or_else(|| format!("pattern {src:?}: `{{` without `}}`"))? + i;
                        let name: String = chars[i + 1..close].iter().collect();
                        let list = vars.get(&name).ok_or_else(|| format!("pattern {src:?}: no list [vars] {name}"))?;
                        let mut alts = list.clone();
                        alts.sort_by_key(|w| std::cmp::Reverse(w.len()));
                        elems.push(Elem::Alt(alts));
                        i = close;
                    }
                }
                '}' => return Err(format!("pattern {src:?}: `}}` without `{{`")),
                _ => lit.push(c),
            }
            i += 1;
        }
        if !lit.is_empty() {
            elems.push(Elem::Lit(lit));
        }
        match (elems.first(), elems.last()) {
            (None, _) => Err("empty pattern".to_string()),
            (Some(Elem::Any(_)), _) | (_, Some(Elem::Any(_))) => Err(format!("pattern {src:?}: may not start or end with `*`")),
            _ => Ok(Pattern { elems }),
        }
    }

    fn match_from(&self, k: usize, text: &[char], i: usize, end: usize) -> Option<usize> {
        let Some(elem) = self.elems.get(k) else { return Some(i) };
        match elem {
            Elem::Lit(l) => {
                if starts_with_at(text, i, end, l) {
                    self.match_from(k + 1, text, i + l.len(), end)
                } else {
                    None
                }
            }
            Elem::Any(max) => (0..=*max).take_while(|n| i + n <= end).find_map(|n| self.match_from(k + 1, text, i + n, end)),
            Elem::Alt(alts) => alts.iter().filter(|a| starts_with_at(text, i, end, a)).find_map(|a| self.match_from(k + 1, text, i + a.len(), end)),
            Elem::Num => {
                let (j, _, _) = number_at(text, i, end)?;
                self.match_from(k + 1, text, j, end)
            }
        }
    }

    /// Non-overlapping matches within `[s, e)`, leftmost first.
    pub(crate) fn find_all(&self, text: &[char], (s, e): (usize, usize)) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = s;
        while i < e {
            match self.match_from(0, text, i, e) {
                Some(j) if j > i => {
                    out.push((i, j));
                    i = j;
                }
                _ => i += 1,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_clauses_and_quotes() {
        let p = Prepared::new("押金 200元，ＶＸ：Zhang 包吃住 工资日结");
        let clauses: Vec<String> = p.clauses.iter().map(|&(s, e)| p.norm[s..e].iter().collect()).collect();
        assert_eq!(clauses, vec!["押金200元", "vx:zhang", "包吃住", "工资日结"]);
        let (s, e) = p.clauses[1];
        assert_eq!(p.quote(s, e), "ＶＸ：Zhang");
        assert_eq!(p.quote(p.clauses[0].0, p.clauses[0].1), "押金 200元");
    }

    #[test]
    fn numbers_and_amounts() {
        let t: Vec<char> = "三百元 一千九百八十元 三十五 ¥300 1,980块 2万 十元 二〇二六".chars().collect();
        assert_eq!(amount_at(&t, 0, t.len()), Some((3, 300.0)));
        assert_eq!(amount_at(&t, 4, t.len()).map(|a| a.1), Some(1980.0));
        assert_eq!(number_at(&t, 12, t.len()).map(|n| n.1), Some(35.0));
        assert_eq!(amount_at(&t, 12, t.len()), None);
        assert_eq!(amount_at(&t, 16, t.len()).map(|a| a.1), Some(300.0));
        assert_eq!(amount_at(&t, 21, t.len()).map(|a| a.1), Some(1980.0));
        assert_eq!(amount_at(&t, 28, t.len()).map(|a| a.1), Some(20000.0));
        assert_eq!(amount_at(&t, 31, t.len()).map(|a| a.1), Some(10.0));
        assert_eq!(number_at(&t, 34, t.len()).map(|n| n.1), Some(2026.0));
        let u: Vec<char> = "18-35岁".chars().collect();
        assert_eq!(number_ending_at(&u, 0, 5), Some((3, 35.0)));
        assert_eq!(number_ending_at(&u, 0, 2), Some((0, 18.0)));
    }

    #[test]
    fn patterns() {
        let mut vars = HashMap::new();
        vars.insert("region".to_string(), vec![fold_str("河南"), fold_str("外地")]);
        let p = Pattern::parse("{region}人勿扰", &vars, 4).unwrap();
        let t = fold_str("工作认真，外地人勿扰");
        assert_eq!(p.find_all(&t, (0, t.len())), vec![(5, 10)]);
        let p = Pattern::parse("仅限*籍", &vars, 4).unwrap();
        let t = fold_str("仅限河南籍");
        assert_eq!(p.find_all(&t, (0, t.len())), vec![(0, 5)]);
        let p = Pattern::parse("压#天工资", &vars, 4).unwrap();
        let t = fold_str("压十天工资");
        assert_eq!(p.find_all(&t, (0, t.len())).len(), 1);
        assert!(Pattern::parse("*籍", &vars, 4).is_err());
        assert!(Pattern::parse("{nope}人", &vars, 4).is_err());
    }
}
