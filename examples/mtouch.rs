//! `mtouch`: page-cache residency and control, like `vmtouch`.
//!
//! ```text
//! mtouch [-tevqlfFXh] [-m SIZE] [-i PATTERN] [-I PATTERN] [--json] [--window SIZE] [--] PATH...
//! ```
//!
//! For each file or directory (directories are walked), maps every regular
//! file read-only with the crate, asks `mincore(2)` which of its pages sit
//! in the page cache, and reports what `vmtouch` reports, in `vmtouch`'s
//! own layout, so scripts that read `vmtouch`'s output read this one:
//!
//! ```text
//!            Files: 20
//!      Directories: 3
//!   Resident Pages: 52/52  208K/208K  100%
//!          Elapsed: 0.00042 seconds
//! ```
//!
//! - `-t` touch: bring every page into the page cache. Only the pages
//!   `mincore` finds missing are read in, with `MADV_POPULATE_READ` (Linux
//!   5.14+); where the kernel lacks it (`EINVAL`), or `madvise` cannot be
//!   trusted (qemu-user answers 0 to any advice and does nothing, found out
//!   once with a nonsense advice value), with `MADV_WILLNEED` and then a
//!   read of one byte per page, as `vmtouch` does.
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
//! - `-v` per-file lines with `vmtouch`'s residency bar; `-q` no report
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

use mmap_native::{mincore, Advice, Errno, MmapOptions, MmapRaw};
use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::fs::{File, FileType, Metadata, OpenOptions};
use std::io::{IsTerminal, Write};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: mtouch [-tevqlfFXh] [-m SIZE] [-i PATTERN] [-I PATTERN] \
[--json] [--window SIZE] [--] PATH...";

/// `O_NOATIME` (the asm-generic value, shared by every architecture this
/// crate supports): looking must not change what it looks at.
const O_NOATIME: i32 = 0o1000000;
/// `O_NONBLOCK`: a file that turned into a FIFO after the walk saw it must
/// not hang the open.
const O_NONBLOCK: i32 = 0o4000;
/// `POSIX_FADV_DONTNEED`: 4 in asm-generic, 6 on s390x.
const POSIX_FADV_DONTNEED: usize = if cfg!(target_arch = "s390x") { 6 } else { 4 };
/// How often the progress line and the chart may be redrawn.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// `vmtouch`'s residency bar is 60 characters wide.
const CHART_WIDTH: u64 = 60;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Scan,
    Touch,
    Evict,
    Lock,
}

struct Opts {
    mode: Mode,
    verbose: bool,
    quiet: bool,
    json: bool,
    follow: bool,
    cross: bool,
    hardlinks: bool,
    max_size: u64,
    ignore: Vec<Vec<u8>>,
    only: Vec<Vec<u8>>,
    window: usize,
    paths: Vec<OsString>,
}

/// `vmtouch`'s sizes: `4096`, `4k`, `100M`, `1.5G` (powers of 1024).
fn parse_size(opt: &str, s: &str) -> Result<u64, String> {
    let bad = || format!("{opt}: bad size '{s}' (examples: 4096, 4k, 100M, 1.5G)");
    let (num, mult) = match s.chars().last().map(|c| c.to_ascii_lowercase()) {
        Some('k') => (&s[..s.len() - 1], 1u64 << 10),
        Some('m') => (&s[..s.len() - 1], 1 << 20),
        Some('g') => (&s[..s.len() - 1], 1 << 30),
        Some(c) if c.is_ascii_alphabetic() => {
            return Err(format!("{opt}: unknown size multiplier '{c}'"))
        }
        _ => (s, 1),
    };
    let v: f64 = num.parse().map_err(|_| bad())?;
    let v = v * mult as f64;
    if !(0.0..9.2e18).contains(&v) {
        return Err(bad());
    }
    Ok(v as u64)
}

