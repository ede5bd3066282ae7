//! The two migration trees and `src/db/schema.rs` describe one schema. These tests migrate fresh
//! databases, read what the migrations actually built from each backend's catalogue, and compare:
//! tables, columns (type class, nullability, default), primary keys, indexes, foreign keys and
//! triggers between the backends; tables, columns and primary keys between each backend and
//! `schema.rs`.
//!
//! PostgreSQL takes part only when `LINGONG_TEST_DATABASE_URL` is set (CI runs the suite both ways);
//! without it the comparison is SQLite against `schema.rs` alone, as the test's name says.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::sql_types::{Bool, Integer, Nullable, Text};
use diesel::{PgConnection, QueryDsl, QueryableByName, RunQueryDsl, SqliteConnection};
use lingong::db::schema::audit_log;
use lingong::db::{BackendUrl, DbConn};

use crate::helpers::{TestDb, pg_admin_url};

/// The schema as diesel sees it; read as text because diesel offers no way to list every table.
const SCHEMA_RS: &str = include_str!("../../src/db/schema.rs");

/// A column's type class, nullability and default. `bits` is the integer or float width where the
/// source states it: `schema.rs` and PostgreSQL do, SQLite does not (every integer there is 64-bit,
/// and its `INTEGER PRIMARY KEY` ids must be declared `INTEGER` whatever diesel reads them as).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    class: String,
    bits: Option<u8>,
    nullable: bool,
    /// Normalised by `normalise_default`; `schema.rs` states no defaults, so it leaves this `None`
    /// and its catalogue says so with `defaults: false`.
    default: Option<String>,
}

/// What two catalogues can both speak to.
#[derive(Clone, Copy)]
struct Shared {
    widths: bool,
    defaults: bool,
}

impl Column {
    fn agrees_with(&self, other: &Column, shared: Shared) -> bool {
        let bits_agree = !shared.widths || self.bits == other.bits;
        let defaults_agree = !shared.defaults || self.default == other.default;
        self.class == other.class && self.nullable == other.nullable && bits_agree && defaults_agree
    }

    fn describe(&self, shared: Shared) -> String {
        let width = match self.bits {
            Some(b) if shared.widths => format!("({b})"),
            _ => String::new(),
        };
        let default = match &self.default {
            Some(d) if shared.defaults => format!(" default {d}"),
            _ => String::new(),
        };
        format!("{}{width} {}{default}", self.class, if self.nullable { "null" } else { "not null" })
    }
}

/// Facts per table: table -> fact -> detail.
type Facts = BTreeMap<String, BTreeMap<String, String>>;

struct Catalogue {
    name: &'static str,
    /// Whether column widths are known (see `Column::bits`).
    widths: bool,
    /// Whether column defaults are known.
    defaults: bool,
    columns: BTreeMap<String, BTreeMap<String, Column>>,
    /// Table -> its primary-key columns, in key order.
    primary_keys: BTreeMap<String, String>,
    /// Indexes, foreign keys and triggers; `schema.rs` has none to offer.
    constraints: Option<Facts>,
}

#[test]
fn migrated_schemas_match_schema_rs_sqlite_always_postgres_when_configured() {
    let declared = declared_schema(SCHEMA_RS);

    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = sqlite_catalogue(&dir.path().join("schema.db"), "");

    let mut problems = Vec::new();
    compare(&declared, &sqlite, &mut problems);
    match pg_admin_url() {
        Some(_) => {
            let db = TestDb::new();
            let postgres = postgres_catalogue(&db.url);
            compare(&declared, &postgres, &mut problems);
            compare(&sqlite, &postgres, &mut problems);
        }
        None => eprintln!("LINGONG_TEST_DATABASE_URL is not set: compared SQLite with src/db/schema.rs only, PostgreSQL not checked"),
    }
    assert!(problems.is_empty(), "the migrated schemas disagree:\n  {}", problems.join("\n  "));
}

