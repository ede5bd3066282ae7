//! Tests of the listing rules with real-world phrasings.

use super::*;
use crate::domain::time::parse_instant;
use crate::domain::{GeoPoint, PayUnit, TakeMode};

fn t(s: &str) -> NaiveDateTime {
    parse_instant(s).unwrap()
}

/// A slot in Beijing time: `slot("2026-12-01", "09:00", "13:00")`; an end at or before the start
/// is on the next day.
fn slot(day: &str, from: &str, to: &str) -> TimeSlot {
    let start = t(&format!("{day}T{from}:00+08:00"));
    let mut end = t(&format!("{day}T{to}:00+08:00"));
    if end <= start {
        end += chrono::Duration::days(1);
    }
    TimeSlot::new(start, end).unwrap()
}

fn four_hours() -> Vec<TimeSlot> {
    vec![slot("2026-12-01", "09:00", "13:00")]
}

const EMPLOYER: &str = "朝阳区某连锁超市，经营十年，门店二十家，已完成实名认证。";

/// A complete, lawful posting in 北京朝阳 paying 30 元 an hour.
fn base(slots: &[TimeSlot]) -> Posting<'_> {
    Posting {
        title: "超市理货员",
        description: "负责商品上架、补货和整理货架，每天工作4小时。",
        requirements: "身体健康，做事认真。",
        employer_description: EMPLOYER,
        employer_name: "北京朝阳某连锁超市有限公司",
        headcount: Some(3),
        address: "北京市朝阳区建国路88号",
        adcode: Some("110105000000"),
        slots,
        pay: Some(Pay { amount_fen: 3000, unit: PayUnit::Hour }),
        settlement: Some(Settlement::Daily),
        employment_type: Some(EmploymentType::Gig),
        valid_through: Some(t("2026-12-31T23:59:59+08:00")),
        probation_days: None,
        weekly_hours_with_employer: 0.0,
        minutes_per_piece: None,
    }
}

fn rules() -> &'static Rules {
    Rules::shared()
}

fn codes(f: &[Finding]) -> Vec<&str> {
    f.iter().map(|f| f.code.as_str()).collect()
}

fn with_description(desc: &str) -> Vec<Finding> {
    let slots = four_hours();
    let p = Posting { description: desc, ..base(&slots) };
    rules().check(&p)
}

fn decision_for(desc: &str) -> (Decision, Vec<Finding>) {
    let f = with_description(desc);
    (decide(&f, true), f)
}

fn has(f: &[Finding], code: &str) -> bool {
    f.iter().any(|x| x.code == code)
}

// ------------------------------------------------------------------------------------------
// Charges to workers: the corpus

const SCAMS: &[&str] = &[
    "招聘超市理货员，押金200元，工资日结。",
    "入职先交300元服装费，包吃住。",
    "需缴纳体检费120元（到指定医院）。",
    "提供岗前培训，培训费1980元可分期。",
    "岗位稳定金500元满三个月退还。",
    "报名后需交资料审核费50元，审核通过即可上岗。",
    "本公司收取中介费，保证介绍到工作。",
    "身份证原件押在公司，离职时归还。",
    "报名需交100元报名费。",
    "工牌费20元自理。",
    "体检费自理，入职前须完成体检。",
    "上岗前须交保证金1000元。",
    "入职需交押金，离职时退还。",
    "工服费用80元从工资中扣除。",
    "先交岗位预留金300元，保证给你留岗位。",
    "签约前需先交保密费200元。",
    "办卡费50元，工资卡由公司统一办理。",
    "应聘者须缴纳就业服务费800元。",
    "面试通过后交介绍费300元即可安排。",
    "押一个月工资，干满三个月返还。",
    "入职押200元，离职退。",
    "入职需交定金500元。",
    "收取资料登记费30元。",
    "公司统一扣押身份证原件，方便管理。",
    "报名费：50元。",
    "交200元押金即可上岗。",
    "服装费、体检费共计260元，由个人承担。",
    "入职需自费购买工装，工装费150元。",
    "缴纳风险金500元后安排工作。",
    "需交纳会员费99元成为平台会员才能接单。",
    "押金300，工资日结。",
    "需缴纳 ￥300 服装费。",
    "入职后统一收取工服费60元。",
    "体检需到公司指定医院，体检费用150元自付。",
    "培训费三百元，培训结束后上岗。",
    "押金 200 元，干满一个月退还。",
    "上岗前需办理工作证，工本费及押金共100元。",
    "新员工需缴纳岗位稳定金，满半年全额返还。",
    "所有人员入职先交200元，离职时退还。",
    "入职体检费用自理。",
    "上岗前需交纳200元押金，工作满一个月后退还。",
    "本厂招普工，需交服装押金100元。",
    "先交钱后上班，体检费80元。",
    "报名时请携带200元报名费。",
    "需要交一个月的押金。",
    "需交纳培训费用2000元，包分配工作。",
    "录用后请将身份证原件交给人事部保管。",
    "需将身份证交由公司保管。",
    "入职时扣留身份证，离职时归还。",
    "每人需交300元保证金。",
    "应聘成功后需支付中介服务费500元。",
    "需先付体检费，入职后报销一半。",
    "预付押金500元。",
    "入职收取200元管理费。",
    "工资卡办理费30元由员工承担。",
    "缴纳岗位保证金后即可安排工作。",
    "上岗需交工装费80元，押金100元。",
    "本公司收取少量押金，离职退还。",
    "押金为200元。",
    "押金二百元。",
    "押金贰佰元，干满一个月退。",
    "押金两百，工作满月退。",
    "入职费300元。",
    "兼职打字员，先交198元会员费。",
    "入职交100块押金。",
    "培训合格后上岗，培训期间收取伙食费和培训费共800元。",
    "工资押10天，月底结清。",
    "工资日结，每日200元，押三天工资。",
    "需缴纳50元工本费办理工作证。",
    "学徒期间需交学费3000元。",
    "有意者带上押金200元到公司面试。",
    "押金200（离职退）。",
    "先交钱再安排工作。",
    "体检到指定医院，费用自理约150元。",
];

/// Scams the rules send to a moderator rather than refuse outright: the wording leaves room for
/// an honest reading, or no fee word is named.
const REVIEWED_SCAMS: &[&str] = &[
    "入职需购买工作服，费用150元。",
    "健康证办理费用自理。",
    "交500元可以保证上岗。",
    "前期需投入500元购买工具。",
    "需交保险费50元。",
    "缴纳1000元后可以做兼职。",
    "刷单返利，需先垫付本金。",
    "先垫付500元货款，返还本金加佣金。",
];

/// Known misses, kept so a change that catches them shows up: a purchase of work clothes stated
/// as a price in the next clause.
const MISSED_SCAMS: &[&str] = &["工作服需员工自行购买，价格120元/套。"];