fn parse(args: impl Iterator<Item = OsString>) -> Result<Opts, String> {
    let mut o = Opts {
        mode: Mode::Scan,
        verbose: false,
        quiet: false,
        json: false,
        follow: false,
        cross: false,
        hardlinks: false,
        max_size: u64::MAX,
        ignore: Vec::new(),
        only: Vec::new(),
        window: if usize::BITS >= 64 { 1 << 30 } else { 1 << 28 },
        paths: Vec::new(),
    };
    let mut modes = Vec::new();
    let mut args = args.peekable();
    let utf8 = |a: OsString, what: &str| {
        a.into_string()
            .map_err(|_| format!("{what}: not valid UTF-8"))
    };
    while let Some(arg) = args.next() {
        let bytes = arg.as_bytes();
        if bytes == b"--" {
            o.paths.extend(args.by_ref());
            break;
        }
        if let Some(long) = bytes.strip_prefix(b"--") {
            let long = utf8(OsString::from(OsStr::from_bytes(long)), "option")?;
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (long, None),
            };
            match name.as_str() {
                "json" => o.json = true,
                "help" => return Err(String::new()),
                "window" => {
                    let v = match inline {
                        Some(v) => v,
                        None => utf8(args.next().ok_or("--window needs a size")?, "--window")?,
                    };
                    let w = parse_size("--window", &v)?;
                    let page = mmap_native::page_size() as u64;
                    if w == 0 || w % page != 0 || w > isize::MAX as u64 {
                        return Err(format!(
                            "--window: '{v}' is not a positive multiple of the page size ({page})"
                        ));
                    }
                    o.window = w as usize;
                }
                _ => return Err(format!("unknown option '--{name}'")),
            }
            continue;
        }
        if bytes.len() < 2 || bytes[0] != b'-' {
            o.paths.push(arg);
            continue;
        }
        // getopt style: `-tv`, `-m 5k`, `-m5k`.
        let mut i = 1;
        while i < bytes.len() {
            let c = bytes[i] as char;
            i += 1;
            match c {
                't' => modes.push(Mode::Touch),
                'e' => modes.push(Mode::Evict),
                'l' => modes.push(Mode::Lock),
                'v' => o.verbose = true,
                'q' => o.quiet = true,
                'f' => o.follow = true,
                'F' => o.cross = false,
                'X' => o.cross = true,
                'h' => o.hardlinks = true,
                'm' | 'i' | 'I' => {
                    let value: OsString = if i < bytes.len() {
                        let v = OsStr::from_bytes(&bytes[i..]).to_owned();
                        i = bytes.len();
                        v
                    } else {
                        args.next().ok_or(format!("-{c} needs a value"))?
                    };
                    match c {
                        'm' => o.max_size = parse_size("-m", &utf8(value, "-m")?)?,
                        'i' => o.ignore.push(value.into_vec()),
                        _ => o.only.push(value.into_vec()),
                    }
                }
                _ => return Err(format!("unknown option '-{c}'")),
            }
        }
    }
    modes.dedup();
    match modes.as_slice() {
        [] => {}
        [m] => o.mode = *m,
        [Mode::Touch, Mode::Lock] | [Mode::Lock, Mode::Touch] => o.mode = Mode::Lock,
        _ => return Err("-t, -e and -l exclude each other (-l touches anyway)".into()),
    }
    if o.quiet && o.verbose {
        return Err("-q and -v exclude each other".into());
    }
    if o.paths.is_empty() {
        return Err("no files or directories named".into());
    }
    Ok(o)
}