/// Guards against the comparison above passing because it looks at nothing.
#[test]
fn schema_comparison_reports_drift() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut clean = sqlite_catalogue(&dir.path().join("clean.db"), "");
    clean.name = "migrated";
    let mut drifted = sqlite_catalogue(
        &dir.path().join("drifted.db"),
        "ALTER TABLE users ADD COLUMN nickname TEXT;
         CREATE UNIQUE INDEX users_email ON users(email);
         CREATE TABLE extra (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
         DROP INDEX shifts_status;
         DROP TRIGGER audit_log_no_delete;",
    );
    drifted.name = "drifted";
    let mut problems = Vec::new();
    compare(&clean, &drifted, &mut problems);
    let report = problems.join("\n");
    for expected in [
        "users.nickname: in drifted only (text null)",
        "users: unique index (email): in drifted only",
        "table extra: in drifted only",
        "shifts: index (status, valid_through): in migrated only",
        "audit_log: trigger before delete for each row: in migrated only",
    ] {
        assert!(report.contains(expected), "expected {expected:?} in:\n{report}");
    }

    let altered = SCHEMA_RS.replace("email -> Nullable<Text>,", "email -> Text,").replace("score -> Integer,", "score -> BigInt,");
    let mut problems = Vec::new();
    let mut altered = declared_schema(&altered);
    altered.name = "altered";
    compare(&declared_schema(SCHEMA_RS), &altered, &mut problems);
    let report = problems.join("\n");
    assert!(report.contains("users.email: schema.rs text null / altered text not null"), "{report}");
    assert!(report.contains("ratings.score: schema.rs integer(32) not null / altered integer(64) not null"), "{report}");
}

/// The append-only tables refuse removal of all their rows at once, on whichever backend the suite
/// runs: on PostgreSQL that is TRUNCATE (row triggers do not see it), directly or cascading from
/// `users`; SQLite has no TRUNCATE, and its bulk form is an unconditional DELETE.
#[test]
fn append_only_tables_refuse_bulk_removal() {
    let db = TestDb::new();
    let mut conn = BackendUrl::parse(&db.url).expect("test URL").establish().expect("open the test database");
    lingong::db::migrate(&mut conn).expect("migrations apply");
    conn.batch_execute(
        "INSERT INTO users (role, phone, password_hash, display_name, created_at) \
         VALUES ('admin', '13600000001', 'x', '审计测试', CURRENT_TIMESTAMP);
         INSERT INTO audit_log (actor_id, action, target_type, target_id, created_at) \
         SELECT id, 'test.entry', 'user', id, CURRENT_TIMESTAMP FROM users;",
    )
    .expect("seed one audit entry");
    let attempts: &[&str] = match &conn {
        DbConn::Pg(_) => &["TRUNCATE audit_log", "TRUNCATE engagement_events", "TRUNCATE users CASCADE"],
        DbConn::Sqlite(_) => &["DELETE FROM audit_log"],
    };
    for sql in attempts {
        assert!(conn.batch_execute(sql).is_err(), "{sql} must be refused");
    }
    let left: i64 = audit_log::table.count().get_result(&mut conn).expect("count audit entries");
    assert_eq!(left, 1, "the audit entry survives");
}

fn compare(a: &Catalogue, b: &Catalogue, out: &mut Vec<String>) {
    let tables: BTreeSet<&String> = a.columns.keys().chain(b.columns.keys()).collect();
    for table in tables {
        let (ac, bc) = match (a.columns.get(table), b.columns.get(table)) {
            (Some(ac), Some(bc)) => (ac, bc),
            (Some(_), None) => {
                out.push(format!("table {table}: in {} only", a.name));
                continue;
            }
            (None, Some(_)) => {
                out.push(format!("table {table}: in {} only", b.name));
                continue;
            }
            (None, None) => unreachable!(),
        };
        let shared = Shared { widths: a.widths && b.widths, defaults: a.defaults && b.defaults };
        let names: BTreeSet<&String> = ac.keys().chain(bc.keys()).collect();
        for name in names {
            match (ac.get(name), bc.get(name)) {
                (Some(x), Some(y)) if x.agrees_with(y, shared) => {}
                (Some(x), Some(y)) => out.push(format!("{table}.{name}: {} {} / {} {}", a.name, x.describe(shared), b.name, y.describe(shared))),
                (Some(x), None) => out.push(format!("{table}.{name}: in {} only ({})", a.name, x.describe(shared))),
                (None, Some(y)) => out.push(format!("{table}.{name}: in {} only ({})", b.name, y.describe(shared))),
                (None, None) => unreachable!(),
            }
        }
        let (ak, bk) = (a.primary_keys.get(table), b.primary_keys.get(table));
        if ak != bk {
            let show = |k: Option<&String>| k.map_or("none".to_string(), |k| format!("({k})"));
            out.push(format!("{table}: primary key {} {} / {} {}", a.name, show(ak), b.name, show(bk)));
        }
        if let (Some(af), Some(bf)) = (&a.constraints, &b.constraints) {
            let empty = BTreeMap::new();
            let (af, bf) = (af.get(table).unwrap_or(&empty), bf.get(table).unwrap_or(&empty));
            let facts: BTreeSet<&String> = af.keys().chain(bf.keys()).collect();
            for fact in facts {
                match (af.get(fact), bf.get(fact)) {
                    (Some(x), Some(y)) if x == y => {}
                    (Some(x), Some(y)) => out.push(format!("{table}: {fact}: {} {x} / {} {y}", a.name, b.name)),
                    (Some(_), None) => out.push(format!("{table}: {fact}: in {} only", a.name)),
                    (None, Some(_)) => out.push(format!("{table}: {fact}: in {} only", b.name)),
                    (None, None) => unreachable!(),
                }
            }
        }
    }
}

