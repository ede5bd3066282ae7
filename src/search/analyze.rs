//! Chinese text analysis, done by lingong itself for documents and queries alike.
//!
//! Documents get three token streams:
//! - `text`: jieba search-mode words (so 保洁员 also yields 保洁) plus every CJK character on its own
//!   (the single-character fallback that finds out-of-dictionary words) plus lowercase ASCII words;
//! - `py`: full pinyin of each Chinese word (保洁 → `baojie`);
//! - `pyi`: pinyin initials of each Chinese word (保洁 → `bj`).
//!
//! Queries are cut with jieba's precise mode and built into boolean queries here: tantivy's own
//! query parser would turn unspaced Chinese into phrase queries.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use jieba_rs::Jieba;
use pinyin::ToPinyin;

/// Words the general dictionary lacks but gig postings use all the time.
const DOMAIN_WORDS: &[&str] = &[
    "日结", "周结", "月结", "完工结", "保洁员", "开荒保洁", "家庭保洁", "钟点工", "月嫂", "育婴员", "护工", "陪护", "帮厨", "传菜",
    "分拣", "分拣员", "理货", "装卸", "装卸工", "小工", "杂工", "搬家", "搬运工", "骑手", "跑腿", "网约配送员", "直播带货", "主播",
    "促销员", "导购", "地推", "发传单", "礼仪", "布展", "保安员", "网格员", "调饮师", "水电工", "家电维修", "空调清洗", "包吃住",
    "包工服", "包午餐", "夜班", "白班", "兼职", "临时工", "零工", "灵活就业", "健康证", "采摘", "茶叶", "数据标注",
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

/// Pinyin of a word's Chinese characters: (full, initials). Non-Chinese characters are skipped.
pub fn pinyin_of(word: &str) -> Option<(String, String)> {
    let mut full = String::new();
    let mut initials = String::new();
    for p in word.to_pinyin().flatten() {
        full.push_str(p.plain());
        initials.push_str(p.first_letter());
    }
    (!full.is_empty()).then_some((full, initials))
}

/// The token streams of one document.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DocTokens {
    pub text: Vec<String>,
    pub py: Vec<String>,
    pub pyi: Vec<String>,
}

pub fn doc_tokens(parts: &[&str]) -> DocTokens {
    let mut out = DocTokens::default();
    let mut pinyin_seen = BTreeSet::new();
    for part in parts {
        for tok in jieba().cut_for_search(part, true) {
            let Some(word) = clean(tok.word) else { continue };
            if word.chars().any(is_cjk) {
                if word.chars().count() > 1 {
                    out.text.push(word.clone());
                }
                if pinyin_seen.insert(word.clone()) {
                    if let Some((full, initials)) = pinyin_of(&word) {
                        out.py.push(full);
                        if initials.len() > 1 {
                            out.pyi.push(initials);
                        }
                    }
                }
            } else {
                out.text.push(word);
            }
        }
        // The single-character fallback.
        for c in part.chars().filter(|c| is_cjk(*c)) {
            out.text.push(c.to_string());
        }
    }
    out
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
    pub field: Field,
    pub terms: Vec<String>,
    /// Relative weight: whole-word matches count more than the character fallback.
    pub boost: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Text,
    Pinyin,
    Initials,
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
                    Alternative { field: Field::Text, terms: vec![s.clone()], boost: 1.0 },
                    Alternative { field: Field::Pinyin, terms: vec![s.clone()], boost: 1.0 },
                    Alternative { field: Field::Initials, terms: vec![s], boost: 0.8 },
                ],
            });
            continue;
        }
        for tok in jieba().cut(piece, false) {
            let Some(word) = clean(tok.word) else { continue };
            let chars: Vec<String> = word.chars().filter(|c| is_cjk(*c)).map(|c| c.to_string()).collect();
            let mut alternatives = Vec::new();
            if word.chars().count() > 1 || !word.chars().any(is_cjk) {
                alternatives.push(Alternative { field: Field::Text, terms: vec![word.clone()], boost: 2.0 });
            }
            if !chars.is_empty() {
                alternatives.push(Alternative { field: Field::Text, terms: chars, boost: 0.5 });
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

    #[test]
    fn search_mode_finds_words_inside_words() {
        let d = doc_tokens(&["招聘保洁员", "中国农业发展银行食堂帮厨"]);
        assert!(has(&d.text, "保洁"), "{:?}", d.text);
        assert!(has(&d.text, "农业"), "{:?}", d.text);
        assert!(has(&d.text, "帮厨"));
        // Every character on its own, for the fallback.
        assert!(has(&d.text, "洁") && has(&d.text, "厨"));
    }

    #[test]
    fn pinyin_and_initials() {
        let d = doc_tokens(&["家庭保洁"]);
        assert!(has(&d.py, "baojie"), "{:?}", d.py);
        assert!(has(&d.pyi, "bj"), "{:?}", d.pyi);
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
        assert_eq!(g[0].alternatives, vec![Alternative { field: Field::Text, terms: vec!["洁".into()], boost: 0.5 }]);
        assert!(analyze_query(" ，。 ").is_empty());
    }
}
