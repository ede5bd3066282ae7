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

/// The searchable text of a document: its parts, one per line.
pub fn doc_text(parts: &[&str]) -> String {
    parts.join("\n")
}

/// The terms of a document:
/// - jieba search-mode words (保洁员 also yields 保洁), repeated as often as they occur, so term
///   frequency counts; lowercase ASCII words likewise;
/// - each distinct CJK character once (`c:洁`): the single-character fallback that finds
///   out-of-dictionary and one-character queries;
/// - the full pinyin of each distinct Chinese word once (`p:baojie`), and its initials (`i:bj`)
///   when the word has at most four characters (nobody types the initials of longer ones).
///
/// Characters and pinyin are deduplicated: they only need to say whether a document has them,
/// and repeating them would make long documents slower to index for nothing.
pub fn doc_terms(text: &str, out: &mut Vec<String>) {
    let mut buf = String::new();
    doc_terms_into(text, &mut buf, &mut |t| out.push(t.to_string()));
}

/// [`doc_terms`] without an allocation per term: each term is handed to `emit` as a borrowed
/// string (indexing a million shifts spent a fifth of its time in malloc and free otherwise).
pub fn doc_terms_into(text: &str, buf: &mut String, emit: &mut dyn FnMut(&str)) {
    use std::hash::BuildHasher;
    let mut chars: Vec<char> = text.chars().filter(|c| is_cjk(*c)).collect();
    chars.sort_unstable();
    chars.dedup();
    let hasher = std::hash::RandomState::new();
    let mut words_seen: std::collections::HashSet<u64> = std::collections::HashSet::new();
    let mut initials = String::new();
    for line in text.lines() {
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
                    emit(&w);
                }
                continue;
            }
            if cjk < 2 {
                continue;
            }
            emit(word);

            if !words_seen.insert(hasher.hash_one(word)) {
                continue;
            }
            buf.clear();
            buf.push_str(PINYIN);
            initials.clear();
            initials.push_str(INITIALS);
            if !pinyin_into(word, buf, &mut initials) {
                continue;
            }
            emit(buf);
            if cjk <= 4 {
                emit(&initials);
            }
        }
    }
    for c in chars {
        buf.clear();
        buf.push_str(CHAR);
        buf.push(c);
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
    /// Index terms, prefixed by kind (see [`CHAR`], [`PINYIN`], [`INITIALS`]).
    pub terms: Vec<String>,
    /// Relative weight: whole-word matches count more than the character fallback.
    pub boost: f32,
}

/// Splits the query on spaces and punctuation; each piece must match.
pub fn analyze_query(q: &str) -> Vec<QueryGroup> {
    let mut groups = Vec::new();
    for piece in q.split(|c: char| c.is_whitespace() || (!is_word_char(c))).filter(|p| !p.is_empty()) {
        if piece.chars().all(|c| c.is_ascii_alphanumeric()) {
            let s = piece.to_ascii_lowercase();
            groups.push(QueryGroup {
                source: piece.to_string(),
                alternatives: vec![
                    Alternative { terms: vec![format!("{PINYIN}{s}")], boost: 1.0 },
                    Alternative { terms: vec![format!("{INITIALS}{s}")], boost: 0.8 },
                    Alternative { terms: vec![s], boost: 1.0 },
                ],
            });
            continue;
        }
        for tok in jieba().cut(piece, false) {
            let Some(word) = clean(tok.word) else { continue };
            let chars: Vec<String> = word.chars().filter(|c| is_cjk(*c)).map(|c| format!("{CHAR}{c}")).collect();
            let mut alternatives = Vec::new();
            if word.chars().count() > 1 || !word.chars().any(is_cjk) {
                alternatives.push(Alternative { terms: vec![word.clone()], boost: 2.0 });
            }
            if !chars.is_empty() {
                alternatives.push(Alternative { terms: chars, boost: 0.5 });
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

    #[test]
    fn queries_become_groups() {
        let g = analyze_query("家政 日结");
        let sources: Vec<&str> = g.iter().map(|g| g.source.as_str()).collect();
        assert_eq!(sources, ["家政", "日结"]);
        let g = analyze_query("baojie");
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].alternatives.len(), 3);
        let g = analyze_query("洁");
        assert_eq!(g[0].alternatives, vec![Alternative { terms: vec!["c:洁".into()], boost: 0.5 }]);
        assert!(analyze_query(" ，。 ").is_empty());
    }
}