// ---- schema.rs ----

/// Reads every `table!` block. Anything the parser does not understand fails the test rather than
/// being skipped; and since comparisons run both ways, a table it missed would show up as one the
/// database has and `schema.rs` lacks.
fn declared_schema(src: &str) -> Catalogue {
    let src: String = src.lines().map(|l| l.split_once("//").map_or(l, |(code, _)| code)).collect::<Vec<_>>().join("\n");
    let mut columns = BTreeMap::new();
    let mut primary_keys = BTreeMap::new();
    let mut rest = src.as_str();
    while let Some(at) = rest.find("table!") {
        rest = &rest[at + "table!".len()..];
        let open = rest.find('{').expect("table! {");
        let body_open = open + 1 + rest[open + 1..].find('{').expect("table! body");
        let body_close = body_open + rest[body_open..].find('}').expect("table! body end");
        let (name, pk) = table_header(&rest[open + 1..body_open]);
        let mut cols = BTreeMap::new();
        for item in rest[body_open + 1..body_close].split(',') {
            let (sql_name, item) = take_attributes(item.trim());
            if item.is_empty() {
                continue;
            }
            let (col, ty) = item.split_once("->").unwrap_or_else(|| panic!("schema.rs: cannot read column {item:?} of {name}"));
            let col = sql_name.unwrap_or_else(|| unraw(col.trim()));
            assert!(cols.insert(col.clone(), declared_type(ty.trim(), &name, &col)).is_none(), "schema.rs: {name}.{col} twice");
        }
        assert!(!cols.is_empty(), "schema.rs: {name} has no columns");
        let pk = pk.iter().map(|k| unraw(k)).collect::<Vec<_>>().join(", ");
        assert!(columns.insert(name.clone(), cols).is_none(), "schema.rs: table {name} twice");
        primary_keys.insert(name, pk);
        rest = &rest[body_close + 1..];
    }
    Catalogue { name: "schema.rs", widths: true, defaults: false, columns, primary_keys, constraints: None }
}

fn unraw(ident: &str) -> String {
    ident.strip_prefix("r#").unwrap_or(ident).to_string()
}

/// `#[sql_name = "…"]` renames what follows; other attributes (docs, derives) do not matter here.
fn take_attributes(mut item: &str) -> (Option<String>, &str) {
    let mut sql_name = None;
    while let Some(attr) = item.strip_prefix("#[") {
        let end = attr.find(']').unwrap_or_else(|| panic!("schema.rs: unterminated attribute in {item:?}"));
        if let Some((key, value)) = attr[..end].split_once('=')
            && key.trim() == "sql_name"
        {
            sql_name = Some(value.trim().trim_matches('"').to_string());
        }
        item = attr[end + 1..].trim();
    }
    (sql_name, item)
}