/// `fnmatch(pattern, name, 0)` for `*`, `?`, `[...]` (with `!` or `^` and
/// ranges) and `\` escapes.
fn glob(p: &[u8], s: &[u8]) -> bool {
    // Classic backtracking over the last `*`.
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        let step = match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
                continue;
            }
            Some(b'?') => Some(1),
            Some(b'[') => class(&p[pi..], s[si]),
            Some(b'\\') if pi + 1 < p.len() => (p[pi + 1] == s[si]).then_some(2),
            Some(&c) => (c == s[si]).then_some(1),
            None => None,
        };
        match step {
            Some(n) => {
                pi += n;
                si += 1;
            }
            None => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Matches `c` against the bracket expression at the start of `p`; the
/// pattern bytes it spans if it matches. An unclosed `[` is a plain `[`.
fn class(p: &[u8], c: u8) -> Option<usize> {
    let negate = matches!(p.get(1), Some(b'!' | b'^'));
    let mut i = if negate { 2 } else { 1 };
    let mut hit = false;
    let mut first = true;
    loop {
        let Some(&lo) = p.get(i) else {
            return (c == b'[').then_some(1);
        };
        if lo == b']' && !first {
            break;
        }
        first = false;
        if p.get(i + 1) == Some(&b'-') && p.get(i + 2).is_some_and(|&h| h != b']') {
            hit |= (lo..=p[i + 2]).contains(&c);
            i += 3;
        } else {
            hit |= lo == c;
            i += 1;
        }
    }
    (hit != negate).then_some(i + 1)
}

/// `vmtouch`'s sizes: whole units, rounded down (`4K`, `10M`, `2G`).
fn pretty(bytes: u64) -> String {
    let mut v = bytes;
    for unit in ["", "K", "M"] {
        if v < 1024 {
            return format!("{v}{unit}");
        }
        v /= 1024;
    }
    format!("{v}G")
}

/// C's `%.{prec}g`.
fn fmt_g(v: f64, prec: usize) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let e = format!("{:.*e}", prec - 1, v);
    let (mant, exp) = e.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if exp < -4 || exp >= prec as i32 {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mant), exp.abs())
    } else {
        trim(&format!("{:.*}", (prec as i32 - 1 - exp) as usize, v))
    }
}

/// `No such file or directory (ENOENT)`, from the crate's own tables.
fn describe(e: Errno) -> String {
    match (e.description(), e.name()) {
        (Some(d), Some(n)) => format!("{d} ({n})"),
        _ => format!("error {}", e.into_raw()),
    }
}

fn os_errno(e: &std::io::Error) -> Errno {
    Errno::new(e.raw_os_error().unwrap_or(Errno::EIO.into_raw()))
}

