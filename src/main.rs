use std::process::ExitCode;

use clap::Parser;

use lingong::app::{AppState, Application};
use lingong::cli::{AdminCommand, Cli, Command, ImportCommand};
use lingong::config::Config;
use lingong::db::write_transaction;
use lingong::domain::Role;
use lingong::services::accounts::{self, NewUser};
use lingong::services::stations;
use lingong::{auth, seed, telemetry};

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(&cli.overrides()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("lingong: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log);
    match run(cli.command, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lingong: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// An operation's error as an operator reads it: the message, and each invalid field as its flag.
fn cli_error(e: lingong::error::Error) -> anyhow::Error {
    let fields: Vec<String> = e.fields().iter().map(|f| format!("--{}: {}", f.field.replace('_', "-"), f.msg.en)).collect();
    if fields.is_empty() { anyhow::anyhow!("{e}") } else { anyhow::anyhow!("{}: {}", e.msg().en, fields.join("; ")) }
}

async fn run(command: Command, mut config: Config) -> anyhow::Result<()> {
    // Only `serve` may skip migrating (when a deploy step runs `lingong migrate`); `migrate`
    // migrates itself below so it can report what it applied.
    match command {
        Command::Openapi => {
            use utoipa::OpenApi;
            println!("{}", lingong::routes::docs::ApiDoc::openapi().to_pretty_json()?);
            return Ok(());
        }
        Command::Serve { .. } => {}
        Command::Migrate => config.database.migrate_on_start = false,
        _ => config.database.migrate_on_start = true,
    }
    match command {
        Command::Serve { demo, .. } => {
            let state = AppState::build(config.clone()).await?;
            if demo {
                let db = state.db.clone();
                tokio::task::spawn_blocking(move || seed::demo_if_empty(&db)).await??;
            }
            state.start_background().await?;
            let app = Application::from_state(state)?;
            tracing::info!(bind = %config.server.bind, port = app.port(), "lingong is serving; docs at /docs/");
            app.run_until_stopped().await?;
            tracing::info!("stopped");
        }
        Command::Migrate => {
            let state = AppState::build(config).await?;
            let db = state.db.clone();
            let applied = tokio::task::spawn_blocking(move || db.migrate()).await??;
            println!("migrations up to date{}", if applied.is_empty() { String::new() } else { format!(" ({} applied)", applied.len()) });
        }
        Command::Openapi => unreachable!("handled above"),
        Command::Reindex => {
            let state = AppState::build(config).await?;
            let (engine, db) = (state.engine.clone(), state.db.clone());
            let report = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
                let started = std::time::Instant::now();
                let bar = indicatif::ProgressBar::new(0)
                    .with_style(indicatif::ProgressStyle::with_template("shifts [{bar:40}] {pos}/{len} {per_sec} eta {eta}").expect("valid template"));
                let n = lingong::search::sync::rebuild(&engine, &db, Some(&bar))?;
                bar.finish_and_clear();
                let mut conn = db.get().map_err(|e| anyhow::anyhow!(e))?;
                write_transaction(&mut conn, |tx| tx.record(lingong::db::changes::Entity::All, 0)).map_err(|e| anyhow::anyhow!(e))?;
                Ok(format!(
                    "indexed {n} published shifts and {} availability records in {:.1} s; running replicas will rebuild too",
                    engine.availability_count(),
                    started.elapsed().as_secs_f64()
                ))
            })
            .await??;
            println!("{report}");
        }
        Command::Seed { .. } => {
            let state = AppState::build(config).await?;
            let db = state.db.clone();
            let report = tokio::task::spawn_blocking(move || seed::demo(&db)).await??;
            println!("{report}");
        }
        Command::Admin { command: AdminCommand::CreateUser { role, phone, password, name, email } } => {
            let user =
                NewUser::parse(Some(&role), Some(&phone), Some(&password), Some(&name), email.as_deref(), &[Role::Moderator, Role::StationStaff, Role::Admin])
                    .map_err(|e| {
                        let fields: Vec<String> = e.fields().iter().map(|f| format!("--{}: {}", f.field.replace('_', "-"), f.msg.en)).collect();
                        anyhow::anyhow!("{}", fields.join("; "))
                    })?;
            let state = AppState::build(config).await?;
            let db = state.db.clone();
            let view = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
                let hash = auth::password::hash(&user.password);
                let mut conn = db.get().map_err(|e| anyhow::anyhow!(e))?;
                write_transaction(&mut conn, |c| accounts::create_user(c, &user, &hash, None)).map(|(v, _)| v).map_err(|e| anyhow::anyhow!(e))
            })
            .await??;
            println!("created {} account {} (id {})", view.role, view.display_name, view.id);
        }
        Command::Admin { command: AdminCommand::CreateStation { by, name, address, lat, lng, adcode, counties, radius_km } } => {
            let state = AppState::build(config).await?;
            let req = stations::StationRequest {
                name: Some(name),
                address: Some(address),
                lat: Some(lat),
                lng: Some(lng),
                adcode: Some(adcode),
                counties,
                radius_km,
            };
            let admin = state.db.run(move |conn| accounts::actor_by_phone(conn, &by)).await.map_err(cli_error)?;
            let view = stations::create(&state, &admin, req).await.map_err(cli_error)?;
            println!("created station {} (id {}) serving {} within {} km", view.name, view.id, view.counties.join(","), view.radius_km);
        }
        Command::Import { command: ImportCommand::Shifts { file, as_phone, mode } } => {
            use lingong::services::opendata::import::{self, RowOutcome};
            let mode = import::Mode::parse(&mode).map_err(|e| anyhow::anyhow!("--mode: {}", e.msg.en))?;
            let bytes = std::fs::read(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let state = AppState::build(config).await?;
            let staff = state.db.run(move |conn| accounts::actor_by_phone(conn, &as_phone)).await.map_err(cli_error)?;
            let bar = indicatif::ProgressBar::new(0)
                .with_style(indicatif::ProgressStyle::with_template("rows [{bar:40}] {pos}/{len} eta {eta}").expect("valid template"));
            let report = import::import_shifts(&state, &staff, bytes, mode, Some(bar.clone())).await.map_err(cli_error)?;
            bar.finish_and_clear();
            for r in &report.items {
                match r.outcome {
                    RowOutcome::Imported => {
                        println!("row {}: imported shift {} ({})", r.row, r.shift_id.unwrap_or_default(), r.status.map(|s| s.as_str()).unwrap_or(""))
                    }
                    RowOutcome::RolledBack => println!("row {}: valid, not imported (another row failed)", r.row),
                    RowOutcome::Failed => {
                        for e in &r.errors {
                            println!("row {}: failed: {} ({}, {}): {} / {}", r.row, e.column, e.field, e.code, e.message.zh, e.message.en);
                        }
                    }
                }
            }
            println!(
                "{} of {} rows imported ({} failed; {}, read as {})",
                report.imported,
                report.rows,
                report.failed,
                if report.committed { "committed" } else { "nothing kept" },
                report.encoding
            );
            if report.failed > 0 {
                anyhow::bail!("{} of {} rows failed", report.failed, report.rows);
            }
        }
        Command::Admin { command: AdminCommand::AssignStation { by, station, staff } } => {
            let state = AppState::build(config).await?;
            let (admin, member) =
                state.db.run(move |conn| Ok((accounts::actor_by_phone(conn, &by)?, accounts::actor_by_phone(conn, &staff)?))).await.map_err(cli_error)?;
            let view =
                stations::assign_staff(&state, &admin, lingong::domain::StationId(station), lingong::domain::UserId(member.id)).await.map_err(cli_error)?;
            println!("{} (id {}) is now staff of station {} (id {})", member.display_name, member.id, view.name, view.id);
        }
    }
    Ok(())
}