const HONEST: &[&str] = &[
    "本公司不收取任何费用，工资日结。",
    "无需押金，包吃住。",
    "免费培训，培训合格后上岗。",
    "入职需体检，公司承担体检费。",
    "体检费公司报销。",
    "包工服，工服免费发放。",
    "无任何费用，绝不收费。",
    "不交任何费用，工资日结。",
    "为客户提供上门保洁服务，费用由客户支付给公司。",
    "免押金，当天结算工资。",
    "不收押金，不扣押证件。",
    "平台不向求职者收取任何费用，如遇收费请拨打12333举报。",
    "工作服由公司免费提供。",
    "男女不限，18-60岁，身体健康。",
    "培训费用由公司全额承担。",
    "凡是要求交押金的都是骗子，请勿相信。",
    "包吃住，工资日结，不压工资。",
    "负责超市收银、理货，交接班认真。",
    "入职前需体检，体检费用公司报销。",
    "零押金，零中介费。",
    "不收报名费、服装费、体检费。",
    "提供岗前培训，不收培训费。",
    "无试用期，干一天结一天。",
    "招聘押运员，负责银行现金押运。",
    "工资每两周结算一次，按时足额发放。",
    "我们是人社部门主办的零工市场，免费发布，免费求职。",
    "提供免费住宿，水电费自理。",
    "交通补贴每天20元。",
    "照顾3岁以下婴幼儿，有育婴员证优先。",
    "年满16周岁，吃苦耐劳。",
    "押金全免，服装费全免。",
    "如需办理健康证，费用公司承担。",
    "收入稳定，多劳多得，工资日结。",
    "不收取中介费，无需缴纳任何押金。",
    "体检费可凭发票全额报销。",
    "上门保洁服务费由客户线上支付，保洁员不承担任何费用。",
    "工资按小时计算，每天下班前交接工作。",
    "负责收取快递包裹并分拣，工作认真负责。",
    "本岗位不需要交任何押金和报名费，欢迎报名。",
    "餐饮帮厨，负责洗菜切配，提供工作餐，工资周结。",
    "本岗位无任何收费，工资当天结清。",
    "全程免费，不收取求职者任何费用。",
    "公司提供免费工作服和午餐。",
    "入职不收取任何押金、保证金。",
    "本公司承诺不收取任何费用，如有人收费请举报。",
    "需自备健康证，持有效健康证上岗。",
    "提供住宿，住宿费每月200元从工资扣。",
    "体检由公司统一安排，费用公司出。",
    "不需要交押金，不需要交任何费用。",
    "无押金无中介费。",
    "所有费用公司承担。",
    "岗前培训免费，工作餐免费提供。",
    "提供免费班车，工资月结，不拖欠。",
    "负责收取顾客餐费并找零。",
    "负责物业费收缴工作。",
    "负责停车场收费，文明礼貌。",
    "帮助客户办理会员卡。",
    "负责向业主收取服务费并开具发票。",
    "配送员需自备电动车，公司提供保险。",
    "小时工，按小时结算，每小时30元。",
    "健康证费用可报销。",
    "公司为员工缴纳意外险。",
    "面试通过后当天上岗，无需任何费用。",
    "不收取报名费，也不收取服装费。",
    "押金？没有！",
    "无需缴纳任何费用，不扣押任何证件。",
    "服装费由公司承担。",
    "工服押金全免。",
    "公司不收押金，请放心报名。",
    "报名完全免费，不需要交培训费。",
    "保洁阿姨，负责家庭日常保洁，工具由客户提供。",
    "家政服务，费用由雇主直接支付，平台不抽成。",
    "每天支付工资200元，当天结清。",
    "健康证工本费公司承担。",
    "日结200元，当天支付，不押工资。",
    "绝不以任何名义收取押金。",
    "任何收取费用的行为都是诈骗。",
    "本公司从不收取员工任何费用。",
    "如需体检，体检费由公司支付。",
    "定期组织免费体检，有厨师证者优先。",
    "身份证请自行妥善保管。",
    "千万不要交押金，谨防上当。",
    "不用交钱，直接上岗。",
    "严禁刷单，发现即举报。",
];

#[test]
fn scams_are_refused_or_reviewed_and_honest_postings_publish() {
    assert!(SCAMS.len() >= 25 && HONEST.len() >= 25);
    let all: Vec<&str> = SCAMS.iter().chain(REVIEWED_SCAMS).chain(MISSED_SCAMS).copied().collect();
    let mut caught = 0;
    let mut refused = 0;
    let mut missed = Vec::new();
    for s in &all {
        let (d, f) = decision_for(s);
        match d {
            Decision::Refuse => {
                caught += 1;
                refused += 1;
            }
            Decision::Review => caught += 1,
            Decision::Publish => missed.push((*s, f)),
        }
    }
    let mut honest_refused = 0;
    let mut not_published = Vec::new();
    for s in HONEST {
        let (d, f) = decision_for(s);
        if d == Decision::Refuse {
            honest_refused += 1;
        }
        if d != Decision::Publish {
            not_published.push((*s, d, f));
        }
    }
    let scam_rate = caught as f64 / all.len() as f64;
    let scam_refuse_rate = refused as f64 / all.len() as f64;
    let honest_refuse_rate = honest_refused as f64 / HONEST.len() as f64;
    eprintln!(
        "listing corpus: {} scams, {:.1}% refused or reviewed ({:.1}% refused); {} honest, {:.1}% refused, {} not published",
        all.len(),
        scam_rate * 100.0,
        scam_refuse_rate * 100.0,
        HONEST.len(),
        honest_refuse_rate * 100.0,
        not_published.len()
    );
    assert!(scam_rate >= 0.95, "scams missed: {missed:#?}");
    assert!(honest_refuse_rate <= 0.02, "honest refused: {not_published:#?}");
    assert!(not_published.is_empty(), "honest postings not published: {not_published:#?}");
    let missed: Vec<&str> = missed.iter().map(|m| m.0).collect();
    assert_eq!(missed, MISSED_SCAMS, "the known misses changed");
    // Reviewed at least; the generalised demand rule refuses some of them now (入职需购买工作服).
    for s in REVIEWED_SCAMS {
        assert_ne!(decision_for(s).0, Decision::Publish, "{s}");
    }
}

#[test]
fn every_scam_is_refused_with_a_quote() {
    // Stricter than the rate: these clear-cut scams are refused, not merely reviewed.
    for s in SCAMS {
        let f = with_description(s);
        let refusal = f.iter().find(|f| f.severity == Severity::Refuse);
        let r = refusal.unwrap_or_else(|| panic!("not refused: {s}: {f:#?}"));
        let q = r.matched.as_deref().unwrap_or("");
        assert!(!q.is_empty() && s.contains(q), "{s}: quote {q:?}");
        assert!(r.message.zh.contains(q) && r.message.en.contains(q));
        assert_eq!(r.field.as_deref(), Some("description"));
    }
}

#[test]
fn fee_findings_quote_the_phrase() {
    let f = with_description("招聘理货员，入职先交300元服装费，包吃住。");
    assert_eq!(codes(&f), vec!["worker_charge"]);
    assert_eq!(f[0].matched.as_deref(), Some("先交300元服装费"));
    assert!(f[0].message.zh.contains("劳动合同法第九条"));
    assert!(f[0].message.en.contains("Art. 9"));

    let f = with_description("需缴纳体检费120元（到指定医院）");
    assert_eq!(f[0].matched.as_deref(), Some("需缴纳体检费120元"));
    let f = with_description("身份证原件押在公司");
    assert_eq!(codes(&f), vec!["id_document_withheld"]);
    assert_eq!(f[0].matched.as_deref(), Some("身份证原件押"));
    let f = with_description("报名需交 100 元报名费");
    assert_eq!(f[0].matched.as_deref(), Some("需交 100 元报名费"));
}

#[test]
fn borderline_fee_mentions_are_reviewed_not_refused() {
    for s in ["每单收取服务费5元。", "负责收取租客押金并登记。", "押金200元免费住宿。", "需交300元。", "平台抽成服务费10%。", "押金问题请咨询店长。"]
    {
        let (d, f) = decision_for(s);
        assert_eq!(d, Decision::Review, "{s}: {f:#?}");
        assert!(has(&f, "fee_mention_review"), "{s}: {f:#?}");
    }
    // A customer paying the company is not a charge to the worker.
    for s in ["为客户提供保洁服务，费用由客户支付给公司。", "护工费由患者家属支付。", "服务费由顾客支付。"] {
        assert_eq!(decision_for(s).0, Decision::Publish, "{s}");
    }
}

