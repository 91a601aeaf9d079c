//! `complaints`: parse the command line, run one command, map the outcome to an exit code.
//! The clock is read here, once; nothing below `main` reads it.

use clap::Parser;

fn main() {
    let cli = complaints::cli::Cli::parse();
    let now = chrono::Utc::now().timestamp();
    let code = match complaints::commands::run(cli, now) {
        Ok(code) => code,
        Err(e) => {
            complaints::ui::error(&e);
            e.exit_code()
        }
    };
    std::process::exit(code);
}
