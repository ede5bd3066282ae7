//! The shapes of `listing_rules.toml` and `wage_floors.toml`, and their compilation into
//! [`Rules`]. Every error names the file and the entry, so staff editing a copy can find it.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use figment::Figment;
use figment::providers::{Format, Toml};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::rules::{AgeRules, ContactRules, FeeRules, FieldName, PartTimeRules, PhraseRule, RequiredField, Template};
use super::text::{Dict, Kind, Pattern, VerbClass, fold_str};
use super::wages::{PieceRate, WageFloor, WageFloors};
use super::{Rules, Severity};
use crate::domain::EmploymentType;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    wildcard_max: usize,
    required: RequiredSection,
    fees: FeesSection,
    age: AgeSection,
    contact: ContactSection,
    part_time: PartTimeSection,
    wages: WagesSection,
    #[serde(default)]
    vars: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    phrase_rules: Vec<PhraseEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequiredSection {
    source: String,
    fields: Vec<RequiredEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequiredEntry {
    field: String,
    zh: String,
    en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeesSection {
    source: String,
    strict: Vec<String>,
    ambiguous: Vec<String>,
    verbs: Vec<String>,
    strong_verbs: Vec<String>,
    deposit_verbs: Vec<String>,
    self_pay_verbs: Vec<String>,
    negations: Vec<String>,
    fillers: Vec<String>,
    employer_pays: Vec<String>,
    third_party: Vec<String>,
    worker_target: Vec<String>,
    warnings: Vec<String>,
    warning_verbs: Vec<String>,
    warning_frames: Vec<String>,
    pay_verbs: Vec<String>,
    buy_verbs: Vec<String>,
    goods: Vec<String>,
    wage_words: Vec<String>,
    soften: Vec<String>,
    joiners: Vec<String>,
    neutral: Vec<String>,
    window: usize,
    amount_reach: usize,
    refuse_zh: String,
    refuse_en: String,
    review_zh: String,
    review_en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgeSection {
    source: String,
    minimum_legal: u32,
    review_if_upper_below: u32,
    upper_after: Vec<String>,
    lower_after: Vec<String>,
    upper_before: Vec<String>,
    lower_before: Vec<String>,
    rejections: Vec<String>,
    range_separators: Vec<String>,
    others: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactSection {
    source: String,
    code: String,
    severity: Severity,
    zh: String,
    en: String,
    mobile_prefixes: Vec<String>,
    id_keywords: Vec<String>,
    id_min_len: usize,
    id_separators: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartTimeSection {
    source: String,
    max_daily_hours: f64,
    max_weekly_hours: f64,
    max_settlement_days: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WagesSection {
    source: String,
    piece_rate: PieceRate,
}

fn default_gap() -> usize {
    2
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhraseEntry {
    code: String,
    severity: Severity,
    source: String,
    zh: String,
    en: String,
    patterns: Vec<String>,
    #[serde(default)]
    unless_preceded_by: Vec<String>,
    #[serde(default)]
    unless_followed_by: Vec<String>,
    #[serde(default = "default_gap")]
    gap: usize,
    #[serde(default)]
    employment_types: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FloorsFile {
    #[serde(default)]
    province: BTreeMap<String, ProvinceEntry>,
    #[serde(default)]
    city: BTreeMap<String, AreaEntry>,
    #[serde(default)]
    county: BTreeMap<String, AreaEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvinceEntry {
    name: String,
    tiers_fen: Vec<i64>,
    default_tier: usize,
    source: String,
    effective: String,
    #[allow(dead_code)]
    #[serde(default)]
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AreaEntry {
    name: String,
    #[serde(default)]
    tier: Option<usize>,
    #[serde(default)]
    hourly_fen: Option<i64>,
    source: String,
    effective: String,
    #[allow(dead_code)]
    #[serde(default)]
    note: Option<String>,
}

fn parse<T: DeserializeOwned>(src: &str, name: &str) -> Result<T, String> {
    Figment::from(Toml::string(src)).extract().map_err(|e| format!("{name}: {e}"))
}

/// Folded words of a list; blank entries are an error.
fn words(list: &[String], file: &str, entry: &str) -> Result<Vec<Vec<char>>, String> {
    list.iter()
        .map(|w| {
            let f = fold_str(w.trim());
            if f.is_empty() { Err(format!("{file}: {entry}: blank entry")) } else { Ok(f) }
        })
        .collect()
}

fn nonblank(s: &str, file: &str, entry: &str) -> Result<String, String> {
    if s.trim().is_empty() { Err(format!("{file}: {entry}: must not be blank")) } else { Ok(s.trim().to_string()) }
}

pub(super) fn compile(rules_src: &str, rules_name: &str, floors_src: &str, floors_name: &str) -> Result<Rules, String> {
    let r: RulesFile = parse(rules_src, rules_name)?;
    let f: FloorsFile = parse(floors_src, floors_name)?;
    let file = rules_name;

    // Every section names its legal source.
    for (entry, source) in [
        ("required.source", &r.required.source),
        ("fees.source", &r.fees.source),
        ("age.source", &r.age.source),
        ("contact.source", &r.contact.source),
        ("part_time.source", &r.part_time.source),
        ("wages.source", &r.wages.source),
    ] {
        nonblank(source, file, entry)?;
    }

    // Required content.
    let mut required = Vec::new();
    let mut seen = HashSet::new();
    for (i, e) in r.required.fields.iter().enumerate() {
        let entry = format!("required.fields[{i}]");
        let field = FieldName::parse(e.field.trim()).ok_or_else(|| {
            format!(
                "{file}: {entry}: unknown field {:?} (title, description, requirements, employer_description, headcount, address, pay, valid_through)",
                e.field
            )
        })?;
        if !seen.insert(e.field.trim().to_string()) {
            return Err(format!("{file}: {entry}: {:?} is listed twice", e.field));
        }
        required.push(RequiredField { field, zh: nonblank(&e.zh, file, &entry)?, en: nonblank(&e.en, file, &entry)? });
    }

    // Charges to workers: one dictionary, each word of one kind.
    let fe = &r.fees;
    let lists: [(&str, &Vec<String>, Kind); 21] = [
        ("strict", &fe.strict, Kind::Fee { strict: true }),
        ("ambiguous", &fe.ambiguous, Kind::Fee { strict: false }),
        ("verbs", &fe.verbs, Kind::Verb(VerbClass::Plain)),
        ("strong_verbs", &fe.strong_verbs, Kind::Verb(VerbClass::Strong)),
        ("deposit_verbs", &fe.deposit_verbs, Kind::Verb(VerbClass::Deposit)),
        ("self_pay_verbs", &fe.self_pay_verbs, Kind::Verb(VerbClass::SelfPay)),
        ("negations", &fe.negations, Kind::Neg),
        ("fillers", &fe.fillers, Kind::Filler),
        ("employer_pays", &fe.employer_pays, Kind::EmployerPays),
        ("third_party", &fe.third_party, Kind::ThirdParty),
        ("worker_target", &fe.worker_target, Kind::WorkerTarget),
        ("warnings", &fe.warnings, Kind::Warning),
        ("warning_verbs", &fe.warning_verbs, Kind::WarningVerb),
        ("warning_frames", &fe.warning_frames, Kind::Frame),
        ("pay_verbs", &fe.pay_verbs, Kind::Verb(VerbClass::Pay)),
        ("buy_verbs", &fe.buy_verbs, Kind::Verb(VerbClass::Buy)),
        ("goods", &fe.goods, Kind::Goods),
        ("wage_words", &fe.wage_words, Kind::Wage),
        ("soften", &fe.soften, Kind::Soften),
        ("joiners", &fe.joiners, Kind::Joiner),
        ("neutral", &fe.neutral, Kind::Neutral),
    ];
    let mut dict = Dict::default();
    let mut owner: HashMap<Vec<char>, &str> = HashMap::new();
    for (name, list, kind) in &lists {
        for w in words(list, file, &format!("fees.{name}"))? {
            if let Err(_other) = dict.insert(w.clone(), *kind) {
                let s: String = w.iter().collect();
                return Err(format!("{file}: fees.{name}: {s:?} is already in fees.{}", owner.get(&w).copied().unwrap_or("?")));
            }
            if *name == "strict" {
                dict.insert_sound(w.clone(), *kind);
            }
            owner.entry(w).or_insert(name);
        }
    }
    if fe.strict.is_empty() || fe.verbs.is_empty() || fe.negations.is_empty() {
        return Err(format!("{file}: fees: strict, verbs and negations must not be empty"));
    }
    if fe.window == 0 {
        return Err(format!("{file}: fees.window: must be at least 1"));
    }
    let fees = FeeRules {
        dict,
        window: fe.window,
        amount_reach: fe.amount_reach,
        refuse: Template { zh: nonblank(&fe.refuse_zh, file, "fees.refuse_zh")?, en: nonblank(&fe.refuse_en, file, "fees.refuse_en")? },
        review: Template { zh: nonblank(&fe.review_zh, file, "fees.review_zh")?, en: nonblank(&fe.review_en, file, "fees.review_en")? },
    };

    // Lists for {name} in patterns.
    let mut vars = HashMap::new();
    for (name, list) in &r.vars {
        let ws = words(list, file, &format!("vars.{name}"))?;
        if ws.is_empty() {
            return Err(format!("{file}: vars.{name}: empty list"));
        }
        vars.insert(name.clone(), ws);
    }
    if r.wildcard_max == 0 || r.wildcard_max > 20 {
        return Err(format!("{file}: wildcard_max: must be 1 to 20"));
    }

    // Phrase rules.
    let mut phrases = Vec::new();
    for (i, e) in r.phrase_rules.iter().enumerate() {
        let entry = format!("phrase_rules[{i}] ({})", e.code);
        if e.code.is_empty() || !e.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(format!("{file}: phrase_rules[{i}]: code {:?} must be lower-case letters, digits and _", e.code));
        }
        nonblank(&e.source, file, &format!("{entry}.source"))?;
        if e.patterns.is_empty() {
            return Err(format!("{file}: {entry}: no patterns"));
        }
        let patterns = e
            .patterns
            .iter()
            .map(|p| Pattern::parse(p, &vars, r.wildcard_max).map_err(|err| format!("{file}: {entry}: {err}")))
            .collect::<Result<Vec<_>, _>>()?;
        let employment_types = match &e.employment_types {
            None => None,
            Some(list) => Some(
                list.iter()
                    .map(|t| EmploymentType::parse(t.trim()).map_err(|err| format!("{file}: {entry}.employment_types: {}", err.msg.en)))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        phrases.push(PhraseRule {
            code: e.code.clone(),
            severity: e.severity,
            message: Template { zh: nonblank(&e.zh, file, &format!("{entry}.zh"))?, en: nonblank(&e.en, file, &format!("{entry}.en"))? },
            patterns,
            unless_preceded_by: words(&e.unless_preceded_by, file, &format!("{entry}.unless_preceded_by"))?,
            unless_followed_by: words(&e.unless_followed_by, file, &format!("{entry}.unless_followed_by"))?,
            gap: e.gap,
            employment_types,
        });
    }

    // Age.
    let a = &r.age;
    if a.minimum_legal == 0 || a.review_if_upper_below <= a.minimum_legal {
        return Err(format!("{file}: age: need 0 < minimum_legal < review_if_upper_below"));
    }
    let age = AgeRules {
        minimum_legal: a.minimum_legal,
        review_if_upper_below: a.review_if_upper_below,
        upper_after: words(&a.upper_after, file, "age.upper_after")?,
        lower_after: words(&a.lower_after, file, "age.lower_after")?,
        upper_before: words(&a.upper_before, file, "age.upper_before")?,
        lower_before: words(&a.lower_before, file, "age.lower_before")?,
        rejections: words(&a.rejections, file, "age.rejections")?,
        range_separators: words(&a.range_separators, file, "age.range_separators")?,
        others: words(&a.others, file, "age.others")?,
    };

    // Contact details.
    let c = &r.contact;
    let mut id_keywords = words(&c.id_keywords, file, "contact.id_keywords")?;
    id_keywords.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let id_separators = words(&c.id_separators, file, "contact.id_separators")?
        .into_iter()
        .map(|w| if w.len() == 1 { Ok(w[0]) } else { Err(format!("{file}: contact.id_separators: {:?} is not one character", w.iter().collect::<String>())) })
        .collect::<Result<Vec<_>, _>>()?;
    let mobile_prefixes = words(&c.mobile_prefixes, file, "contact.mobile_prefixes")?;
    if mobile_prefixes.iter().any(|p| !p.iter().all(char::is_ascii_digit)) {
        return Err(format!("{file}: contact.mobile_prefixes: digits only"));
    }
    if c.id_min_len == 0 {
        return Err(format!("{file}: contact.id_min_len: must be at least 1"));
    }
    let contact = ContactRules {
        code: nonblank(&c.code, file, "contact.code")?,
        severity: c.severity,
        message: Template { zh: nonblank(&c.zh, file, "contact.zh")?, en: nonblank(&c.en, file, "contact.en")? },
        mobile_prefixes,
        id_keywords,
        id_min_len: c.id_min_len,
        id_separators,
    };

    // Part-time.
    let pt = &r.part_time;
    if !(pt.max_daily_hours > 0.0 && pt.max_weekly_hours >= pt.max_daily_hours && pt.max_weekly_hours <= 168.0) {
        return Err(format!("{file}: part_time: need 0 < max_daily_hours <= max_weekly_hours <= 168"));
    }
    if pt.max_settlement_days <= 0 {
        return Err(format!("{file}: part_time.max_settlement_days: must be positive"));
    }
    let part_time = PartTimeRules { max_daily_hours: pt.max_daily_hours, max_weekly_hours: pt.max_weekly_hours, max_settlement_days: pt.max_settlement_days };

    let floors = compile_floors(&f, floors_name)?;
    let phrase_index = super::rules::PhraseIndex::new(&phrases);
    Ok(Rules { required, fees, phrases, phrase_index, age, contact, part_time, piece_rate: r.wages.piece_rate, floors })
}

fn check_date(s: &str, file: &str, entry: &str) -> Result<String, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(|_| s.trim().to_string())
        .map_err(|_| format!("{file}: {entry}.effective: {s:?} is not a date like 2025-07-01"))
}

/// Sanity bounds for an hourly figure: 1 元 to 1000 元.
fn check_fen(v: i64, file: &str, entry: &str) -> Result<i64, String> {
    if (100..=100_000).contains(&v) { Ok(v) } else { Err(format!("{file}: {entry}: {v} fen is not a plausible hourly minimum (100 to 100000)")) }
}

fn compile_floors(f: &FloorsFile, file: &str) -> Result<WageFloors, String> {
    let mut entries = HashMap::new();
    let digits = |k: &str, n: usize| k.len() == n && k.bytes().all(|b| b.is_ascii_digit());
    for (key, p) in &f.province {
        let entry = format!("province.{key}");
        if !digits(key, 2) {
            return Err(format!("{file}: {entry}: a province key is 2 digits, like 44"));
        }
        if p.tiers_fen.is_empty() {
            return Err(format!("{file}: {entry}.tiers_fen: empty"));
        }
        for (i, &v) in p.tiers_fen.iter().enumerate() {
            check_fen(v, file, &format!("{entry}.tiers_fen[{i}]"))?;
        }
        if p.tiers_fen.windows(2).any(|w| w[0] < w[1]) {
            return Err(format!("{file}: {entry}.tiers_fen: list tier 1 (the highest figure) first"));
        }
        if !(1..=p.tiers_fen.len()).contains(&p.default_tier) {
            return Err(format!("{file}: {entry}.default_tier: {} is not a tier of {:?}", p.default_tier, p.tiers_fen));
        }
        entries.insert(
            key.clone(),
            WageFloor {
                area_code: key.clone(),
                area: nonblank(&p.name, file, &entry)?,
                hourly_fen: p.tiers_fen[p.default_tier - 1],
                tier: Some(p.default_tier as u8),
                source: nonblank(&p.source, file, &format!("{entry}.source"))?,
                effective: check_date(&p.effective, file, &entry)?,
            },
        );
    }
    for (section, len, map) in [("city", 4, &f.city), ("county", 6, &f.county)] {
        for (key, a) in map {
            let entry = format!("{section}.{key}");
            if !digits(key, len) {
                return Err(format!("{file}: {entry}: a {section} key is {len} digits"));
            }
            let province = f.province.get(&key[..2]);
            let (hourly_fen, tier) = match (a.tier, a.hourly_fen) {
                (Some(_), Some(_)) | (None, None) => return Err(format!("{file}: {entry}: give either tier or hourly_fen")),
                (None, Some(v)) => (check_fen(v, file, &format!("{entry}.hourly_fen"))?, None),
                (Some(t), None) => {
                    let p = province.ok_or_else(|| format!("{file}: {entry}.tier: province.{} has no entry to take tiers from", &key[..2]))?;
                    if !(1..=p.tiers_fen.len()).contains(&t) {
                        return Err(format!("{file}: {entry}.tier: {t} is not a tier of province.{} {:?}", &key[..2], p.tiers_fen));
                    }
                    (p.tiers_fen[t - 1], Some(t as u8))
                }
            };
            let name = nonblank(&a.name, file, &entry)?;
            let area = match province {
                Some(p) if !name.starts_with(p.name.as_str()) => format!("{} {name}", p.name),
                _ => name,
            };
            entries.insert(
                key.clone(),
                WageFloor {
                    area_code: key.clone(),
                    area,
                    hourly_fen,
                    tier,
                    source: nonblank(&a.source, file, &format!("{entry}.source"))?,
                    effective: check_date(&a.effective, file, &entry)?,
                },
            );
        }
    }
    Ok(WageFloors { entries })
}