/// `users (id)`, possibly after `use …;` lines and attributes; returns (SQL name, key columns).
fn table_header(header: &str) -> (String, Vec<String>) {
    let header: String = header.split(';').next_back().unwrap_or_default().to_string();
    let (sql_name, header) = take_attributes(header.trim());
    let (ident, keys) = header.split_once('(').unwrap_or_else(|| panic!("schema.rs: cannot read table header {header:?}"));
    let ident = ident.trim().rsplit('.').next().unwrap_or_default();
    let keys = keys.trim().strip_suffix(')').unwrap_or_else(|| panic!("schema.rs: cannot read primary key in {header:?}"));
    (sql_name.unwrap_or_else(|| unraw(ident)), keys.split(',').map(|k| k.trim().to_string()).collect())
}

fn declared_type(ty: &str, table: &str, col: &str) -> Column {
    let (inner, nullable) = match ty.strip_prefix("Nullable<").and_then(|t| t.strip_suffix('>')) {
        Some(inner) => (inner.trim(), true),
        None => (ty, false),
    };
    let base = inner.rsplit("::").next().unwrap_or_default();
    let (class, bits) = match base {
        "BigInt" | "Int8" | "BigSerial" => ("integer", Some(64)),
        "Integer" | "Int4" | "Serial" => ("integer", Some(32)),
        "SmallInt" | "Int2" | "SmallSerial" => ("integer", Some(16)),
        "Double" | "Float8" => ("float", Some(64)),
        "Float" | "Float4" => ("float", Some(32)),
        "Text" | "VarChar" | "Varchar" => ("text", None),
        "Bool" => ("boolean", None),
        "Timestamp" => ("timestamp", None),
        "Timestamptz" => ("timestamptz", None),
        other => panic!("schema.rs: {table}.{col} has type {other:?}, which this test does not classify yet"),
    };
    Column { class: class.to_string(), bits, nullable, default: None }
}

// ---- SQLite ----

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    declared: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
    #[diesel(sql_type = Nullable<Text>)]
    default_sql: Option<String>,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    is_unique: i32,
    #[diesel(sql_type = Integer)]
    partial: i32,
}

#[derive(QueryableByName)]
struct SqliteIndexColumn {
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
}

#[derive(QueryableByName)]
struct SqliteTrigger {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    sql: String,
}

#[derive(QueryableByName)]
struct SqliteForeignKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    ref_table: String,
    #[diesel(sql_type = Text)]
    from_col: String,
    #[diesel(sql_type = Nullable<Text>)]
    to_col: Option<String>,
    #[diesel(sql_type = Text)]
    on_update: String,
    #[diesel(sql_type = Text)]
    on_delete: String,
}

/// Every application table joined with one of SQLite's table-valued pragmas.
fn sqlite_tables_with(pragma: &str) -> String {
    format!(
        "sqlite_master m JOIN {pragma} WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         AND m.name <> '__diesel_schema_migrations'"
    )
}

/// Migrates a new SQLite database at `path`, runs `then` on it, and reads its catalogue.
fn sqlite_catalogue(path: &Path, then: &str) -> Catalogue {
    let mut conn = BackendUrl::Sqlite(path.to_path_buf()).establish().expect("open SQLite");
    lingong::db::migrate(&mut conn).expect("SQLite migrations apply");
    let DbConn::Sqlite(c) = &mut conn else { unreachable!("a sqlite URL opens SQLite") };
    if !then.is_empty() {
        c.batch_execute(then).expect("drift statements");
    }
    sqlite_read(c)
}

