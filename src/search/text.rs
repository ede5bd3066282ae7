//! A tantivy index keyed by database id. lingong analyses the text (see `analyze`, run as the
//! field's tokenizer), tantivy stores postings and scores with BM25. A second field holds place
//! (and place-and-day) cells, so a search near a point only walks the postings of its own area.

use std::sync::Mutex;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocId, Index, IndexReader, IndexSettings, IndexSortByField, IndexWriter, Order, ReloadPolicy, Score, SegmentOrdinal, SegmentReader, TantivyDocument, Term,
};

use crate::search::analyze::{Alternative, BIGRAM, CHAR, DocTokenizer, LOW, QueryGroup, TITLE};
use crate::search::union::SumUnion;

/// What a word in a title or category line adds on top of its plain match (see `analyze::TITLE`).
const TITLE_WEIGHT: f32 = 0.6;
/// What a word in an employer-name or address line counts, against 1 in the body.
const LOW_WEIGHT: f32 = 0.25;

pub struct TextIndex {
    writer: Mutex<IndexWriter>,
    reader: IndexReader,
    id: Field,
    text: Field,
    cells: Field,
    z: Field,
    /// Keeps an on-disk index's directory alive as long as the index.
    _dir: Option<tempfile::TempDir>,
    /// The locked `owner.lock` of an on-disk index: while this process lives, no other removes
    /// the folder; once it is gone (even by SIGKILL) the kernel drops the lock.
    _lock: Option<std::fs::File>,
}

const Z_FIELD: &str = "z";

/// Each process's index folder is named `lingong-index-*` and holds a locked [`LOCK_FILE`].
const FOLDER_PREFIX: &str = "lingong-index-";
const LOCK_FILE: &str = "owner.lock";
/// A folder without a lock file is one being made this instant, or left by a version that did
/// not lock; it is removed only once it is this old.
const UNLOCKED_GRACE: std::time::Duration = std::time::Duration::from_secs(600);

/// Removes the index folders under `parent` whose owner process is gone: their lock file can be
/// locked. A live process's folder is never touched (its lock is held). Returns how many went.
pub fn remove_stale_folders(parent: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(parent) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if !entry.file_name().to_string_lossy().starts_with(FOLDER_PREFIX) || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let stale = match std::fs::File::open(path.join(LOCK_FILE)) {
            // Held until this check is done, so the folder cannot be taken over meanwhile.
            Ok(f) => f.try_lock().is_ok(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok()).is_some_and(|age| age > UNLOCKED_GRACE)
            }
            Err(_) => false,
        };
        if stale {
            match std::fs::remove_dir_all(&path) {
                Ok(()) => {
                    removed += 1;
                    tracing::info!(folder = %path.display(), "removed the index folder of a process that is gone");
                }
                Err(e) => tracing::warn!(folder = %path.display(), error = %e, "could not remove a stale index folder"),
            }
        }
    }
    removed
}

/// Makes this process's index folder under `parent` and locks it. The lock file is locked under
/// a temporary name and only then given its real one, so a `owner.lock` that can be locked always
/// means its owner is gone.
fn make_locked_folder(parent: &std::path::Path) -> std::io::Result<(tempfile::TempDir, std::fs::File)> {
    let dir = tempfile::Builder::new().prefix(FOLDER_PREFIX).tempdir_in(parent)?;
    let pending = dir.path().join(format!("{LOCK_FILE}.new"));
    let lock = std::fs::File::create(&pending)?;
    lock.try_lock().map_err(|e| std::io::Error::other(format!("cannot lock {}: {e}", pending.display())))?;
    std::fs::write(&pending, std::process::id().to_string())?;
    std::fs::rename(&pending, dir.path().join(LOCK_FILE))?;
    Ok((dir, lock))
}

impl TextIndex {
    fn schema() -> (Schema, Field, Field, Field, Field) {
        let mut sb = Schema::builder();
        let id = sb.add_u64_field("id", INDEXED | FAST);
        // Each segment keeps its documents in this order (`settings`).
        let z = sb.add_u64_field(Z_FIELD, FAST);
        let text = sb.add_text_field(
            "text",
            TextOptions::default().set_indexing_options(TextFieldIndexing::default().set_tokenizer("lingong").set_index_option(IndexRecordOption::WithFreqs)),
        );
        // Cells only filter: no frequencies, no norms.
        let cells = sb.add_text_field(
            "cells",
            TextOptions::default()
                .set_indexing_options(TextFieldIndexing::default().set_tokenizer("raw").set_index_option(IndexRecordOption::Basic).set_fieldnorms(false)),
        );
        (sb.build(), id, text, cells, z)
    }

