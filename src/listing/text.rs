//! Plain-text machinery the listing rules are written in: folding, clauses, numbers, a word
//! dictionary with longest-match tokens, and the small pattern language of `listing_rules.toml`
//! (`*` a short gap, `#` a number, `{name}` a list). No regular expressions.

use std::collections::HashMap;

/// One text field prepared for matching: what a worker would read, not the bytes. Compatibility
/// forms are folded (NFKC: full-width letters, Kangxi radicals, compatibility ideographs), traditional
/// characters become simplified, format characters (zero-width spaces, joiners, bidi controls)
/// are dropped, and separators put between single Chinese characters (`押 金`, `保-证-金`) are
/// removed. Every folded character remembers where it came from, so findings quote the original.
#[derive(Debug)]
pub(crate) struct Prepared {
    orig: Vec<char>,
    /// Folded characters; clause breaks are `\n`.
    pub norm: Vec<char>,
    /// For each folded character, its index in `orig`.
    map: Vec<usize>,
    /// `[start, end)` ranges of `norm`, one per clause, none empty.
    pub clauses: Vec<(usize, usize)>,
    /// Toneless pinyin of each folded Chinese character (empty for other characters).
    pub pinyin: Vec<&'static str>,
    /// The text carried bidi overrides or isolates, which can make it read differently from its bytes.
    pub bidi: bool,
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

/// Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Invisible format characters (Unicode category Cf and friends): zero-width space and joiners,
/// marks, bidi controls, word joiner, BOM, soft hyphen, Mongolian vowel separator, tags.
pub(crate) fn is_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{E0000}'..='\u{E0FFF}')
}

fn is_cjk(c: char) -> bool {
    crate::search::analyze::is_cjk(c)
}

/// Traditional → simplified for one character (fast2s, a character table from OpenCC's data).
fn to_simplified(c: char) -> char {
    if c.len_utf8() != 3 || !is_cjk(c) {
        return c;
    }
    let mut buf = [0u8; 4];
    fast2s::convert(c.encode_utf8(&mut buf)).chars().next().unwrap_or(c)
}

/// The characters one input character reads as: compatibility decomposition (NFKD, so NFKC's
/// folding of full-width forms, radicals and compatibility ideographs) without combining marks,
/// simplified, folded. Format characters yield nothing.
pub(crate) fn normalize_char(c: char, mut out: impl FnMut(char)) {
    if c.is_ascii() {
        out(c.to_ascii_lowercase());
        return;
    }
    if is_format(c) {
        return;
    }
    unicode_normalization::char::decompose_compatible(c, |d| {
        if !unicode_normalization::char::is_combining_mark(d) {
            out(fold(to_simplified(d)));
        }
    });
}

pub(crate) fn fold_str(s: &str) -> Vec<char> {
    let mut v = Vec::with_capacity(s.len());
    for c in s.chars() {
        normalize_char(c, |d| v.push(d));
    }
    v
}

/// Whether anything readable (a letter or digit of any script) is left after normalisation.
pub(crate) fn readable(s: &str) -> bool {
    let mut any = false;
    for c in s.chars() {
        normalize_char(c, |d| any |= d.is_alphanumeric());
        if any {
            return true;
        }
    }
    false
}

/// The toneless pinyin of a Chinese character: the same reading (crate `pinyin`, first reading)
/// the search analyser indexes (`crate::search::analyze::pinyin_of`), per character and without
/// allocating.
fn pinyin_of_char(c: char) -> &'static str {
    use pinyin::ToPinyin;
    if !is_cjk(c) {
        return "";
    }
    c.to_pinyin().map(|p| p.plain()).unwrap_or("")
}

/// Characters that end a clause (after folding).
fn is_break(c: char) -> bool {
    matches!(c, ',' | '。' | ';' | '!' | '?' | '|' | '\n' | '\r' | '…')
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\u{a0}'
}

/// Characters put between Chinese characters to break up a word (`押 金`, `保-证-金`, `保.证.金`).
fn is_separator(c: char) -> bool {
    is_space(c)
        || matches!(
            c,
            '-' | '.'
                | '·'
                | '・'
                | '•'
                | '_'
                | '*'
                | '~'
                | '/'
                | '\\'
                | '\''
                | '"'
                | '`'
                | '^'
                | '='
                | '#'
                | '@'
                | '—'
                | '+'
                | '、'
                | ','
                | '。'
                | ';'
                | '|'
                | '…'
        )
}

