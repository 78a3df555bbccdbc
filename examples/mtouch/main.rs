//! `mtouch`: page-cache residency and control, like `vmtouch`.
//!
//! ```text
//! mtouch [-tevqlcfFXh] [-m SIZE] [-i PATTERN] [-I PATTERN] [--json] [--cache-stats]
//!        [--mincore] [--window SIZE] [--] PATH...
//! ```
//!
//! For each file or directory (directories are walked), asks the page
//! cache how many of each regular file's pages it holds, and reports what
//! `vmtouch` reports, in `vmtouch`'s own layout, so scripts that read
//! `vmtouch`'s output read this one. The count is one `cachestat(2)` call
//! per file (Linux 6.5+): the page cache's own count, whatever the file's
//! size. Where cachestat is missing (`ENOSYS`: an older kernel, or
//! qemu-user) or refused for a file (`EPERM`, `EOPNOTSUPP`), that file is
//! mapped read-only with the crate, window by window, and `mincore(2)`
//! says which pages are resident, as `vmtouch` does; `--mincore` asks for
//! that everywhere. `-v` names the method that ran, `--json` has it as
//! `"method"`.
//!
//! ```text
//!            Files: 20
//!      Directories: 3
//!   Resident Pages: 52/52  208K/208K  100%
//!          Elapsed: 0.00042 seconds
//! ```
//!
//! - `-t` touch: bring every page into the page cache. Nothing is done
//!   to a file cachestat finds all resident; otherwise only the runs of
//!   pages `mincore` finds missing are read in, with `MADV_POPULATE_READ`
//!   (Linux 5.14+); where the kernel lacks it (`EINVAL`), or `madvise`
//!   cannot be trusted (qemu-user answers 0 to any advice and does
//!   nothing, found out once with a nonsense advice value), with
//!   `MADV_WILLNEED` and then a read of one byte per page, as `vmtouch`
//!   does.
//! - `-e` evict: drop the file's pages from the page cache with
//!   `posix_fadvise(POSIX_FADV_DONTNEED)`, issued as the raw `fadvise64`
//!   syscall. That is the call that works on the page cache itself:
//!   `madvise(MADV_DONTNEED)` only drops this process's page-table entries
//!   and leaves the cached pages alone, and `MADV_PAGEOUT` only reclaims
//!   pages this process has mapped in. Dirty pages are not dropped (the
//!   call starts their write-back): `sync` first. The report then says
//!   what is left (a `Resident Pages` line after `vmtouch`'s `Evicted
//!   Pages`).
//! - `-l` lock: touch and `mlock(2)` every page, print `LOCKED N pages`,
//!   and stay until SIGINT or SIGTERM, which end it cleanly (unlocked and
//!   unmapped, exit 0). No handler: the two signals are blocked with
//!   `rt_sigprocmask` and taken with `rt_sigtimedwait`.
//! - `-c`/`--cache-stats`: cachestat's other counts in the report, as
//!   fincore gives them (`     Dirty Pages: N`, ` Writeback Pages`,
//!   ` Evicted Earlier`, `Recently Evicted`), and for `-t` and `-e` their
//!   effect as the page cache counts it before and after (`   Pages Read
//!   In: N`, `   Pages Dropped: N`). `--json` has these fields whenever
//!   cachestat counted (`"dirty_pages"`, `"writeback_pages"`,
//!   `"evicted_pages"`, `"recently_evicted_pages"`, and
//!   `"resident_pages_before"`/`"resident_pages_after"` for `-t`/`-e`);
//!   per file too with `-v`. After `-e`, pages left behind dirty or under
//!   write-back are named on standard error with the advice to `sync`.
//! - `-v` per-file lines with `vmtouch`'s residency bar (with cachestat,
//!   one call per cell of the bar; after `-t`, the bar as measured after);
//!   `-q` no report
//!   (errors still go to standard error); `--json` one JSON object instead
//!   of the text report (with `-v`, a `files_detail` list).
//! - `-m SIZE` skip files larger than SIZE (`4096`, `4k`, `100M`, `1.5G`);
//!   `-i PATTERN` ignore files and directories whose name matches,
//!   `-I PATTERN` only take files whose name matches (`*`, `?`, `[...]`,
//!   as `fnmatch`); `-f` follow symbolic links; `-h` count hard-linked
//!   copies again (by default a file with several links counts once, as in
//!   `vmtouch`).
//! - Other file systems are not entered: a directory on another device
//!   than the path it was reached from is skipped (`-F` says so
//!   explicitly, as in `vmtouch`); `-X` crosses them.
//! - `--window SIZE` maps large files this many bytes at a time (default
//!   1 GiB, 256 MiB on 32-bit targets), so a 100 GiB file needs only one
//!   window of address space (with `-l`, all of it stays mapped).
//!
//! Empty files count as files and have no pages. A path that cannot be
//! read (missing, permission denied, vanished during the walk, a FIFO or
//! device, a map or `mincore` that fails) is named on standard error with
//! its errno, and the walk goes on; the exit status is then 1 (2 for a
//! usage error). On a terminal (and without `-v`, `-q`, `--json`) a
//! progress line shows the counts as the walk goes.
//!
//! The modules: [`args`] the command line, [`walk`] the tree walk and its
//! filters, [`glob`] the `-i`/`-I` patterns (glibc's `fnmatch` rules),
//! [`pages`] what is done to one file's pages, [`report`] everything
//! written, [`sys`] the system calls mtouch issues itself.

mod args;
mod glob;
mod pages;
mod report;
mod sys;
mod walk;

use args::Mode;
use pages::Pager;
use report::{describe, Report};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;
use walk::Walker;

fn main() -> ExitCode {
    let o = match args::parse(std::env::args_os().skip(1)) {
        Ok(o) => o,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("mtouch: {msg}");
            }
            eprintln!("{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    if o.mode == Mode::Lock {
        if let Err(e) = sys::block_stop_signals() {
            eprintln!("mtouch: rt_sigprocmask: {}", describe(e));
            return ExitCode::FAILURE;
        }
    }
    let pager = Pager::new(o.mode, o.window, o.cachestat);
    let mut report = Report::new(o.show);
    report.cachestat_asked = o.cachestat;
    let mut w = Walker::new(o.filter, o.mode, pager, report);
    let start = Instant::now();
    for p in &o.paths {
        w.walk_arg(Path::new(p));
        if w.stopped {
            break;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let Walker {
        mut pager,
        mut report,
        stopped,
        ..
    } = w;
    report.clear_progress();
    if o.mode == Mode::Lock {
        if !stopped {
            report.locked(pager.page());
            sys::take_signal(true);
        }
        pager.unlock();
        report.unlocked();
    } else {
        report.summary(o.mode, pager.page(), elapsed);
        report.afterwords(o.mode);
    }
    report.finish()
}
