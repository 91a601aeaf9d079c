//! `complaints`: parse the command line, run one command, map the outcome to an exit code.
//! The clock is read here, once; nothing below `main` reads it.

use clap::Parser;

/// mimalloc: a run allocates millions of short strings and a few vectors of gigabytes; it
/// reuses freed memory where glibc hands it back to the kernel and faults it in again.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe extern "C" {
    /// mimalloc's option setter (`mi_option_t` is a C enum).
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// `mi_option_purge_delay` in mimalloc v3's `mi_option_e` (the version the lock file pins).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// Memory settings for a batch job that allocates gigabytes in a few big steps.
///
/// - Freed memory is kept for reuse instead of being returned to the kernel after a second:
///   each stage frees what the next one allocates, and memory handed back is faulted in and
///   zeroed again.
/// - No transparent huge pages: mimalloc asks for them by default, and a 2 MiB fault that has
///   to compact memory first costs far more than the TLB misses it saves. On the benchmark
///   machine, first touch of 2 GiB took 1.9 s in 4 KiB pages and 13.8 s in huge pages, and a
///   1 M run spent a quarter of its time clearing pages; see BENCHMARKS.md.
fn tune_memory() {
    // Safety: called before any thread starts, as mimalloc requires of option changes.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    #[cfg(target_os = "linux")]
    // Safety: PR_SET_THP_DISABLE takes no pointers; failure only leaves the default.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() {
    tune_memory();
    complaints::ui::quiet_writer_panics();
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
