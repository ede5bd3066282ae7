//! `lingong seed --demo`: a living demo market — employers, shifts and workers with availability in
//! five real cities, placed on real district points from the shipped adcode data (CC BY 4.0,
//! Vonng/adcode). Everything goes through the same service functions and rules as the API.

use chrono::{Duration, NaiveTime};
use diesel::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::auth::password;
use crate::db::schema::users;
use crate::db::{Db, write_transaction};
use crate::domain::time::{now_utc, shanghai, to_display};
use crate::domain::{CreditCode, PayUnit, Phone, Role};
use crate::domain::{EmployerId, StationId, UserId};
use crate::error::Error;
use crate::listing::Rules;
use crate::services::accounts::{self, NewUser};
use crate::services::availability::{self, AvailabilityRequest, DatedWindowBody, WeeklyWindowBody, WindowsBody};
use crate::services::districts::Districts;
use crate::services::employers::{self, EmployerRequest};
use crate::services::shifts::{self, ShiftRequest, SlotBody};
use crate::services::stations;
use crate::services::workers::{self, PayBody, WorkerRequest};

pub const DEMO_PASSWORD: &str = "lingong-demo";
const FIRST_EMPLOYER_PHONE: &str = "13800000001";

/// District adcodes of the demo market: 北京朝阳, 上海浦东, 深圳南山, 杭州西湖, 武汉洪山.
const CITIES: &[&str] = &["110105000000", "310115000000", "440305000000", "330106000000", "420111000000"];

struct EmployerSeed {
    name: &'static str,
    kind: &'static str,
    contact: &'static str,
    about: &'static str,
}

const EMPLOYERS: &[EmployerSeed] = &[
    EmployerSeed {
        name: "朝阳安居家政服务有限公司", kind: "enterprise", contact: "王经理", about: "社区家政、保洁和养老陪护服务"
    },
    EmployerSeed { name: "浦东速达物流有限公司", kind: "enterprise", contact: "李主管", about: "快递分拣、仓储和同城配送" },
    EmployerSeed { name: "南山味道餐饮管理有限公司", kind: "enterprise", contact: "陈店长", about: "连锁餐厅，门店 12 家" },
    EmployerSeed { name: "西湖绿景园林工程有限公司", kind: "enterprise", contact: "周工", about: "园林绿化施工与养护" },
    EmployerSeed { name: "洪山顺心搬家服务部", kind: "individual", contact: "刘师傅", about: "个体工商户，居民搬家与搬运" },
    EmployerSeed { name: "浦东会展活动策划有限公司", kind: "enterprise", contact: "赵小姐", about: "展会布展、礼仪与活动执行" },
    EmployerSeed { name: "南山智造电子有限公司", kind: "enterprise", contact: "黄主管", about: "电子产品组装与包装" },
    EmployerSeed { name: "朝阳张女士家", kind: "household", contact: "张女士", about: "家庭雇主" },
];

struct ShiftSeed {
    category: &'static str,
    title: &'static str,
    description: &'static str,
    requirements: &'static str,
    pay_fen: i64,
    unit: PayUnit,
    hours: i64,
    settlement: &'static str,
    employment: &'static str,
}