#[test]
fn negation_only_covers_its_own_clause() {
    let (d, f) = decision_for("不收中介费，只需交服装费200元。");
    assert_eq!(d, Decision::Refuse, "{f:#?}");
    let (d, f) = decision_for("不收中介费只需交服装费200元");
    assert_eq!(d, Decision::Refuse, "{f:#?}");
    assert_eq!(f[0].matched.as_deref(), Some("需交服装费200元"));
    let (d, _) = decision_for("男女不限需交押金200元");
    assert_eq!(d, Decision::Refuse);
    let (d, _) = decision_for("无需经验押金200元");
    assert_eq!(d, Decision::Refuse);
    let (d, _) = decision_for("免费培训后需交培训费1980元");
    assert_eq!(d, Decision::Refuse);
    let (d, _) = decision_for("免费住宿押金200元");
    assert_eq!(d, Decision::Refuse);
    let (d, _) = decision_for("押金不退");
    assert_eq!(d, Decision::Refuse);
    assert_eq!(decision_for("押金：无").0, Decision::Publish);
    assert_eq!(decision_for("押金0元").0, Decision::Publish);
    assert_eq!(decision_for("押金一律不收").0, Decision::Publish);
    assert_eq!(decision_for("公司不会向员工收取任何押金").0, Decision::Publish);
    assert_eq!(decision_for("ＶＸ支付宝工资日结，无押金").0, Decision::Publish);
}

#[test]
fn all_text_fields_are_read() {
    let slots = four_hours();
    let p = Posting { title: "急招理货员押金200元", ..base(&slots) };
    let f = rules().check(&p);
    assert_eq!(f[0].field.as_deref(), Some("title"));
    let p = Posting { requirements: "报名需交报名费50元", ..base(&slots) };
    assert_eq!(rules().check(&p)[0].field.as_deref(), Some("requirements"));
    let p = Posting { employer_description: "本公司是正规企业，入职先交保证金500元。", ..base(&slots) };
    assert_eq!(rules().check(&p)[0].field.as_deref(), Some("employer_description"));
}

// ------------------------------------------------------------------------------------------
// Required content

#[test]
fn required_fields_are_named() {
    let slots = four_hours();
    let p = Posting { slots: &slots, ..Posting::default() };
    let f = rules().check(&p);
    let mut fields: Vec<&str> = f.iter().filter(|f| f.code == "missing_required").filter_map(|f| f.field.as_deref()).collect();
    fields.sort();
    assert_eq!(fields, vec!["address", "description", "employer_description", "headcount", "pay", "requirements", "valid_through"]);
    assert!(f.iter().all(|f| f.severity == Severity::Refuse));
    assert!(f[0].message.zh.starts_with("岗位信息必须写明"));

    let p = Posting { employer_description: "  \n ", ..base(&slots) };
    let f = rules().check(&p);
    assert_eq!(codes(&f), vec!["missing_required"]);
    assert_eq!(f[0].field.as_deref(), Some("employer_description"));
    assert!(f[0].message.zh.contains("用人单位基本情况"));
    let p = Posting { headcount: Some(0), ..base(&slots) };
    assert_eq!(rules().check(&p)[0].field.as_deref(), Some("headcount"));
    let p = Posting { pay: None, valid_through: None, ..base(&slots) };
    assert_eq!(rules().check(&p).len(), 2);
    assert!(rules().check(&base(&slots)).is_empty());
}

// ------------------------------------------------------------------------------------------
// Wage floors

fn wage(adcode: Option<&str>, amount_fen: i64, unit: PayUnit, slots: &[TimeSlot]) -> Vec<Finding> {
    let p = Posting { adcode, pay: Some(Pay { amount_fen, unit }), ..base(slots) };
    rules().check(&p).into_iter().filter(|f| f.field.as_deref() == Some("pay")).collect()
}

fn below(adcode: &str, fen: i64) -> bool {
    let f = wage(Some(adcode), fen, PayUnit::Hour, &four_hours());
    f.iter().any(|f| f.code == "below_minimum_wage" && f.severity == Severity::Refuse)
}

#[test]
fn wage_floor_below_at_and_above() {
    // (district, floor in fen)
    let cases = [
        ("110105000000", 2640), // 北京 朝阳
        ("310115000000", 2500), // 上海 浦东
        ("440305000000", 2370), // 深圳 南山 (own standard)
        ("440106000000", 2370), // 广州 天河 (tier 1)
        ("440604000000", 1980), // 佛山 禅城 (tier 2)
        ("441402000000", 1740), // 梅州 梅江 (tier 4)
        ("445202000000", 1740), // 揭阳 榕城: not listed, 广东 default (lowest tier)
        ("330106000000", 2400), // 杭州 西湖 (tier 1)
        ("331102000000", 2000), // 丽水 莲都 (tier 3)
        ("420111000000", 2400), // 武汉 洪山 (tier 1)
        ("420502000000", 2150), // 宜昌 (tier 2)
        ("421002000000", 2000), // 荆州: 湖北 default (lowest tier)
        ("500103000000", 2300), // 重庆 渝中 (county entry, tier 1)
        ("500233000000", 2200), // 重庆 忠县: default tier 2
        ("140105000000", 2320), // 太原 小店
        ("610113000000", 2100), // 西安 雁塔
        ("620102000000", 2100), // 兰州 城关
        ("620702000000", 1950), // 张掖: 甘肃 default
    ];
    for (code, floor) in cases {
        assert_eq!(rules().wage_floor(code).map(|w| w.hourly_fen), Some(floor), "{code}");
        assert!(below(code, floor - 1), "{code} below");
        assert!(!below(code, floor), "{code} at");
        assert!(!below(code, floor + 100), "{code} above");
    }
    // The same pay passes in 广东's default areas and fails in 深圳; passes in 丽水, fails in 杭州.
    assert!(below("440305000000", 2000) && !below("445202000000", 2000));
    assert!(below("330106000000", 2200) && !below("331102000000", 2200));
}

#[test]
fn wage_floor_message_states_both_figures() {
    let f = wage(Some("440305000000"), 2300, PayUnit::Hour, &four_hours());
    assert_eq!(codes(&f), vec!["below_minimum_wage"]);
    let m = &f[0].message;
    assert!(m.zh.contains("23元") && m.zh.contains("23.7元") && m.zh.contains("广东 深圳"), "{}", m.zh);
    assert!(m.en.contains("23 yuan") && m.en.contains("23.7 yuan"), "{}", m.en);
    assert_eq!(f[0].matched.as_deref(), Some("23元/小时"));
    let w = rules().wage_floor("440305").unwrap();
    assert_eq!((w.area.as_str(), w.area_code.as_str(), w.tier), ("广东 深圳", "4403", None));
    assert!(!w.source.is_empty() && w.effective.len() == 10);
    assert_eq!(rules().wage_floor("330106000000").unwrap().tier, Some(1));
}

#[test]
fn day_and_shift_pay_are_divided_by_the_hours() {
    let eight = vec![slot("2026-12-01", "09:00", "17:00")];
    // 北京 26.4: 200 元 for 8 h is 25 元/h; 220 元 is 27.5 元/h.
    let f = wage(Some("110105000000"), 20000, PayUnit::Day, &eight);
    assert_eq!(codes(&f), vec!["below_minimum_wage"]);
    assert!(f[0].message.zh.contains("25元") && f[0].message.zh.contains("26.4元"), "{}", f[0].message.zh);
    assert!(wage(Some("110105000000"), 22000, PayUnit::Day, &eight).is_empty());
    // A split day: two 4-hour slots on one local day share the day's pay.
    let split = vec![slot("2026-12-01", "07:00", "11:00"), slot("2026-12-01", "16:00", "20:00")];
    assert_eq!(codes(&wage(Some("110105000000"), 20000, PayUnit::Day, &split)), vec!["below_minimum_wage"]);
    // Per shift: 100 元 for 4 h is 25 元/h; the worst shift counts.
    let shifts = vec![slot("2026-12-01", "09:00", "12:00"), slot("2026-12-02", "09:00", "13:00")];
    assert_eq!(codes(&wage(Some("110105000000"), 10000, PayUnit::Shift, &shifts)), vec!["below_minimum_wage"]);
    assert!(wage(Some("110105000000"), 11000, PayUnit::Shift, &shifts).is_empty());
}