fn sqlite_read(c: &mut SqliteConnection) -> Catalogue {
    let rows: Vec<SqliteColumn> = diesel::sql_query(format!(
        "SELECT m.name AS table_name, p.name AS name, p.type AS declared, p.\"notnull\" AS not_null, \
         p.dflt_value AS default_sql, p.pk AS pk \
         FROM {} ORDER BY m.name, p.cid",
        sqlite_tables_with("pragma_table_info(m.name) p")
    ))
    .load(c)
    .expect("read SQLite columns");

    let mut columns: BTreeMap<String, BTreeMap<String, Column>> = BTreeMap::new();
    let mut keys: BTreeMap<String, Vec<(i32, String)>> = BTreeMap::new();
    for r in &rows {
        if r.pk > 0 {
            keys.entry(r.table_name.clone()).or_default().push((r.pk, r.name.clone()));
        }
    }
    for r in rows {
        // An `INTEGER PRIMARY KEY` is the rowid and can never hold NULL, though the pragma reports
        // it as nullable; any other key column without NOT NULL really does accept NULL in SQLite.
        let rowid = r.pk == 1 && keys[&r.table_name].len() == 1 && r.declared.eq_ignore_ascii_case("INTEGER");
        let class = sqlite_class(&r.declared);
        let default = if rowid { Some("generated".to_string()) } else { r.default_sql.map(|d| normalise_default(&d, &class)) };
        columns.entry(r.table_name).or_default().insert(r.name, Column { class, bits: None, nullable: r.not_null == 0 && !rowid, default });
    }
    let primary_keys: BTreeMap<String, String> = keys
        .into_iter()
        .map(|(t, mut k)| {
            k.sort();
            (t, k.into_iter().map(|(_, n)| n).collect::<Vec<_>>().join(", "))
        })
        .collect();

    let mut constraints: Facts = BTreeMap::new();
    let indexes: Vec<SqliteIndex> = diesel::sql_query(format!(
        "SELECT m.name AS table_name, il.name AS name, il.\"unique\" AS is_unique, il.partial AS partial \
         FROM {} AND il.origin <> 'pk' ORDER BY m.name, il.name",
        sqlite_tables_with("pragma_index_list(m.name) il")
    ))
    .load(c)
    .expect("read SQLite indexes");
    for ix in indexes {
        let cols: Vec<SqliteIndexColumn> =
            diesel::sql_query("SELECT name FROM pragma_index_info(?) ORDER BY seqno").bind::<Text, _>(&ix.name).load(c).expect("read SQLite index columns");
        let cols: Vec<String> = cols.into_iter().map(|c| c.name.unwrap_or_else(|| "<expression>".into())).collect();
        constraints.entry(ix.table_name).or_default().insert(index_fact(ix.is_unique != 0, ix.partial != 0, &cols), String::new());
    }

    let fks: Vec<SqliteForeignKey> = diesel::sql_query(format!(
        "SELECT m.name AS table_name, f.id AS id, f.\"table\" AS ref_table, f.\"from\" AS from_col, f.\"to\" AS to_col, \
         f.on_update AS on_update, f.on_delete AS on_delete FROM {} ORDER BY m.name, f.id, f.seq",
        sqlite_tables_with("pragma_foreign_key_list(m.name) f")
    ))
    .load(c)
    .expect("read SQLite foreign keys");
    let mut grouped: BTreeMap<(String, i32), Vec<SqliteForeignKey>> = BTreeMap::new();
    for fk in fks {
        grouped.entry((fk.table_name.clone(), fk.id)).or_default().push(fk);
    }
    for ((table, _), parts) in grouped {
        let from: Vec<&str> = parts.iter().map(|p| p.from_col.as_str()).collect();
        let ref_table = &parts[0].ref_table;
        // `REFERENCES t` without columns means t's primary key.
        let to: String = match parts.iter().map(|p| p.to_col.clone()).collect::<Option<Vec<_>>>() {
            Some(to) => to.join(", "),
            None => primary_keys.get(ref_table).cloned().unwrap_or_else(|| "rowid".into()),
        };
        let (fact, detail) = foreign_key_fact(&from.join(", "), ref_table, &to, &parts[0].on_delete, &parts[0].on_update);
        constraints.entry(table).or_default().insert(fact, detail);
    }

    let triggers: Vec<SqliteTrigger> =
        diesel::sql_query("SELECT tbl_name AS table_name, sql FROM sqlite_master WHERE type = 'trigger'").load(c).expect("read SQLite triggers");
    for t in triggers {
        constraints.entry(t.table_name).or_default().insert(sqlite_trigger_fact(&t.sql), String::new());
    }

    Catalogue { name: "SQLite", widths: false, defaults: true, columns, primary_keys, constraints: Some(constraints) }
}

