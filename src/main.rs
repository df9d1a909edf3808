//! The `tessera` binary: parses the command line and hands over to the composition root.

mod cli;
mod config;
mod logging;
mod startup;

use clap::Parser;
use std::process::ExitCode;

/// See the `mimalloc` entry in Cargo.toml for why not the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match startup::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tessera: {err}");
            ExitCode::FAILURE
        }
    }
}
