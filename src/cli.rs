//! The command line: `serve`, `demo`, `migrate`.

use crate::config::Config;
use crate::startup::Application;
use clap::{Parser, Subcommand};

/// whatsflow: a multi-tenant WhatsApp Business platform.
#[derive(Parser)]
#[command(name = "whatsflow", version, about)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Run the server (configuration from the environment; see README).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Run offline with no credentials: embedded database, a seeded demo
    /// business and simulated customers.
    Demo,
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve => {
            let config = Config::from_env()?;
            let app = Application::build(config).await?;
            tracing::info!(port = app.port(), "whatsflow is serving");
            app.run_until_stopped().await
        }
        Command::Demo => crate::demo::run().await,
        Command::Migrate => {
            let url = crate::config::env_var("DATABASE_URL").ok_or_else(|| {
                anyhow::anyhow!(
                    "DATABASE_URL is not set: `migrate` needs the database to migrate (serve migrates its embedded database itself)"
                )
            })?;
            crate::db::migrate(&url).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
    }
}