#[test]
fn unchecked_cases_go_to_review() {
    // 湖南 has no entry: the pay cannot be checked, so a moderator looks at it.
    assert!(rules().wage_floor("430102000000").is_none());
    let f = wage(Some("430102000000"), 100, PayUnit::Hour, &four_hours());
    assert!(f.is_empty(), "{f:#?}");
    let slots = four_hours();
    for adcode in [Some("430102000000"), None, Some("garbage")] {
        let f = rules().check(&Posting { adcode, ..base(&slots) });
        assert_eq!(codes(&f), vec!["wage_floor_unknown"], "{adcode:?}");
        assert_eq!(f[0].severity, Severity::Review);
    }
    // Piece rates without hours per piece: reviewed.
    assert_eq!(codes(&wage(Some("110105000000"), 50, PayUnit::Piece, &four_hours())), vec!["piece_rate_unverifiable"]);
    assert!(rules().wage_floor("garbage").is_none());
}

#[test]
fn piece_rates_can_be_sent_to_review() {
    let toml = BUILTIN_RULES_TOML.replace("piece_rate = \"ignore\"", "piece_rate = \"review\"");
    let r = Rules::from_toml(&toml, "rules", BUILTIN_WAGE_FLOORS_TOML, "floors").unwrap();
    let slots = four_hours();
    let p = Posting { pay: Some(Pay { amount_fen: 50, unit: PayUnit::Piece }), ..base(&slots) };
    let f = r.check(&p);
    assert_eq!(codes(&f), vec!["piece_rate_unverifiable"]);
    assert_eq!(f[0].severity, Severity::Review);
    assert_eq!(decide(&f, true), Decision::Review);
}

// ------------------------------------------------------------------------------------------
// Part-time

fn part_time(slots: &[TimeSlot]) -> Posting<'_> {
    Posting { employment_type: Some(EmploymentType::PartTime), ..base(slots) }
}

#[test]
fn part_time_daily_limit_in_local_time() {
    let five = vec![slot("2026-12-01", "09:00", "14:00")];
    let f = rules().check(&part_time(&five));
    assert_eq!(codes(&f), vec!["part_time_daily_hours"]);
    assert_eq!(f[0].matched.as_deref(), Some("2026-12-01"));
    assert!(f[0].message.zh.contains("4小时") && f[0].message.zh.contains("5小时"));
    assert!(rules().check(&part_time(&four_hours())).is_empty());
    // Two slots of 2.5 h on one day add up.
    let two = vec![slot("2026-12-01", "08:00", "10:30"), slot("2026-12-01", "18:00", "20:30")];
    assert_eq!(codes(&rules().check(&part_time(&two))), vec!["part_time_daily_hours"]);
    // 22:00–02:00 is 2 h on each local day. In UTC it is 14:00–18:00, one day: counting by UTC
    // dates would give the same total, so also check 06:00–10:00 local (22:00–02:00 UTC) + 2 h.
    let night = vec![slot("2026-12-01", "22:00", "02:00")];
    assert!(rules().check(&part_time(&night)).is_empty());
    let morning = vec![slot("2026-12-01", "06:00", "10:00"), slot("2026-11-30", "20:00", "22:00")];
    // Local: 11-30 has 2 h, 12-01 has 4 h. UTC: 11-30 has 12:00–14:00 + 22:00–24:00 = 4 h, 12-01 has 2 h.
    assert!(rules().check(&part_time(&morning)).is_empty());
    let morning_more = vec![slot("2026-12-01", "05:00", "09:30")];
    // 4.5 h on one local day, split 21:00–24:00 / 00:00–01:30 in UTC.
    assert_eq!(codes(&rules().check(&part_time(&morning_more))), vec!["part_time_daily_hours"]);
    // Not part-time: 8 hours a day is fine.
    let eight = vec![slot("2026-12-01", "09:00", "17:00")];
    assert!(rules().check(&base(&eight)).is_empty());
}

#[test]
fn part_time_weekly_limit_in_local_weeks() {
    // 2026-11-30 is a Monday.
    let days = |from: u32, n: u32| -> Vec<TimeSlot> { (0..n).map(|i| slot(&format!("2026-12-{:02}", from + i), "09:00", "13:00")).collect() };
    let mut six: Vec<TimeSlot> = vec![slot("2026-11-30", "09:00", "13:00")];
    six.extend(days(1, 5)); // Mon–Sat: 24 h
    assert!(rules().check(&part_time(&six)).is_empty());
    let mut seven = six.clone();
    seven.push(slot("2026-12-06", "09:00", "13:00")); // + Sunday: 28 h
    let f = rules().check(&part_time(&seven));
    assert_eq!(codes(&f), vec!["part_time_weekly_hours"]);
    assert_eq!(f[0].matched.as_deref(), Some("2026-11-30/2026-12-06"));
    assert!(f[0].message.zh.contains("24小时") && f[0].message.zh.contains("28小时"));

    // Seven days in a row across a Sunday/Monday boundary: Thu–Sun (16 h) and Mon–Wed (12 h).
    let across = days(3, 7);
    assert!(rules().check(&part_time(&across)).is_empty());

    // Mon–Sat of one week (24 h) plus 02:00–06:00 local on the next Monday, which is Sunday
    // 18:00–22:00 UTC: counting weeks in UTC would put 28 h in the first week.
    let mut boundary = six.clone();
    boundary.push(slot("2026-12-07", "02:00", "06:00"));
    assert!(rules().check(&part_time(&boundary)).is_empty(), "{:#?}", rules().check(&part_time(&boundary)));
    // The converse: Sunday 20:00–24:00 local is Sunday UTC too, and Sunday 06:00–08:00 local is
    // Saturday 22:00–24:00 UTC; both are the first local week.
    let mut sunday = six.clone();
    sunday.push(slot("2026-12-06", "06:00", "08:00"));
    assert_eq!(codes(&rules().check(&part_time(&sunday))), vec!["part_time_weekly_hours"]);
}

#[test]
fn part_time_hours_already_booked_count() {
    // 5 days × 4 h = 20 h.
    let five: Vec<TimeSlot> = ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"].iter().map(|d| slot(d, "09:00", "13:00")).collect();
    let p = Posting { weekly_hours_with_employer: 4.0, ..part_time(&five) };
    assert!(rules().check(&p).is_empty());
    let p = Posting { weekly_hours_with_employer: 5.0, ..part_time(&five) };
    let f = rules().check(&p);
    assert_eq!(codes(&f), vec!["part_time_weekly_hours"]);
    assert!(f[0].message.zh.contains("25小时") && f[0].message.zh.contains("5小时"), "{}", f[0].message.zh);
    // Nonsense values are ignored rather than trusted.
    let p = Posting { weekly_hours_with_employer: f64::NAN, ..part_time(&five) };
    assert!(rules().check(&p).is_empty());
}

#[test]
fn part_time_settlement_at_least_every_15_days() {
    let spread = vec![slot("2026-12-01", "09:00", "13:00"), slot("2026-12-20", "09:00", "13:00")];
    let p = Posting { settlement: Some(Settlement::OnCompletion), ..part_time(&spread) };
    let f = rules().check(&p);
    assert_eq!(codes(&f), vec!["part_time_settlement"]);
    assert_eq!(f[0].field.as_deref(), Some("settlement"));
    for s in [Settlement::Daily, Settlement::Weekly, Settlement::Biweekly] {
        let p = Posting { settlement: Some(s), ..part_time(&spread) };
        assert!(rules().check(&p).is_empty());
    }
    let short = vec![slot("2026-12-01", "09:00", "13:00"), slot("2026-12-10", "09:00", "13:00")];
    let p = Posting { settlement: Some(Settlement::OnCompletion), ..part_time(&short) };
    assert!(rules().check(&p).is_empty());
    // Exactly 15 days from first start to last end is allowed; a minute more is not.
    let edge = vec![slot("2026-12-01", "09:00", "13:00"), slot("2026-12-16", "05:00", "09:00")];
    let p = Posting { settlement: Some(Settlement::OnCompletion), ..part_time(&edge) };
    assert!(rules().check(&p).is_empty());
    let over = vec![slot("2026-12-01", "09:00", "13:00"), slot("2026-12-16", "05:01", "09:01")];
    let p = Posting { settlement: Some(Settlement::OnCompletion), ..part_time(&over) };
    assert_eq!(codes(&rules().check(&p)), vec!["part_time_settlement"]);
    // Gig work is not held to Art. 72's period.
    let p = Posting { settlement: Some(Settlement::OnCompletion), ..base(&spread) };
    assert!(rules().check(&p).is_empty());
}

