//! The `whatsflow` binary: parses the command line and runs it.

use clap::Parser;

/// The server's allocator. Under load the server spends much of its time
/// allocating and freeing small buffers on many threads (actors' messages,
/// JSON values, statement arguments), where glibc's malloc took 15% of all
/// samples in the flows bench (BENCHMARKS.md); mimalloc's per-thread free
/// lists make that path short.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for this process, unless the operator
/// chose with mimalloc's own `MIMALLOC_ALLOW_THP`. mimalloc asks for huge
/// pages on its arenas, and the kernel then zeroes 2 MiB at the first touch
/// of each: that was half the server's CPU while agents connected, and
/// 8 KiB more resident memory per agent session (BENCHMARKS.md, "Huge
/// pages off").
fn no_huge_pages() {
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_some() {
        return;
    }
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only changes how
    // the kernel backs this process's (and its children's) memory.
    let refused = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) } != 0;
    if refused {
        tracing::debug!("the kernel kept transparent huge pages on");
    }
}

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    whatsflow::telemetry::init();
    no_huge_pages();
    let cli = whatsflow::cli::Cli::parse();
    match whatsflow::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("whatsflow: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