fn json_str(s: &[u8]) -> String {
    let mut out = String::from("\"");
    for c in String::from_utf8_lossy(s).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)`: the whole file. Each
/// ABI has its own syscall and argument order; offset and length 0 make
/// the 64-bit halves all zero.
fn fadvise_dontneed(fd: i32) -> Result<(), Errno> {
    // SAFETY: fadvise only reads its scalar arguments.
    unsafe {
        #[cfg(target_pointer_width = "64")]
        syscalls::syscall!(syscalls::Sysno::fadvise64, fd, 0, 0, POSIX_FADV_DONTNEED)?;
        #[cfg(target_arch = "x86")]
        syscalls::syscall!(
            syscalls::Sysno::fadvise64_64,
            fd,
            0,
            0,
            0,
            0,
            POSIX_FADV_DONTNEED
        )?;
        // ARM EABI puts the advice second, so the 64-bit pairs are aligned.
        #[cfg(target_arch = "arm")]
        syscalls::syscall!(
            syscalls::Sysno::arm_fadvise64_64,
            fd,
            POSIX_FADV_DONTNEED,
            0,
            0,
            0,
            0
        )?;
    }
    Ok(())
}

/// The kernel's `sigset_t`: 64 bits on every Linux ABI here.
const SIGSET_SIZE: usize = 8;
const SIGINT: u64 = 2;
const SIGTERM: u64 = 15;
const STOP_SIGNALS: u64 = 1 << (SIGINT - 1) | 1 << (SIGTERM - 1);

/// Blocks SIGINT and SIGTERM, so they wait to be taken by [`take_signal`].
fn block_stop_signals() -> Result<(), Errno> {
    const SIG_BLOCK: usize = 0;
    let set = STOP_SIGNALS;
    // SAFETY: reads one sigset_t from `set`; no old set is written.
    unsafe {
        syscalls::syscall!(
            syscalls::Sysno::rt_sigprocmask,
            SIG_BLOCK,
            &set as *const u64,
            0,
            SIGSET_SIZE
        )?;
    }
    Ok(())
}

/// Takes a pending SIGINT or SIGTERM: waits for one with `wait`, else only
/// looks. Returns the signal, if one came.
fn take_signal(wait: bool) -> Option<u64> {
    let set = STOP_SIGNALS;
    // A zero `struct timespec` (two longs, on 32-bit the old time32 form).
    let zero = [0usize; 2];
    let timeout = if wait {
        core::ptr::null()
    } else {
        &zero as *const _
    };
    loop {
        // SAFETY: reads the set and the timeout; no siginfo is written.
        let r = unsafe {
            syscalls::syscall!(
                syscalls::Sysno::rt_sigtimedwait,
                &set as *const u64,
                0,
                timeout,
                SIGSET_SIZE
            )
        };
        match r {
            Ok(sig) => return Some(sig as u64),
            Err(Errno::EINTR) => continue,
            Err(_) => return None,
        }
    }
}

/// The per-file residency bar of `vmtouch -v`: `O` all pages of a cell
/// resident, `o` some, space none; fed window by window.
struct Chart {
    per_char: u64,
    in_cell: u64,
    resident_in_cell: u64,
    bar: String,
}

impl Chart {
    fn new(pages: u64) -> Chart {
        let per_char = if pages <= CHART_WIDTH {
            1
        } else {
            pages / CHART_WIDTH + 1
        };
        Chart {
            per_char,
            in_cell: 0,
            resident_in_cell: 0,
            bar: String::new(),
        }
    }

    fn cell(&mut self) {
        self.bar.push(match self.resident_in_cell {
            0 => ' ',
            r if r == self.in_cell => 'O',
            _ => 'o',
        });
        self.in_cell = 0;
        self.resident_in_cell = 0;
    }

    fn feed(&mut self, vec: &[u8]) {
        for &b in vec {
            self.in_cell += 1;
            self.resident_in_cell += u64::from(b & 1);
            if self.in_cell == self.per_char {
                self.cell();
            }
        }
    }

    fn finish(mut self) -> String {
        if self.in_cell > 0 {
            self.cell();
        }
        self.bar
    }
}

/// How `-t` brings pages in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Populate {
    /// Not yet tried.
    Unknown,
    /// `MADV_POPULATE_READ` works.
    Madvise,
    /// `MADV_WILLNEED` and a read per page.
    Read,
}

struct FileReport {
    path: Vec<u8>,
    bytes: u64,
    pages: u64,
    resident: u64,
}

struct Walker {
    o: Opts,
    page: usize,
    files: u64,
    dirs: u64,
    pages: u64,
    resident: u64,
    failed: bool,
    interrupted: bool,
    seen: HashSet<(u64, u64)>,
    /// The (device, inode) of each directory being walked, for loops
    /// through followed symbolic links.
    ancestors: Vec<(u64, u64)>,
    /// The device of the path argument being walked.
    root_dev: u64,
    vec: Vec<u8>,
    populate: Populate,
    locked: Vec<MmapRaw>,
    out: std::io::BufWriter<std::io::Stdout>,
    progress: Option<Instant>,
    progress_shown: bool,
    details: Vec<FileReport>,
    errors: Vec<(Vec<u8>, String, Errno)>,
}

impl Walker {
    /// Clears the progress line, so what follows starts on a clean line.
    fn clear_progress(&mut self) {
        if self.progress_shown {
            let _ = self.out.write_all(b"\r\x1b[K");
            self.progress_shown = false;
        }
    }

    fn tick(&mut self) {
        if let Some(last) = self.progress {
            let now = Instant::now();
            if now.duration_since(last) >= PROGRESS_EVERY {
                self.progress = Some(now);
                let _ = write!(
                    self.out,
                    "\r\x1b[K{} files, {} directories, {}/{} pages resident",
                    self.files, self.dirs, self.resident, self.pages
                );
                let _ = self.out.flush();
                self.progress_shown = true;
            }
        }
    }

    /// A file that could not be examined: named with its errno.
    fn error(&mut self, path: &Path, what: &str, e: Errno) {
        self.failed = true;
        self.clear_progress();
        let _ = self.out.flush();
        let what = if what.is_empty() {
            String::new()
        } else {
            format!("{what}: ")
        };
        eprintln!("mtouch: {}: {what}{}", path.display(), describe(e));
        if self.o.json {
            self.errors
                .push((path.as_os_str().as_bytes().to_vec(), what, e));
        }
    }

    /// Something skipped on purpose (a symbolic link, a file over `-m`).
    fn notice(&mut self, path: &Path, msg: &str) {
        if !self.o.quiet {
            self.clear_progress();
            let _ = self.out.flush();
            eprintln!("mtouch: {}: {msg}", path.display());
        }
    }

    fn walk_arg(&mut self, path: &Path) {
        let meta = if self.o.follow {
            std::fs::metadata(path)
        } else {
            std::fs::symlink_metadata(path)
        };
        // vmtouch drops a trailing slash, and so do the paths built below.
        let trimmed = path.as_os_str().as_bytes();
        let trimmed = match trimmed.strip_suffix(b"/") {
            Some(t) if !t.is_empty() => Path::new(OsStr::from_bytes(t)),
            _ => path,
        };
        if self.ignored(trimmed) {
            return;
        }
        match meta {
            Ok(m) => {
                self.root_dev = m.dev();
                self.visit(trimmed, m.file_type(), Some(m));
            }
            Err(e) => self.error(path, "", os_errno(&e)),
        }
    }

    /// `-i`: the name (the last component) matches an ignore pattern.
    fn ignored(&self, path: &Path) -> bool {
        if self.o.ignore.is_empty() {
            return false;
        }
        let b = path.as_os_str().as_bytes();
        let name = b.rsplit(|&c| c == b'/').next().unwrap_or(b);
        self.o.ignore.iter().any(|p| glob(p, name))
    }

    /// `-I`: no filter, or the name matches one.
    fn wanted(&self, path: &Path) -> bool {
        if self.o.only.is_empty() {
            return true;
        }
        let b = path.as_os_str().as_bytes();
        let name = b.rsplit(|&c| c == b'/').next().unwrap_or(b);
        self.o.only.iter().any(|p| glob(p, name))
    }

    /// One path whose type is known (from `d_type` during a walk, from a
    /// stat for an argument). Directories are stat'ed here (device for
    /// `-F`, inode for loops); regular files are opened straight away.
    fn visit(&mut self, path: &Path, ft: FileType, meta: Option<Metadata>) {
        if self.interrupted {
            return;
        }
        if ft.is_symlink() {
            if !self.o.follow {
                self.notice(path, "not following symbolic link (-f follows)");
                return;
            }
            match std::fs::metadata(path) {
                Ok(m) => return self.visit(path, m.file_type(), Some(m)),
                Err(e) => return self.error(path, "stat", os_errno(&e)),
            }
        }
        if ft.is_file() {
            if self.wanted(path) {
                self.file(path);
            }
            return;
        }
        if ft.is_dir() {
            let meta = match meta {
                Some(m) => m,
                None => match std::fs::symlink_metadata(path) {
                    Ok(m) => m,
                    Err(e) => return self.error(path, "stat", os_errno(&e)),
                },
            };
            return self.dir(path, &meta);
        }
        let kind = if ft.is_fifo() {
            "FIFO"
        } else if ft.is_socket() {
            "socket"
        } else if ft.is_char_device() {
            "character device"
        } else if ft.is_block_device() {
            "block device"
        } else {
            "unknown type"
        };
        // What mapping it would answer: files of these kinds have no
        // pages in the page cache to count.
        self.error(
            path,
            &format!("not a regular file ({kind}), skipped"),
            Errno::ENODEV,
        );
    }

    fn dir(&mut self, path: &Path, meta: &Metadata) {
        let id = (meta.dev(), meta.ino());
        if !self.o.cross && meta.dev() != self.root_dev {
            // Another file system mounted here: not entered.
            return;
        }
        if self.ancestors.contains(&id) {
            self.notice(path, "symbolic link loop, not entered again");
            return;
        }
        if !self.o.hardlinks && meta.nlink() > 1 && !self.seen.insert(id) {
            // Seen already (a bind mount, or a link followed with -f).
            return;
        }
        self.dirs += 1;
        let entries = match std::fs::read_dir(path) {
            Ok(d) => d,
            Err(e) => return self.error(path, "opendir", os_errno(&e)),
        };
        self.ancestors.push(id);
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    self.error(path, "readdir", os_errno(&e));
                    break;
                }
            };
            let child = path.join(entry.file_name());
            if self.ignored(&child) {
                continue;
            }
            // d_type where the file system gives it (no stat); std falls
            // back to lstat where it does not.
            match entry.file_type() {
                Ok(ft) => self.visit(&child, ft, None),
                Err(e) => self.error(&child, "stat", os_errno(&e)),
            }
            if self.interrupted {
                break;
            }
        }
        self.ancestors.pop();
    }

    fn open(path: &Path) -> std::io::Result<File> {
        let open = |flags| OpenOptions::new().read(true).custom_flags(flags).open(path);
        match open(O_NOATIME | O_NONBLOCK) {
            // O_NOATIME needs the file's owner (or CAP_FOWNER).
            Err(e) if e.raw_os_error() == Some(Errno::EPERM.into_raw()) => open(O_NONBLOCK),
            r => r,
        }
    }

    fn file(&mut self, path: &Path) {
        if self.o.mode == Mode::Lock && take_signal(false).is_some() {
            self.interrupted = true;
            return;
        }
        let file = match Self::open(path) {
            Ok(f) => f,
            Err(e) => {
                self.files += 1;
                return self.error(path, "", os_errno(&e));
            }
        };
        let meta = match file.metadata() {
            Ok(m) => m,
            Err(e) => {
                self.files += 1;
                return self.error(path, "fstat", os_errno(&e));
            }
        };
        if !self.o.hardlinks && meta.nlink() > 1 && !self.seen.insert((meta.dev(), meta.ino())) {
            return;
        }
        self.files += 1;
        if !meta.is_file() {
            // It changed since the directory listed it.
            return self.error(path, "no longer a regular file, skipped", Errno::ENODEV);
        }
        let size = meta.len();
        if size == 0 {
            if self.o.json && self.o.verbose {
                self.details.push(FileReport {
                    path: path.as_os_str().as_bytes().to_vec(),
                    bytes: 0,
                    pages: 0,
                    resident: 0,
                });
            }
            return self.tick();
        }
        if size > self.o.max_size {
            return self.notice(path, "larger than -m, skipped");
        }
        self.map_file(path, &file, size);
        self.tick();
    }

    fn map_file(&mut self, path: &Path, file: &File, size: u64) {
        let fd = file.as_raw_fd();
        let page = self.page as u64;
        let verbose_text = self.o.verbose && !self.o.json;
        if self.o.mode == Mode::Evict {
            if verbose_text {
                let _ = writeln!(self.out, "Evicting {}", path.display());
            }
            if let Err(e) = fadvise_dontneed(fd) {
                return self.error(path, "posix_fadvise", e);
            }
        }
        let pages_in_file = size.div_ceil(page);
        let mut chart =
            (verbose_text && self.o.mode != Mode::Evict).then(|| Chart::new(pages_in_file));
        let (mut pages, mut resident) = (0u64, 0u64);
        let mut offset = 0u64;
        while offset < size {
            let len = (size - offset).min(self.o.window as u64) as usize;
            let map = match MmapOptions::new()
                .offset(offset)
                .len(len)
                .map_raw_read_only(fd)
            {
                Ok(m) => m,
                Err(e) => {
                    self.error(path, "mmap", e);
                    break;
                }
            };
            let n = len.div_ceil(self.page);
            if self.vec.len() < n {
                self.vec.resize(n, 0);
            }
            let vec = &mut self.vec[..n];
            // SAFETY: the map is ours, page aligned (offset is a multiple of
            // the window, itself a multiple of the page size), len bytes.
            if let Err(e) = unsafe { mincore(map.as_ptr() as *mut _, len, vec) } {
                self.error(path, "mincore", e);
                break;
            }
            let here = vec.iter().filter(|&&b| b & 1 != 0).count() as u64;
            if let Some(c) = chart.as_mut() {
                c.feed(vec);
            }
            pages += n as u64;
            resident += here;
            if matches!(self.o.mode, Mode::Touch | Mode::Lock) && here < n as u64 {
                if let Err((what, e)) = self.touch(&map, n) {
                    self.error(path, what, e);
                    break;
                }
            }
            if self.o.mode == Mode::Lock {
                if let Err(e) = map.lock() {
                    self.error(path, "mlock", e);
                    break;
                }
                self.locked.push(map);
            }
            offset += len as u64;
        }
        self.pages += pages;
        let shown = match self.o.mode {
            Mode::Scan | Mode::Evict => resident,
            Mode::Touch | Mode::Lock => pages,
        };
        self.resident += shown;
        if let Some(c) = chart {
            let before = c.finish();
            let after = if shown == resident {
                before.clone()
            } else {
                "O".repeat(before.len())
            };
            let _ = writeln!(
                self.out,
                "{}\n\r[{before}] {resident}/{pages}\r[{after}] {shown}/{pages}",
                path.display()
            );
        }
        if self.o.json && self.o.verbose {
            self.details.push(FileReport {
                path: path.as_os_str().as_bytes().to_vec(),
                bytes: size,
                pages,
                resident: shown,
            });
        }
    }

    /// Brings the pages `mincore` left at 0 in `self.vec[..n]` into the
    /// page cache, run by run.
    fn touch(&mut self, map: &MmapRaw, n: usize) -> Result<(), (&'static str, Errno)> {
        if self.populate == Populate::Unknown {
            self.populate = probe_populate();
        }
        let page = self.page;
        let base = map.as_ptr();
        let mut i = 0;
        while i < n {
            if self.vec[i] & 1 != 0 {
                i += 1;
                continue;
            }
            let start = i;
            while i < n && self.vec[i] & 1 == 0 {
                i += 1;
            }
            let (off, len) = (
                start * page,
                ((i - start) * page).min(map.len() - start * page),
            );
            // Read-ahead for the whole run first: the I/O goes out in large
            // requests at once, instead of one read-around per fault.
            // Advice that fails only costs speed.
            let _ = map.advise_range(Advice::WILLNEED, off, len);
            if self.populate == Populate::Madvise {
                match map.advise_range(Advice::POPULATE_READ, off, len) {
                    Ok(()) => continue,
                    // A kernel before 5.14: read instead, from now on.
                    Err(Errno::EINVAL) => self.populate = Populate::Read,
                    // EFAULT: the file shrank under the map.
                    Err(e) => return Err(("madvise(MADV_POPULATE_READ)", e)),
                }
            }
            // Fault each page in.
            let mut p = off;
            let mut junk = 0u8;
            while p < off + len {
                // SAFETY: p is inside the map, readable. If the file shrank
                // below p since it was mapped, this raises SIGBUS, as in
                // vmtouch; MADV_POPULATE_READ, where it works, reports
                // EFAULT instead.
                junk ^= unsafe { base.add(p).read_volatile() };
                p += page;
            }
            std::hint::black_box(junk);
        }
        Ok(())
    }
}

/// Whether `MADV_POPULATE_READ` can be trusted: a kernel answers EINVAL
/// to advice it does not know, but qemu-user answers 0 to any advice and
/// does nothing, which a nonsense advice value shows.
fn probe_populate() -> Populate {
    let Ok(m) = MmapOptions::new().len(mmap_native::page_size()).map_anon() else {
        return Populate::Read;
    };
    // SAFETY: no such advice exists, so nothing happens to the page.
    match unsafe { m.unchecked_advise(Advice::from_raw(0x4d54_4f55)) } {
        Err(Errno::EINVAL) => Populate::Madvise,
        _ => Populate::Read,
    }
}

fn report(w: &mut Walker, elapsed: f64) {
    let page = w.page as u64;
    let (res_b, tot_b) = (w.resident * page, w.pages * page);
    let pct = if w.pages > 0 {
        100.0 * w.resident as f64 / w.pages as f64
    } else {
        0.0
    };
    if w.o.json {
        let mode = match w.o.mode {
            Mode::Scan => "scan",
            Mode::Touch => "touch",
            Mode::Evict => "evict",
            Mode::Lock => "lock",
        };
        let mut s = format!(
            "{{\"mode\": \"{mode}\", \"files\": {}, \"directories\": {}, \"page_size\": {page}, \
             \"resident_pages\": {}, \"total_pages\": {}, \"resident_bytes\": {res_b}, \
             \"total_bytes\": {tot_b}, \"percent\": {}, \"elapsed_seconds\": {}",
            w.files,
            w.dirs,
            w.resident,
            w.pages,
            fmt_g(pct, 6),
            fmt_g(elapsed, 6)
        );
        if w.o.verbose {
            s.push_str(", \"files_detail\": [");
            for (i, f) in w.details.iter().enumerate() {
                s.push_str(&format!(
                    "{}{{\"path\": {}, \"bytes\": {}, \"pages\": {}, \"resident_pages\": {}}}",
                    if i > 0 { ", " } else { "" },
                    json_str(&f.path),
                    f.bytes,
                    f.pages,
                    f.resident
                ));
            }
            s.push(']');
        }
        s.push_str(", \"errors\": [");
        for (i, (p, what, e)) in w.errors.iter().enumerate() {
            s.push_str(&format!(
                "{}{{\"path\": {}, \"what\": {}, \"errno\": {}, \"name\": {}, \"message\": {}}}",
                if i > 0 { ", " } else { "" },
                json_str(p),
                json_str(what.trim_end_matches(": ").as_bytes()),
                e.into_raw(),
                json_str(e.name().unwrap_or("?").as_bytes()),
                json_str(e.description().unwrap_or("?").as_bytes())
            ));
        }
        s.push_str("]}");
        let _ = writeln!(w.out, "{s}");
        return;
    }
    if w.o.quiet {
        return;
    }
    let out = &mut w.out;
    if w.o.verbose {
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "           Files: {}", w.files);
    let _ = writeln!(out, "     Directories: {}", w.dirs);
    let resident_line = format!(
        "  Resident Pages: {}/{}  {}/{}  {}",
        w.resident,
        w.pages,
        pretty(res_b),
        pretty(tot_b),
        if w.pages > 0 {
            format!("{}%", fmt_g(pct, 3))
        } else {
            String::new()
        }
    );
    match w.o.mode {
        Mode::Touch => {
            let _ = writeln!(out, "   Touched Pages: {} ({})", w.pages, pretty(tot_b));
        }
        Mode::Evict => {
            let _ = writeln!(out, "   Evicted Pages: {} ({})", w.pages, pretty(tot_b));
            let _ = writeln!(out, "{resident_line}");
        }
        Mode::Scan | Mode::Lock => {
            let _ = writeln!(out, "{resident_line}");
        }
    }
    let _ = writeln!(out, "         Elapsed: {} seconds", fmt_g(elapsed, 5));
}

fn main() -> ExitCode {
    let o = match parse(std::env::args_os().skip(1)) {
        Ok(o) => o,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("mtouch: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if o.mode == Mode::Lock {
        if let Err(e) = block_stop_signals() {
            eprintln!("mtouch: rt_sigprocmask: {}", describe(e));
            return ExitCode::FAILURE;
        }
    }
    let stdout = std::io::stdout();
    let progress = (stdout.is_terminal() && !o.quiet && !o.verbose && !o.json).then(Instant::now);
    let paths = o.paths.clone();
    let mut w = Walker {
        o,
        page: mmap_native::page_size(),
        files: 0,
        dirs: 0,
        pages: 0,
        resident: 0,
        failed: false,
        interrupted: false,
        seen: HashSet::new(),
        ancestors: Vec::new(),
        root_dev: 0,
        vec: Vec::new(),
        populate: Populate::Unknown,
        locked: Vec::new(),
        out: std::io::BufWriter::with_capacity(1 << 16, stdout),
        progress,
        progress_shown: false,
        details: Vec::new(),
        errors: Vec::new(),
    };
    let start = Instant::now();
    for p in &paths {
        w.walk_arg(Path::new(p));
        if w.interrupted {
            break;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    w.clear_progress();
    if w.o.mode == Mode::Lock {
        if !w.interrupted {
            let bytes = w.pages * w.page as u64;
            if !w.o.quiet {
                let _ = writeln!(w.out, "LOCKED {} pages ({})", w.pages, pretty(bytes));
            }
            let _ = w.out.flush();
            take_signal(true);
        }
        // Unlocks and unmaps every window.
        w.locked.clear();
        if !w.o.quiet {
            let _ = writeln!(w.out, "unlocked");
        }
    } else {
        report(&mut w, elapsed);
    }
    if let Err(e) = w.out.flush() {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("mtouch: write error: {}", describe(os_errno(&e)));
        }
        return ExitCode::FAILURE;
    }
    if w.failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