/// When and on what a trigger fires, from its `CREATE TRIGGER` text (SQLite keeps no other record).
/// SQLite triggers are always row triggers, and BEFORE is the default timing.
fn sqlite_trigger_fact(sql: &str) -> String {
    let words: Vec<String> = sql.split_whitespace().map(|w| w.to_ascii_lowercase()).collect();
    let at = words.iter().position(|w| matches!(w.as_str(), "delete" | "insert" | "update")).unwrap_or_else(|| panic!("cannot read trigger {sql:?}"));
    let timing = match at.checked_sub(1).map(|i| words[i].as_str()) {
        Some("after") => "after",
        Some("of") => "instead of",
        _ => "before",
    };
    trigger_fact(timing, &words[at], "row")
}

/// SQLite keeps the declared type as written; classify it the way SQLite's affinity rules would,
/// split further where the other backend distinguishes (boolean, timestamp).
fn sqlite_class(declared: &str) -> String {
    let t = declared.to_ascii_uppercase();
    let class = if t.contains("INT") {
        "integer"
    } else if t.contains("BOOL") {
        "boolean"
    } else if t.contains("TIMESTAMP") || t.contains("DATETIME") {
        "timestamp"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "text"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "float"
    } else {
        return format!("unclassified {declared:?}");
    };
    class.to_string()
}

// ---- PostgreSQL ----

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    udt: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
    #[diesel(sql_type = Nullable<Text>)]
    default_sql: Option<String>,
}

#[derive(QueryableByName)]
struct PgIndex {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    cols: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    #[diesel(sql_type = Bool)]
    is_primary: bool,
    #[diesel(sql_type = Bool)]
    partial: bool,
}

#[derive(QueryableByName)]
struct PgTrigger {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    timing: String,
    #[diesel(sql_type = Text)]
    event: String,
    #[diesel(sql_type = Text)]
    orientation: String,
}

#[derive(QueryableByName)]
struct PgForeignKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    cols: String,
    #[diesel(sql_type = Text)]
    ref_table: String,
    #[diesel(sql_type = Text)]
    ref_cols: String,
    #[diesel(sql_type = Text)]
    on_delete: String,
    #[diesel(sql_type = Text)]
    on_update: String,
}

/// Migrates the (fresh) PostgreSQL database at `url` and reads its catalogue.
fn postgres_catalogue(url: &str) -> Catalogue {
    let mut conn = BackendUrl::parse(url).expect("postgres URL").establish().expect("connect to the test database");
    lingong::db::migrate(&mut conn).expect("PostgreSQL migrations apply");
    let DbConn::Pg(c) = &mut conn else { unreachable!("a postgres URL opens PostgreSQL") };
    postgres_read(c)
}

