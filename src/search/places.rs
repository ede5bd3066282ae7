//! Place names in a query, resolved with the district table for `understand`.

use crate::search::analyze::is_domain_word;
use crate::search::synonyms::Synonyms;
use crate::search::understand::PlaceWord;
use crate::services::districts::{Districts, Resolved};

/// The district `word` names, when it names exactly one by its name or its bare name (海淀,
/// 海淀区, 望京): a word that merely occurs inside names is no place, and neither is a word that
/// means work (a township called 保安 does not turn 保安 into a place).
pub fn district_word(word: &str, synonyms: &Synonyms) -> Option<PlaceWord> {
    if synonyms.knows(word) || is_domain_word(word) {
        return None;
    }
    let districts = Districts::get();
    match districts.resolve(word) {
        Resolved::One(d) if d.name == word || d.bare_name() == word => {
            Some(PlaceWord { adcode: d.shift_prefix().to_string(), name: d.full_name.clone(), township: d.level == "township" })
        }
        _ => None,
    }
}