    /// Documents sorted by their point's Z-curve key: the few thousand documents of a search's
    /// cells then sit in a few runs of doc ids, so the term postings it seeks through are read a
    /// block at a time instead of one block per document.
    fn settings() -> IndexSettings {
        IndexSettings { sort_by_field: Some(IndexSortByField { field: Z_FIELD.into(), order: Order::Asc }), ..Default::default() }
    }

    fn open(index: Index, writer_heap_bytes: usize, dir: Option<(tempfile::TempDir, std::fs::File)>) -> tantivy::Result<TextIndex> {
        let (_, id, text, cells, z) = Self::schema();
        index.tokenizers().register("lingong", TextAnalyzer::from(DocTokenizer::default()));
        let writer = index.writer(writer_heap_bytes)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let (dir, lock) = dir.map_or((None, None), |(d, l)| (Some(d), Some(l)));
        Ok(TextIndex { writer: Mutex::new(writer), reader, id, text, cells, z, _dir: dir, _lock: lock })
    }

    /// An index in memory, for small indexes (availability, tests).
    pub fn in_ram(writer_heap_bytes: usize) -> tantivy::Result<TextIndex> {
        Self::open(Index::builder().schema(Self::schema().0).settings(Self::settings()).create_in_ram()?, writer_heap_bytes, None)
    }

    /// An index in a fresh folder under `parent` (the system's temporary directory when `None`),
    /// removed when the index is dropped; folders left by processes that died without removing
    /// theirs (SIGKILL, a crash) are removed first. The segments are memory-mapped, so the
    /// kernel keeps the hot postings in its page cache instead of the process holding every byte
    /// on its heap; the index is rebuilt from the database when the process starts.
    pub fn on_disk(parent: Option<&std::path::Path>, writer_heap_bytes: usize) -> anyhow::Result<TextIndex> {
        let parent = parent.map(std::path::Path::to_path_buf).unwrap_or_else(std::env::temp_dir);
        std::fs::create_dir_all(&parent)?;
        remove_stale_folders(&parent);
        let (dir, lock) = make_locked_folder(&parent)?;
        let index = Index::create(MmapDirectory::open(dir.path())?, Self::schema().0, Self::settings())?;
        Ok(Self::open(index, writer_heap_bytes, Some((dir, lock)))?)
    }

