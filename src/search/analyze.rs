//! Chinese text analysis, done by lingong itself for documents and queries alike.
//!
//! Documents become one stream of terms (see [`doc_terms`]): jieba search-mode words, every CJK
//! character once (the single-character fallback), and the pinyin and initials of each word, for
//! people typing `baojie` or `bj` on a phone.
//!
//! Queries are cut with jieba's precise mode and built into boolean queries here: tantivy's own
//! query parser would turn unspaced Chinese into phrase queries.

use std::sync::OnceLock;

use jieba_rs::Jieba;
use pinyin::ToPinyin;

use crate::search::synonyms::Synonyms;

/// Words the general dictionary lacks but gig postings use all the time.
const DOMAIN_WORDS: &[&str] = &[
    "日结",
    "周结",
    "月结",
    "完工结",
    "保洁员",
    "开荒保洁",
    "家庭保洁",
    "钟点工",
    "月嫂",
    "育婴员",
    "护工",
    "陪护",
    "帮厨",
    "传菜",
    "分拣",
    "分拣员",
    "理货",
    "装卸",
    "装卸工",
    "小工",
    "杂工",
    "搬家",
    "搬运工",
    "骑手",
    "跑腿",
    "网约配送员",
    "直播带货",
    "主播",
    "促销员",
    "导购",
    "地推",
    "发传单",
    "礼仪",
    "布展",
    "保安员",
    "网格员",
    "调饮师",
    "水电工",
    "家电维修",
    "空调清洗",
    "包吃住",
    "包吃",
    "包住",
    "管饭",
    "包工服",
    "包午餐",
    "夜班",
    "白班",
    "兼职",
    "临时工",
    "零工",
    "灵活就业",
    "健康证",
    "采摘",
    "茶叶",
    "数据标注",
];

/// Whether `word` is one of the words gig postings use that lingong adds to the dictionary.
pub fn is_domain_word(word: &str) -> bool {
    DOMAIN_WORDS.contains(&word)
}

pub fn jieba() -> &'static Jieba {
    static J: OnceLock<Jieba> = OnceLock::new();
    J.get_or_init(|| {
        let mut j = Jieba::new();
        for w in DOMAIN_WORDS {
            j.add_word(w, Some(20_000), None);
        }
        j
    })
}

pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Normalises a token: lowercase ASCII, nothing but letters and digits.
fn clean(word: &str) -> Option<String> {
    let w: String = word.chars().filter(|c| is_word_char(*c)).flat_map(|c| c.to_lowercase()).collect();
    (!w.is_empty()).then_some(w)
}

/// Appends the pinyin of a word's Chinese characters to `full` and their initials to
/// `initials`; non-Chinese characters are skipped. False when the word has none.
fn pinyin_into(word: &str, full: &mut String, initials: &mut String) -> bool {
    let mut any = false;
    for p in word.to_pinyin().flatten() {
        full.push_str(p.plain());
        initials.push_str(p.first_letter());
        any = true;
    }
    any
}

/// Pinyin of a word's Chinese characters: (full, initials).
pub fn pinyin_of(word: &str) -> Option<(String, String)> {
    let (mut full, mut initials) = (String::new(), String::new());
    pinyin_into(word, &mut full, &mut initials).then_some((full, initials))
}

/// Token kinds share one tantivy field, kept apart by prefixes that no word can contain (words
/// are letters and digits only): one field means one tokenizer pass per document, run on
/// tantivy's indexing threads, and one length norm for BM25.
pub const CHAR: &str = "c:";
pub const PINYIN: &str = "p:";
pub const INITIALS: &str = "i:";
/// Two adjacent characters of the text (`b:保安`): the fallback for a word the documents never
/// hold whole, so 保安 never matches 保洁 … 安居 (two characters found far apart).
pub const BIGRAM: &str = "b:";
/// A word (or its pinyin) in a title or category line, emitted again with this prefix: matching
/// it adds to the score, so the title and category weigh more than the description.
pub const TITLE: &str = "t:";
/// A word (or its pinyin) in an employer-name or address line is emitted only with this prefix,
/// and queries match it at a low weight: 家政 in an employer's name does not make its warehouse
/// job a housekeeping one.
pub const LOW: &str = "l:";

