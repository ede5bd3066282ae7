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