fn postgres_read(c: &mut PgConnection) -> Catalogue {
    let rows: Vec<PgColumn> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS name, udt_name::text AS udt, is_nullable = 'YES' AS nullable, \
                column_default::text AS default_sql \
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations' \
         ORDER BY table_name, ordinal_position",
    )
    .load(c)
    .expect("read PostgreSQL columns");
    let mut columns: BTreeMap<String, BTreeMap<String, Column>> = BTreeMap::new();
    for r in rows {
        let (class, bits) = match r.udt.as_str() {
            "int8" => ("integer", Some(64)),
            "int4" => ("integer", Some(32)),
            "int2" => ("integer", Some(16)),
            "float8" => ("float", Some(64)),
            "float4" => ("float", Some(32)),
            "text" | "varchar" | "bpchar" => ("text", None),
            "bool" => ("boolean", None),
            "timestamp" => ("timestamp", None),
            "timestamptz" => ("timestamptz", None),
            other => (other, None),
        };
        let default = r.default_sql.map(|d| if d.starts_with("nextval(") { "generated".to_string() } else { normalise_default(&d, class) });
        columns.entry(r.table_name).or_default().insert(r.name, Column { class: class.to_string(), bits, nullable: r.nullable, default });
    }

    // Key columns in key order; INCLUDE columns are not part of what the index orders by.
    let indexes: Vec<PgIndex> = diesel::sql_query(
        "SELECT t.relname::text AS table_name, x.indisunique AS is_unique, x.indisprimary AS is_primary, \
                x.indpred IS NOT NULL AS partial, \
                (SELECT string_agg(COALESCE(a.attname::text, '<expression>'), ', ' ORDER BY k.ord) \
                   FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                   LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum \
                  WHERE k.ord <= x.indnkeyatts) AS cols \
           FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
          WHERE n.nspname = 'public' AND t.relname <> '__diesel_schema_migrations'",
    )
    .load(c)
    .expect("read PostgreSQL indexes");
    let mut primary_keys = BTreeMap::new();
    let mut constraints: Facts = BTreeMap::new();
    for ix in indexes {
        if ix.is_primary {
            primary_keys.insert(ix.table_name, ix.cols);
        } else {
            let cols: Vec<String> = ix.cols.split(", ").map(str::to_string).collect();
            constraints.entry(ix.table_name).or_default().insert(index_fact(ix.is_unique, ix.partial, &cols), String::new());
        }
    }

    let fks: Vec<PgForeignKey> = diesel::sql_query(
        "SELECT t.relname::text AS table_name, r.relname::text AS ref_table, \
                (SELECT string_agg(a.attname::text, ', ' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols, \
                (SELECT string_agg(a.attname::text, ', ' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord) \
                   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS ref_cols, \
                CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' \
                     WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END AS on_delete, \
                CASE c.confupdtype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' \
                     WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END AS on_update \
           FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid \
           JOIN pg_namespace n ON n.oid = t.relnamespace \
          WHERE c.contype = 'f' AND n.nspname = 'public'",
    )
    .load(c)
    .expect("read PostgreSQL foreign keys");
    for fk in fks {
        let (fact, detail) = foreign_key_fact(&fk.cols, &fk.ref_table, &fk.ref_cols, &fk.on_delete, &fk.on_update);
        constraints.entry(fk.table_name).or_default().insert(fact, detail);
    }

    // information_schema lists INSERT, UPDATE and DELETE triggers only; TRUNCATE has no SQLite
    // counterpart to compare with.
    let triggers: Vec<PgTrigger> = diesel::sql_query(
        "SELECT event_object_table::text AS table_name, action_timing::text AS timing, event_manipulation::text AS event, \
                action_orientation::text AS orientation \
           FROM information_schema.triggers WHERE trigger_schema = 'public'",
    )
    .load(c)
    .expect("read PostgreSQL triggers");
    for t in triggers {
        constraints.entry(t.table_name).or_default().insert(trigger_fact(&t.timing, &t.event, &t.orientation), String::new());
    }

    Catalogue { name: "PostgreSQL", widths: true, defaults: true, columns, primary_keys, constraints: Some(constraints) }
}

// ---- shared wording, so equal facts compare equal ----

/// Spells a default the same way for both backends: PostgreSQL adds casts (`'[]'::text`) and
/// writes booleans as words, SQLite keeps the literal as written (`0`, `5`, `5.0`).
fn normalise_default(sql: &str, class: &str) -> String {
    let mut d = sql.trim();
    while let Some((value, cast)) = d.rsplit_once("::") {
        if !cast.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == ' ' || ch == '_') {
            break;
        }
        d = value.trim();
    }
    let d = d.strip_prefix('(').and_then(|x| x.strip_suffix(')')).unwrap_or(d);
    match class {
        "boolean" => match d.to_ascii_lowercase().as_str() {
            "0" | "false" | "'f'" => "false".to_string(),
            "1" | "true" | "'t'" => "true".to_string(),
            other => other.to_string(),
        },
        "integer" | "float" => d.parse::<f64>().map_or_else(|_| d.to_string(), |n| n.to_string()),
        _ => d.to_string(),
    }
}

/// Indexes are compared by what they cover, not by name: SQLite and PostgreSQL name the indexes
/// behind UNIQUE constraints differently.
fn index_fact(unique: bool, partial: bool, cols: &[String]) -> String {
    format!("{}index ({}){}", if unique { "unique " } else { "" }, cols.join(", "), if partial { " partial" } else { "" })
}

fn foreign_key_fact(cols: &str, ref_table: &str, ref_cols: &str, on_delete: &str, on_update: &str) -> (String, String) {
    (
        format!("foreign key ({cols}) references {ref_table} ({ref_cols})"),
        format!("on delete {}, on update {}", on_delete.to_lowercase(), on_update.to_lowercase()),
    )
}

fn trigger_fact(timing: &str, event: &str, orientation: &str) -> String {
    format!("trigger {} {} for each {}", timing.to_lowercase(), event.to_lowercase(), orientation.to_lowercase())
}
