//! Matching: Chinese full-text (tantivy + jieba + pinyin), an R-tree of points, time fit against
//! workers' windows, and one explained scoring function; kept in step with the database through
//! the change log on every replica.

pub mod analyze;
pub mod cards;
pub mod cells;
pub mod engine;
pub mod load;
pub mod places;
pub mod score;
pub mod sync;
pub mod synonyms;
pub mod text;
pub mod timefit;
pub mod understand;
pub mod union;
