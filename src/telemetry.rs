//! Logging: `RUST_LOG`-filtered tracing to stderr (JSON with
//! `WHATSFLOW_LOG_FORMAT=json`), coloured only on a terminal. Each request's
//! lines carry its `request_id` (see [`crate::http::request_id`]); requests
//! themselves are logged at DEBUG.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber (once; later calls are ignored).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    let json = std::env::var("WHATSFLOW_LOG_FORMAT").is_ok_and(|v| v == "json");
    // Colours only on a terminal: a log file or a pipe gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
