//! `complaints`: parse the command line, run one command, map the outcome to an exit code.
//! The clock is read here, once; nothing below `main` reads it.

use clap::Parser;

/// mimalloc: a run allocates millions of short strings and a few vectors of gigabytes; it
/// reuses freed memory where glibc hands it back to the kernel and faults it in again.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
