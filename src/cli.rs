//! Command-line interface.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "tessera",
    version,
    about = "Tessera: an event-sourced identity provider speaking Logto's wire surface"
)]
pub struct Cli {
    /// TOML configuration file (default: ./tessera.toml when present).
    #[arg(long, global = true, env = "TESSERA_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run migrations, start the projectors and serve HTTP until SIGTERM/SIGINT.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the backend, the log head and each projector's checkpoint and lag.
    Status,
    /// Rebuild read models from the start of the log (stop `serve` first).
    Replay(ReplayArgs),
    /// Manage the OIDC signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new signing key current; the previous one stays in the JWKS until every
    /// token it signed has expired. Running servers pick the new key up from the log.
    Rotate {
        /// ES384 (EC P-384, Logto's default) or RS256 (RSA 2048).
        #[arg(long, default_value = "ES384", value_parser = ["ES384", "RS256"])]
        alg: String,
    },
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ReplayArgs {
    /// The projection to rebuild (e.g. `users`).
    #[arg(long, value_name = "NAME")]
    pub projection: Option<String>,
    /// Rebuild every projection.
    #[arg(long)]
    pub all: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn keys_rotate_takes_an_algorithm() {
        let cli = Cli::try_parse_from(["tessera", "keys", "rotate", "--alg", "RS256"]).unwrap();
        assert!(
            matches!(cli.command, Command::Keys(KeysCommand::Rotate { alg }) if alg == "RS256")
        );
        assert!(Cli::try_parse_from(["tessera", "keys", "rotate", "--alg", "HS256"]).is_err());
    }

    #[test]
    fn replay_needs_exactly_one_target() {
        assert!(Cli::try_parse_from(["tessera", "replay"]).is_err());
        assert!(
            Cli::try_parse_from(["tessera", "replay", "--all", "--projection", "users"]).is_err()
        );
        let cli = Cli::try_parse_from(["tessera", "replay", "--projection", "users"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Replay(ReplayArgs {
                projection: Some(_),
                all: false
            })
        ));
    }
}
