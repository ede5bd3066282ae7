//! The rules themselves: required content, charges to workers, phrase rules (documents, wages
//! held back, probation, discrimination, hype, off-platform contact), age limits, contact details
//! and the part-time limits. Word lists and figures come from `config/listing_rules.toml`.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use super::text::{Dict, Kind, Pattern, Prepared, Tok, TokKind, VerbClass, ends_with_at, number_ending_at, starts_with_at, tokenize};
use super::{Finding, Posting, Severity};
use crate::domain::{EmploymentType, Settlement, TimeSlot};
use crate::error::Msg;

/// A message in both languages with a `{matched}` placeholder.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    pub zh: String,
    pub en: String,
}

impl Template {
    fn render(&self, matched: &str) -> Msg {
        let fill = |t: &str, open: &str, close: &str| {
            if t.contains("{matched}") { t.replace("{matched}", matched) } else { format!("{t}{open}{matched}{close}") }
        };
        Msg::new(fill(&self.zh, "：“", "”"), fill(&self.en, ": \"", "\""))
    }
}

fn finding(code: &str, severity: Severity, message: Msg, matched: Option<String>, field: Option<&str>) -> Finding {
    Finding { code: code.to_string(), severity, message, matched, field: field.map(str::to_string) }
}

// ------------------------------------------------------------------------------------------
// Required content

/// The fields a posting must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldName {
    Title,
    Description,
    Requirements,
    EmployerDescription,
    Headcount,
    Address,
    Pay,
    ValidThrough,
}

