//! One way to page through every list: `?limit=&cursor=`, answered as `{items, next_cursor}`.
//! The cursor is opaque to clients; for lists it is the last id seen (newest first, keyset), for
//! ranked search results the position in the ranking.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{Error, FieldErrors, Invalid};

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// `?limit=&cursor=` as sent.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    #[param(pattern = "^(0*[1-9][0-9]{0,17})?$")]
    pub cursor: Option<String>,
}

/// What a cursor looks like, as the OpenAPI document says it ([`parse_cursor`] accepts exactly
/// this; a contract test checks every `cursor` parameter carries it): a positive whole number of
/// at most 18 digits (leading zeros allowed), or empty for the first page.
pub const CURSOR_PATTERN: &str = "^(0*[1-9][0-9]{0,17})?$";

/// A cursor as sent (`None` or empty: the first page); a malformed one is recorded in `errs`.
/// Every cursor lingong hands out (an id, or a position in a ranking) is a positive number.
pub fn parse_cursor(errs: &mut FieldErrors, cursor: Option<&str>) -> Option<i64> {
    let c = cursor.filter(|c| !c.is_empty())?;
    let digits = c.trim_start_matches('0');
    if c.bytes().all(|b| b.is_ascii_digit()) && (1..=18).contains(&digits.len()) {
        // At most 18 digits always fits an i64.
        return digits.parse().ok();
    }
    errs.add("cursor", Invalid::new("invalid_cursor", "分页游标无效", "invalid cursor"));
    None
}

/// A checked page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    pub cursor: Option<i64>,
}

impl PageQuery {
    pub fn parse(&self) -> Result<PageRequest, Error> {
        let mut errs = FieldErrors::new();
        let r = PageRequest::check(&mut errs, self.limit, self.cursor.as_deref());
        errs.into_result()?;
        Ok(r)
    }
}

impl PageRequest {
    /// Checks `limit` and `cursor`, recording problems in `errs` so they join the request's others.
    pub fn check(errs: &mut FieldErrors, limit: Option<i64>, cursor: Option<&str>) -> PageRequest {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            errs.add("limit", Invalid::out_of_range("limit 应在 1 到 100 之间", "limit must be 1 to 100"));
        }
        PageRequest { limit: limit.clamp(1, MAX_LIMIT), cursor: parse_cursor(errs, cursor) }
    }

    /// Keyset lists fetch one row more than the page; this splits it off to tell whether another
    /// page exists, and gives the cursor for it.
    pub fn split<T>(&self, mut rows: Vec<T>, id: impl Fn(&T) -> i64) -> (Vec<T>, Option<String>) {
        let next = if rows.len() as i64 > self.limit {
            rows.truncate(self.limit as usize);
            rows.last().map(|r| id(r).to_string())
        } else {
            None
        };
        (rows, next)
    }

    /// Keyset paging where a rule decides per row rather than SQL (a station's reach is a radius,
    /// not a code prefix): reads rows newest first below the cursor, `batch(before, n)` at a time,
    /// until a page and one more are kept or the rows run out, then splits like [`Self::split`].
    pub fn split_filtered<T, E>(
        &self,
        mut batch: impl FnMut(Option<i64>, i64) -> Result<Vec<T>, E>,
        keep: impl Fn(&T) -> bool,
        id: impl Fn(&T) -> i64,
    ) -> Result<(Vec<T>, Option<String>), E> {
        let want = self.limit as usize + 1;
        let size = (self.limit * 4).max(100);
        let (mut before, mut kept) = (self.cursor, Vec::new());
        loop {
            let rows = batch(before, size)?;
            let full = rows.len() as i64 == size;
            before = rows.last().map(&id).or(before);
            kept.extend(rows.into_iter().filter(|r| keep(r)));
            if kept.len() >= want || !full {
                break;
            }
        }
        kept.truncate(want);
        Ok(self.split(kept, id))
    }

    /// For ranked results: where this page starts.
    pub fn offset(&self) -> usize {
        self.cursor.unwrap_or(0) as usize
    }

    /// For ranked results: the cursor of the page after one that showed `shown` of `total`.
    pub fn next_offset(&self, shown: usize, total: usize) -> Option<String> {
        let end = self.offset() + shown;
        (end < total).then(|| end.to_string())
    }
}

/// A page of items with the cursor for the next one.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors_are_checked_together() {
        let e = PageQuery { limit: Some(0), cursor: Some("x".into()) }.parse().unwrap_err();
        let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["limit", "cursor"]);
        assert_eq!(PageQuery::default().parse().unwrap(), PageRequest { limit: 20, cursor: None });
    }

    #[test]
    fn filtered_pages_walk_every_kept_row_once() {
        // Rows 1..=500 stored; a rule keeps every seventh; pages of 3 must list exactly those,
        // newest first, each once, however the batches fall.
        let stored: Vec<i64> = (1..=500).collect();
        let batch = |before: Option<i64>, n: i64| -> Result<Vec<i64>, ()> {
            Ok(stored.iter().rev().copied().filter(|i| before.is_none_or(|b| *i < b)).take(n as usize).collect())
        };
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let p = PageRequest { limit: 3, cursor };
            let (items, next) = p.split_filtered(batch, |i| i % 7 == 0, |i| *i).unwrap();
            assert!(items.len() <= 3);
            seen.extend(items);
            match next {
                Some(c) => cursor = Some(c.parse().unwrap()),
                None => break,
            }
        }
        let want: Vec<i64> = (1..=500).rev().filter(|i| i % 7 == 0).collect();
        assert_eq!(seen, want);
        let none = PageRequest { limit: 3, cursor: None }.split_filtered(batch, |_| false, |i| *i).unwrap();
        assert_eq!(none, (vec![], None));
    }

    #[test]
    fn a_full_page_has_a_next_cursor() {
        let p = PageRequest { limit: 2, cursor: None };
        assert_eq!(p.split(vec![9, 8, 7], |x| *x), (vec![9, 8], Some("8".to_string())));
        assert_eq!(p.split(vec![9, 8], |x| *x), (vec![9, 8], None));
        assert_eq!(p.next_offset(2, 5), Some("2".into()));
        assert_eq!(PageRequest { limit: 2, cursor: Some(4) }.next_offset(1, 5), None);
    }
}
