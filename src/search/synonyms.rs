//! Words that mean the same work: a query word finds postings that use any word of its group
//! (送餐 finds 外卖 and 配送). The built-in groups are the spoken forms workers use for the
//! categories' words; staff add groups of their own (`services::synonyms`), which every replica's
//! engine picks up through the change log.
//!
//! Pure: the engine holds one [`Synonyms`] built from [`BUILT_IN`] and the stored groups.

use std::collections::HashMap;

/// Groups of interchangeable words, each a space-separated list.
pub const BUILT_IN: &[&str] = &[
    "送餐 外卖 配送 骑手 送外卖",
    "快递员 快递小哥 派件 送快递",
    "跑腿 闪送 同城配送",
    "月嫂 育婴 育婴员 育儿嫂 母婴护理",
    "保姆 住家阿姨 家政阿姨",
    "保洁阿姨 保洁 保洁员 清洁工",
    "清洁 保洁 打扫 清扫",
    "钟点工 小时工",
    "家政 家政服务",
    "护工 陪护 陪诊",
    "养老 护理员 养老护理",
    "保安 安保 门卫 门岗 保安员",
    "服务员 跑堂 传菜员",
    "帮厨 后厨 厨工 打荷",
    "洗碗 刷碗 洗碗工",
    "收银 收银员",
    "分拣 分拣员 拣货",
    "理货 理货员 上架",
    "装卸 搬运 装卸工 搬运工",
    "搬家 搬家师傅",
    "小工 杂工 力工 壮工",
    "司机 驾驶员",
    "代驾 代驾司机",
    "水电工 电工 水电",
    "促销 促销员 导购",
    "发传单 派单 地推",
    "主播 带货 直播",
    "调饮师 奶茶 饮品",
    "标注 数据标注",
    "绿化 园林",
    "礼仪 迎宾",
    "采摘 摘果",
];

/// Word → the other words of its groups.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    of: HashMap<String, Vec<String>>,
}

impl Synonyms {
    /// The built-in groups and `extra` (each a space-separated list, as stored).
    pub fn new<'a>(extra: impl IntoIterator<Item = &'a str>) -> Synonyms {
        let mut of: HashMap<String, Vec<String>> = HashMap::new();
        for group in BUILT_IN.iter().copied().chain(extra) {
            let words: Vec<&str> = group.split_whitespace().collect();
            for w in &words {
                let entry = of.entry(w.to_string()).or_default();
                for other in &words {
                    if other != w && !entry.iter().any(|e| e == other) {
                        entry.push(other.to_string());
                    }
                }
            }
        }
        Synonyms { of }
    }

    /// The words that mean what `word` means (not `word` itself).
    pub fn of(&self, word: &str) -> &[String] {
        self.of.get(word).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether `word` has synonyms.
    pub fn knows(&self, word: &str) -> bool {
        self.of.contains_key(word)
    }

    /// The longest word with synonyms that `chars` starts with, in characters (queries are
    /// matched against the table before jieba cuts them: 保洁阿姨 is one entry, not 保洁 + 阿姨).
    pub fn longest_prefix(&self, chars: &[char]) -> Option<usize> {
        (2..=chars.len().min(6)).rev().find(|n| self.of.contains_key(&chars[..*n].iter().collect::<String>()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_symmetric_and_staff_groups_join_them() {
        let s = Synonyms::new(["跑单 送餐"]);
        for (a, b) in [("送餐", "外卖"), ("外卖", "配送"), ("月嫂", "育婴"), ("保洁阿姨", "保洁"), ("钟点工", "小时工"), ("跑单", "送餐")]
        {
            assert!(s.of(a).iter().any(|w| w == b), "{a} ~ {b}");
            assert!(s.of(b).iter().any(|w| w == a), "{b} ~ {a}");
        }
        assert!(s.of("送餐").iter().any(|w| w == "跑单"));
        assert!(s.of("宇航员").is_empty());
        assert!(!s.of("保洁").iter().any(|w| w == "保洁"));
        let chars: Vec<char> = "保洁阿姨急招".chars().collect();
        assert_eq!(s.longest_prefix(&chars), Some(4));
    }
}
