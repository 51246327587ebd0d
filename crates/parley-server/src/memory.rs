//! Keeping the server's memory near what it uses: no transparent huge pages, and freed
//! memory handed back to the system when a thread goes idle.
//!
//! With transparent huge pages on (`always`, as on many distributions), one touched byte
//! of the allocator's sparse arenas makes a whole 2 MiB page resident: half of an idle
//! server's memory was such pages. The process opts out at start; the allocator's small
//! pages cost no measurable chat throughput (docs/performance.md).
//!
//! Most of the binary's code runs once: argument parsing, migrations, the first start's
//! demo workspace, document ingestion. Its pages stay mapped after they ran, so an idle
//! server's RSS was mostly code it would not run again (29 of 41 MB). When the server is
//! ready, and again when ingestion's tokenizer is let go, the code pages are handed back
//! (`MADV_PAGEOUT`); what the server still runs is faulted back in from the page cache on
//! its next use, once.
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
        if parley_ai::tokenizer::release_if_unused(TOKENIZER_IDLE) {
            // Ingestion (or a model prompt) is over: its code need not stay resident either.
            page_out_code();
        }
        // SAFETY: mi_collect takes no pointers; it walks this thread's heap and the
        // allocator's own free lists.
        unsafe { libmimalloc_sys::mi_collect(true) };
    });
}

/// Turns transparent huge pages off for this process (Linux; elsewhere nothing): pages
/// already faulted in stay as they are.
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integers only and changes only this process's flag.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Hands the executable's resident code and read-only data pages back to the kernel (Linux
/// 5.4+; elsewhere, or on an older kernel, nothing): they are file-backed, so nothing is
/// lost, and a page the server runs again is mapped back from the page cache.
pub fn page_out_code() {
    #[cfg(target_os = "linux")]
    {
        let (Ok(exe), Ok(maps)) = (
            std::fs::read_link("/proc/self/exe"),
            std::fs::read_to_string("/proc/self/maps"),
        ) else {
            return;
        };
        for line in maps.lines() {
            let mut fields = line.split_whitespace();
            let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
                continue;
            };
            // Writable mappings hold data the process changed: never those.
            if perms.contains('w') || fields.nth(3).map(std::path::Path::new) != Some(&exe) {
                continue;
            }
            let Some((start, end)) = range.split_once('-') else {
                continue;
            };
            let (Ok(start), Ok(end)) = (
                usize::from_str_radix(start, 16),
                usize::from_str_radix(end, 16),
            ) else {
                continue;
            };
            // SAFETY: the range is a whole read-only mapping of this process's own
            // executable; MADV_PAGEOUT only drops its pages from memory (a later access
            // faults them back in), and an unsupported advice returns an error, ignored.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_PAGEOUT);
            }
        }
    }
}