#[test]
fn part_time_has_no_probation() {
    let slots = four_hours();
    let p = Posting { probation_days: Some(7), ..part_time(&slots) };
    let f = rules().check(&p);
    assert_eq!(codes(&f), vec!["part_time_probation"]);
    assert_eq!(f[0].field.as_deref(), Some("probation_days"));
    let p = Posting { probation_days: Some(0), ..part_time(&slots) };
    assert!(rules().check(&p).is_empty());
    for text in ["试用期3天，表现好转正。", "试用期间工资按八折发放。"] {
        let p = Posting { description: text, ..part_time(&slots) };
        let f = rules().check(&p);
        assert_eq!(codes(&f), vec!["part_time_probation"], "{text}");
        assert_eq!(f[0].matched.as_deref(), Some("试用期"));
    }
    for text in ["无试用期，干一天结一天。", "没有试用期。", "试用期：无。", "不设试用期。"] {
        let p = Posting { description: text, ..part_time(&slots) };
        assert!(rules().check(&p).is_empty(), "{text}");
    }
    // Probation is not a finding for gig postings (other law applies).
    let p = Posting { description: "试用期3天。", probation_days: Some(3), ..base(&slots) };
    assert!(rules().check(&p).is_empty());
}

// ------------------------------------------------------------------------------------------
// Soft rules

fn review_code(text: &str) -> Vec<String> {
    let (d, f) = decision_for(text);
    if !f.is_empty() {
        assert!(d != Decision::Publish);
    }
    f.into_iter().map(|f| f.code).collect()
}

#[test]
fn discriminatory_conditions_are_reviewed() {
    for (text, code) in [
        ("限男性，需搬运重物。", "sex_discrimination"),
        ("只招女，性格温和。", "sex_discrimination"),
        ("仅限男。", "sex_discrimination"),
        ("男性优先。", "sex_discrimination"),
        ("女士优先考虑。", "sex_discrimination"),
        ("照顾婴幼儿，女士为佳。", "sex_discrimination"),
        ("仓库装卸工，需力气大，男性优先。", "sex_discrimination"),
        ("限汉族。", "ethnic_discrimination"),
        ("少数民族勿扰。", "ethnic_discrimination"),
        ("限本地户口。", "region_discrimination"),
        ("仅限河南籍。", "region_discrimination"),
        ("外地人勿扰。", "region_discrimination"),
        ("河南人不要。", "region_discrimination"),
        ("本地人优先。", "region_discrimination"),
        ("限35岁以下。", "age_limit"),
        ("年龄35岁以下。", "age_limit"),
        ("18-35岁，身体健康。", "age_limit"),
        ("年龄18至三十五周岁。", "age_limit"),
        ("45岁以上勿扰。", "age_limit"),
        ("高薪诚聘理货员。", "hype"),
        ("保录取，包录用。", "hype"),
        ("日赚千元不是梦。", "hype"),
        ("月入过万，轻松赚钱。", "hype"),
        ("在家躺赚。", "hype"),
    ] {
        let c = review_code(text);
        assert!(c.iter().any(|c| c == code), "{text}: {c:?}");
        let f = with_description(text);
        assert!(f.iter().all(|f| f.severity == Severity::Review), "{text}: {f:#?}");
        assert!(f.iter().all(|f| f.matched.as_deref().is_some_and(|m| text.contains(m))), "{text}: {f:#?}");
    }
    for text in [
        "男女不限。",
        "不限男女。",
        "性别不限，户籍不限。",
        "不限户口。",
        "18-60岁，身体健康。",
        "16周岁以上。",
        "年满18周岁。",
        "男60岁以下，女55岁以下。",
        "16岁以下勿扰。",
        "会提高薪资待遇。",
        "照顾3岁以下婴幼儿。",
        "陪护60岁以上老人。",
        "宝宝满3岁，需接送上幼儿园。",
        "照看老人，老人80岁以上。",
    ] {
        assert!(review_code(text).is_empty(), "{text}: {:#?}", with_description(text));
    }
}

#[test]
fn child_labour_is_refused() {
    for text in ["14岁以上即可。", "招14-18岁学徒。", "年满15周岁。"] {
        let f = with_description(text);
        assert!(has(&f, "under_minimum_age"), "{text}: {f:#?}");
        assert_eq!(decide(&f, true), Decision::Refuse);
    }
}

#[test]
fn off_platform_contact_is_reviewed() {
    for (text, quote) in [
        ("有意者请电话联系13812345678。", "13812345678"),
        ("电话：138-1234-5678", "138-1234-5678"),
        ("联系 +86 138 1234 5678", "86 138 1234 5678"),
        ("微信：abc_123", "微信：abc_123"),
        ("加VX：zhang888详聊", "VX：zhang888"),
        ("ＱＱ 12345678", "ＱＱ 12345678"),
        ("扫码加群，了解更多岗位。", "扫码加群"),
        ("详情加微信。", "加微信"),
    ] {
        let f = with_description(text);
        assert!(f.iter().any(|f| f.code == "off_platform_contact" && f.matched.as_deref() == Some(quote)), "{text}: {f:#?}");
        assert_eq!(decide(&f, true), Decision::Review, "{text}");
    }
    for text in [
        "如遇收费请拨打12333投诉。",
        "工作日期2026-11-28。",
        "参加群众活动服务保障。",
        "工资通过微信转账发放。",
        "身份证号码需实名登记。",
        "工号12345678901234。",
    ] {
        assert!(with_description(text).is_empty(), "{text}: {:#?}", with_description(text));
    }
}

// ------------------------------------------------------------------------------------------
// Decide, API shapes, config loading

fn finding(severity: Severity) -> Finding {
    Finding { code: "x".into(), severity, message: Msg::new("中", "en"), matched: None, field: None }
}

#[test]
fn decide_verified_and_unverified() {
    assert_eq!(decide(&[], true), Decision::Publish);
    assert_eq!(decide(&[], false), Decision::Review);
    assert_eq!(decide(&[finding(Severity::Review)], true), Decision::Review);
    assert_eq!(decide(&[finding(Severity::Review), finding(Severity::Refuse)], true), Decision::Refuse);
    assert_eq!(decide(&[finding(Severity::Refuse)], false), Decision::Refuse);
    let slots = four_hours();
    assert_eq!(rules().evaluate(&base(&slots), true).decision, Decision::Publish);
    assert_eq!(rules().evaluate(&base(&slots), false).decision, Decision::Review);
}

#[test]
fn findings_serialize_for_the_api() {
    let f = with_description("押金200元");
    let v = serde_json::to_value(&f[0]).unwrap();
    assert_eq!(v["code"], "worker_charge");
    assert_eq!(v["severity"], "refuse");
    assert_eq!(v["field"], "description");
    assert_eq!(v["matched"], "押金200元");
    assert!(v["message"]["zh"].as_str().unwrap().contains("押金200元"));
    assert!(v["message"]["en"].as_str().unwrap().contains("Art. 9"));
    let view = serde_json::to_value(f[0].view(Lang::En)).unwrap();
    assert!(view["message"].as_str().unwrap().starts_with("the posting asks"));
    assert_eq!(serde_json::to_value(Decision::Publish).unwrap(), "publish");
    assert_eq!(serde_json::to_value(Decision::Review).unwrap(), "review");
    assert_eq!(serde_json::to_value(Severity::Review).unwrap(), "review");
    let verdict = serde_json::to_value(rules().evaluate(&Posting { description: "押金200元", ..base(&four_hours()) }, true)).unwrap();
    assert_eq!(verdict["decision"], "refuse");
    // The OpenAPI schemas exist and name the bilingual message.
    use utoipa::PartialSchema;
    let schema = serde_json::to_string(&Finding::schema()).unwrap();
    assert!(schema.contains("BilingualMessage"), "{schema}");
    let _ = (Decision::schema(), Severity::schema(), FindingView::schema(), Verdict::schema(), WageFloor::schema());
}

