//! The curated taxonomy of 零工 occupations (seeded by migration; staff may add new ones).

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::schema::categories;
use crate::db::{DbConn, Tx};
use crate::domain::BoundedText;
use crate::error::{Conflict, Error, FieldErrors, Invalid};
use crate::services::Services;

#[derive(Debug, Clone, Serialize, Queryable, ToSchema)]
pub struct Category {
    #[serde(skip)]
    pub id: i64,
    /// Stable code used in postings and profiles, e.g. `cleaning`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Group the occupation belongs to, e.g. 家庭服务.
    pub group_zh: String,
    /// Search words that mean this occupation (space separated).
    pub keywords: String,
    /// Its code in 中华人民共和国职业分类大典（2022年版）, e.g. `4-02-07-10` (网约配送员), where
    /// it is one occupation there.
    pub ccdo_code: Option<String>,
    /// For a 新职业: the date it was published to take effect (`2026-12-05`).
    #[schema(value_type = Option<String>, format = Date)]
    pub effective_from: Option<String>,
}

/// The columns of [`Category`], in its field order.
type Columns = (
    categories::id,
    categories::code,
    categories::name_zh,
    categories::name_en,
    categories::group_zh,
    categories::keywords,
    categories::ccdo_code,
    categories::effective_from,
);
const COLUMNS: Columns = (
    categories::id,
    categories::code,
    categories::name_zh,
    categories::name_en,
    categories::group_zh,
    categories::keywords,
    categories::ccdo_code,
    categories::effective_from,
);

pub fn list(conn: &mut DbConn) -> Result<Vec<Category>, Error> {
    Ok(categories::table.select(COLUMNS).order(categories::id.asc()).load(conn)?)
}

pub fn get(conn: &mut DbConn, code: &str) -> Result<Option<Category>, Error> {
    Ok(categories::table.filter(categories::code.eq(code)).select(COLUMNS).first(conn).optional()?)
}

/// Codes in `codes` that are not categories.
pub fn unknown_codes(conn: &mut DbConn, codes: &[String]) -> Result<Vec<String>, Error> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let known: Vec<String> = categories::table.filter(categories::code.eq_any(codes)).select(categories::code).load(conn)?;
    Ok(codes.iter().filter(|c| !known.contains(c)).cloned().collect())
}

pub fn code(s: &str) -> Result<String, Invalid> {
    let ok =
        (2..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') && s.as_bytes()[0].is_ascii_lowercase();
    if ok {
        Ok(s.to_string())
    } else {
        Err(Invalid::new(
            "invalid_code",
            "代码应为 2–40 位小写字母、数字或下划线，以字母开头",
            "code must be 2–40 lowercase letters, digits or underscores, starting with a letter",
        ))
    }
}

/// A 职业分类大典 code: 大类 (1–8), 中类, 小类 and 细类, as `4-02-07-10` (2022 edition style).
pub fn ccdo_code(s: &str) -> Result<String, Invalid> {
    let parts: Vec<&str> = s.split('-').collect();
    let ok = parts.len() == 4
        && matches!(parts[0].as_bytes(), [b'1'..=b'8'])
        && parts[1..].iter().all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) && *p != "00");
    if ok {
        Ok(s.to_string())
    } else {
        Err(Invalid::new(
            "invalid_ccdo_code",
            "职业代码应为《职业分类大典》格式，如 4-02-07-10",
            "the occupation code must be in the 职业分类大典 form, e.g. 4-02-07-10",
        ))
    }
}

/// A calendar date as `2026-12-05`.
pub fn effective_date(s: &str) -> Result<String, Invalid> {
    crate::domain::time::parse_date(s).map(|d| d.format("%Y-%m-%d").to_string())
}

pub struct NewCategory {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub group_zh: String,
    pub keywords: String,
    pub ccdo_code: Option<String>,
    pub effective_from: Option<String>,
}

impl NewCategory {
    pub fn parse(
        code_in: Option<&str>,
        name_zh: Option<&str>,
        name_en: Option<&str>,
        group_zh: Option<&str>,
        keywords: Option<&str>,
    ) -> Result<NewCategory, Error> {
        NewCategory::parse_occupation(code_in, name_zh, name_en, group_zh, keywords, None, None)
    }