    /// Adds the document for `id` at Z-curve key `z` (`cells::z_key`; 0 for documents without a
    /// place); `replace` first deletes any earlier one (a rebuild into an empty index skips that:
    /// a delete per document is a good part of the cost of a bulk load).
    pub fn add(&self, id: i64, text: &str, cells: &[String], z: u32, replace: bool) -> tantivy::Result<()> {
        let mut doc = TantivyDocument::default();
        doc.add_u64(self.id, id as u64);
        doc.add_u64(self.z, z as u64);
        doc.add_text(self.text, text);
        for c in cells {
            doc.add_text(self.cells, c);
        }
        let w = self.writer.lock().expect("index writer poisoned");
        if replace {
            w.delete_term(Term::from_field_u64(self.id, id as u64));
        }
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

    /// Makes staged changes durable in the index; readers see them after [`TextIndex::reload`].
    pub fn commit(&self) -> tantivy::Result<()> {
        self.writer.lock().expect("index writer poisoned").commit()?;
        Ok(())
    }

    pub fn reload(&self) -> tantivy::Result<()> {
        self.reader.reload()
    }

    /// Every group must match; within a group any alternative; within an alternative all terms.
    /// With `cells`, a document must also carry one of them (a filter that adds nothing to the
    /// score). `None` when some group cannot match anything.
    ///
    /// A word's term matches in the body at its alternative's weight, again (on top) in a title or
    /// category line, and in an employer or address line only at a low weight (`analyze::TITLE`,
    /// `analyze::LOW`).
    ///
    /// Alternatives whose terms the index lacks are dropped, and when a word is indexed whole its
    /// fallbacks are dropped too: they are for words the documents never contain whole, and the
    /// union of a word with its (very common) characters would make tantivy walk dense postings
    /// window by window however few candidates the cells leave.
    pub fn build_query(&self, searcher: &tantivy::Searcher, groups: &[QueryGroup], cells: Option<&[String]>) -> tantivy::Result<Option<Box<dyn Query>>> {
        let mut musts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for g in groups {
            match self.group_query(searcher, g)? {
                Some(q) => musts.push((Occur::Must, q)),
                None => return Ok(None),
            }
        }
        if let Some(cells) = cells {
            musts.push((Occur::Must, self.cells_filter(cells)));
        }
        Ok(Some(Box::new(BooleanQuery::new(musts))))
    }

    fn cells_filter(&self, cells: &[String]) -> Box<dyn Query> {
        let any: Vec<(Occur, Box<dyn Query>)> = cells
            .iter()
            .map(|c| (Occur::Should, Box::new(TermQuery::new(Term::from_field_text(self.cells, c), IndexRecordOption::Basic)) as Box<dyn Query>))
            .collect();
        Box::new(ConstScoreQuery::new(Box::new(BooleanQuery::new(any)), 0.0))
    }

    /// The weighted places a term is found in: plain (body and title), title again, low.
    fn weighted(term: &str) -> Vec<(String, f32)> {
        if term.starts_with(CHAR) || term.starts_with(BIGRAM) {
            return vec![(term.to_string(), 1.0)];
        }
        vec![(term.to_string(), 1.0), (format!("{TITLE}{term}"), TITLE_WEIGHT), (format!("{LOW}{term}"), LOW_WEIGHT)]
    }

    /// One group as a query (any alternative), or `None` when none of its alternatives is in the index.
    fn group_query(&self, searcher: &tantivy::Searcher, g: &QueryGroup) -> tantivy::Result<Option<Box<dyn Query>>> {
        let mut present: Vec<(&Alternative, Vec<Vec<(String, f32)>>)> = Vec::new();
        for a in &g.alternatives {
            let mut terms = Vec::new();
            let mut all = true;
            for t in &a.terms {
                let mut places = Vec::new();
                for (term, w) in Self::weighted(t) {
                    if searcher.doc_freq(&Term::from_field_text(self.text, &term))? > 0 {
                        places.push((term, w));
                    }
                }
                // A title term is a plain one too: alone it means nothing was found in the body.
                if places.is_empty() || places.iter().all(|(t, _)| t.starts_with(TITLE)) {
                    all = false;
                    break;
                }
                terms.push(places);
            }
            if all {
                present.push((a, terms));
            }
        }
        if present.iter().any(|(a, _)| !a.fallback) {
            present.retain(|(a, _)| !a.fallback);
        }
        if present.is_empty() {
            return Ok(None);
        }
        // Unions here are `SumUnion`s: the cells filter seeks through them (see `union`).
        let term_query = |places: &[(String, f32)]| -> Box<dyn Query> {
            SumUnion::of(
                places
                    .iter()
                    .map(|(t, w)| {
                        let q: Box<dyn Query> = Box::new(TermQuery::new(Term::from_field_text(self.text, t), IndexRecordOption::WithFreqs));
                        if *w == 1.0 { q } else { Box::new(BoostQuery::new(q, *w)) as Box<dyn Query> }
                    })
                    .collect(),
            )
        };
        let alts: Vec<Box<dyn Query>> = present
            .iter()
            .map(|(a, terms)| {
                let musts: Vec<(Occur, Box<dyn Query>)> = terms.iter().map(|p| (Occur::Must, term_query(p))).collect();
                let q: Box<dyn Query> = if musts.len() == 1 { musts.into_iter().next().expect("one").1 } else { Box::new(BooleanQuery::new(musts)) };
                Box::new(BoostQuery::new(q, a.boost)) as Box<dyn Query>
            })
            .collect();
        Ok(Some(SumUnion::of(alts)))
    }

    /// The documents matching any of `groups` (an extra to rank by, never a requirement), with
    /// their scores; limited to `cells` when given.
    pub fn search_any(&self, groups: &[QueryGroup], cells: Option<&[String]>) -> tantivy::Result<Vec<(i64, f32)>> {
        let searcher = self.reader.searcher();
        let mut any: Vec<Box<dyn Query>> = Vec::new();
        for g in groups {
            if let Some(q) = self.group_query(&searcher, g)? {
                any.push(q);
            }
        }
        if any.is_empty() {
            return Ok(Vec::new());
        }
        let mut musts: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, SumUnion::of(any))];
        if let Some(cells) = cells {
            musts.push((Occur::Must, self.cells_filter(cells)));
        }
        searcher.search(&BooleanQuery::new(musts), &IdScores)
    }

    /// All matching ids with their BM25 scores.
    pub fn search(&self, groups: &[QueryGroup], cells: Option<&[String]>) -> tantivy::Result<Vec<(i64, f32)>> {
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        match self.build_query(&searcher, groups, cells)? {
            Some(query) => searcher.search(query.as_ref(), &IdScores),
            None => Ok(Vec::new()),
        }
    }

    pub fn num_segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
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
    type Fruit = Vec<(i64, f32)>;
    type Child = IdScoresSegment;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<IdScoresSegment> {
        Ok(IdScoresSegment { ids: segment.fast_fields().u64("id")?, out: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(i64, f32)>>) -> tantivy::Result<Vec<(i64, f32)>> {
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
    use crate::search::analyze::analyze_query;

    #[test]
    fn stale_index_folders_go_and_live_ones_stay() {
        let parent = tempfile::tempdir().unwrap();
        let live = TextIndex::on_disk(Some(parent.path()), 15_000_000).unwrap();
        // A folder whose owner is gone: its lock file exists and nobody holds it.
        let dead = parent.path().join(format!("{FOLDER_PREFIX}dead"));
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(dead.join(LOCK_FILE), "1").unwrap();
        // A folder just being made (no lock file yet) and something else entirely.
        let young = parent.path().join(format!("{FOLDER_PREFIX}young"));
        std::fs::create_dir(&young).unwrap();
        let other = parent.path().join("not-an-index");
        std::fs::create_dir(&other).unwrap();
        let second = TextIndex::on_disk(Some(parent.path()), 15_000_000).unwrap();
        assert!(!dead.exists());
        assert!(young.exists() && other.exists());
        let folders =
            |p: &std::path::Path| std::fs::read_dir(p).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().starts_with(FOLDER_PREFIX)).count();
        assert_eq!(folders(parent.path()), 3, "both live folders and the young one");
        assert_eq!(remove_stale_folders(parent.path()), 0, "live folders are never removed");
        drop(live);
        drop(second);
        assert_eq!(folders(parent.path()), 1, "dropped indexes remove their folders");
    }

    fn index(docs: &[(i64, &str)]) -> TextIndex {
        let ix = TextIndex::in_ram(15_000_000).unwrap();
        for (id, text) in docs {
            ix.add(*id, text, &[format!("cell{}", id % 2)], *id as u32, true).unwrap();
        }
        ix.commit().unwrap();
        ix.reload().unwrap();
        ix
    }

    fn hits_in(ix: &TextIndex, q: &str, cells: Option<&[String]>) -> Vec<i64> {
        let mut v: Vec<(i64, f32)> = ix.search(&analyze_query(q), cells).unwrap();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter().map(|(id, _)| id).collect()
    }

    fn hits(ix: &TextIndex, q: &str) -> Vec<i64> {
        let mut v: Vec<(i64, f32)> = ix.search(&analyze_query(q), None).unwrap();
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
        ix.reload().unwrap();
        assert!(hits(&ix, "保洁").is_empty());
    }

    #[test]
    fn cells_filter_without_changing_scores() {
        let ix = index(&[(1, "保洁 日结"), (2, "保洁 日结"), (3, "保洁")]);
        let all: Vec<(i64, f32)> = ix.search(&analyze_query("保洁"), None).unwrap();
        // The shorter document ranks first (BM25 length norm), as without cells.
        assert_eq!(hits_in(&ix, "保洁", Some(&["cell1".to_string()])), [3, 1]);
        assert_eq!(hits_in(&ix, "保洁", Some(&["cell0".to_string()])), [2]);
        let one: Vec<(i64, f32)> = ix.search(&analyze_query("保洁"), Some(&["cell0".to_string()])).unwrap();
        let two = all.iter().find(|h| h.0 == 2).unwrap();
        assert!((one[0].1 - two.1).abs() < 1e-6);
        assert!(hits_in(&ix, "保洁", Some(&["elsewhere".to_string()])).is_empty());
    }
}