/// Marks a line of [`shift_text`] as a title or category line…
pub const TITLE_LINE: char = '\u{1}';
/// …or as an employer-name or address line (other lines are the body).
pub const LOW_LINE: char = '\u{2}';

/// The searchable text of a document: its parts, one per line.
pub fn doc_text(parts: &[&str]) -> String {
    parts.join("\n")
}

/// What a shift is found by: its own words, its category's, its employer's name and its place.
pub struct ShiftText<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub requirements: &'a str,
    /// The category's name and keywords.
    pub category: &'a str,
    pub employer: &'a str,
    /// Empty for a household's shift (its street address is not searchable).
    pub address: &'a str,
    /// The district's full name.
    pub district: &'a str,
}

/// The searchable text of a shift (the one builder, for the index and the benchmarks alike): one
/// field, its lines marked by weight ([`TITLE_LINE`], [`LOW_LINE`]) so one tokenizer pass and one
/// length norm still serve all of them.
pub fn shift_text(t: &ShiftText) -> String {
    let line = |mark: Option<char>, s: &str| -> String {
        let s = s.replace(['\n', '\r'], " ");
        match mark {
            Some(m) => format!("{m}{s}"),
            None => s,
        }
    };
    [
        line(Some(TITLE_LINE), t.title),
        line(Some(TITLE_LINE), t.category),
        line(None, t.description),
        line(None, t.requirements),
        line(Some(LOW_LINE), t.employer),
        line(Some(LOW_LINE), t.address),
        line(Some(LOW_LINE), t.district),
    ]
    .join("\n")
}

