//! The synonym table search expands queries with: the built-in groups (`search::synonyms`) and
//! the groups staff add, as they add categories. A stored group reaches every replica's engine
//! through the change log (`Entity::Synonyms`).

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::changes::Entity;
use crate::db::schema::synonyms;
use crate::db::{DbConn, Tx};
use crate::error::{Conflict, Error, FieldErrors, Invalid};
use crate::search::synonyms::BUILT_IN;
use crate::services::Services;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SynonymGroup {
    /// None for a built-in group (it cannot be removed).
    pub id: Option<i64>,
    /// Words that mean the same work, e.g. `["送餐", "外卖", "配送"]`.
    pub words: Vec<String>,
    pub built_in: bool,
}

fn group(id: Option<i64>, words: &str) -> SynonymGroup {
    SynonymGroup { id, words: words.split_whitespace().map(str::to_string).collect(), built_in: id.is_none() }
}

/// The built-in groups, then the stored ones in the order they were added.
pub fn list(conn: &mut DbConn) -> Result<Vec<SynonymGroup>, Error> {
    let stored: Vec<(i64, String)> = synonyms::table.select((synonyms::id, synonyms::words)).order(synonyms::id.asc()).load(conn)?;
    Ok(BUILT_IN.iter().map(|w| group(None, w)).chain(stored.iter().map(|(id, w)| group(Some(*id), w))).collect())
}

/// A group as typed (words separated by spaces, commas or 、): 2–10 distinct words of 1–12
/// letters (Chinese, pinyin or digits) each, stored space separated.
pub fn parse_words(typed: Option<&str>) -> Result<String, Error> {
    let mut errs = FieldErrors::new();
    let typed = typed.unwrap_or("");
    let mut words: Vec<String> = Vec::new();
    for w in typed.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；')).filter(|w| !w.is_empty()) {
        let w = w.to_lowercase();
        if !words.contains(&w) {
            words.push(w);
        }
    }
    let bad_word = words.iter().any(|w| w.chars().count() > 12 || !w.chars().all(char::is_alphanumeric));
    let check = if typed.trim().is_empty() {
        Err(Invalid::required())
    } else if bad_word {
        Err(Invalid::new("invalid_word", "每个词应为 1–12 个汉字、字母或数字", "each word must be 1–12 Chinese characters, letters or digits"))
    } else if !(2..=10).contains(&words.len()) {
        Err(Invalid::new("word_count", "同义词组应有 2–10 个不同的词", "a synonym group needs 2–10 distinct words"))
    } else {
        Ok(words.join(" "))
    };
    let words = errs.check("words", check);
    errs.into_result()?;
    Ok(words.expect("checked"))
}

/// Whether two space-separated groups hold the same words, in whatever order.
fn same_words(a: &str, b: &str) -> bool {
    fn set(g: &str) -> std::collections::BTreeSet<&str> {
        g.split(' ').filter(|w| !w.is_empty()).collect()
    }
    set(a) == set(b)
}

/// Stores a group, audited, and announces it to every engine through the change log.
pub fn create(tx: &mut Tx, words: String, by: i64) -> Result<SynonymGroup, Error> {
    // A group is a set of words: the same words in another order are the same group. Staff add a
    // few dozen groups at most, so comparing with each is cheap.
    let stored: Vec<String> = synonyms::table.select(synonyms::words).load(tx.conn())?;
    if stored.iter().map(String::as_str).chain(BUILT_IN.iter().copied()).any(|g| same_words(g, &words)) {
        return Err(Error::Conflict(Conflict::Duplicate));
    }
    diesel::insert_into(synonyms::table)
        .values((synonyms::words.eq(&words), synonyms::created_by.eq(by), synonyms::created_at.eq(tx.now())))
        .execute(tx.conn())?;
    let id: i64 = synonyms::table.filter(synonyms::words.eq(&words)).select(synonyms::id).first(tx.conn())?;
    crate::services::audit::record(
        tx,
        crate::services::audit::Entry {
            actor_id: by,
            action: "synonym.create",
            target_type: "synonym",
            target_id: id,
            reason: None,
            before: None,
            after: Some(serde_json::json!({"words": words})),
        },
    )?;
    tx.record(Entity::Synonyms, id)?;
    Ok(group(Some(id), &words))
}

/// Removes a stored group (built-in ones cannot be), audited and announced.
pub fn delete(tx: &mut Tx, id: i64, by: i64) -> Result<(), Error> {
    let words: Option<String> = synonyms::table.filter(synonyms::id.eq(id)).select(synonyms::words).first(tx.conn()).optional()?;
    let Some(words) = words else { return Err(Error::NotFound(crate::error::Thing::Resource)) };
    diesel::delete(synonyms::table.filter(synonyms::id.eq(id))).execute(tx.conn())?;
    crate::services::audit::record(
        tx,
        crate::services::audit::Entry {
            actor_id: by,
            action: "synonym.delete",
            target_type: "synonym",
            target_id: id,
            reason: None,
            before: Some(serde_json::json!({"words": words})),
            after: None,
        },
    )?;
    tx.record(Entity::Synonyms, id)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Operations, each the whole job for every front end.
// ---------------------------------------------------------------------------------------------

/// Every synonym group, built-in and stored. Public: it explains what a search finds.
pub async fn list_all(svc: &Services) -> Result<Vec<SynonymGroup>, Error> {
    svc.db.run(list).await
}

/// Add a group (moderators and admins); audited; searches use it once the change log reaches them.
pub async fn add(svc: &Services, user: &AuthUser, typed: Option<&str>) -> Result<SynonymGroup, Error> {
    user.require_moderator()?;
    let words = parse_words(typed)?;
    let user_id = user.id;
    svc.db.tx(move |tx| create(tx, words, user_id)).await
}

/// Remove a stored group (moderators and admins); audited.
pub async fn remove(svc: &Services, user: &AuthUser, id: i64) -> Result<(), Error> {
    user.require_moderator()?;
    let user_id = user.id;
    svc.db.tx(move |tx| delete(tx, id, user_id)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_parsed_and_checked_naming_the_field() {
        for (typed, want) in [("跑单 送餐", "跑单 送餐"), ("跑单，送餐、外卖", "跑单 送餐 外卖"), ("  PaoDan  跑单 跑单 ", "paodan 跑单")]
        {
            assert_eq!(parse_words(Some(typed)).unwrap(), want, "{typed}");
        }
        for typed in [None, Some(""), Some("跑单"), Some("跑单 跑单"), Some("跑单 送-餐"), Some("跑单 一二三四五六七八九十一二三")] {
            let e = parse_words(typed).unwrap_err();
            assert!(format!("{e:?}").contains("words"), "{typed:?}: {e:?}");
        }
    }
}