const SHIFTS: &[ShiftSeed] = &[
    ShiftSeed {
        category: "cleaning",
        title: "家庭保洁员（日结）",
        description: "负责住户家庭日常保洁，包括厨房、卫生间清洁和地面清理，工具由公司提供。",
        requirements: "身体健康，做事细心，有保洁经验者优先",
        pay_fen: 3500,
        unit: PayUnit::Hour,
        hours: 4,
        settlement: "daily",
        employment: "gig",
    },
    ShiftSeed {
        category: "cleaning",
        title: "开荒保洁 新房交付",
        description: "新交付小区开荒保洁，擦玻璃、清理装修垃圾，团队作业。",
        requirements: "能登梯作业，吃苦耐劳",
        pay_fen: 28000,
        unit: PayUnit::Day,
        hours: 8,
        settlement: "daily",
        employment: "temporary",
    },
    ShiftSeed {
        category: "elderly_care",
        title: "社区养老陪护（周末）",
        description: "到老人家中陪护、协助用餐和散步，记录健康情况。",
        requirements: "有耐心，持养老护理员证书者优先",
        pay_fen: 3000,
        unit: PayUnit::Hour,
        hours: 4,
        settlement: "weekly",
        employment: "part_time",
    },
    ShiftSeed {
        category: "parcel_sorting",
        title: "快递分拣员 夜班",
        description: "分拨中心包裹分拣、扫描、装袋，流水线作业。",
        requirements: "能上夜班，能站立工作",
        pay_fen: 2800,
        unit: PayUnit::Hour,
        hours: 8,
        settlement: "daily",
        employment: "gig",
    },
    ShiftSeed {
        category: "warehouse",
        title: "仓库装卸工",
        description: "货车装卸、理货上架，单次搬运不超过 25 公斤。",
        requirements: "身体健康，男女不限",
        pay_fen: 26000,
        unit: PayUnit::Day,
        hours: 8,
        settlement: "daily",
        employment: "gig",
    },
    ShiftSeed {
        category: "kitchen_helper",
        title: "餐厅帮厨 午市",
        description: "协助厨师切配、备菜、洗碗，保持后厨卫生。",
        requirements: "持健康证，有餐饮经验优先",
        pay_fen: 2800,
        unit: PayUnit::Hour,
        hours: 4,
        settlement: "daily",
        employment: "part_time",
    },
    ShiftSeed {
        category: "waiter",
        title: "餐厅服务员 周末兼职",
        description: "点餐、传菜、收台，周末客流高峰时段。",
        requirements: "普通话流利，服务热情",
        pay_fen: 2900,
        unit: PayUnit::Hour,
        hours: 4,
        settlement: "weekly",
        employment: "part_time",
    },
    ShiftSeed {
        category: "gardening",
        title: "绿化养护工",
        description: "道路绿化带修剪、浇水、除草，配发工具和防护用品。",
        requirements: "能户外作业",
        pay_fen: 24000,
        unit: PayUnit::Day,
        hours: 8,
        settlement: "daily",
        employment: "seasonal",
    },
    ShiftSeed {
        category: "moving",
        title: "居民搬家搬运工",
        description: "居民搬家，家具拆装和搬运，车辆由店家安排。",
        requirements: "身体强壮，有搬家经验优先",
        pay_fen: 30000,
        unit: PayUnit::Shift,
        hours: 6,
        settlement: "daily",
        employment: "gig",
    },
    ShiftSeed {
        category: "event_staff",
        title: "展会布展助理",
        description: "展台搭建协助、物料搬运、现场引导。",
        requirements: "守时，能配合团队",
        pay_fen: 25000,
        unit: PayUnit::Day,
        hours: 8,
        settlement: "on_completion",
        employment: "temporary",
    },
    ShiftSeed {
        category: "promotion",
        title: "商场促销员",
        description: "商场新品推广，向顾客介绍产品，发放试用装。",
        requirements: "表达清楚，形象整洁",
        pay_fen: 2800,
        unit: PayUnit::Hour,
        hours: 4,
        settlement: "weekly",
        employment: "part_time",
    },
    ShiftSeed {
        category: "delivery",
        title: "同城配送骑手（高峰时段）",
        description: "午晚高峰同城配送，电动车由站点提供。",
        requirements: "熟悉本地道路，会使用手机导航",
        pay_fen: 800,
        unit: PayUnit::Piece,
        hours: 4,
        settlement: "daily",
        employment: "gig",
    },
    ShiftSeed {
        category: "data_entry",
        title: "资料录入员",
        description: "纸质档案录入电脑，核对信息。",
        requirements: "会使用电脑，打字准确",
        pay_fen: 2900,
        unit: PayUnit::Hour,
        hours: 4,
        settlement: "biweekly",
        employment: "part_time",
    },
    ShiftSeed {
        category: "housekeeping",
        title: "钟点工 做饭收纳",
        description: "为家庭做午饭和晚饭，整理收纳。",
        requirements: "会做家常菜，爱干净",
        pay_fen: 4000,
        unit: PayUnit::Hour,
        hours: 3,
        settlement: "daily",
        employment: "gig",
    },
    ShiftSeed {
        category: "construction_helper",
        title: "装修小工",
        description: "协助师傅搬运材料、清理现场。",
        requirements: "能吃苦，有工地经验优先",
        pay_fen: 25000,
        unit: PayUnit::Day,
        hours: 8,
        settlement: "daily",
        employment: "gig",
    },
];

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"];
const GIVEN: &[&str] =
    &["秀英", "桂兰", "建国", "志强", "丽娟", "海燕", "国华", "小红", "伟", "芳", "军", "敏", "静", "磊", "洋", "婷", "勇", "霞", "涛", "娟"];