#[test]
fn refusals_come_first_and_duplicates_are_dropped() {
    let f = with_description("高薪！押金200元。押金200元。");
    assert_eq!(codes(&f), vec!["worker_charge", "hype"]);
}

#[test]
fn posting_from_a_validated_shift() {
    let slots = four_hours();
    let shift = ValidShift {
        title: "超市理货员".into(),
        description: "负责商品上架。".into(),
        requirements: "身体健康。".into(),
        category: "4-02".into(),
        headcount: 2,
        address: "北京市朝阳区建国路88号".into(),
        point: GeoPoint { lat: 39.9, lng: 116.4 },
        adcode: Some("110105000000".into()),
        slots: slots.clone(),
        pay: Pay { amount_fen: 2000, unit: PayUnit::Hour },
        settlement: Settlement::Daily,
        employment_type: EmploymentType::Gig,
        take_mode: TakeMode::Apply,
        valid_through: t("2026-12-31T23:59:59+08:00"),
        probation_days: 0,
        minutes_per_piece: None,
    };
    let f = rules().check(&Posting::from_shift(&shift, EMPLOYER));
    assert_eq!(codes(&f), vec!["below_minimum_wage"]);
    let shift = ValidShift { employment_type: EmploymentType::PartTime, probation_days: 5, pay: Pay { amount_fen: 3000, unit: PayUnit::Hour }, ..shift };
    let f = rules().check(&Posting::from_shift(&shift, EMPLOYER));
    assert_eq!(codes(&f), vec!["part_time_probation"]);
}

#[test]
fn rules_load_from_disk_and_errors_name_file_and_entry() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(RULES_FILE), BUILTIN_RULES_TOML).unwrap();
    // Staff extend a list without a rebuild.
    let floors = format!(
        "{BUILTIN_WAGE_FLOORS_TOML}\n[province.43]\nname = \"湖南\"\ntiers_fen = [2200, 2000, 1900]\ndefault_tier = 3\nsource = \"test\"\neffective = \"2025-07-01\"\n"
    );
    std::fs::write(dir.path().join(WAGE_FLOORS_FILE), &floors).unwrap();
    let r = Rules::load(dir.path()).unwrap();
    assert_eq!(r.wage_floor("430102000000").map(|w| w.hourly_fen), Some(1900));
    let with_word = BUILTIN_RULES_TOML.replace("strict = [\n", "strict = [\n  \"茶水费\",\n");
    let r = Rules::from_toml(&with_word, RULES_FILE, BUILTIN_WAGE_FLOORS_TOML, WAGE_FLOORS_FILE).unwrap();
    let slots = four_hours();
    let f = r.check(&Posting { description: "入职需交茶水费20元", ..base(&slots) });
    assert_eq!(codes(&f), vec!["worker_charge"]);

    let err = |rules: &str, floors: &str| Rules::from_toml(rules, RULES_FILE, floors, WAGE_FLOORS_FILE).unwrap_err();
    let e = err(BUILTIN_RULES_TOML, &BUILTIN_WAGE_FLOORS_TOML.replace("[city.4201]\nname = \"武汉\"\ntier = 1", "[city.4201]\nname = \"武汉\"\ntier = 7"));
    assert!(e.contains("wage_floors.toml") && e.contains("city.4201") && e.contains("tier"), "{e}");
    let e = err(BUILTIN_RULES_TOML, &BUILTIN_WAGE_FLOORS_TOML.replace("effective = \"2024-01-01\"", "effective = \"2024-13-01\""));
    assert!(e.contains("wage_floors.toml") && e.contains("effective"), "{e}");
    let e =
        err(BUILTIN_RULES_TOML, &format!("{BUILTIN_WAGE_FLOORS_TOML}\n[city.4301]\nname = \"长沙\"\ntier = 1\nsource = \"x\"\neffective = \"2025-07-01\"\n"));
    assert!(e.contains("city.4301") && e.contains("province.43"), "{e}");
    let e = err(&BUILTIN_RULES_TOML.replace("\"{region}人勿扰\"", "\"{regoin}人勿扰\""), BUILTIN_WAGE_FLOORS_TOML);
    assert!(e.contains("listing_rules.toml") && e.contains("region_discrimination") && e.contains("regoin"), "{e}");
    let e = err(&BUILTIN_RULES_TOML.replace("neutral = [\n", "neutral = [\n  \"押金\",\n"), BUILTIN_WAGE_FLOORS_TOML);
    assert!(e.contains("fees.neutral") && e.contains("押金") && e.contains("fees.strict"), "{e}");
    let e = err(&BUILTIN_RULES_TOML.replace("field = \"pay\"", "field = \"salary\""), BUILTIN_WAGE_FLOORS_TOML);
    assert!(e.contains("required.fields[5]") && e.contains("salary"), "{e}");
    let e = err(&BUILTIN_RULES_TOML.replace("max_daily_hours = 4.0", "max_daily_hours = 4.0\nmax_dialy_hours = 5"), BUILTIN_WAGE_FLOORS_TOML);
    assert!(e.contains("listing_rules.toml") && e.contains("max_dialy_hours"), "{e}");
    let e = Rules::load(&dir.path().join("missing")).unwrap_err();
    assert!(e.contains("listing_rules.toml"), "{e}");
}

// ------------------------------------------------------------------------------------------
// Disguised text: normalisation

#[test]
fn text_is_read_as_a_worker_reads_it() {
    let read = |s: &str| -> String { text::Prepared::new(s).norm.iter().collect() };
    // Full-width forms, Kangxi radicals and compatibility ideographs (NFKC).
    assert_eq!(read("押\u{2FA6}３００元"), "押金300元");
    assert_eq!(read("\u{2F0A}职"), "入职");
    assert_eq!(read("\u{F90A}"), "金");
    // Traditional → simplified.
    assert_eq!(read("報名費 保證金 體檢費"), "报名费\n保证金\n体检费");
    // Format characters vanish; bidi controls are flagged.
    assert_eq!(read("押\u{200B}金\u{200D}\u{2060}\u{FEFF}"), "押金");
    assert!(text::Prepared::new("押\u{202E}金").bidi);
    assert!(!text::Prepared::new("押金").bidi);
    // Separators inside a run of single Chinese characters are joined; between words they still end a clause.
    assert_eq!(read("押 金"), "押金");
    assert_eq!(read("保-证-金"), "保证金");
    assert_eq!(read("保.证.金"), "保证金");
    assert_eq!(read("入职需交押 金300元"), "入职需交押金300元");
    assert_eq!(read("包吃住 工资日结"), "包吃住\n工资日结");
    assert_eq!(read("押金、服装费"), "押金、服装费");
    // Quotes show the original text.
    let p = text::Prepared::new("入职需交押\u{200B}金300元");
    assert_eq!(p.quote(0, p.norm.len()), "入职需交押金300元");
}

#[test]
fn fee_words_are_matched_by_sound() {
    for s in ["入职需交保正金300元", "上岗先交报明费50元", "入职需交yajin 200元", "入职交押jin200元", "入职需交baozhengjin500元"]
    {
        assert_eq!(decision_for(s).0, Decision::Refuse, "{s}: {:#?}", with_description(s));
    }
    // Homophones that keep no character of a fee word, or change its last one, are other words.
    for s in ["机会非常多，工资日结", "压紧螺丝，工资日结", "会飞的无人机操作员，工资日结"] {
        assert_eq!(decision_for(s).0, Decision::Publish, "{s}: {:#?}", with_description(s));
    }
}

#[test]
fn warnings_never_cancel_an_explicit_demand() {
    for s in ["正规公司绝非骗子入职需交押金300元", "谨防诈骗本店入职须缴纳服装费150元", "我们不是骗子报名需交报名费80元"]
    {
        assert_eq!(decision_for(s).0, Decision::Refuse, "{s}: {:#?}", with_description(s));
    }
    for s in ["凡收取押金的均为诈骗", "如有人要求交押金500元请举报", "谨防收取押金的骗子", "任何收取费用的行为都是诈骗"]
    {
        assert_eq!(decision_for(s).0, Decision::Publish, "{s}: {:#?}", with_description(s));
    }
}

