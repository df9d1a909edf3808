//! Structured logs with `tracing`, to stderr: human-readable text by default, one JSON
//! object per line with `TESSERA_LOG_FORMAT=json`.

use crate::config::{Config, LogFormat};
use tracing_subscriber::EnvFilter;

pub fn init(config: &Config) {
    let filter = EnvFilter::try_new(config.log_filter()).unwrap_or_else(|err| {
        eprintln!("tessera: invalid log filter ({err}); using `info`");
        EnvFilter::new("info")
    });
    // Colours only on a terminal: escape codes in a log file or journald are noise.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    // `try_init` fails only if a subscriber is already set (e.g. twice in tests): harmless.
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