/// The terms of a document:
/// - jieba search-mode words (保洁员 also yields 保洁), repeated as often as they occur, so term
///   frequency counts; lowercase ASCII words likewise;
/// - each distinct CJK character once (`c:洁`): the fallback for one-character queries;
/// - each distinct pair of adjacent CJK characters once (`b:保洁`): the fallback for longer words
///   the dictionary cuts differently, which must still be found together;
/// - the full pinyin of each distinct Chinese word once (`p:baojie`), and its initials (`i:bj`)
///   when the word has at most four characters (nobody types the initials of longer ones).
///
/// Title and category lines emit their words again with [`TITLE`]; employer and address lines emit
/// theirs only with [`LOW`] (see [`shift_text`]).
///
/// Characters, pairs and pinyin are deduplicated: they only need to say whether a document has
/// them, and repeating them would make long documents slower to index for nothing.
pub fn doc_terms(text: &str, out: &mut Vec<String>) {
    let mut buf = String::new();
    doc_terms_into(text, &mut buf, &mut |t| out.push(t.to_string()));
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Section {
    Title,
    Body,
    Low,
}

/// [`doc_terms`] without an allocation per term: each term is handed to `emit` as a borrowed
/// string (indexing a million shifts spent a fifth of its time in malloc and free otherwise).
pub fn doc_terms_into(text: &str, buf: &mut String, emit: &mut dyn FnMut(&str)) {
    use std::hash::BuildHasher;
    let mut chars: Vec<char> = text.chars().filter(|c| is_cjk(*c)).collect();
    chars.sort_unstable();
    chars.dedup();
    let mut pairs: Vec<(char, char)> = Vec::new();
    let hasher = std::hash::RandomState::new();
    let mut words_seen: std::collections::HashSet<(Section, u64)> = std::collections::HashSet::new();
    let mut initials = String::new();
    let mut prefixed = String::new();
    // Emits `term` as the section says: plain and again as a title term, plain, or low only.
    let put = |section: Section, term: &str, prefixed: &mut String, emit: &mut dyn FnMut(&str)| match section {
        Section::Body => emit(term),
        Section::Title => {
            emit(term);
            prefixed.clear();
            prefixed.push_str(TITLE);
            prefixed.push_str(term);
            emit(prefixed);
        }
        Section::Low => {
            prefixed.clear();
            prefixed.push_str(LOW);
            prefixed.push_str(term);
            emit(prefixed);
        }
    };
    for line in text.lines() {
        let (section, line) = match line.chars().next() {
            Some(TITLE_LINE) => (Section::Title, &line[TITLE_LINE.len_utf8()..]),
            Some(LOW_LINE) => (Section::Low, &line[LOW_LINE.len_utf8()..]),
            _ => (Section::Body, line),
        };
        let mut prev: Option<char> = None;
        for c in line.chars() {
            if is_cjk(c) {
                if let Some(p) = prev {
                    pairs.push((p, c));
                }
                prev = Some(c);
            } else {
                prev = None;
            }
        }
        // No HMM: documents are cut the way queries are (precise dictionary words), and the
        // character fallback already covers words the dictionary lacks.
        for tok in jieba().cut_for_search(line, false) {
            let word = tok.word;
            let cjk = word.chars().filter(|c| is_cjk(*c)).count();
            if cjk == 0 || word.chars().any(|c| !is_cjk(c)) {
                // Latin letters, digits, punctuation: cleaned (rare, so allocating is fine).
                if let Some(w) = clean(word) {
                    if w.chars().any(is_cjk) && w.chars().count() < 2 {
                        continue;
                    }
                    put(section, &w, &mut prefixed, emit);
                }
                continue;
            }
            if cjk < 2 {
                continue;
            }
            put(section, word, &mut prefixed, emit);

            // Pinyin only says whether a document has it: once plain (title and body lines share
            // it), once more as a title term, once as a low one; computed only when still missing.
            let h = hasher.hash_one(word);
            let (plain, titled, low) = match section {
                Section::Body => (words_seen.insert((Section::Body, h)), false, false),
                Section::Title => (words_seen.insert((Section::Body, h)), words_seen.insert((Section::Title, h)), false),
                Section::Low => (false, false, words_seen.insert((Section::Low, h))),
            };
            if !(plain || titled || low) {
                continue;
            }
            buf.clear();
            buf.push_str(PINYIN);
            initials.clear();
            initials.push_str(INITIALS);
            if !pinyin_into(word, buf, &mut initials) {
                continue;
            }
            let mut put_pinyin = |term: &str, emit: &mut dyn FnMut(&str)| {
                if plain {
                    emit(term);
                }
                for (wanted, prefix) in [(titled, TITLE), (low, LOW)] {
                    if wanted {
                        prefixed.clear();
                        prefixed.push_str(prefix);
                        prefixed.push_str(term);
                        emit(&prefixed);
                    }
                }
            };
            put_pinyin(buf, emit);
            if cjk <= 4 {
                put_pinyin(&initials, emit);
            }
        }
    }
    for c in chars {
        buf.clear();
        buf.push_str(CHAR);
        buf.push(c);
        emit(buf);
    }
    pairs.sort_unstable();
    pairs.dedup();
    for (a, b) in pairs {
        buf.clear();
        buf.push_str(BIGRAM);
        buf.push(a);
        buf.push(b);
        emit(buf);
    }
}

/// Runs [`doc_terms`] as a tantivy tokenizer, so documents are analysed on tantivy's indexing
/// threads (all cores) rather than on the thread that feeds them. Token strings are reused from
/// one document to the next.
#[derive(Clone, Default)]
pub struct DocTokenizer {
    buf: String,
    tokens: Vec<tantivy::tokenizer::Token>,
}

pub struct DocTokenStream<'a> {
    tokens: &'a mut [tantivy::tokenizer::Token],
    next: usize,
}

impl tantivy::tokenizer::Tokenizer for DocTokenizer {
    type TokenStream<'a> = DocTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> DocTokenStream<'a> {
        let mut n = 0;
        let tokens = &mut self.tokens;
        doc_terms_into(text, &mut self.buf, &mut |t| {
            if n == tokens.len() {
                tokens.push(tantivy::tokenizer::Token::default());
            }
            let tok = &mut tokens[n];
            tok.text.clear();
            tok.text.push_str(t);
            tok.position = n;
            tok.position_length = 1;
            n += 1;
        });
        DocTokenStream { tokens: &mut self.tokens[..n], next: 0 }
    }
}

impl tantivy::tokenizer::TokenStream for DocTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &tantivy::tokenizer::Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut tantivy::tokenizer::Token {
        &mut self.tokens[self.next - 1]
    }
}

