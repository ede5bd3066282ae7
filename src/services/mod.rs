//! The service layer: business operations over the database, called by HTTP handlers, the CLI and
//! the demo seeder alike. Each takes validated input and runs inside one transaction.

pub mod accounts;
pub mod audit;
pub mod availability;
pub mod calendar;
pub mod categories;
pub mod districts;
pub mod employers;
pub mod engagements;
pub mod moderation;
pub mod outbox;
pub mod ratings;
pub mod reports;
pub mod search_log;
pub mod shifts;
pub mod workers;

/// Decodes a JSON list column; a corrupt value reads as empty rather than failing the request.
pub(crate) fn json_list<T: serde::de::DeserializeOwned>(s: &str) -> Vec<T> {
    serde_json::from_str(s).unwrap_or_default()
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serializable")
}