    /// As [`NewCategory::parse`], with the 职业分类大典 code and the date a 新职业 takes effect
    /// (both optional; empty is none, as exactly as given: forms trim their own input).
    pub fn parse_occupation(
        code_in: Option<&str>,
        name_zh: Option<&str>,
        name_en: Option<&str>,
        group_zh: Option<&str>,
        keywords: Option<&str>,
        ccdo: Option<&str>,
        effective_from: Option<&str>,
    ) -> Result<NewCategory, Error> {
        let mut errs = FieldErrors::new();
        let given = |v: Option<&str>| v.filter(|v| !v.is_empty()).map(str::to_string);
        let ccdo = given(ccdo).and_then(|c| errs.check("ccdo_code", ccdo_code(&c)));
        let effective_from = given(effective_from).and_then(|d| errs.check("effective_from", effective_date(&d)));
        let c = errs.check("code", code_in.ok_or_else(Invalid::required).and_then(code));
        let zh = errs.check("name_zh", BoundedText::parse(name_zh.unwrap_or(""), 1, 30));
        let en = errs.check("name_en", BoundedText::parse(name_en.unwrap_or(""), 1, 60));
        let group = errs.check("group_zh", BoundedText::parse(group_zh.unwrap_or("其他"), 1, 30));
        let kw = errs.check("keywords", BoundedText::parse(keywords.unwrap_or(""), 0, 200));
        errs.into_result()?;
        Ok(NewCategory {
            code: c.expect("checked"),
            name_zh: zh.expect("checked").into_string(),
            name_en: en.expect("checked").into_string(),
            group_zh: group.expect("checked").into_string(),
            keywords: kw.expect("checked").into_string(),
            ccdo_code: ccdo,
            effective_from,
        })
    }
}

pub fn create(tx: &mut Tx, c: NewCategory, by: i64) -> Result<Category, Error> {
    if get(tx, &c.code)?.is_some() {
        return Err(Error::Conflict(Conflict::CategoryExists));
    }
    diesel::insert_into(categories::table)
        .values((
            categories::code.eq(&c.code),
            categories::name_zh.eq(&c.name_zh),
            categories::name_en.eq(&c.name_en),
            categories::group_zh.eq(&c.group_zh),
            categories::keywords.eq(&c.keywords),
            categories::ccdo_code.eq(&c.ccdo_code),
            categories::effective_from.eq(&c.effective_from),
            categories::created_by.eq(by),
            categories::created_at.eq(tx.now()),
        ))
        .execute(tx.conn())?;
    let created = get(tx, &c.code)?.ok_or_else(|| Error::internal("category vanished after insert"))?;
    crate::services::audit::record(
        tx,
        crate::services::audit::Entry {
            actor_id: by,
            action: "category.create",
            target_type: "category",
            target_id: created.id,
            reason: None,
            before: None,
            after: Some(serde_json::json!({
                "code": created.code, "name_zh": created.name_zh, "name_en": created.name_en,
                "ccdo_code": created.ccdo_code, "effective_from": created.effective_from,
            })),
        },
    )?;
    Ok(created)
}

// ---------------------------------------------------------------------------------------------
// Operations, each the whole job for every front end.
// ---------------------------------------------------------------------------------------------

/// Every occupation category.
pub async fn list_all(svc: &Services) -> Result<Vec<Category>, Error> {
    svc.db.run(list).await
}

/// Add a category (a 新职业), moderators and admins; audited.
pub async fn add(svc: &Services, user: &AuthUser, c: NewCategory) -> Result<Category, Error> {
    user.require_moderator()?;
    let user_id = user.id;
    svc.db.tx(move |tx| create(tx, c, user_id)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occupation_codes_have_the_dictionary_form() {
        for ok in ["4-02-07-10", "1-01-01-01", "8-99-99-99", "2-02-38-11"] {
            assert_eq!(ccdo_code(ok).unwrap(), ok);
        }
        for bad in [
            "",
            "4-02-07",
            "4-02-07-10-01",
            "9-02-07-10",
            "0-02-07-10",
            "4-2-07-10",
            "4-02-07-1O",
            "4-00-07-10",
            "4_02_07_10",
            " 4-02-07-10",
            "４-02-07-10",
            "4-02-07-10\n",
        ] {
            assert!(ccdo_code(bad).is_err(), "{bad:?}");
        }
        assert_eq!(effective_date("2026-12-05").unwrap(), "2026-12-05");
        for bad in ["2026-13-01", "2026-2-1", "2026-02-30", "20261205", "2026-12-05T00:00:00", ""] {
            assert!(effective_date(bad).is_err(), "{bad:?}");
        }
    }
}