/// One clause of an analysed query: every group must match; a group matches if any of its
/// alternatives does; an alternative matches if all of its terms (in its field) do.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryGroup {
    /// The query word this group came from, for explanations.
    pub source: String,
    pub alternatives: Vec<Alternative>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    /// Index terms, prefixed by kind (see [`CHAR`], [`BIGRAM`], [`PINYIN`], [`INITIALS`]).
    pub terms: Vec<String>,
    /// Relative weight: whole-word matches count more than the fallbacks.
    pub boost: f32,
    /// A fallback (characters, pairs, a misspelt word's pinyin): used only when no other
    /// alternative of its group is in the index.
    pub fallback: bool,
}

impl Alternative {
    fn word(terms: Vec<String>, boost: f32) -> Alternative {
        Alternative { terms, boost, fallback: false }
    }

    fn fallback(terms: Vec<String>, boost: f32) -> Alternative {
        Alternative { terms, boost, fallback: true }
    }
}

/// Job-noun endings: 洗碗工 is 洗碗 work, 理货员 理货, 搬家师傅 搬家, 保洁阿姨 保洁.
const JOB_SUFFIXES: &[&str] = &["师傅", "阿姨", "小工", "工", "员"];

/// Stems too general to stand for the job on their own (服务员 is not any 服务).
const GENERAL_STEMS: &[&str] = &["服务", "工作", "人员", "管理", "技术", "业务", "操作", "工程", "职"];

/// Splits the query on spaces and punctuation; each piece must match. Without synonyms.
pub fn analyze_query(q: &str) -> Vec<QueryGroup> {
    analyze_query_with(q, &Synonyms::default())
}

/// A known word's index terms: itself when jieba keeps it whole, its words when jieba cuts it
/// into words (保洁阿姨 → 保洁, 阿姨), and its adjacent pairs when a piece is a single character
/// (刷碗 → `b:刷碗`): the word must be found as written, never as characters far apart.
fn word_terms(word: &str) -> Vec<String> {
    let cut: Vec<String> = jieba().cut(word, false).into_iter().filter_map(|t| clean(t.word)).collect();
    if cut.len() <= 1 {
        return vec![word.to_string()];
    }
    if cut.iter().any(|w| w.chars().count() == 1 && w.chars().all(is_cjk)) {
        return fallback_terms(word);
    }
    cut
}

/// The fallback of a Chinese word: its character, or its adjacent pairs (all of them).
fn fallback_terms(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().filter(|c| is_cjk(*c)).collect();
    match chars.len() {
        0 => Vec::new(),
        1 => vec![format!("{CHAR}{}", chars[0])],
        _ => chars.windows(2).map(|w| format!("{BIGRAM}{}{}", w[0], w[1])).collect(),
    }
}

/// The query's words: jieba's, with runs of single characters joined (保结, a misspelt 保洁, is
/// cut 保 / 结 and searched as one word), neighbours joined where the synonym table knows the
/// pair (保洁 阿姨 → 保洁阿姨), and a job-noun ending joined to the word before it (洗碗 工).
/// Each word comes with its stem when it ends in a job noun.
fn query_words(piece: &str, syn: &Synonyms) -> Vec<(String, Option<String>)> {
    let toks: Vec<String> = jieba().cut(piece, false).into_iter().filter_map(|t| clean(t.word)).collect();
    let single = |t: &str| t.chars().count() == 1 && t.chars().all(is_cjk) && !JOB_SUFFIXES.contains(&t);
    // Each token with whether it is a run of single characters so far.
    let mut runs: Vec<(String, bool)> = Vec::new();
    for t in toks {
        match runs.last_mut() {
            Some((last, true)) if single(&t) => last.push_str(&t),
            _ => {
                let is_single = single(&t);
                runs.push((t, is_single));
            }
        }
    }
    let joined: Vec<String> = runs.into_iter().map(|(t, _)| t).collect();
    let mut words: Vec<(String, Option<String>)> = Vec::new();
    let mut i = 0;
    while i < joined.len() {
        // The longest run of neighbours (up to three) the synonym table knows as one word.
        let mut took = 1;
        for n in (2..=3.min(joined.len() - i)).rev() {
            if syn.knows(&joined[i..i + n].concat()) {
                took = n;
                break;
            }
        }
        let w = joined[i..i + took].concat();
        i += took;
        if JOB_SUFFIXES.contains(&w.as_str())
            && let Some((prev, stem)) = words.last_mut()
            && prev.chars().all(is_cjk)
        {
            stem.get_or_insert_with(|| prev.clone());
            prev.push_str(&w);
            continue;
        }
        let stem = JOB_SUFFIXES.iter().find_map(|s| {
            let stem = w.strip_suffix(s)?;
            (stem.chars().count() >= 2 && stem.chars().all(is_cjk) && !GENERAL_STEMS.contains(&stem)).then(|| stem.to_string())
        });
        words.push((w, stem));
    }
    words
}

