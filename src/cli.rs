//! The `lingong` command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Overrides;

#[derive(Debug, Parser)]
#[command(name = "lingong", version, about = "lingong 零工市场: the backend of a public gig-labour market")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// A TOML file layered over the built-in defaults.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://PATH, a file path, or postgres://…
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Redis URL (redis://…); an empty string disables Redis.
    #[arg(long, global = true, value_name = "URL")]
    pub redis_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API (applies pending migrations first).
    Serve {
        /// Address to listen on, e.g. 0.0.0.0:8080.
        #[arg(long, value_name = "ADDR")]
        bind: Option<String>,
        /// Load the demo market first if the database has none.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Load data.
    Seed {
        /// Realistic demo employers, shifts and workers in five real cities.
        #[arg(long, required = true)]
        demo: bool,
    },
    /// Rebuild the search index from the database (with a progress bar), then tell every running
    /// replica, through the change log, to rebuild its own.
    Reindex,
    /// Print the OpenAPI 3.1 document (the same one served at /api/v1/openapi.json).
    Openapi,
    /// Administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Import data from files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import shifts from a CSV file (UTF-8 or GB18030; columns in docs/import.md), posted as the
    /// staff account with phone --as; prints each row's outcome and exits non-zero when any failed.
    Shifts {
        /// The CSV file.
        file: PathBuf,
        /// The phone number of the staff account importing (station staff, moderator or admin).
        #[arg(long = "as", value_name = "STAFF_PHONE")]
        as_phone: String,
        /// `all_or_nothing` (nothing is imported unless every row is valid) or `valid_rows`.
        #[arg(long, default_value = "all_or_nothing")]
        mode: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a staff account (staff never self-register).
    CreateUser {
        /// moderator, station_staff or admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        phone: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
    },
    /// Create a community employment service station (社区就业服务站), as the admin with phone --by.
    CreateStation {
        /// The phone number of the admin account acting.
        #[arg(long, value_name = "ADMIN_PHONE")]
        by: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        address: String,
        #[arg(long, allow_negative_numbers = true)]
        lat: f64,
        #[arg(long, allow_negative_numbers = true)]
        lng: f64,
        /// The station's county code (12 or 6 digits).
        #[arg(long)]
        adcode: String,
        /// District codes the station serves, comma separated (default: its county).
        #[arg(long, value_delimiter = ',')]
        counties: Option<Vec<String>>,
        /// How far around the station its staff act, km (1–30, default 5).
        #[arg(long, allow_negative_numbers = true)]
        radius_km: Option<f64>,
    },
    /// Make a station_staff account (by phone) one of a station's staff, as the admin with phone --by.
    AssignStation {
        /// The phone number of the admin account acting.
        #[arg(long, value_name = "ADMIN_PHONE")]
        by: String,
        /// The station's id.
        #[arg(long)]
        station: i64,
        /// The phone number of the station_staff account.
        #[arg(long, value_name = "PHONE")]
        staff: String,
    },
}

impl Cli {
    pub fn overrides(&self) -> Overrides {
        let bind = match &self.command {
            Command::Serve { bind, .. } => bind.clone(),
            _ => None,
        };
        Overrides { config_file: self.global.config.clone(), database_url: self.global.database_url.clone(), redis_url: self.global.redis_url.clone(), bind }
    }
}