#[test]
fn any_demand_for_money_or_goods_is_caught_whatever_it_is_called() {
    for s in [
        "报名时转账300元到财务账户",
        "上岗前需转账500元作为保障",
        "入职需购买公司统一工服",
        "报名后需购买指定教材",
        "上岗前须购买公司的培训课程",
        "面试通过后支付200元即可上岗",
        "试用期3天无工资",
        "试工不给钱",
        "无薪试用一周",
    ] {
        assert_eq!(decision_for(s).0, Decision::Refuse, "{s}: {:#?}", with_description(s));
    }
    for s in ["每天支付工资200元", "公司为员工购买意外保险", "顾客购买产品可获赠品", "帮雇主买菜做饭", "试用期工资照发"]
    {
        assert_eq!(decision_for(s).0, Decision::Publish, "{s}: {:#?}", with_description(s));
    }
}

#[test]
fn discrimination_the_law_names_is_reviewed() {
    for (s, code) in [
        ("限已婚已育女性", "marital_status_discrimination"),
        ("要求未婚未育", "marital_status_discrimination"),
        ("乙肝携带者勿扰", "health_discrimination"),
        ("身高165cm以上", "height_condition"),
        ("仅限本地户籍", "region_discrimination"),
        ("限汉族", "ethnic_discrimination"),
        ("35岁以下", "age_limit"),
    ] {
        let (d, f) = decision_for(s);
        assert_eq!(d, Decision::Review, "{s}: {f:#?}");
        assert!(has(&f, code), "{s}: {f:#?}");
    }
}

#[test]
fn every_text_a_worker_reads_is_screened() {
    let slots = four_hours();
    let scam = "入职需交押金300元";
    for (field, p) in [
        ("title", Posting { title: scam, ..base(&slots) }),
        ("address", Posting { address: "北京市朝阳区建国路88号，入职需交押金300元", ..base(&slots) }),
        ("employer_name", Posting { employer_name: "入职需交押金300元公司", ..base(&slots) }),
        ("employer_description", Posting { employer_description: scam, ..base(&slots) }),
    ] {
        let f = rules().check(&p);
        assert_eq!(decide(&f, true), Decision::Refuse, "{field}: {f:#?}");
        assert!(f.iter().any(|f| f.field.as_deref() == Some(field)), "{field}: {f:#?}");
    }
    // A title of invisible characters is no title.
    let f = rules().check(&Posting { title: "\u{200B}\u{200B}", ..base(&slots) });
    assert!(f.iter().any(|f| f.code == "missing_required" && f.field.as_deref() == Some("title")), "{f:#?}");
    // Notes and profiles go through the same text rules.
    assert_eq!(refusals(&rules().screen(&[("note", "面试前先交押金200元")])).len(), 1);
    assert!(rules().screen(&[("note", "我周末有空，住得很近")]).is_empty());
    let f = rules().screen(&[("name", "某某\u{202E}公司")]);
    assert_eq!(codes(&f), vec!["hidden_text_direction"]);
}

#[test]
fn piece_rates_are_checked_through_hours_per_piece() {
    let slots = four_hours();
    let piece = |fen: i64, minutes: Option<i32>| {
        let p = Posting { pay: Some(Pay { amount_fen: fen, unit: PayUnit::Piece }), minutes_per_piece: minutes, ..base(&slots) };
        rules().check(&p)
    };
    // 北京 26.4 元/小时: 5 元 a piece at 15 minutes is 20 元/h, below; 8 元 is 32 元/h.
    let f = piece(500, Some(15));
    assert_eq!(codes(&f), vec!["below_minimum_wage"], "{f:#?}");
    assert_eq!(f[0].matched.as_deref(), Some("20元/小时"));
    assert!(piece(800, Some(15)).is_empty());
    assert_eq!(codes(&piece(800, None)), vec!["piece_rate_unverifiable"]);
    // A district without a configured floor goes to review.
    let p = Posting { adcode: Some("430102000000"), ..base(&slots) };
    let f = rules().check(&p);
    assert_eq!(codes(&f), vec!["wage_floor_unknown"]);
    assert_eq!(decide(&f, true), Decision::Review);
}

// ------------------------------------------------------------------------------------------
// The corpus: realistic scams and honest postings (src/listing/corpus/)

fn corpus(src: &'static str) -> Vec<(&'static str, &'static str)> {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (t, d) = l.split_once(" | ").unwrap_or_else(|| panic!("corpus line without ` | `: {l}"));
            (t.trim(), d.trim())
        })
        .collect()
}

fn corpus_scams() -> Vec<(&'static str, &'static str)> {
    corpus(include_str!("corpus/scams.txt"))
}

fn corpus_honest() -> Vec<(&'static str, &'static str)> {
    corpus(include_str!("corpus/honest.txt"))
}

fn judge(title: &str, description: &str) -> (Decision, Vec<Finding>) {
    let slots = four_hours();
    let f = rules().check(&Posting { title, description, ..base(&slots) });
    (decide(&f, true), f)
}

fn rank(d: Decision) -> u8 {
    match d {
        Decision::Publish => 0,
        Decision::Review => 1,
        Decision::Refuse => 2,
    }
}

#[test]
fn corpus_targets() {
    let (scams, honest) = (corpus_scams(), corpus_honest());
    assert!(scams.len() >= 150 && honest.len() >= 150, "{} scams, {} honest", scams.len(), honest.len());
    let mut counts = [0usize; 3];
    let mut missed = Vec::new();
    for (t, d) in &scams {
        let (dec, f) = judge(t, d);
        counts[rank(dec) as usize] += 1;
        if dec == Decision::Publish {
            missed.push((*d, f));
        }
    }
    let mut honest_counts = [0usize; 3];
    let mut held = Vec::new();
    for (t, d) in &honest {
        let (dec, f) = judge(t, d);
        honest_counts[rank(dec) as usize] += 1;
        if dec != Decision::Publish {
            held.push((*d, dec, f.into_iter().map(|f| (f.code, f.matched)).collect::<Vec<_>>()));
        }
    }
    let pct = |n: usize, of: usize| n as f64 * 100.0 / of as f64;
    let caught = pct(counts[1] + counts[2], scams.len());
    let honest_refused = pct(honest_counts[2], honest.len());
    let honest_published = pct(honest_counts[0], honest.len());
    eprintln!(
        "screening corpus: {} scams: {:.1}% refused or reviewed ({:.1}% refused, {:.1}% reviewed, {} missed); {} honest: {:.1}% published at once, {:.1}% reviewed, {:.1}% refused",
        scams.len(),
        caught,
        pct(counts[2], scams.len()),
        pct(counts[1], scams.len()),
        counts[0],
        honest.len(),
        honest_published,
        pct(honest_counts[1], honest.len()),
        honest_refused
    );
    for h in &held {
        eprintln!("  honest held: {h:?}");
    }
    for m in &missed {
        eprintln!("  scam missed: {:?}", m.0);
    }
    assert!(caught >= 95.0, "scams missed: {missed:#?}");
    assert!(honest_refused <= 2.0, "honest refused: {held:#?}");
    assert!(honest_published >= 90.0, "honest held: {held:#?}");
}

// ------------------------------------------------------------------------------------------
// Metamorphic: disguises never soften a decision

