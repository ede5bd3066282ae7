//! Black-box API tests: the real application over HTTP, one fresh database per test.
//! SQLite by default; PostgreSQL + Redis with LINGONG_TEST_DATABASE_URL / LINGONG_TEST_REDIS_URL.

mod bodies;
mod helpers;
mod listing;
mod smtp_sink;
mod staff_account;

mod accounts;
mod alerts;
mod availability;
mod cli;
mod contract;
mod desk;
mod employers;
mod engagements;
mod errors;
mod events;
mod from_memory;
mod hardening;
mod idempotency;
mod inbox;
mod mail;
mod moderation;
mod moderation_console;
mod opendata;
mod ops;
mod pages;
mod pages_console;
mod pages_desk;
mod pages_employer;
mod pages_station;
mod pages_worker;
mod privacy;
mod promises;
mod reference;
mod schema;
mod scope;
mod screening;
mod search;
mod search_understanding;
mod sharing;
mod shifts;
mod stations;
mod stats;
mod workers;