impl FieldName {
    pub(crate) fn parse(s: &str) -> Option<FieldName> {
        Some(match s {
            "title" => FieldName::Title,
            "description" => FieldName::Description,
            "requirements" => FieldName::Requirements,
            "employer_description" => FieldName::EmployerDescription,
            "headcount" => FieldName::Headcount,
            "address" => FieldName::Address,
            "pay" => FieldName::Pay,
            "valid_through" => FieldName::ValidThrough,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            FieldName::Title => "title",
            FieldName::Description => "description",
            FieldName::Requirements => "requirements",
            FieldName::EmployerDescription => "employer_description",
            FieldName::Headcount => "headcount",
            FieldName::Address => "address",
            FieldName::Pay => "pay",
            FieldName::ValidThrough => "valid_through",
        }
    }

    fn present(self, p: &Posting) -> bool {
        // Blank after normalisation (spaces, punctuation, zero-width characters) is missing.
        let text = |s: &str| super::text::readable(s);
        match self {
            FieldName::Title => text(p.title),
            FieldName::Description => text(p.description),
            FieldName::Requirements => text(p.requirements),
            FieldName::EmployerDescription => text(p.employer_description),
            FieldName::Headcount => p.headcount.is_some_and(|n| n > 0),
            FieldName::Address => text(p.address),
            FieldName::Pay => p.pay.is_some_and(|pay| pay.amount_fen > 0),
            FieldName::ValidThrough => p.valid_through.is_some(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct RequiredField {
    pub field: FieldName,
    pub zh: String,
    pub en: String,
}

/// A title with nothing readable in it (zero-width characters, punctuation).
pub(crate) fn blank_title() -> Finding {
    finding(
        "missing_required",
        Severity::Refuse,
        Msg::new("岗位名称不能只由空白、标点或不可见字符组成", "the title has nothing readable in it (only spaces, punctuation or invisible characters)"),
        None,
        Some("title"),
    )
}

/// Bidi overrides or isolates make text display differently from what is stored.
pub(crate) fn bidi_controls(field: &str) -> Finding {
    finding(
        "hidden_text_direction",
        Severity::Review,
        Msg::new(
            "文字中含有改变显示方向的不可见控制字符，显示内容可能与实际内容不同，需审核人员确认",
            "the text holds invisible controls that change its display direction, so it may read differently from what is stored; a moderator will check it",
        ),
        None,
        Some(field),
    )
}

pub(crate) fn required(fields: &[RequiredField], p: &Posting, out: &mut Vec<Finding>) {
    for f in fields.iter().filter(|f| !f.field.present(p)) {
        out.push(finding(
            "missing_required",
            Severity::Refuse,
            Msg::new(format!("岗位信息必须写明{}", f.zh), format!("a posting must state {}", f.en)),
            None,
            Some(f.field.as_str()),
        ));
    }
}

// ------------------------------------------------------------------------------------------
// Charges to the worker

#[derive(Debug, Clone)]
pub(crate) struct FeeRules {
    pub dict: Dict,
    /// Characters of ordinary text a fee word may be from its verb.
    pub window: usize,
    /// Characters of ordinary text a fee word may be from its amount.
    pub amount_reach: usize,
    pub refuse: Template,
    pub review: Template,
}

pub(crate) const CHARGE: &str = "worker_charge";
pub(crate) const CHARGE_REVIEW: &str = "fee_mention_review";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VerbState {
    Demand,
    Negated,
    EmployerPaid,
}

fn word(t: &Tok) -> Option<Kind> {
    match t.kind {
        TokKind::Word(k) => Some(k),
        _ => None,
    }
}

/// Whether the verb at `k` is negated (不向求职者收取) or paid by the employer (由公司支付): looks at
/// what stands right before it, past fillers and the people named.
fn verb_state(toks: &[Tok], k: usize) -> VerbState {
    let mut dist = 0;
    let mut j = k;
    while j > 0 {
        j -= 1;
        match word(&toks[j]) {
            Some(Kind::Filler | Kind::Joiner) => continue,
            Some(Kind::WorkerTarget | Kind::ThirdParty) => {
                dist += toks[j].len();
                if dist > 8 {
                    break;
                }
            }
            Some(Kind::Neg) => return VerbState::Negated,
            Some(Kind::EmployerPays) => return VerbState::EmployerPaid,
            _ => break,
        }
    }
    VerbState::Demand
}

/// What a clause says about scams: a warning word, a conditional frame, where its `的` stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Warning<'a> {
    present: bool,
    framed: bool,
    /// Indexes of the clause's `的` tokens.
    de: &'a [usize],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Asked of the worker.
    Demand,
    /// Both asked and cancelled in one clause: a moderator reads it.
    Contradiction,
    /// Negated, paid by the employer, or a warning about scams.
    Cancelled,
    /// Named with neither a demand nor a cancellation.
    Bare,
}

/// Judges the fee list at tokens `a..=b`. Returns the outcome, the tokens to quote, and the
/// governing verb if one was found.
fn judge_list(cfg: &FeeRules, toks: &[Tok], a: usize, b: usize, warning: Warning<'_>) -> (Outcome, usize, usize, Option<usize>) {
    let (mut verb_demand, mut verb_cancel, mut strong, mut weak, mut amount) = (false, false, false, false, false);
    let (mut qs, mut qe, mut verb) = (a, b, None);
    let zero = |t: &Tok| matches!(t.kind, TokKind::Amount(v) | TokKind::Number(v) if v == 0.0);

    // Before the list.
    let (mut adjacent, mut dist, mut j) = (true, 0, a);
    while j > 0 {
        j -= 1;
        let t = &toks[j];
        match t.kind {
            _ if zero(t) => {
                strong |= adjacent;
                break;
            }
            TokKind::Word(Kind::Fee { .. } | Kind::Joiner | Kind::Filler) => {}
            TokKind::Word(Kind::WorkerTarget | Kind::ThirdParty) => {
                dist += t.len();
                if dist > cfg.window {
                    break;
                }
            }
            TokKind::Amount(_) => {
                if dist <= 1 {
                    amount = true;
                    qs = j;
                }
                adjacent = false;
            }
            TokKind::Word(Kind::Verb(_)) => {
                match verb_state(toks, j) {
                    VerbState::Demand => {
                        verb_demand = true;
                        qs = j;
                        verb = Some(j);
                    }
                    _ => verb_cancel = true,
                }
                break;
            }
            TokKind::Word(Kind::Neg | Kind::EmployerPays) => {
                strong |= adjacent;
                break;
            }
            _ => {
                adjacent = false;
                dist += t.len();
                if dist > cfg.window {
                    break;
                }
            }
        }
    }

    // After the list.
    let (mut adjacent, mut dist, mut amount_seen, mut j) = (true, 0, false, b);
    while j + 1 < toks.len() {
        j += 1;
        let t = &toks[j];
        match t.kind {
            TokKind::Word(Kind::Fee { .. }) => break,
            _ if zero(t) => {
                strong |= dist <= cfg.amount_reach;
                break;
            }
            TokKind::Word(Kind::Joiner | Kind::Filler) => {}
            TokKind::Word(Kind::WorkerTarget | Kind::ThirdParty) => {
                dist += t.len();
                if dist > cfg.window {
                    break;
                }
            }
            TokKind::Amount(_) | TokKind::Number(_) => {
                let is_amount = matches!(t.kind, TokKind::Amount(_));
                if (is_amount && dist <= cfg.amount_reach) || adjacent {
                    amount = true;
                    qe = j;
                }
                amount_seen = true;
                adjacent = false;
            }
            TokKind::Word(Kind::Verb(_)) => {
                match verb_state(toks, j) {
                    VerbState::Demand => {
                        verb_demand = true;
                        qe = j;
                        verb = verb.or(Some(j));
                    }
                    _ => verb_cancel = true,
                }
                break;
            }
            TokKind::Word(Kind::Neg) => {
                if adjacent || !amount_seen {
                    strong = true;
                } else {
                    weak = true;
                }
                break;
            }
            TokKind::Word(Kind::EmployerPays) => {
                if amount_seen {
                    weak = true;
                } else {
                    strong = true;
                }
                break;
            }
            _ => {
                adjacent = false;
                dist += t.len();
                if dist > cfg.window {
                    break;
                }
            }
        }
    }

    let strong = strong || verb_cancel;
    // A warning about scams (凡收取押金的均为诈骗, 谨防收取押金的骗子) talks about fees without asking
    // for one; but a warning word never cancels an explicit demand (正规公司绝非骗子入职需交押金300元):
    // one with an amount, a strong verb or the worker named, unless a conditional frames it (如有人
    //要求交押金500元请举报).
    // The warning is about this demand when a conditional frames the clause (凡, 如有), when the
    // demand is named as a thing (收取押金的 … 骗子 / 行为), or when a warning verb governs it (谨防收取押金).
    let end = qe.max(b);
    let nominal = (end + 1..=end + 3).any(|j| warning.de.contains(&j));
    let governed = toks[..qs.min(a)].iter().rev().find(|t| word(t) != Some(Kind::Filler)).is_some_and(|t| word(t) == Some(Kind::WarningVerb));
    let outcome = if warning.present && (warning.framed || nominal || governed) {
        Outcome::Cancelled
    } else if verb_demand && strong {
        Outcome::Contradiction
    } else if verb_demand {
        Outcome::Demand
    } else if strong {
        Outcome::Cancelled
    } else if amount && weak {
        Outcome::Contradiction
    } else if amount {
        Outcome::Demand
    } else if weak {
        Outcome::Cancelled
    } else {
        Outcome::Bare
    };
    (outcome, qs, qe, verb)
}

/// Finds fee words, deposits and payment demands in every clause of one field.
pub(crate) fn fees(cfg: &FeeRules, text: &Prepared, field: &str, out: &mut Vec<Finding>) {
    for (ci, &clause) in text.clauses.iter().enumerate() {
        let toks = tokenize(&cfg.dict, text, clause);
        // A short clause that is only a negation answers the one before: 押金？没有！
        let answered_no = text
            .clauses
            .get(ci + 1)
            .is_some_and(|&(s, e)| e - s <= 4 && tokenize(&cfg.dict, text, (s, e)).first().is_some_and(|t| t.kind == TokKind::Word(Kind::Neg)));
        let has = |k: Kind| toks.iter().any(|t| t.kind == TokKind::Word(k));
        let worker = has(Kind::WorkerTarget) || has(Kind::Verb(VerbClass::SelfPay));
        let (third, warned, employer, soften) =
            (has(Kind::ThirdParty), has(Kind::Warning) || has(Kind::WarningVerb), has(Kind::EmployerPays), has(Kind::Soften));
        let de: Vec<usize> = toks.iter().enumerate().filter(|(_, t)| t.kind == TokKind::Other && text.norm[t.start] == '的').map(|(k, _)| k).collect();
        let warning = Warning { present: warned, framed: has(Kind::Frame), de: &de };
        let mut used_verbs = HashSet::new();
        let mut hits: Vec<(Severity, usize, usize)> = Vec::new();

        let mut i = 0;
        while i < toks.len() {
            let Some(Kind::Fee { strict }) = word(&toks[i]) else {
                i += 1;
                continue;
            };
            // A list: fee words joined by 、和及 …
            let (mut b, mut strict) = (i, strict);
            let mut k = i + 1;
            while k < toks.len() {
                match word(&toks[k]) {
                    Some(Kind::Joiner) => k += 1,
                    Some(Kind::Fee { strict: s }) => {
                        strict |= s;
                        b = k;
                        k += 1;
                    }
                    _ => break,
                }
            }
            let (outcome, qs, qe, verb) = judge_list(cfg, &toks, i, b, warning);
            if let Some(v) = verb {
                used_verbs.insert(v);
            }
            let severity = match outcome {
                Outcome::Demand if strict => Some(if third { Severity::Review } else { Severity::Refuse }),
                Outcome::Demand => match (third, worker) {
                    (true, false) => None,
                    (true, true) => Some(Severity::Review),
                    (false, true) => Some(Severity::Refuse),
                    (false, false) => Some(Severity::Review),
                },
                Outcome::Contradiction if strict || worker => Some(Severity::Review),
                Outcome::Bare if strict && !answered_no => Some(Severity::Review),
                _ => None,
            };
            if let Some(s) = severity {
                let s = if soften { Severity::Review } else { s };
                hits.push((s, toks[qs.min(i)].start, toks[qe.max(b)].end));
            }
            i = b + 1;
        }

        // A demanding verb with an amount and no fee word: 入职需交300元, 押200元; a payment verb with
        // an amount in a clause about getting the work (入职时转账300元); buying goods in such a
        // clause (入职需购买公司工服), whatever the charge is called.
        let framed_warning = warning.present && warning.framed;
        let third_only = third && !worker;
        if !(third_only || framed_warning || employer) {
            for (k, t) in toks.iter().enumerate() {
                let Some(Kind::Verb(class @ (VerbClass::Strong | VerbClass::Deposit | VerbClass::Pay | VerbClass::Buy))) = word(t) else { continue };
                if used_verbs.contains(&k) || verb_state(&toks, k) != VerbState::Demand {
                    continue;
                }
                if class == VerbClass::Pay && !worker {
                    continue;
                }
                if third && class != VerbClass::Deposit {
                    continue;
                }
                let mut dist = 0;
                let mut end = None;
                for u in &toks[k + 1..] {
                    match u.kind {
                        TokKind::Amount(v) if v > 0.0 && class != VerbClass::Buy => {
                            end = Some(u.end);
                            break;
                        }
                        TokKind::Word(Kind::Goods) if class == VerbClass::Buy => {
                            end = Some(u.end);
                            break;
                        }
                        TokKind::Word(Kind::Filler | Kind::WorkerTarget) => {}
                        TokKind::Word(Kind::Fee { .. } | Kind::Verb(_) | Kind::Neg | Kind::Wage | Kind::EmployerPays) => break,
                        _ => {
                            dist += u.len();
                            if dist > if class == VerbClass::Buy { 4 } else { 2 } {
                                break;
                            }
                        }
                    }
                }
                let Some(end) = end else { continue };
                let severity = if (class == VerbClass::Deposit || worker) && !soften { Severity::Refuse } else { Severity::Review };
                hits.push((severity, t.start, end));
            }
        }

        for (severity, s, e) in hits {
            let q = text.quote(s, e);
            let (code, tpl) = match severity {
                Severity::Refuse => (CHARGE, &cfg.refuse),
                Severity::Review => (CHARGE_REVIEW, &cfg.review),
            };
            out.push(finding(code, severity, tpl.render(&q), Some(q), Some(field)));
        }
    }
}

// ------------------------------------------------------------------------------------------
// Phrase rules

#[derive(Debug, Clone)]
pub(crate) struct PhraseRule {
    pub code: String,
    pub severity: Severity,
    pub message: Template,
    pub patterns: Vec<Pattern>,
    pub unless_preceded_by: Vec<Vec<char>>,
    pub unless_followed_by: Vec<Vec<char>>,
    pub gap: usize,
    pub employment_types: Option<Vec<EmploymentType>>,
}

impl PhraseRule {
    fn excused(&self, text: &[char], (cs, ce): (usize, usize), s: usize, e: usize) -> bool {
        let before = self.unless_preceded_by.iter().any(|w| (0..=self.gap).any(|d| s >= cs + d && ends_with_at(text, cs, s - d, w)));
        let after = self.unless_followed_by.iter().any(|w| (0..=self.gap).any(|d| e + d <= ce && starts_with_at(text, e + d, ce, w)));
        before || after
    }
}

/// Every phrase pattern by the characters it can start with, so one pass over a clause tries only
/// the patterns that can match where it stands (linear in the text, whatever the number of rules).
#[derive(Debug, Clone, Default)]
pub(crate) struct PhraseIndex {
    by_first: HashMap<char, Vec<(usize, usize)>>,
    /// Patterns that start with a number.
    numeric: Vec<(usize, usize)>,
}

impl PhraseIndex {
    pub(crate) fn new(rules: &[PhraseRule]) -> PhraseIndex {
        let mut ix = PhraseIndex::default();
        for (r, rule) in rules.iter().enumerate() {
            for (k, p) in rule.patterns.iter().enumerate() {
                match p.first_chars() {
                    Some(cs) => {
                        for c in cs.into_iter().collect::<HashSet<_>>() {
                            ix.by_first.entry(c).or_default().push((r, k));
                        }
                    }
                    None => ix.numeric.push((r, k)),
                }
            }
        }
        ix
    }
}

pub(crate) fn phrases(
    rules: &[PhraseRule],
    index: &PhraseIndex,
    text: &Prepared,
    field: &str,
    employment_type: Option<EmploymentType>,
    out: &mut Vec<Finding>,
) {
    let applies: Vec<bool> =
        rules.iter().map(|r| r.employment_types.as_ref().is_none_or(|types| employment_type.is_some_and(|t| types.contains(&t)))).collect();
    let offsets: Vec<usize> = rules
        .iter()
        .scan(0, |acc, r| {
            let o = *acc;
            *acc += r.patterns.len();
            Some(o)
        })
        .collect();
    let total: usize = rules.iter().map(|r| r.patterns.len()).sum();
    let mut hits: Vec<(usize, usize, usize, usize)> = Vec::new();
    for &clause in &text.clauses {
        let (cs, ce) = clause;
        // Each pattern's matches do not overlap: where its last match ended.
        let mut free = vec![cs; total];
        for i in cs..ce {
            let c = text.norm[i];
            let numeric = !index.numeric.is_empty() && (c.is_ascii_digit() || super::text::number_at(&text.norm, i, ce).is_some());
            let candidates = index.by_first.get(&c).into_iter().flatten().chain(if numeric { index.numeric.iter() } else { [].iter() });
            for &(r, k) in candidates {
                let slot = offsets[r] + k;
                if !applies[r] || i < free[slot] {
                    continue;
                }
                let Some(j) = rules[r].patterns[k].match_at(&text.norm, i, ce) else { continue };
                free[slot] = j;
                if !rules[r].excused(&text.norm, clause, i, j) {
                    hits.push((r, k, i, j));
                }
            }
        }
    }
    // In rule order, as the rules file lists them.
    hits.sort_by_key(|&(r, k, i, _)| (r, k, i));
    for (r, _, s, e) in hits {
        let rule = &rules[r];
        let q = text.quote(s, e);
        out.push(finding(&rule.code, rule.severity, rule.message.render(&q), Some(q), Some(field)));
    }
}

// ------------------------------------------------------------------------------------------
// Age limits

#[derive(Debug, Clone)]
pub(crate) struct AgeRules {
    pub minimum_legal: u32,
    pub review_if_upper_below: u32,
    pub upper_after: Vec<Vec<char>>,
    pub lower_after: Vec<Vec<char>>,
    pub upper_before: Vec<Vec<char>>,
    pub lower_before: Vec<Vec<char>>,
    pub rejections: Vec<Vec<char>>,
    pub range_separators: Vec<Vec<char>>,
    /// Whose age it is when not the worker's: 3岁以下婴幼儿, 60岁以上老人.
    pub others: Vec<Vec<char>>,
}

pub(crate) fn age(cfg: &AgeRules, text: &Prepared, field: &str, out: &mut Vec<Finding>) {
    let t = &text.norm;
    for &(cs, ce) in &text.clauses {
        let rejected = (cs..ce).any(|i| cfg.rejections.iter().any(|w| starts_with_at(t, i, ce, w)));
        for p in (cs..ce).filter(|&i| t[i] == '岁') {
            let q = if p > cs && t[p - 1] == '周' { p - 1 } else { p };
            let Some((a, n1)) = number_ending_at(t, cs, q) else { continue };
            let after = p + 1;
            // 18-35岁, 18岁-35岁, 18至35周岁
            let mut range = None;
            for sep in &cfg.range_separators {
                if ends_with_at(t, cs, a, sep) {
                    let mut b = a - sep.len();
                    if b > cs && t[b - 1] == '岁' {
                        b -= 1;
                        if b > cs && t[b - 1] == '周' {
                            b -= 1;
                        }
                    }
                    if let Some((s0, n0)) = number_ending_at(t, cs, b) {
                        range = Some((s0, n0));
                        break;
                    }
                }
            }
            let (start, lower, upper, end) = if let Some((s0, n0)) = range {
                (s0, Some(n0), Some(n1), after)
            } else if let Some(w) = cfg.upper_after.iter().find(|w| starts_with_at(t, after, ce, w)) {
                let (l, u) = if rejected { (Some(n1), None) } else { (None, Some(n1)) };
                (a, l, u, after + w.len())
            } else if let Some(w) = cfg.lower_after.iter().find(|w| starts_with_at(t, after, ce, w)) {
                let (l, u) = if rejected { (None, Some(n1)) } else { (Some(n1), None) };
                (a, l, u, after + w.len())
            } else if let Some(w) = cfg.upper_before.iter().find(|w| ends_with_at(t, cs, a, w)) {
                let (l, u) = if rejected { (Some(n1), None) } else { (None, Some(n1)) };
                (a - w.len(), l, u, after)
            } else if let Some(w) = cfg.lower_before.iter().find(|w| ends_with_at(t, cs, a, w)) {
                let (l, u) = if rejected { (None, Some(n1)) } else { (Some(n1), None) };
                (a - w.len(), l, u, after)
            } else {
                continue;
            };
            // Someone else's age: 照顾3岁以下婴幼儿, 宝宝满3岁.
            let near = start.saturating_sub(5).max(cs)..(end + 5).min(ce);
            let others = near.clone().any(|i| cfg.others.iter().any(|w| starts_with_at(t, i, near.end, w)));
            if others || [lower, upper].iter().flatten().any(|&v| !(1.0..=120.0).contains(&v)) {
                continue;
            }
            let q = text.quote(start, end);
            let min = cfg.minimum_legal as f64;
            if lower.is_some_and(|l| l < min) || upper.is_some_and(|u| u < min) {
                out.push(finding(
                    "under_minimum_age",
                    Severity::Refuse,
                    Msg::new(
                        format!("禁止招用未满{}周岁的未成年人（劳动法第十五条）：“{q}”", cfg.minimum_legal),
                        format!("nobody under {} may be hired (Labour Law Art. 15): \"{q}\"", cfg.minimum_legal),
                    ),
                    Some(q),
                    Some(field),
                ));
            } else if let Some(u) = upper.filter(|&u| u < cfg.review_if_upper_below as f64) {
                out.push(finding(
                    "age_limit",
                    Severity::Review,
                    Msg::new(
                        format!("岗位设置了{u}岁的年龄上限，可能构成就业歧视，需审核人员确认是否确有必要：“{q}”"),
                        format!("the posting caps age at {u}, which may be discriminatory; a moderator will check it is really needed: \"{q}\""),
                    ),
                    Some(q),
                    Some(field),
                ));
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// Contact details

#[derive(Debug, Clone)]
pub(crate) struct ContactRules {
    pub code: String,
    pub severity: Severity,
    pub message: Template,
    pub mobile_prefixes: Vec<Vec<char>>,
    pub id_keywords: Vec<Vec<char>>,
    pub id_min_len: usize,
    pub id_separators: Vec<char>,
}

pub(crate) fn contact(cfg: &ContactRules, text: &Prepared, field: &str, out: &mut Vec<Finding>) {
    let t = &text.norm;
    let n = t.len();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    // Account ids after a keyword: 微信：abc123, VX zhang_88, QQ 12345678.
    let mut i = 0;
    while i < n {
        let Some(kw) = cfg.id_keywords.iter().find(|w| starts_with_at(t, i, n, w)) else {
            i += 1;
            continue;
        };
        if kw[0].is_ascii_alphanumeric() && i > 0 && t[i - 1].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let mut j = i + kw.len();
        let mut skipped = 0;
        while j < n && skipped < 3 && cfg.id_separators.contains(&t[j]) {
            j += 1;
            skipped += 1;
        }
        let id_start = j;
        while j < n && (t[j].is_ascii_alphanumeric() || t[j] == '_' || t[j] == '-') {
            j += 1;
        }
        if j - id_start >= cfg.id_min_len {
            spans.push((i, j));
            i = j;
        } else {
            i += 1;
        }
    }
    // Mobile numbers: 11 digits, maybe written 138-0000-0001 or +86 138 0000 0001.
    let mut i = 0;
    while i < n {
        if !t[i].is_ascii_digit() || (i > 0 && t[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut digits = Vec::new();
        while j < n && (t[j].is_ascii_digit() || (t[j] == '-' && j + 1 < n && t[j + 1].is_ascii_digit() && !digits.is_empty())) {
            if t[j].is_ascii_digit() {
                digits.push(t[j]);
            }
            j += 1;
        }
        let number = match digits.len() {
            11 => Some(&digits[..]),
            13 if digits.starts_with(&['8', '6']) => Some(&digits[2..]),
            _ => None,
        };
        let followed_by_letter = j < n && t[j].is_ascii_alphabetic();
        if let Some(d) = number
            && !followed_by_letter
            && cfg.mobile_prefixes.iter().any(|p| d.starts_with(p))
            && !spans.iter().any(|&(s, e)| s < j && i < e)
        {
            spans.push((i, j));
        }
        i = j.max(i + 1);
    }
    spans.sort();
    for (s, e) in spans {
        let q = text.quote(s, e);
        out.push(finding(&cfg.code, cfg.severity, cfg.message.render(&q), Some(q), Some(field)));
    }
}

// ------------------------------------------------------------------------------------------
// Part-time work (劳动合同法 Art. 68–72)

#[derive(Debug, Clone)]
pub(crate) struct PartTimeRules {
    pub max_daily_hours: f64,
    pub max_weekly_hours: f64,
    pub max_settlement_days: i64,
}

fn local(t: NaiveDateTime) -> NaiveDateTime {
    crate::domain::time::to_local(t)
}

/// Seconds worked on each local date, slots cut at local midnight.
pub(crate) fn seconds_by_local_day(slots: &[TimeSlot]) -> BTreeMap<NaiveDate, i64> {
    let mut days = BTreeMap::new();
    for s in slots {
        let (mut cur, end) = (local(s.start), local(s.end));
        while cur < end {
            let midnight = (cur.date() + Duration::days(1)).and_hms_opt(0, 0, 0).expect("midnight exists");
            let stop = end.min(midnight);
            *days.entry(cur.date()).or_insert(0) += (stop - cur).num_seconds();
            cur = stop;
        }
    }
    days
}

/// Seconds as hours without trailing zeros: 14400 → "4", 16200 → "4.5".
pub(crate) fn hours(secs: i64) -> String {
    let h = secs as f64 / 3600.0;
    let s = format!("{h:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn limit_secs(h: f64) -> i64 {
    (h * 3600.0).round() as i64
}

pub(crate) fn part_time(cfg: &PartTimeRules, p: &Posting, out: &mut Vec<Finding>) {
    if p.employment_type != Some(EmploymentType::PartTime) {
        return;
    }
    let days = seconds_by_local_day(p.slots);
    let daily = limit_secs(cfg.max_daily_hours);
    for (day, secs) in days.iter().filter(|(_, s)| **s > daily) {
        out.push(finding(
            "part_time_daily_hours",
            Severity::Refuse,
            Msg::new(
                format!("非全日制用工每日工作时间不得超过{}小时（劳动合同法第六十八条），{day} 安排了{}小时", hours(daily), hours(*secs)),
                format!("part-time work may not exceed {} hours a day (Labour Contract Law Art. 68); {day} has {} hours", hours(daily), hours(*secs)),
            ),
            Some(day.to_string()),
            Some("slots"),
        ));
    }
    let mut weeks: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for (day, secs) in &days {
        let monday = *day - Duration::days(day.weekday().num_days_from_monday() as i64);
        *weeks.entry(monday).or_insert(0) += secs;
    }
    let booked = if p.weekly_hours_with_employer.is_finite() { limit_secs(p.weekly_hours_with_employer.max(0.0)) } else { 0 };
    let weekly = limit_secs(cfg.max_weekly_hours);
    for (monday, secs) in weeks.iter().filter(|(_, s)| **s + booked > weekly) {
        let sunday = *monday + Duration::days(6);
        let (zh_booked, en_booked) = if booked > 0 {
            (format!("（另有该单位已安排的{}小时）", hours(booked)), format!(" (plus {} hours already booked with this employer)", hours(booked)))
        } else {
            (String::new(), String::new())
        };
        out.push(finding(
            "part_time_weekly_hours",
            Severity::Refuse,
            Msg::new(
                format!(
                    "非全日制用工每周工作时间累计不得超过{}小时（劳动合同法第六十八条），{monday} 至 {sunday} 这一周共{}小时{zh_booked}",
                    hours(weekly),
                    hours(secs + booked)
                ),
                format!(
                    "part-time work may not exceed {} hours a week with one employer (Labour Contract Law Art. 68); the week {monday} to {sunday} has {} hours{en_booked}",
                    hours(weekly),
                    hours(secs + booked)
                ),
            ),
            Some(format!("{monday}/{sunday}")),
            Some("slots"),
        ));
    }
    if p.settlement == Some(Settlement::OnCompletion) {
        let first = p.slots.iter().map(|s| s.start).min();
        let last = p.slots.iter().map(|s| s.end).max();
        if let (Some(first), Some(last)) = (first, last) {
            let span = last - first;
            if span > Duration::days(cfg.max_settlement_days) {
                out.push(finding(
                    "part_time_settlement",
                    Severity::Refuse,
                    Msg::new(
                        format!(
                            "非全日制用工劳动报酬结算支付周期最长不得超过{}日（劳动合同法第七十二条），本岗位跨度约{}天却在完工后才结算，请改为日结、周结或半月结",
                            cfg.max_settlement_days,
                            (span.num_hours() as f64 / 24.0).ceil()
                        ),
                        format!(
                            "part-time pay must be settled at least every {} days (Labour Contract Law Art. 72); this shift spans about {} days but pays only on completion; settle daily, weekly or biweekly",
                            cfg.max_settlement_days,
                            (span.num_hours() as f64 / 24.0).ceil()
                        ),
                    ),
                    None,
                    Some("settlement"),
                ));
            }
        }
    }
    if let Some(d) = p.probation_days.filter(|&d| d > 0) {
        out.push(finding(
            "part_time_probation",
            Severity::Refuse,
            Msg::new(
                format!("非全日制用工双方当事人不得约定试用期（劳动合同法第七十条），本岗位设置了{d}天试用期"),
                format!("part-time work may not have a probation period (Labour Contract Law Art. 70); this posting sets {d} days"),
            ),
            None,
            Some("probation_days"),
        ));
    }
}