/// Simplified → traditional for the characters the corpus uses most (the attack's own table;
/// the screening reads traditional text through fast2s).
const TRADITIONAL: &[(char, char)] = &[
    ('报', '報'),
    ('费', '費'),
    ('证', '證'),
    ('体', '體'),
    ('检', '檢'),
    ('训', '訓'),
    ('岗', '崗'),
    ('职', '職'),
    ('须', '須'),
    ('缴', '繳'),
    ('纳', '納'),
    ('资', '資'),
    ('审', '審'),
    ('绍', '紹'),
    ('务', '務'),
    ('装', '裝'),
    ('员', '員'),
    ('单', '單'),
    ('垫', '墊'),
    ('购', '購'),
    ('买', '買'),
    ('钱', '錢'),
    ('贷', '貸'),
    ('试', '試'),
    ('无', '無'),
    ('个', '個'),
    ('时', '時'),
    ('应', '應'),
    ('录', '錄'),
    ('岁', '歲'),
    ('压', '壓'),
    ('发', '發'),
    ('结', '結'),
    ('满', '滿'),
    ('还', '還'),
    ('领', '領'),
    ('备', '備'),
    ('会', '會'),
    ('实', '實'),
    ('认', '認'),
    ('办', '辦'),
    ('转', '轉'),
    ('账', '賬'),
    ('万', '萬'),
    ('两', '兩'),
    ('块', '塊'),
    ('给', '給'),
    ('长', '長'),
    ('区', '區'),
    ('号', '號'),
    ('网', '網'),
    ('课', '課'),
    ('书', '書'),
    ('请', '請'),
    ('对', '對'),
    ('没', '沒'),
    ('开', '開'),
    ('电', '電'),
    ('场', '場'),
    ('产', '產'),
    ('业', '業'),
    ('从', '從'),
    ('优', '優'),
    ('价', '價'),
    ('处', '處'),
    ('奖', '獎'),
    ('宝', '寶'),
    ('带', '帶'),
    ('帮', '幫'),
    ('护', '護'),
    ('拣', '揀'),
    ('节', '節'),
    ('营', '營'),
    ('规', '規'),
    ('质', '質'),
    ('选', '選'),
    ('递', '遞'),
    ('邮', '郵'),
    ('销', '銷'),
    ('问', '問'),
    ('间', '間'),
    ('饭', '飯'),
    ('验', '驗'),
    ('齐', '齊'),
    ('进', '進'),
    ('这', '這'),
    ('为', '為'),
    ('让', '讓'),
    ('说', '說'),
    ('动', '動'),
    ('关', '關'),
    ('头', '頭'),
    ('车', '車'),
    ('厂', '廠'),
    ('洁', '潔'),
    ('贰', '貳'),
    ('园', '園'),
    ('运', '運'),
];

fn to_traditional(s: &str) -> String {
    s.chars().map(|c| TRADITIONAL.iter().find(|(a, _)| *a == c).map(|p| p.1).unwrap_or(c)).collect()
}

/// Compatibility forms: full-width digits and letters, and a Kangxi radical or compatibility
/// ideograph for every character that has one.
fn to_compatibility(s: &str) -> String {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static MAP: OnceLock<HashMap<char, char>> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        let mut m = HashMap::new();
        for cp in (0x2F00..=0x2FD5).chain(0xF900..=0xFAFF) {
            let Some(c) = char::from_u32(cp) else { continue };
            let mut d = Vec::new();
            unicode_normalization::char::decompose_compatible(c, |x| d.push(x));
            if d.len() == 1 && d[0] != c {
                m.entry(d[0]).or_insert(c);
            }
        }
        m
    });
    s.chars()
        .map(|c| match c {
            '0'..='9' | 'a'..='z' | 'A'..='Z' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            _ => map.get(&c).copied().unwrap_or(c),
        })
        .collect()
}

fn between_chinese(s: &str, sep: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        out.push(c);
        if let Some(&n) = chars.get(i + 1)
            && crate::search::analyze::is_cjk(c)
            && crate::search::analyze::is_cjk(n)
        {
            out.push_str(sep);
        }
    }
    out
}

/// The first strict fee word in the text spelt in pinyin (押金 → yajin).
fn fee_word_in_pinyin(s: &str) -> String {
    const WORDS: &[&str] = &["保证金", "押金", "报名费", "服装费", "体检费", "培训费", "中介费", "工服费", "会员费", "介绍费", "稳定金", "信息费"];
    for w in WORDS {
        if s.contains(w) {
            let py: String = w.chars().filter_map(|c| crate::search::analyze::pinyin_of(&c.to_string()).map(|p| p.0)).collect();
            return s.replacen(w, &py, 1);
        }
    }
    s.to_string()
}

type Attack = (&'static str, fn(&str) -> String);

const ATTACKS: &[Attack] = &[
    ("spaces", |s| between_chinese(s, " ")),
    ("dashes", |s| between_chinese(s, "-")),
    ("zero-width", |s| s.chars().flat_map(|c| [c, '\u{200B}']).collect()),
    ("joiners", |s| between_chinese(s, "\u{200D}\u{2060}")),
    ("traditional", to_traditional),
    ("compatibility", to_compatibility),
    ("pinyin", fee_word_in_pinyin),
    ("warning before", |s| format!("正规公司绝非骗子{s}")),
    ("warning after", |s| format!("{s}谨防诈骗，如遇收费请举报。")),
];

#[test]
fn disguises_never_soften_a_decision() {
    let slots = four_hours();
    let neutral = "负责日常工作，按要求完成。";
    let mut failures = Vec::new();
    let mut tried = 0;
    for (corpus, scam) in [(corpus_scams(), true), (corpus_honest(), false)] {
        for (title, text) in corpus {
            let (before, _) = judge(title, text);
            let mut variants: Vec<(String, Decision, Vec<Finding>)> = Vec::new();
            for (name, attack) in ATTACKS {
                let a = attack(text);
                let (d, f) = judge(title, &a);
                variants.push((format!("{name}: {a}"), d, f));
            }
            // Moved to another field a worker reads.
            let moved: [(&str, Posting); 4] = [
                ("requirements", Posting { title, description: neutral, requirements: text, ..base(&slots) }),
                ("address", Posting { title, description: neutral, address: text, ..base(&slots) }),
                ("employer_description", Posting { title, description: neutral, employer_description: text, ..base(&slots) }),
                ("employer_name", Posting { title, description: neutral, employer_name: text, ..base(&slots) }),
            ];
            for (name, p) in moved {
                let f = rules().check(&p);
                variants.push((format!("moved to {name}"), decide(&f, true), f));
            }
            for (what, after, f) in variants {
                tried += 1;
                let bad = if scam { rank(after) < rank(before) } else { after == Decision::Refuse };
                if bad {
                    failures.push(format!("{text:?} [{before:?}] → {what} [{after:?}] {:?}", f.iter().map(|f| (&f.code, &f.matched)).collect::<Vec<_>>()));
                }
            }
        }
    }
    eprintln!("metamorphic: {tried} variants, {} softened", failures.len());
    assert!(failures.is_empty(), "{} of {tried} variants changed the decision:\n{}", failures.len(), failures.join("\n"));
}

// ------------------------------------------------------------------------------------------
// Linear time

#[test]
fn a_64_kib_adversarial_body_is_screened() {
    // 64 KiB of the inputs that used to cost quadratic time: long runs of Chinese numerals, of
    // digits, of spaces between single characters, and fee words with nothing to judge them by.
    let mut bodies = Vec::new();
    let numerals: String = "一二三四五六七八九十百千万".chars().cycle().take(21_000).collect();
    bodies.push(numerals);
    bodies.push("1".repeat(65_000));
    bodies.push("押 ".repeat(16_000));
    bodies.push("押金".repeat(10_000));
    bodies.push("交".repeat(21_000));
    bodies.push("岁一".repeat(10_000));
    bodies.push(format!("{}押金300元", "试用期".repeat(7_000)));
    let slots = four_hours();
    for body in &bodies {
        assert!(body.len() <= 65_536 + 16, "{}", body.len());
        let started = std::time::Instant::now();
        let f = rules().check(&Posting { description: body, ..base(&slots) });
        let took = started.elapsed();
        eprintln!("64 KiB body starting {:?}: {:?}, {} findings", body.chars().take(6).collect::<String>(), took, f.len());
        // The result, not the time, is asserted; the time is printed (see the report's figure).
        assert!(decide(&f, true) != Decision::Publish || !body.contains("押金"), "{:?}", f.first());
    }
    let f = rules().check(&Posting { description: &bodies[6], ..base(&slots) });
    assert_eq!(decide(&f, true), Decision::Refuse);
}
