//! Match alerts: workers subscribe (following one of their availability records, or with a saved
//! search) and are mailed newly published shifts that match, instantly or as a daily digest, each
//! shift at most once per subscription, with a link that unsubscribes without signing in.

pub mod rules;
pub mod subscriptions;