/// Splits the query on spaces and punctuation; each piece must match. Words with synonyms match
/// any of them; a job noun matches its stem; a word the index lacks falls back to its adjacent
/// character pairs, then (a misspelling: 保结 for 保洁) to its pinyin.
pub fn analyze_query_with(q: &str, syn: &Synonyms) -> Vec<QueryGroup> {
    let mut groups = Vec::new();
    for piece in q.split(|c: char| c.is_whitespace() || (!is_word_char(c))).filter(|p| !p.is_empty()) {
        if piece.chars().all(|c| c.is_ascii_alphanumeric()) {
            let s = piece.to_ascii_lowercase();
            groups.push(QueryGroup {
                source: piece.to_string(),
                alternatives: vec![
                    Alternative::word(vec![format!("{PINYIN}{s}")], 1.0),
                    Alternative::word(vec![format!("{INITIALS}{s}")], 0.8),
                    Alternative::word(vec![s], 1.0),
                ],
            });
            continue;
        }
        for (word, stem) in query_words(piece, syn) {
            let cjk = word.chars().filter(|c| is_cjk(*c)).count();
            let mut alternatives = Vec::new();
            if word.chars().count() > 1 || cjk == 0 {
                alternatives.push(Alternative::word(vec![word.clone()], 2.0));
            }
            let mut push = |terms: Vec<String>, boost: f32| {
                if !terms.is_empty() && !alternatives.iter().any(|a: &Alternative| a.terms == terms) {
                    alternatives.push(Alternative::word(terms, boost));
                }
            };
            // The query word itself as its pieces only when they are words: its pairs are its fallback.
            let pieces = word_terms(&word);
            if pieces.len() > 1 && !pieces.iter().any(|t| t.starts_with(BIGRAM)) {
                push(pieces, 1.8);
            }
            for s in syn.of(&word) {
                push(word_terms(s), 1.6);
            }
            if let Some(stem) = &stem {
                push(vec![stem.clone()], 1.6);
                for s in syn.of(stem) {
                    push(word_terms(s), 1.4);
                }
            }
            if cjk > 0 {
                alternatives.push(Alternative::fallback(fallback_terms(&word), 0.5));
            }
            if cjk >= 2
                && let Some((full, _)) = pinyin_of(&word)
            {
                alternatives.push(Alternative::fallback(vec![format!("{PINYIN}{full}")], 0.8));
            }
            groups.push(QueryGroup { source: word, alternatives });
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(tokens: &[String], t: &str) -> bool {
        tokens.iter().any(|x| x == t)
    }

    fn terms(parts: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        doc_terms(&doc_text(parts), &mut out);
        out
    }

    #[test]
    fn search_mode_finds_words_inside_words() {
        let d = terms(&["招聘保洁员", "中国农业发展银行食堂帮厨"]);
        assert!(has(&d, "保洁"), "{d:?}");
        assert!(has(&d, "农业"), "{d:?}");
        assert!(has(&d, "帮厨"));
        // Every character on its own, once, for the fallback.
        assert!(has(&d, "c:洁") && has(&d, "c:厨"));
        assert_eq!(terms(&["洁洁洁"]).iter().filter(|t| *t == "c:洁").count(), 1);
    }

    #[test]
    fn word_frequency_is_kept_but_pinyin_is_not_repeated() {
        let d = terms(&["保洁 保洁", "保洁"]);
        assert_eq!(d.iter().filter(|t| *t == "保洁").count(), 3);
        assert_eq!(d.iter().filter(|t| *t == "p:baojie").count(), 1);
    }

    #[test]
    fn pinyin_and_initials() {
        let d = terms(&["家庭保洁"]);
        assert!(has(&d, "p:baojie"), "{d:?}");
        assert!(has(&d, "i:bj"), "{d:?}");
        assert_eq!(pinyin_of("搬家").unwrap(), ("banjia".to_string(), "bj".to_string()));
    }

    fn shift(title: &str, description: &str, employer: &str) -> Vec<String> {
        let mut out = Vec::new();
        let t = ShiftText { title, description, requirements: "", category: "", employer, address: "", district: "" };
        doc_terms(&shift_text(&t), &mut out);
        out
    }

    #[test]
    fn lines_are_weighted_by_what_they_are() {
        for (title, desc, employer) in [("家政服务员", "上门打扫", "好帮手物业"), ("家政保洁", "擦玻璃", "安居物业公司"), ("家政", "做饭收纳", "北京物业")]
        {
            let d = shift(title, desc, employer);
            assert!(has(&d, "家政") && has(&d, "t:家政") && has(&d, "p:jiazheng") && has(&d, "t:p:jiazheng"), "{title}: {d:?}");
            // The body's words are plain, the employer's only low.
            assert!(!d.iter().any(|t| t.starts_with("t:") && desc.contains(t.trim_start_matches("t:")) && t.chars().count() > 3), "{desc}: {d:?}");
            assert!(has(&d, "l:物业") && !has(&d, "物业") && has(&d, "l:p:wuye"), "{employer}: {d:?}");
            // Pinyin is still emitted once per kind.
            assert_eq!(d.iter().filter(|t| *t == "p:jiazheng").count(), 1);
        }
    }

    #[test]
    fn pairs_keep_characters_together() {
        let d = shift("小区保洁", "安居小区公共区域打扫", "物业");
        assert!(has(&d, "b:保洁") && has(&d, "b:安居") && !has(&d, "b:保安") && !has(&d, "b:洁安"), "{d:?}");
        // Two-character words the index lacks fall back to their pair, never to their characters.
        for (q, pair) in [("保安", "b:保安"), ("洁安", "b:洁安"), ("理车", "b:理车")] {
            let g = analyze_query(q);
            let fallbacks: Vec<&Alternative> = g[0].alternatives.iter().filter(|a| a.fallback).collect();
            assert!(fallbacks.iter().any(|a| a.terms == [pair]), "{q}: {g:?}");
            assert!(!g[0].alternatives.iter().any(|a| a.terms.iter().any(|t| t.starts_with(CHAR))), "{q}: {g:?}");
        }
    }

    #[test]
    fn job_nouns_synonyms_and_misspellings() {
        let syn = Synonyms::new([]);
        for (q, stem) in [("洗碗工", "洗碗"), ("理货员", "理货"), ("搬家师傅", "搬家"), ("保洁阿姨", "保洁"), ("搬运小工", "搬运"), ("洗碗阿姨", "洗碗")]
        {
            let g = analyze_query_with(q, &syn);
            assert_eq!(g.len(), 1, "{q}: one word, {g:?}");
            assert!(g[0].alternatives.iter().any(|a| !a.fallback && a.terms == [stem]), "{q}: {g:?}");
        }
        // A general stem is no stand-in: 服务员 is not any 服务.
        assert!(!analyze_query_with("服务员", &syn)[0].alternatives.iter().any(|a| a.terms == ["服务"]));
        for (q, other) in [("送餐", "外卖"), ("月嫂", "育婴"), ("钟点工", "小时工")] {
            assert!(analyze_query_with(q, &syn)[0].alternatives.iter().any(|a| a.terms == [other]), "{q} ~ {other}");
        }
        for (q, py) in [("保结", "p:baojie"), ("服物员", "p:fuwuyuan"), ("理获", "p:lihuo")] {
            let g = analyze_query_with(q, &syn);
            assert_eq!(g.len(), 1, "{q}: {g:?}");
            assert!(g[0].alternatives.iter().any(|a| a.fallback && a.terms == [py]), "{q}: {g:?}");
        }
    }

    #[test]
    fn queries_become_groups() {
        let g = analyze_query("家政 日结");
        let sources: Vec<&str> = g.iter().map(|g| g.source.as_str()).collect();
        assert_eq!(sources, ["家政", "日结"]);
        let g = analyze_query("baojie");
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].alternatives.len(), 3);
        let g = analyze_query("洁");
        assert_eq!(g[0].alternatives, vec![Alternative { terms: vec!["c:洁".into()], boost: 0.5, fallback: true }]);
        assert!(analyze_query(" ，。 ").is_empty());
    }
}
