//! A union of queries that stays cheap when it is skipped through.
//!
//! tantivy builds every `Should` clause list as a `BufferedUnionScorer`, which scores documents
//! 4 096 at a time ahead of where it is. That is fast when the union drives the search, and
//! slow when an intersection seeks it to far-apart documents, as the place-cells filter does
//! for every text query near a point: each seek clears and refills the whole window. A word's
//! places (body, title, employer line) and a group's alternatives (the word and its synonyms)
//! are such unions, so they use this one instead, which seeks each part and scores only the
//! document it stands on. The score is the sum of the parts on the document, as tantivy's.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

/// Documents matching any of `parts`, scored by the sum of the parts that match.
#[derive(Debug)]
pub struct SumUnion {
    parts: Vec<Box<dyn Query>>,
}

impl Clone for SumUnion {
    fn clone(&self) -> SumUnion {
        SumUnion { parts: self.parts.iter().map(|p| p.box_clone()).collect() }
    }
}

impl SumUnion {
    /// The union of `parts`; one part is returned as itself.
    pub fn of(mut parts: Vec<Box<dyn Query>>) -> Box<dyn Query> {
        if parts.len() == 1 { parts.pop().expect("one") } else { Box::new(SumUnion { parts }) }
    }
}

impl Query for SumUnion {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self.parts.iter().map(|p| p.weight(enable_scoring)).collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(SumUnionWeight { weights }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for p in &self.parts {
            p.query_terms(visitor);
        }
    }
}

struct SumUnionWeight {
    weights: Vec<Box<dyn Weight>>,
}

impl Weight for SumUnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let parts = self.weights.iter().map(|w| w.scorer(reader, boost)).collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(SumUnionScorer::new(parts)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!("document {doc} does not match")));
        }
        Ok(Explanation::new("sum of the matching parts", scorer.score()))
    }
}

/// Every part stands on a document at or after `doc`; those on `doc` match it.
struct SumUnionScorer {
    parts: Vec<Box<dyn Scorer>>,
    doc: DocId,
}

impl SumUnionScorer {
    fn new(mut parts: Vec<Box<dyn Scorer>>) -> SumUnionScorer {
        parts.retain(|p| p.doc() != TERMINATED);
        let doc = parts.iter().map(|p| p.doc()).min().unwrap_or(TERMINATED);
        SumUnionScorer { parts, doc }
    }
}

impl DocSet for SumUnionScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let mut next = TERMINATED;
        for p in &mut self.parts {
            if p.doc() == self.doc {
                p.advance();
            }
            next = next.min(p.doc());
        }
        self.doc = next;
        next
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let mut next = TERMINATED;
        for p in &mut self.parts {
            if p.doc() < target {
                p.seek(target);
            }
            next = next.min(p.doc());
        }
        self.doc = next;
        next
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.parts.iter().map(|p| p.size_hint()).fold(0u32, u32::saturating_add)
    }

    fn cost(&self) -> u64 {
        self.parts.iter().map(|p| p.cost()).sum()
    }
}

impl Scorer for SumUnionScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        self.parts.iter_mut().filter(|p| p.doc() == doc).map(|p| p.score()).sum()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, TermQuery};
    use tantivy::schema::{INDEXED, IndexRecordOption, STRING, Schema, TEXT};
    use tantivy::{Index, TantivyDocument};

    use super::*;

    /// Against tantivy's own union on random documents: the same matches with the same scores,
    /// whether the union is walked, or seeked through by an intersection with a sparse filter.
    #[test]
    fn matches_and_scores_as_tantivys_union_walked_or_seeked() {
        use rand::{Rng, SeedableRng};
        let mut sb = Schema::builder();
        let text = sb.add_text_field("text", TEXT);
        let tag = sb.add_text_field("tag", STRING);
        let _n = sb.add_u64_field("n", INDEXED);
        let index = Index::create_in_ram(sb.build());
        let mut w = index.writer(15_000_000).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let words = ["a", "b", "c", "d"];
        for _ in 0..20_000 {
            let mut doc = TantivyDocument::default();
            let body: Vec<&str> = words.iter().copied().filter(|_| rng.random_bool(0.2)).collect();
            doc.add_text(text, body.join(" "));
            doc.add_text(tag, if rng.random_bool(0.02) { "near" } else { "far" });
            w.add_document(doc).unwrap();
        }
        w.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let term = |s: &str| -> Box<dyn Query> { Box::new(TermQuery::new(Term::from_field_text(text, s), IndexRecordOption::WithFreqs)) };
        let parts = || vec![term("a"), Box::new(BoostQuery::new(term("b"), 0.6)) as Box<dyn Query>, Box::new(BoostQuery::new(term("c"), 0.25))];
        let near: Box<dyn Query> = Box::new(TermQuery::new(Term::from_field_text(tag, "near"), IndexRecordOption::Basic));
        let ours_alone = SumUnion::of(parts());
        let theirs_alone: Box<dyn Query> = Box::new(BooleanQuery::new(parts().into_iter().map(|p| (Occur::Should, p)).collect()));
        let filtered = |u: Box<dyn Query>| -> Box<dyn Query> { Box::new(BooleanQuery::new(vec![(Occur::Must, u), (Occur::Must, near.box_clone())])) };
        let cases = [(ours_alone.box_clone(), theirs_alone.box_clone()), (filtered(ours_alone), filtered(theirs_alone))];
        for (ours, theirs) in cases {
            let top = TopDocs::with_limit(30_000).order_by_score();
            let (mut a, mut b) = (searcher.search(ours.as_ref(), &top).unwrap(), searcher.search(theirs.as_ref(), &top).unwrap());
            assert!(!a.is_empty());
            a.sort_by_key(|(_, d)| *d);
            b.sort_by_key(|(_, d)| *d);
            assert_eq!(a.len(), b.len());
            for ((sa, da), (sb, db)) in a.iter().zip(&b) {
                assert_eq!(da, db);
                assert!((sa - sb).abs() < 1e-4, "{da:?}: {sa} vs {sb}");
            }
        }
        // Empty parts and a single part.
        assert!(searcher.search(SumUnion::of(vec![term("zzz"), term("yyy")]).as_ref(), &TopDocs::with_limit(10).order_by_score()).unwrap().is_empty());
        let one = SumUnion::of(vec![term("d")]);
        assert!(one.downcast_ref::<TermQuery>().is_some(), "one part is itself");
    }
}
