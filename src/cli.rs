//! The command line: `serve`, `demo`, `migrate`, `graph-sim`, `razorpay-sim`, `mail-sink`, `rotate-key`.

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
    /// Platform operators' tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Run offline with no credentials: embedded database, a seeded demo
    /// business, the Graph API simulator and simulated customers.
    Demo,
    /// Run the Graph API simulator alone, posting its signed webhooks to a URL.
    GraphSim {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8090")]
        bind: String,
        /// Where to post status webhooks (e.g. http://127.0.0.1:8080/webhooks/whatsapp).
        #[arg(long)]
        webhook_url: String,
        /// The app secret that signs them (the server's WHATSAPP_APP_SECRET).
        #[arg(long)]
        app_secret: String,
        /// Messages per second per number before error 130429.
        #[arg(long, default_value_t = 80)]
        mps: u32,
        /// Milliseconds between a send and each of its status webhooks.
        #[arg(long, default_value_t = 500)]
        status_delay_ms: u64,
        /// Simulated customers answer what they read.
        #[arg(long)]
        auto_reply: bool,
        /// A number the simulated Meta knows, as PHONE_NUMBER_ID:WABA_ID:TOKEN
        /// (repeatable); channels are verified against these.
        #[arg(long = "number", value_name = "PHONE_NUMBER_ID:WABA_ID:TOKEN")]
        numbers: Vec<crate::sim::graph::SimNumber>,
    },
    /// Run the Razorpay simulator alone (subscriptions, charges, refunds and
    /// signed webhooks); prints the RAZORPAY_API_BASE to use.
    RazorpaySim {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8091")]
        bind: String,
        /// Where to post webhooks (e.g. http://127.0.0.1:8080/webhooks/razorpay).
        #[arg(long)]
        webhook_url: String,
        /// The secret that signs them (the server's RAZORPAY_WEBHOOK_SECRET).
        #[arg(long)]
        webhook_secret: String,
        /// The API key id it accepts (the server's RAZORPAY_KEY_ID).
        #[arg(long, default_value = "rzp_test_simulator")]
        key_id: String,
        /// Its secret (the server's RAZORPAY_KEY_SECRET).
        #[arg(long, default_value = "simulator-key-secret")]
        key_secret: String,
        /// Charge due subscriptions every this many seconds (0: on demand only,
        /// through POST /__sim/subscriptions/{id}/charge).
        #[arg(long, default_value_t = 0)]
        charge_every_secs: u64,
    },
    /// Run a local mail sink: an SMTP server that keeps every mail (point
    /// SMTP_URL at it) and lists them at GET http://HTTP/mails.
    MailSink {
        /// SMTP address.
        #[arg(long, default_value = "127.0.0.1:2525")]
        smtp: String,
        /// HTTP address of the mail list.
        #[arg(long, default_value = "127.0.0.1:8025")]
        http: String,
        /// Print each mail as it arrives.
        #[arg(long)]
        echo: bool,
    },
    /// Re-seal every stored secret under WHATSFLOW_MASTER_KEY, opening them
    /// with it or WHATSFLOW_MASTER_KEY_PREVIOUS (comma-separated old keys).
    RotateKey,
}

/// `whatsflow admin …`.
#[derive(Subcommand)]
pub enum AdminCommand {
    /// Make a super-admin (a platform operator who signs in to the Admin
    /// console), against the same data directory or DATABASE_URL as `serve`.
    CreateSuperAdmin {
        /// Their sign-in email.
        #[arg(long)]
        email: String,
        /// Their password (at least 8 characters).
        #[arg(long)]
        password: String,
        /// Their name.
        #[arg(long, default_value = "Platform Operator")]
        name: String,
    },
}

/// Waits for Ctrl-C or SIGTERM (a simulator or sink run alone).
async fn until_stopped() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
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
        Command::RotateKey => {
            let config = Config::from_env()?;
            let report = crate::rotate::run(&config).await?;
            println!("re-sealed {} secret(s) under the current master key; {} already were", report.resealed, report.current);
            Ok(())
        }
        Command::GraphSim { bind, webhook_url, app_secret, mps, status_delay_ms, auto_reply, numbers } => {
            let listener = std::net::TcpListener::bind(&bind).map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
            let sim = crate::sim::graph::start(
                listener,
                crate::sim::graph::SimConfig {
                    webhook_url,
                    app_secret,
                    mps,
                    status_delay: std::time::Duration::from_millis(status_delay_ms),
                    auto_read: true,
                    auto_reply,
                },
            )?;
            for n in numbers {
                sim.state.register_number(n);
            }
            println!("Graph API simulator: GRAPH_API_BASE={}", sim.base_url);
            until_stopped().await?;
            sim.handle.stop(true).await;
            Ok(())
        }
        Command::RazorpaySim { bind, webhook_url, webhook_secret, key_id, key_secret, charge_every_secs } => {
            let listener = std::net::TcpListener::bind(&bind).map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
            let sim = crate::sim::razorpay::start(
                listener,
                crate::sim::razorpay::RazorpaySimConfig {
                    webhook_url,
                    webhook_secret,
                    key_id: key_id.clone(),
                    key_secret,
                    charge_every: (charge_every_secs > 0).then(|| std::time::Duration::from_secs(charge_every_secs)),
                },
            )?;
            println!("Razorpay simulator: RAZORPAY_API_BASE={} RAZORPAY_KEY_ID={key_id}", sim.base_url);
            until_stopped().await?;
            sim.handle.stop(true).await;
            Ok(())
        }
        Command::MailSink { smtp, http, echo } => {
            let smtp_listener = std::net::TcpListener::bind(&smtp).map_err(|e| anyhow::anyhow!("cannot listen on {smtp}: {e}"))?;
            let http_listener = std::net::TcpListener::bind(&http).map_err(|e| anyhow::anyhow!("cannot listen on {http}: {e}"))?;
            let sink = crate::sim::smtp::start(smtp_listener, echo)?;
            let handle = crate::sim::smtp::serve_http(http_listener, sink.mailbox.clone())?;
            println!("Mail sink: SMTP_URL={} — mails at http://{http}/mails", sink.smtp_url());
            until_stopped().await?;
            handle.stop(true).await;
            Ok(())
        }
        Command::Admin(AdminCommand::CreateSuperAdmin { email, password, name }) => {
            let email = email.trim().to_lowercase();
            if !email.contains('@') || password.chars().count() < crate::auth::password::MIN_PASSWORD_LEN {
                anyhow::bail!("give an email and a password of at least {} characters", crate::auth::password::MIN_PASSWORD_LEN);
            }
            let config = Config::from_env()?;
            let (url, embedded) = crate::startup::owner_database(&config).await?;
            let result = async {
                let pool = crate::db::connect(&url, 2, None).await?;
                let hash = crate::auth::password::hash(&password).map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
                let made = crate::store::repo::Db::new(pool.clone()).admin().create_super_admin(&email, name.trim(), &hash).await;
                pool.close().await;
                made.map_err(anyhow::Error::from)
            }
            .await;
            if let Some(pg) = embedded {
                if let Err(e) = pg.stop().await {
                    tracing::warn!(error = %e, "stopping embedded Postgres");
                }
            }
            let user = result?;
            println!("super-admin {} created; sign in at /login with that email and password", user.email);
            Ok(())
        }
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
