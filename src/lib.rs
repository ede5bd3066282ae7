//! lingong (零工): the backend of a public gig-labour market.

pub mod alerts;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod inbox;
pub mod jobs;
pub mod listing;
pub mod mail;
pub mod metrics;
pub mod pubsub;
pub mod ratelimit;
pub mod routes;
pub mod search;
pub mod seed;
pub mod services;
pub mod telemetry;
pub mod web;

#[cfg(test)]
mod layering;