/// Clause punctuation, removed between Chinese characters only when both neighbours stand alone.
fn is_strong_separator(c: char) -> bool {
    matches!(c, '、' | ',' | '。' | ';' | '|' | '…' | '/' | '+')
}

impl Prepared {
    pub(crate) fn new(s: &str) -> Prepared {
        let orig: Vec<char> = s.chars().collect();
        // 1. Characters as read, each with its origin.
        let mut folded: Vec<char> = Vec::with_capacity(orig.len());
        let mut origin: Vec<usize> = Vec::with_capacity(orig.len());
        let mut bidi = false;
        for (i, &c) in orig.iter().enumerate() {
            bidi |= is_bidi_control(c);
            normalize_char(c, |d| {
                folded.push(d);
                origin.push(i);
            });
        }
        // 2. Separators between Chinese characters where a word was broken up: a run of
        // separators with a Chinese character on each side, one of them standing alone. Clause
        // punctuation goes only in a second pass, when both neighbours stand alone even after the
        // first pass joined what it could (押,金 but not 需先付体检费,入职). Run lengths are counted
        // once each way per pass, so this is linear.
        let n = folded.len();
        let mut drop = vec![false; n];
        for strong_pass in [false, true] {
            let kept: Vec<usize> = (0..n).filter(|&k| !drop[k]).collect();
            let m = kept.len();
            let cjk = |x: usize| is_cjk(folded[kept[x]]);
            let mut left = vec![0usize; m]; // length of the Chinese run ending at x
            let mut right = vec![0usize; m]; // length of the Chinese run starting at x
            for x in 0..m {
                if cjk(x) {
                    left[x] = 1 + if x > 0 { left[x - 1] } else { 0 };
                }
            }
            for x in (0..m).rev() {
                if cjk(x) {
                    right[x] = 1 + if x + 1 < m { right[x + 1] } else { 0 };
                }
            }
            let mut x = 0;
            while x < m {
                if !is_separator(folded[kept[x]]) {
                    x += 1;
                    continue;
                }
                let mut y = x;
                while y < m && is_separator(folded[kept[y]]) {
                    y += 1;
                }
                if x > 0 && y < m && y - x <= 3 && cjk(x - 1) && cjk(y) {
                    let (l, r) = (left[x - 1], right[y]);
                    let strong = (x..y).any(|z| is_strong_separator(folded[kept[z]]));
                    let joins = if strong { strong_pass && l == 1 && r == 1 } else { !strong_pass && (l == 1 || r == 1) };
                    if joins {
                        (x..y).for_each(|z| drop[kept[z]] = true);
                    }
                }
                x = y;
            }
        }
        // 3. Clauses. The nearest non-space neighbours are found once each way.
        let mut prev_ns: Vec<Option<char>> = vec![None; n];
        let mut last = None;
        for k in 0..n {
            prev_ns[k] = last;
            if !drop[k] && !is_space(folded[k]) {
                last = Some(folded[k]);
            }
        }
        let mut next_ns: Vec<Option<char>> = vec![None; n];
        let mut last = None;
        for k in (0..n).rev() {
            next_ns[k] = last;
            if !drop[k] && !is_space(folded[k]) {
                last = Some(folded[k]);
            }
        }
        let mut norm = Vec::with_capacity(n);
        let mut map = Vec::with_capacity(n);
        for k in 0..n {
            if drop[k] {
                continue;
            }
            let c = folded[k];
            if is_space(c) {
                // A space between words ends a clause ("包吃住 工资日结"); a space next to a number or
                // before a Latin letter or currency sign is dropped ("押金 200元", "￥300 服装费",
                // "微信 abc123", "138 0000 0001").
                if let (Some(p), Some(nx)) = (prev_ns[k], next_ns[k]) {
                    let joins = nx.is_ascii() || matches!(nx, '¥' | '￥') || p.is_ascii_digit();
                    if !joins && norm.last() != Some(&'\n') {
                        norm.push('\n');
                        map.push(origin[k]);
                    }
                }
                continue;
            }
            norm.push(if is_break(c) { '\n' } else { c });
            map.push(origin[k]);
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
        let pinyin = norm.iter().map(|&c| pinyin_of_char(c)).collect();
        Prepared { orig, norm, map, clauses, pinyin, bidi }
    }

    /// The original text behind folded range `[s, e)`, trimmed.
    pub(crate) fn quote(&self, s: usize, e: usize) -> String {
        if s >= e || e > self.map.len() {
            return String::new();
        }
        let (a, b) = (self.map[s], self.map[e - 1]);
        self.orig[a..=b].iter().filter(|c| !is_format(**c)).collect::<String>().trim().to_string()
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

/// The longest run of digits or numerals read as one number. Longer runs are no number at all,
/// so every scan for a number stops after this many characters: matching stays linear in the
/// length of the text however many numerals it holds.
pub(crate) const MAX_NUMBER_CHARS: usize = 24;

/// Value of a run of Chinese numerals: 三百 300, 一千九百八十 1980, 三十五 35, 十 10, 二〇二六 2026.
pub(crate) fn cn_value(run: &[char]) -> Option<f64> {
    if run.is_empty() || run.len() > MAX_NUMBER_CHARS {
        return None;
    }
    if run.iter().all(|&c| cn_digit(c).is_some()) {
        // Positional digits (二〇二六).
        return Some(run.iter().fold(0f64, |acc, &c| acc * 10.0 + cn_digit(c).unwrap_or(0) as f64));
    }
    let (mut total, mut section, mut num) = (0u64, 0u64, 0u64);
    for &c in run {
        if let Some(d) = cn_digit(c) {
            num = d;
            continue;
        }
        let add = |section: u64, n: u64, unit: u64| section.saturating_add(n.saturating_mul(unit));
        match c {
            '十' | '拾' => section = add(section, if num == 0 { 1 } else { num }, 10),
            '百' | '佰' => section = add(section, num, 100),
            '千' | '仟' => section = add(section, num, 1000),
            '万' => {
                total = total.saturating_add(section.saturating_add(num).saturating_mul(10_000));
                section = 0;
            }
            _ => return None,
        }
        num = 0;
    }
    Some(total.saturating_add(section).saturating_add(num) as f64)
}

/// A number starting at `i`: Arabic digits (with `,` grouping and a decimal point) or a run of
/// Chinese numerals, at most [`MAX_NUMBER_CHARS`] long. Returns its end, value, and whether it was Arabic.
pub(crate) fn number_at(text: &[char], i: usize, end: usize) -> Option<(usize, f64, bool)> {
    if i >= end {
        return None;
    }
    let limit = (i + MAX_NUMBER_CHARS + 1).min(end);
    if text[i].is_ascii_digit() {
        let mut j = i;
        let mut digits = String::new();
        while j < limit {
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
        if j - i > MAX_NUMBER_CHARS {
            return None;
        }
        let v = digits.parse::<f64>().ok()?;
        return Some((j, v, true));
    }
    if is_cn_numeral(text[i]) {
        let mut j = i;
        while j < limit && is_cn_numeral(text[j]) {
            j += 1;
        }
        return cn_value(&text[i..j]).map(|v| (j, v, false));
    }
    None
}

/// The number that ends exactly at `j` (scanning backwards, at most [`MAX_NUMBER_CHARS`]), as `(start, value)`.
pub(crate) fn number_ending_at(text: &[char], start: usize, j: usize) -> Option<(usize, f64)> {
    if j <= start {
        return None;
    }
    let last = text[j - 1];
    let floor = j.saturating_sub(MAX_NUMBER_CHARS + 1).max(start);
    let mut a = j;
    if last.is_ascii_digit() {
        while a > floor && (text[a - 1].is_ascii_digit() || (text[a - 1] == '.' && a - 1 > start && text[a - 2].is_ascii_digit())) {
            a -= 1;
        }
        if j - a > MAX_NUMBER_CHARS {
            return None;
        }
        let s: String = text[a..j].iter().collect();
        return s.parse::<f64>().ok().map(|v| (a, v));
    }
    if is_cn_numeral(last) {
        while a > floor && is_cn_numeral(text[a - 1]) {
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
    } else if starts_with_at(text, k, end, &['y', 'u', 'a', 'n']) {
        k += 4;
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
    /// Handing over money (交, 付, 支付, 转账): with an amount in a clause about getting the work, a demand.
    Pay,
    /// Buying (购买, 自购): with goods in a clause about getting the work, a demand.
    Buy,
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
    /// A warning that governs what follows it (谨防收取押金): also a `Warning`.
    WarningVerb,
    /// A credential the worker pays for personally: demands are only reviewed.
    Soften,
    Joiner,
    Neutral,
    /// A conditional that makes a warning about fees a warning (凡, 如有, 如遇).
    Frame,
    /// Goods a worker may be made to buy (工服, 教材, 课程, 设备).
    Goods,
    /// Pay for the work (工资, 报酬): an amount after it is the worker's income.
    Wage,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Dict {
    by_first: HashMap<char, Vec<(Vec<char>, Kind)>>,
    /// Words also matched by sound, keyed by the first letter of their pinyin: (word, pinyin, kind).
    by_sound: HashMap<char, Vec<(Vec<char>, String, Kind)>>,
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

    /// Also matches a word of Chinese characters by its pinyin: homophones (保正金, 报明费), the
    /// word spelt in pinyin (yajin) or half and half (押jin).
    pub(crate) fn insert_sound(&mut self, word: Vec<char>, kind: Kind) {
        if word.len() < 2 || !word.iter().all(|&c| is_cjk(c)) {
            return;
        }
        let sound: String = word.iter().map(|&c| pinyin_of_char(c)).collect();
        let Some(first) = sound.chars().next() else { return };
        if sound.len() < 4 || word.iter().any(|&c| pinyin_of_char(c).is_empty()) {
            return;
        }
        self.by_sound.entry(first).or_default().push((word, sound, kind));
    }

    fn longest(&self, text: &[char], i: usize, end: usize) -> Option<(usize, Kind)> {
        self.by_first.get(&text[i])?.iter().find(|(w, _)| starts_with_at(text, i, end, w)).map(|(w, k)| (w.len(), *k))
    }

    /// A word matched by sound at `i`. Chinese characters consume their whole syllable, Latin
    /// letters one letter each. A match of Chinese characters only must keep all but one of the
    /// word's characters, its last included (保正金 is 保证金, 会非 is not 会费); a match of Latin
    /// letters only must be a whole Latin word.
    fn by_sound(&self, t: &Prepared, i: usize, end: usize) -> Option<(usize, Kind)> {
        let first = match t.pinyin[i].chars().next() {
            Some(c) => c,
            None if t.norm[i].is_ascii_lowercase() => t.norm[i],
            None => return None,
        };
        if t.norm[i].is_ascii_lowercase() && i > 0 && t.norm[i - 1].is_ascii_lowercase() {
            return None;
        }
        'words: for (word, sound, kind) in self.by_sound.get(&first)? {
            let sound = sound.as_bytes();
            let (mut pos, mut k) = (i, 0);
            let (mut cjk, mut latin) = (Vec::new(), false);
            while k < sound.len() {
                if pos >= end {
                    continue 'words;
                }
                let c = t.norm[pos];
                let py = t.pinyin[pos].as_bytes();
                if !py.is_empty() {
                    if !sound[k..].starts_with(py) {
                        continue 'words;
                    }
                    k += py.len();
                    cjk.push(c);
                } else if c.is_ascii_lowercase() && sound[k] == c as u8 {
                    k += 1;
                    latin = true;
                } else {
                    continue 'words;
                }
                pos += 1;
            }
            if latin && pos < end && t.norm[pos].is_ascii_lowercase() {
                continue;
            }
            if !latin {
                let kept = cjk.iter().zip(word).filter(|(a, b)| a == b).count();
                if cjk.len() != word.len() || kept == word.len() || kept + 1 < word.len() || cjk.last() != word.last() {
                    continue;
                }
            }
            return Some((pos - i, *kind));
        }
        None
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

/// Splits a clause into amounts, numbers, dictionary words (longest match, then by sound) and
/// single characters.
pub(crate) fn tokenize(dict: &Dict, t: &Prepared, (s, e): (usize, usize)) -> Vec<Tok> {
    let text = &t.norm;
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
        let literal = dict.longest(text, i, e);
        let sound = dict.by_sound(t, i, e).filter(|s| literal.is_none_or(|l| s.0 > l.0));
        if let Some((n, k)) = sound.or(literal) {
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

    /// The characters a match can start with; `None` when it starts with a number.
    pub(crate) fn first_chars(&self) -> Option<Vec<char>> {
        match self.elems.first()? {
            Elem::Lit(l) => Some(vec![l[0]]),
            Elem::Alt(alts) => Some(alts.iter().filter_map(|a| a.first().copied()).collect()),
            Elem::Num | Elem::Any(_) => None,
        }
    }

    /// The end of a match starting at `i`, if one does.
    pub(crate) fn match_at(&self, text: &[char], i: usize, end: usize) -> Option<usize> {
        self.match_from(0, text, i, end).filter(|&j| j > i)
    }

    /// Non-overlapping matches within `[s, e)`, leftmost first.
    #[cfg(test)]
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