const KEY_GROUPS: &[&str] = &["laid_off", "graduate", "migrant_worker", "hard_to_employ", "age_40_50", "lifted_from_poverty", "veteran"];

/// Loads the demo market unless it is already there. Returns a summary for the terminal.
pub fn demo(db: &Db) -> anyhow::Result<String> {
    let mut conn = db.get().map_err(|e| anyhow::anyhow!(e))?;
    let present: i64 = users::table.filter(users::phone.eq(FIRST_EMPLOYER_PHONE)).count().get_result(&mut *conn)?;
    if present > 0 {
        return Ok("demo data already loaded; nothing to do".into());
    }
    let hash = password::hash(DEMO_PASSWORD);
    let mut rng = StdRng::seed_from_u64(2026);
    let now = now_utc();
    let total = (EMPLOYERS.len() + 60 + 60 + 4) as u64;
    let bar = ProgressBar::new(total).with_style(ProgressStyle::with_template("{msg:12} [{bar:40}] {pos}/{len}").expect("valid template"));
    let districts = Districts::get();
    // The demo market lies in mainland China: the default service area.
    let area = crate::domain::geo::ServiceArea::mainland();
    let jitter = |rng: &mut StdRng, code: &str| -> (f64, f64) {
        let d = districts.by_code(code).expect("demo districts exist in the shipped data");
        // Within about 3 km of the district's point.
        (d.lat + rng.random_range(-0.025..0.025), d.lng + rng.random_range(-0.03..0.03))
    };

    let summary = write_transaction(&mut conn, |conn| -> Result<String, Error> {
        bar.set_message("staff");
        let (mut moderator_id, mut admin_id, mut station_staff_id) = (0, 0, 0);
        for (phone, role, name) in
            [("13900000001", Role::Moderator, "审核员小孙"), ("13900000002", Role::StationStaff, "社区服务站小何"), ("13900000003", Role::Admin, "管理员小周")]
        {
            let u = NewUser { role, phone: Phone::parse(phone).expect("valid"), password: DEMO_PASSWORD.into(), display_name: name.into(), email: None };
            let staff = accounts::create_user(conn, &u, &hash, None)?;
            match role {
                Role::Moderator => moderator_id = staff.id,
                Role::Admin => admin_id = staff.id,
                _ => station_staff_id = staff.id,
            }
            bar.inc(1);
        }
        // The station staff member works at a community station in 北京朝阳, made and staffed by
        // the admin as through the API (audited), so the desk works from the first sign-in.
        bar.set_message("station");
        let station = stations::NewStation::parse(
            &stations::StationRequest {
                name: Some("建外街道社区就业服务站".into()),
                address: Some("北京市朝阳区建国门外大街甲6号".into()),
                lat: Some(39.9087),
                lng: Some(116.4605),
                adcode: Some("110105".into()),
                counties: None,
                radius_km: Some(5.0),
            },
            &area,
        )?;
        let station = stations::insert(conn, &station, admin_id)?;
        stations::set_station(conn, UserId(admin_id), StationId(station.id), UserId(station_staff_id), Some(StationId(station.id)))?;
        bar.inc(1);
        bar.set_message("employers");
        let mut employer_rows = Vec::new();
        for (i, e) in EMPLOYERS.iter().enumerate() {
            let phone = format!("138000000{:02}", i + 1);
            let user = accounts::create_user(
                conn,
                &NewUser {
                    role: Role::Employer,
                    phone: Phone::parse(&phone).expect("valid"),
                    password: DEMO_PASSWORD.into(),
                    display_name: e.contact.into(),
                    email: None,
                },
                &hash,
                None,
            )?;
            let city = CITIES[i % CITIES.len()];
            let (lat, lng) = jitter(&mut rng, city);
            let credit_code = (e.kind == "enterprise").then(|| {
                let body: String = (0..9).map(|_| b"0123456789ABCDEFGHJKLMNPQRTUWXY"[rng.random_range(0..31)] as char).collect();
                CreditCode::with_check(&format!("91{}{}", &city[..6], body)).expect("valid alphabet").as_str().to_string()
            });
            let req = EmployerRequest {
                name: Some(e.name.into()),
                kind: Some(e.kind.into()),
                credit_code,
                contact_name: Some(e.contact.into()),
                contact_phone: Some(phone.clone()),
                address: Some(format!("{}{}号", districts.by_code(city).map(|d| d.full_name.replace(' ', "")).unwrap_or_default(), 100 + i * 7)),
                lat: Some(lat),
                lng: Some(lng),
                adcode: None,
                description: Some(e.about.into()),
            };
            let row = employers::upsert(conn, user.id, employers::validate(&req, &area)?)?;
            // Most demo employers are verified so their shifts publish; one waits for review.
            let row = if i != 4 { employers::verify(conn, EmployerId(row.id), UserId(moderator_id))? } else { row };
            employer_rows.push((row, city));
            bar.inc(1);
        }
        bar.set_message("shifts");
        let rules = Rules::builtin();
        for i in 0..60 {
            let (employer, city) = &employer_rows[i % employer_rows.len()];
            let t = &SHIFTS[(i * 7 + i / 15) % SHIFTS.len()];
            let (lat, lng) = jitter(&mut rng, city);
            let day = rng.random_range(1..14);
            let start_hour = if t.title.contains("夜班") { 20 } else { [8, 9, 10, 13, 14][rng.random_range(0..5)] };
            let local = crate::domain::time::local_date(now) + Duration::days(day);
            let start = crate::domain::time::from_local(local.and_time(NaiveTime::from_hms_opt(start_hour, 0, 0).expect("valid")));
            let mut slots = vec![(start, start + Duration::hours(t.hours))];
            if t.employment == "part_time" || rng.random_bool(0.3) {
                slots.push((start + Duration::days(1), start + Duration::days(1) + Duration::hours(t.hours)));
            }
            let req = ShiftRequest {
                title: Some(t.title.into()),
                description: Some(t.description.into()),
                requirements: Some(t.requirements.into()),
                category: Some(t.category.into()),
                headcount: Some(rng.random_range(1..8)),
                address: Some(format!("{}附近", employer.address)),
                lat: Some(lat),
                lng: Some(lng),
                adcode: None,
                slots: Some(slots.iter().map(|(a, b)| SlotBody { start: to_display(*a).to_rfc3339(), end: to_display(*b).to_rfc3339() }).collect()),
                pay: Some(PayBody { amount_fen: t.pay_fen, unit: t.unit }),
                settlement: Some(t.settlement.into()),
                employment_type: Some(t.employment.into()),
                take_mode: Some(if i % 4 == 0 { "instant" } else { "apply" }.into()),
                valid_through: Some(to_display(start).to_rfc3339()),
                probation_days: None,
                // A delivery takes about a quarter of an hour: 8 元 a piece is 32 元 an hour,
                // above the floor of every demo city, so the piece-rate shifts publish too.
                minutes_per_piece: (t.unit == PayUnit::Piece).then_some(15),
            };
            shifts::post_in(conn, &rules, &area, employer.user_id, &req)?;
            bar.inc(1);
        }
        bar.set_message("workers");
        for i in 0..60 {
            let name = format!("{}{}", SURNAMES[i % SURNAMES.len()], GIVEN[(i * 3 + 1) % GIVEN.len()]);
            let user = accounts::create_user(
                conn,
                &NewUser {
                    role: Role::Worker,
                    phone: Phone::parse(&format!("137000001{:02}", i)).expect("valid"),
                    password: DEMO_PASSWORD.into(),
                    display_name: name.clone(),
                    email: None,
                },
                &hash,
                None,
            )?;
            let city = CITIES[i % CITIES.len()];
            let (lat, lng) = jitter(&mut rng, city);
            let skills: Vec<String> = (0..rng.random_range(1..4)).map(|_| SHIFTS[rng.random_range(0..SHIFTS.len())].category.to_string()).collect();
            let mut skills_unique = skills.clone();
            skills_unique.sort();
            skills_unique.dedup();
            let key_groups = if i % 3 == 0 { vec![KEY_GROUPS[i % KEY_GROUPS.len()].to_string()] } else { vec![] };
            let radius = [3.0, 5.0, 8.0, 10.0][i % 4];
            let min_pay = PayBody { amount_fen: [2400, 2600, 3000][i % 3], unit: PayUnit::Hour };
            let wreq = WorkerRequest {
                display_name: Some(name),
                skills: Some(skills_unique.clone()),
                lat: Some(lat),
                lng: Some(lng),
                radius_km: Some(radius),
                expected_pay: Some(min_pay),
                id_number: None,
                key_groups: Some(key_groups),
            };
            let valid = workers::validate(conn, &wreq)?;
            let worker = workers::upsert(conn, user.id, valid, "demo-seed-key")?;
            let weekly: Vec<WeeklyWindowBody> = match i % 3 {
                0 => (1..=5).map(|d| WeeklyWindowBody { weekday: d, start: "08:00".into(), end: "12:00".into() }).collect(),
                1 => vec![
                    WeeklyWindowBody { weekday: 6, start: "08:00".into(), end: "18:00".into() },
                    WeeklyWindowBody { weekday: 7, start: "08:00".into(), end: "18:00".into() },
                ],
                _ => (1..=7).map(|d| WeeklyWindowBody { weekday: d, start: "19:00".into(), end: "07:00".into() }).collect(),
            };
            let dated = if i % 5 == 0 {
                let day = crate::domain::time::local_date(now) + Duration::days(rng.random_range(1..7));
                let start = crate::domain::time::from_local(day.and_hms_opt(8, 0, 0).expect("valid"));
                vec![DatedWindowBody {
                    start: start.and_utc().with_timezone(&shanghai()).to_rfc3339(),
                    end: (start + Duration::hours(10)).and_utc().with_timezone(&shanghai()).to_rfc3339(),
                }]
            } else {
                vec![]
            };
            let areq = AvailabilityRequest {
                lat: Some(lat),
                lng: Some(lng),
                radius_km: Some(radius),
                adcode: None,
                categories: Some(skills_unique),
                min_pay: Some(min_pay),
                note: Some(["可接日结短工", "周末有空", "有电动车", "做事踏实，可长期合作"][i % 4].into()),
                windows: Some(WindowsBody { dated, weekly }),
                active: Some(true),
            };
            let valid = availability::validate(conn, &areq, now, &area)?;
            availability::create(conn, worker.id, &valid)?;
            bar.inc(1);
        }
        Ok(format!(
            "demo market loaded: {} employers, 60 shifts, 60 workers with availability in 北京朝阳 上海浦东 深圳南山 杭州西湖 武汉洪山\n\
             sign in with password {DEMO_PASSWORD:?}: employers 13800000001–138000000{:02}, workers 13700000100–13700000159, \
             moderator 13900000001, station staff 13900000002 (at 建外街道社区就业服务站), admin 13900000003\n\
             district points: Vonng/adcode, CC BY 4.0",
            EMPLOYERS.len(),
            EMPLOYERS.len()
        ))
    });
    bar.finish_and_clear();
    summary
        .map(|(s, _)| s)
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code(), e.fields().iter().map(|f| format!("{} {}", f.field, f.msg.en)).collect::<Vec<_>>().join("; ")))
}

/// `serve --demo`: load the demo market unless its accounts are already there.
pub fn demo_if_empty(db: &Db) -> anyhow::Result<()> {
    let report = demo(db)?;
    tracing::info!("{report}");
    Ok(())
}
