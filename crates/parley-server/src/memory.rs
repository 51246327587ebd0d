//! Keeping the server's memory near what it uses: no transparent huge pages, and freed
//! memory handed back to the system when a thread goes idle.
//!
//! With transparent huge pages on (`always`, as on many distributions), one touched byte
//! of the allocator's sparse arenas makes a whole 2 MiB page resident: half of an idle
//! server's memory was such pages. The process opts out at start; the allocator's small
//! pages cost no measurable chat throughput (docs/performance.md).
//!
//! mimalloc keeps the pages a thread freed for that thread's next allocations, and purges
//! them only as the thread allocates again: a server that goes quiet after a burst (or after
//! ingesting documents) keeps its peak. Each runtime thread, when it runs out of work,
//! collects its own heap and purges what is free, at most every few seconds: a quiet
//! server shrinks, while a busy one pays one collection per thread per interval (a thread
//! parks between bursts of work) rather than one per park. Purging eagerly instead (mimalloc's
//! `purge_delay=0`) cost chat throughput; see docs/performance.md. The tokenizer's ranks,
//! the largest thing loaded on demand, are let go first when unused for a minute.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// The least time between two collections on one thread.
const EVERY: Duration = Duration::from_secs(5);
/// How long the tokenizer's ranks stay loaded unused (ingestion and model prompts load
/// them again in tens of milliseconds).
const TOKENIZER_IDLE: Duration = Duration::from_secs(60);

thread_local! {
    static LAST: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Called by the runtime each time one of its threads parks.
pub fn return_freed() {
    LAST.with(|last| {
        let now = Instant::now();
        if last.get().is_some_and(|at| now.duration_since(at) < EVERY) {
            return;
        }
        last.set(Some(now));
        parley_ai::tokenizer::release_if_unused(TOKENIZER_IDLE);
        // SAFETY: mi_collect takes no pointers; it walks this thread's heap and the
        // allocator's own free lists.
        unsafe { libmimalloc_sys::mi_collect(true) };
    });
}

/// Turns transparent huge pages off before anything is allocated: a constructor that the
/// loader runs ahead of the allocator's own (mimalloc initialises at priority 101) and of
/// the Rust runtime's. Turned off in `main` instead, the allocator's first arena region was
/// already faulted in as one 2 MiB huge page by the runtime's few allocations before `main`,
/// and stayed resident for good.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array.00100")]
static NO_HUGE_PAGES_BEFORE_MAIN: extern "C" fn() = {
    extern "C" fn before_main() {
        no_huge_pages();
    }
    before_main
};

/// Turns transparent huge pages off for this process (Linux; elsewhere nothing): pages
/// already faulted in stay as they are.
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integers only and changes only this process's flag.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
