//! The `whatsflow` binary: parses the command line and runs it.

use clap::Parser;

/// The server's allocator. Under load the server spends much of its time
/// allocating and freeing small buffers on many threads (actors' messages,
/// JSON values, statement arguments), where glibc's malloc took 15% of all
/// samples in the flows bench (BENCHMARKS.md); mimalloc's per-thread free
/// lists make that path short.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
