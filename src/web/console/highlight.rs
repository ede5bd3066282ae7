//! Where a finding's quoted phrase occurs in a posting's text, as pieces the template prints
//! with the marked ones inside `<mark>` (the template escapes every piece; no HTML is built here).

/// A run of the text, marked when it lies inside an occurrence of a quoted phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub marked: bool,
}

/// Splits `text` into pieces, marking every occurrence of every non-empty phrase; overlapping or
/// touching occurrences join into one mark. The pieces, in order, give back `text` exactly.
pub fn highlight(text: &str, phrases: &[&str]) -> Vec<Piece> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for p in phrases.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        // Every start, not only non-overlapping ones: "aa" in "aaa" covers all three.
        let mut from = 0;
        while let Some(i) = text[from..].find(p) {
            let start = from + i;
            spans.push((start, start + p.len()));
            from = start + text[start..].chars().next().map_or(1, char::len_utf8);
        }
    }
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (s, e) in merged {
        if s > at {
            out.push(Piece { text: text[at..s].to_string(), marked: false });
        }
        out.push(Piece { text: text[s..e].to_string(), marked: true });
        at = e;
    }
    if at < text.len() {
        out.push(Piece { text: text[at..].to_string(), marked: false });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which bytes of `text` an occurrence of some phrase covers, the slow way.
    fn covered(text: &str, phrases: &[&str]) -> Vec<bool> {
        let mut mask = vec![false; text.len()];
        for p in phrases.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            for (i, _) in text.char_indices() {
                if text[i..].starts_with(p) {
                    mask[i..i + p.len()].iter_mut().for_each(|m| *m = true);
                }
            }
        }
        mask
    }

    #[test]
    fn every_occurrence_is_marked_and_nothing_else_over_generated_texts() {
        let parts = ["押金", "需交", "300元", "a", "，", "<b>", "&amp;", "🙂", " "];
        let phrase_sets: [&[&str]; 7] = [&[], &[""], &["押金"], &["需交300元", "300元"], &["aa"], &["<b>", "押金"], &["金需", "需交"]];
        // Every text of up to four parts (9^4 + … ≈ 7 400), against every phrase set.
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let next: Vec<String> = texts.iter().flat_map(|t| parts.iter().map(move |p| format!("{t}{p}"))).collect();
            texts.extend(next);
        }
        texts.sort();
        texts.dedup();
        for text in &texts {
            for phrases in phrase_sets {
                let pieces = highlight(text, phrases);
                assert_eq!(pieces.iter().map(|p| p.text.as_str()).collect::<String>(), *text, "{text:?} {phrases:?}");
                assert!(pieces.iter().all(|p| !p.text.is_empty()), "no empty pieces: {pieces:?}");
                assert!(pieces.windows(2).all(|w| w[0].marked != w[1].marked), "marks alternate: {pieces:?}");
                let mut mask = Vec::new();
                for p in &pieces {
                    mask.extend(std::iter::repeat_n(p.marked, p.text.len()));
                }
                assert_eq!(mask, covered(text, phrases), "{text:?} {phrases:?}: {pieces:?}");
            }
        }
    }

    #[test]
    fn a_quoted_fee_demand_is_marked_where_it_stands() {
        let p = highlight("负责保洁。需交300元。需交300元", &["需交300元"]);
        let marked: Vec<&str> = p.iter().filter(|p| p.marked).map(|p| p.text.as_str()).collect();
        assert_eq!(marked, ["需交300元", "需交300元"]);
        assert_eq!(p[0], Piece { text: "负责保洁。".into(), marked: false });
    }
}
