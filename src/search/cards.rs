//! What a result page shows of a searchable shift, held beside the engine's records so that a
//! search, a worker's matches and the public shift page answer without the database. A card is
//! the shift's view as the database gave it when its last change was applied (built by the one
//! view builder, `services::shifts::views`), kept compact: at a million shifts every byte of it
//! counts a megabyte. The employer's part is shared by all of its shifts.
//!
//! Cards are staged and committed with the engine's records (`Engine::put_cards`), so a hit
//! always finds the card of the same change, and a shift that leaves the index takes its card
//! with it.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

use crate::domain::{EmploymentType, PayUnit, Settlement, ShiftStatus, TakeMode};

type Instant = DateTime<FixedOffset>;

/// One shift as its result card shows it: its texts in one allocation, and its facts (reached
/// through `Deref`, so `card.id` reads as on the view). The home place of a household employer
/// is stored exactly: who may see it is decided per viewer when the page is made.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// Title, description, requirements and address, one after the other (one allocation).
    text: Box<str>,
    /// Where the description, the requirements and the address begin in `text`.
    cuts: [u32; 3],
    facts: CardFacts,
}

/// The texts of a card, in the order `Card::new` takes them.
pub struct CardText<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub requirements: &'a str,
    pub address: &'a str,
}

/// Everything of a card but its text.
#[derive(Debug, Clone, PartialEq)]
pub struct CardFacts {
    pub id: i64,
    pub employer_id: i64,
    pub status: ShiftStatus,
    /// Shared by every card of the same category (few distinct values).
    pub category: Arc<str>,
    pub category_name: Arc<str>,
    pub headcount: i32,
    pub lat: f64,
    pub lng: f64,
    /// Shared like the category (a few thousand districts at most).
    pub adcode: Option<Arc<str>>,
    /// Slot id, start, end.
    pub slots: Box<[(i64, Instant, Instant)]>,
    pub pay_fen: i64,
    pub pay_unit: PayUnit,
    pub pay_per_hour_fen: Option<i64>,
    pub minutes_per_piece: Option<i32>,
    pub settlement: Settlement,
    pub employment_type: EmploymentType,
    pub take_mode: TakeMode,
    pub valid_through: Instant,
    pub created_at: Instant,
    pub updated_at: Instant,
    pub published_at: Option<Instant>,
    /// A moderator's rejection code and reason (`CardFacts::rejection`); boxed, as a searchable
    /// shift hardly ever has one.
    pub rejection: Option<Box<(Option<String>, Option<String>)>>,
}

impl CardFacts {
    /// The boxed rejection of a card: `None` unless there is a code or a reason.
    pub fn rejection(code: Option<String>, reason: Option<String>) -> Option<Box<(Option<String>, Option<String>)>> {
        (code.is_some() || reason.is_some()).then(|| Box::new((code, reason)))
    }

    pub fn rejection_code(&self) -> Option<&str> {
        self.rejection.as_ref().and_then(|r| r.0.as_deref())
    }

    pub fn rejection_reason(&self) -> Option<&str> {
        self.rejection.as_ref().and_then(|r| r.1.as_deref())
    }
}

impl std::ops::Deref for Card {
    type Target = CardFacts;

    fn deref(&self) -> &CardFacts {
        &self.facts
    }
}

impl Card {
    pub fn new(t: CardText, facts: CardFacts) -> Card {
        let mut text = String::with_capacity(t.title.len() + t.description.len() + t.requirements.len() + t.address.len());
        let mut cuts = [0u32; 3];
        for (i, part) in [t.title, t.description, t.requirements].into_iter().enumerate() {
            text.push_str(part);
            cuts[i] = text.len() as u32;
        }
        text.push_str(t.address);
        Card { text: text.into_boxed_str(), cuts, facts }
    }

    fn part(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.cuts[i - 1] as usize };
        let end = if i == 3 { self.text.len() } else { self.cuts[i] as usize };
        &self.text[start..end]
    }

    pub fn title(&self) -> &str {
        self.part(0)
    }

    pub fn description(&self) -> &str {
        self.part(1)
    }

    pub fn requirements(&self) -> &str {
        self.part(2)
    }

    pub fn address(&self) -> &str {
        self.part(3)
    }
}

/// The employer's part of its shifts' cards: what they show of it, and what decides who sees a
/// household's home (its kind and the account that owns it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployerCard {
    pub id: i64,
    pub name: Box<str>,
    pub verified: bool,
    /// A household employer (个人 / 家庭): its shifts are at its home.
    pub home: bool,
    pub owner_user_id: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> CardFacts {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-23T08:00:00+08:00").unwrap();
        CardFacts {
            id: 7,
            employer_id: 3,
            status: ShiftStatus::Published,
            category: Arc::from("cleaning"),
            category_name: Arc::from("保洁"),
            headcount: 2,
            lat: 39.9,
            lng: 116.4,
            adcode: Some(Arc::from("110105")),
            slots: vec![(1, t, t)].into_boxed_slice(),
            pay_fen: 3500,
            pay_unit: PayUnit::Hour,
            pay_per_hour_fen: Some(3500),
            minutes_per_piece: None,
            settlement: Settlement::Daily,
            employment_type: EmploymentType::Gig,
            take_mode: TakeMode::Apply,
            valid_through: t,
            created_at: t,
            updated_at: t,
            published_at: Some(t),
            rejection: None,
        }
    }

    #[test]
    fn texts_come_back_as_they_went_in_whatever_their_lengths() {
        // Empty parts, multi-byte characters and one long part: every cut stays on its boundary.
        let samples = ["", "日结", "家庭保洁员（日结）", "a", &"长".repeat(3000)];
        for title in samples {
            for description in samples {
                for requirements in samples {
                    for address in samples {
                        let c = Card::new(CardText { title, description, requirements, address }, facts());
                        assert_eq!((c.title(), c.description(), c.requirements(), c.address()), (title, description, requirements, address));
                    }
                }
            }
        }
    }

    #[test]
    fn a_rejection_is_kept_only_when_there_is_one() {
        let text = CardText { title: "t", description: "d", requirements: "r", address: "a" };
        assert!(Card::new(text, facts()).rejection.is_none());
        assert!(CardFacts::rejection(None, None).is_none());
        let f = CardFacts { rejection: CardFacts::rejection(None, Some("地址不实".into())), ..facts() };
        let c = Card::new(CardText { title: "t", description: "d", requirements: "r", address: "a" }, f);
        assert_eq!((c.rejection_code(), c.rejection_reason()), (None, Some("地址不实")));
    }
}
