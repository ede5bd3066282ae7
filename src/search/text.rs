//! A tantivy index of pre-tokenized documents keyed by database id. lingong tokenizes (see
//! `analyze`), tantivy stores postings and scores with BM25.

use std::collections::HashMap;
use std::sync::Mutex;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentOrdinal, SegmentReader, TantivyDocument, Term};

use crate::search::analyze::{self, DocTokens, QueryGroup};

pub struct TextIndex {
    writer: Mutex<IndexWriter>,
    reader: IndexReader,
    id: Field,
    text: Field,
    py: Field,
    pyi: Field,
}

fn pre_tokenized(tokens: &[String]) -> PreTokenizedString {
    PreTokenizedString {
        text: String::new(),
        tokens: tokens
            .iter()
            .enumerate()
            .map(|(i, t)| Token { offset_from: 0, offset_to: 0, position: i, text: t.clone(), position_length: 1 })
            .collect(),
    }
}

impl TextIndex {
    /// An index in memory; it is rebuilt from the database when the process starts.
    pub fn in_ram(writer_heap_bytes: usize) -> tantivy::Result<TextIndex> {
        let mut sb = Schema::builder();
        let id = sb.add_u64_field("id", INDEXED | FAST);
        let opts = TextOptions::default().set_indexing_options(TextFieldIndexing::default().set_tokenizer("raw").set_index_option(IndexRecordOption::WithFreqs));
        let text = sb.add_text_field("text", opts.clone());
        let py = sb.add_text_field("py", opts.clone());
        let pyi = sb.add_text_field("pyi", opts);
        let index = Index::create_in_ram(sb.build());
        let writer = index.writer(writer_heap_bytes)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(TextIndex { writer: Mutex::new(writer), reader, id, text, py, pyi })
    }

    /// Replaces the document for `id` (visible after `commit`).
    pub fn upsert(&self, id: i64, tokens: &DocTokens) -> tantivy::Result<()> {
        let w = self.writer.lock().expect("index writer poisoned");
        w.delete_term(Term::from_field_u64(self.id, id as u64));
        let mut doc = TantivyDocument::default();
        doc.add_u64(self.id, id as u64);
        doc.add_pre_tokenized_text(self.text, pre_tokenized(&tokens.text));
        doc.add_pre_tokenized_text(self.py, pre_tokenized(&tokens.py));
        doc.add_pre_tokenized_text(self.pyi, pre_tokenized(&tokens.pyi));
        w.add_document(doc)?;
        Ok(())
    }

    pub fn delete(&self, id: i64) {
        self.writer.lock().expect("index writer poisoned").delete_term(Term::from_field_u64(self.id, id as u64));
    }

    pub fn clear(&self) -> tantivy::Result<()> {
        self.writer.lock().expect("index writer poisoned").delete_all_documents()?;
        Ok(())
    }

    pub fn commit(&self) -> tantivy::Result<()> {
        self.writer.lock().expect("index writer poisoned").commit()?;
        self.reader.reload()
    }

    fn field(&self, f: analyze::Field) -> Field {
        match f {
            analyze::Field::Text => self.text,
            analyze::Field::Pinyin => self.py,
            analyze::Field::Initials => self.pyi,
        }
    }

    /// Every group must match; within a group any alternative; within an alternative all terms.
    pub fn build_query(&self, groups: &[QueryGroup]) -> Box<dyn Query> {
        let musts: Vec<(Occur, Box<dyn Query>)> = groups
            .iter()
            .map(|g| {
                let alts: Vec<(Occur, Box<dyn Query>)> = g
                    .alternatives
                    .iter()
                    .map(|a| {
                        let field = self.field(a.field);
                        let terms: Vec<(Occur, Box<dyn Query>)> = a
                            .terms
                            .iter()
                            .map(|t| (Occur::Must, Box::new(TermQuery::new(Term::from_field_text(field, t), IndexRecordOption::WithFreqs)) as Box<dyn Query>))
                            .collect();
                        let q: Box<dyn Query> = if terms.len() == 1 { terms.into_iter().next().expect("one").1 } else { Box::new(BooleanQuery::new(terms)) };
                        (Occur::Should, Box::new(BoostQuery::new(q, a.boost)) as Box<dyn Query>)
                    })
                    .collect();
                (Occur::Must, Box::new(BooleanQuery::new(alts)) as Box<dyn Query>)
            })
            .collect();
        Box::new(BooleanQuery::new(musts))
    }

    /// All matching ids with their BM25 scores.
    pub fn search(&self, groups: &[QueryGroup]) -> tantivy::Result<HashMap<i64, f32>> {
        if groups.is_empty() {
            return Ok(HashMap::new());
        }
        let query = self.build_query(groups);
        let searcher = self.reader.searcher();
        searcher.search(query.as_ref(), &IdScores)
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

/// Collects (id, score) for every match: ranking happens afterwards with the other signals.
struct IdScores;

struct IdScoresSegment {
    ids: tantivy::columnar::Column<u64>,
    out: Vec<(i64, f32)>,
}

impl Collector for IdScores {
    type Fruit = HashMap<i64, f32>;
    type Child = IdScoresSegment;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<IdScoresSegment> {
        Ok(IdScoresSegment { ids: segment.fast_fields().u64("id")?, out: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(i64, f32)>>) -> tantivy::Result<HashMap<i64, f32>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for IdScoresSegment {
    type Fruit = Vec<(i64, f32)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(id) = self.ids.first(doc) {
            self.out.push((id as i64, score));
        }
    }

    fn harvest(self) -> Vec<(i64, f32)> {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::analyze::{analyze_query, doc_tokens};

    fn index(docs: &[(i64, &str)]) -> TextIndex {
        let ix = TextIndex::in_ram(15_000_000).unwrap();
        for (id, text) in docs {
            ix.upsert(*id, &doc_tokens(&[text])).unwrap();
        }
        ix.commit().unwrap();
        ix
    }

    fn hits(ix: &TextIndex, q: &str) -> Vec<i64> {
        let mut v: Vec<(i64, f32)> = ix.search(&analyze_query(q)).unwrap().into_iter().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn chinese_words_inside_longer_words_pinyin_and_single_characters() {
        let ix = index(&[(1, "招聘家庭保洁员 日结"), (2, "中国农业发展银行食堂帮厨"), (3, "居民搬家 周末"), (4, "快递分拣 夜班")]);
        assert_eq!(hits(&ix, "保洁"), [1]);
        assert_eq!(hits(&ix, "农业"), [2]);
        assert_eq!(hits(&ix, "baojie"), [1]);
        let mut bj = hits(&ix, "bj");
        bj.sort();
        assert_eq!(bj, [1, 3]); // 保洁 and 搬家 share the initials
        assert_eq!(hits(&ix, "搬家 周末"), [3]);
        assert_eq!(hits(&ix, "厨"), [2]);
        assert!(hits(&ix, "搬家 夜班").is_empty());
        ix.delete(1);
        ix.commit().unwrap();
        assert!(hits(&ix, "保洁").is_empty());
    }
}
