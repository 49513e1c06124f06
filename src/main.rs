//! The `whatsflow` binary: parses the command line and runs it.

use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    whatsflow::telemetry::init();
    let cli = whatsflow::cli::Cli::parse();
    match whatsflow::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("whatsflow: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
