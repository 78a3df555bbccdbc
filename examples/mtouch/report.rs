//! Everything mtouch writes: `vmtouch`'s layout (with C's `%g` and its
//! size units), the `-v` bars, the progress line, the `--json` object, and
//! the messages on standard error.

use crate::args::Mode;
use crate::pages::{Counts, Extra, Method};
use mmap_native::Errno;
use std::io::{BufWriter, IsTerminal, Stdout, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How often the progress line may be redrawn.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// `vmtouch`'s residency bar is 60 characters wide.
const CHART_WIDTH: u64 = 60;

/// `-v`, `-q`, `--json`, `-c`.
pub struct Show {
    pub verbose: bool,
    pub quiet: bool,
    pub json: bool,
    /// `-c`: cachestat's other counts in the text report.
    pub cache_stats: bool,
}

impl Show {
    /// `-v` as text: the per-file lines.
    fn verbose_text(&self) -> bool {
        self.verbose && !self.json
    }
}

/// The counts of the report.
#[derive(Default)]
pub struct Totals {
    pub files: u64,
    pub dirs: u64,
    pub pages: u64,
    /// Resident pages, as the report gives them (after `-t`: all).
    pub resident: u64,
    /// Files with pages counted by cachestat, and by mincore.
    pub by_cachestat: u64,
    pub by_mincore: u64,
    /// cachestat's other counts, summed over the files it counted.
    pub extra: Extra,
    /// `-t`/`-e` with cachestat: the pages resident before and after,
    /// summed, and over how many files.
    pub before: u64,
    pub after: u64,
    pub measured: u64,
}

impl Totals {
    /// The method of the whole run: one, both (`mixed`), or none when no
    /// file had pages to count.
    fn method(&self) -> Option<&'static str> {
        match (self.by_cachestat > 0, self.by_mincore > 0) {
            (true, false) => Some(Method::Cachestat.name()),
            (false, true) => Some(Method::Mincore.name()),
            (true, true) => Some("mixed"),
            (false, false) => None,
        }
    }
}

/// One file of `--json -v`'s `files_detail`.
struct FileReport {
    path: Vec<u8>,
    bytes: u64,
    pages: u64,
    resident: u64,
    /// None for an empty file: nothing counted.
    method: Option<Method>,
    extra: Option<Extra>,
}

/// One entry of `--json`'s `errors`.
struct ErrorReport {
    path: Vec<u8>,
    /// The step that failed, as in the message (`mmap`), or empty.
    what: String,
    errno: Errno,
}

/// The report being gathered, and standard output.
pub struct Report {
    show: Show,
    out: BufWriter<Stdout>,
    /// On a terminal only: when the progress line was last drawn.
    progress: Option<Instant>,
    progress_shown: bool,
    pub totals: Totals,
    details: Vec<FileReport>,
    errors: Vec<ErrorReport>,
    /// Something could not be examined: the exit status is 1.
    failed: bool,
    /// cachestat was to be tried (no `--mincore`).
    pub cachestat_asked: bool,
}

impl Report {
    pub fn new(show: Show) -> Report {
        let stdout = std::io::stdout();
        let progress =
            (stdout.is_terminal() && !show.quiet && !show.verbose && !show.json).then(Instant::now);
        Report {
            show,
            out: BufWriter::with_capacity(1 << 16, stdout),
            progress,
            progress_shown: false,
            totals: Totals::default(),
            details: Vec::new(),
            errors: Vec::new(),
            failed: false,
            cachestat_asked: true,
        }
    }

    /// Clears the progress line, so what follows starts on a clean line.
    pub fn clear_progress(&mut self) {
        if self.progress_shown {
            let _ = self.out.write_all(b"\r\x1b[K");
            self.progress_shown = false;
        }
    }

    /// A file is done: redraws the progress line if it is time to.
    pub fn tick(&mut self) {
        if let Some(last) = self.progress {
            let now = Instant::now();
            if now.duration_since(last) >= PROGRESS_EVERY {
                self.progress = Some(now);
                let t = &self.totals;
                let _ = write!(
                    self.out,
                    "\r\x1b[K{} files, {} directories, {}/{} pages resident",
                    t.files, t.dirs, t.resident, t.pages
                );
                let _ = self.out.flush();
                self.progress_shown = true;
            }
        }
    }

    /// A path that could not be examined: named with its errno.
    pub fn error(&mut self, path: &Path, what: &str, e: Errno) {
        self.failed = true;
        self.clear_progress();
        let _ = self.out.flush();
        let what = if what.is_empty() {
            String::new()
        } else {
            format!("{what}: ")
        };
        eprintln!("mtouch: {}: {what}{}", path.display(), describe(e));
        if self.show.json {
            self.errors.push(ErrorReport {
                path: path.as_os_str().as_bytes().to_vec(),
                what,
                errno: e,
            });
        }
    }

    /// Something skipped on purpose (a symbolic link, a file over `-m`).
    pub fn notice(&mut self, path: &Path, msg: &str) {
        if !self.show.quiet {
            self.clear_progress();
            let _ = self.out.flush();
            eprintln!("mtouch: {}: {msg}", path.display());
        }
    }

    /// `-e -v`'s line before a file is evicted.
    pub fn evicting(&mut self, path: &Path) {
        if self.show.verbose_text() {
            let _ = writeln!(self.out, "Evicting {}", path.display());
        }
    }

    /// A bar for this file, if `-v` draws one (not for `-e`, as in vmtouch).
    pub fn chart(&self, mode: Mode, pages: u64) -> Option<Chart> {
        (self.show.verbose_text() && mode != Mode::Evict).then(|| Chart::new(pages))
    }

    /// A file's counts, into the totals, the `-v` bar and `files_detail`.
    pub fn file_done(&mut self, path: &Path, bytes: u64, c: &Counts, chart: Option<Chart>) {
        let (pages, resident, shown) = (c.pages, c.resident, c.shown);
        let t = &mut self.totals;
        t.pages += pages;
        t.resident += shown;
        match c.method {
            Method::Cachestat => t.by_cachestat += 1,
            Method::Mincore => t.by_mincore += 1,
        }
        if let Some(e) = &c.extra {
            t.extra.add(e);
        }
        if let Some((b, a)) = c.effect {
            t.before += b;
            t.after += a;
            t.measured += 1;
        }
        if let Some(chart) = chart {
            let before = chart.finish();
            let after = match &c.after_bar {
                Some(bar) => bar.clone(),
                None if shown == resident => before.clone(),
                None => "O".repeat(before.len()),
            };
            let _ = writeln!(
                self.out,
                "{}\n\r[{before}] {resident}/{pages}\r[{after}] {shown}/{pages}",
                path.display()
            );
        }
        self.detail(path, bytes, pages, shown, Some(c.method), c.extra);
    }

    /// An entry of `--json -v`'s `files_detail`.
    pub fn detail(
        &mut self,
        path: &Path,
        bytes: u64,
        pages: u64,
        resident: u64,
        method: Option<Method>,
        extra: Option<Extra>,
    ) {
        if self.show.json && self.show.verbose {
            self.details.push(FileReport {
                path: path.as_os_str().as_bytes().to_vec(),
                bytes,
                pages,
                resident,
                method,
                extra,
            });
        }
    }

    /// `-l`'s line once everything is locked.
    pub fn locked(&mut self, page: usize) {
        if !self.show.quiet {
            let pages = self.totals.pages;
            let bytes = pages * page as u64;
            let _ = writeln!(self.out, "LOCKED {pages} pages ({})", pretty(bytes));
        }
        let _ = self.out.flush();
    }

    /// `-l`'s line after the signal, everything unlocked and unmapped.
    pub fn unlocked(&mut self) {
        if !self.show.quiet {
            let _ = writeln!(self.out, "unlocked");
        }
    }

    /// The report at the end: `vmtouch`'s, or the `--json` object.
    pub fn summary(&mut self, mode: Mode, page: usize, elapsed: f64) {
        let t = &self.totals;
        let page = page as u64;
        let (res_b, tot_b) = (t.resident * page, t.pages * page);
        let pct = if t.pages > 0 {
            100.0 * t.resident as f64 / t.pages as f64
        } else {
            0.0
        };
        if self.show.json {
            let s = self.json(mode, page, pct, elapsed);
            let _ = writeln!(self.out, "{s}");
            return;
        }
        if self.show.quiet {
            return;
        }
        let out = &mut self.out;
        if self.show.verbose {
            let _ = writeln!(out);
        }
        let _ = writeln!(out, "           Files: {}", t.files);
        let _ = writeln!(out, "     Directories: {}", t.dirs);
        let resident_line = format!(
            "  Resident Pages: {}/{}  {}/{}  {}",
            t.resident,
            t.pages,
            pretty(res_b),
            pretty(tot_b),
            if t.pages > 0 {
                format!("{}%", fmt_g(pct, 3))
            } else {
                String::new()
            }
        );
        match mode {
            Mode::Touch => {
                let _ = writeln!(out, "   Touched Pages: {} ({})", t.pages, pretty(tot_b));
            }
            Mode::Evict => {
                let _ = writeln!(out, "   Evicted Pages: {} ({})", t.pages, pretty(tot_b));
                let _ = writeln!(out, "{resident_line}");
            }
            Mode::Scan | Mode::Lock => {
                let _ = writeln!(out, "{resident_line}");
            }
        }
        if self.show.verbose {
            let method = match (t.by_cachestat, t.by_mincore) {
                (0, 0) => "none (no pages to count)".to_string(),
                (_, 0) => "cachestat".to_string(),
                (0, _) if !self.cachestat_asked => "mincore (--mincore)".to_string(),
                (0, _) => "mincore (cachestat not available)".to_string(),
                (c, m) => format!("cachestat ({c} files), mincore ({m} files)"),
            };
            let _ = writeln!(out, "          Method: {method}");
        }
        if self.show.cache_stats && t.by_cachestat > 0 {
            let e = &t.extra;
            let _ = writeln!(out, "     Dirty Pages: {}", e.dirty);
            let _ = writeln!(out, " Writeback Pages: {}", e.writeback);
            let _ = writeln!(out, " Evicted Earlier: {}", e.evicted);
            let _ = writeln!(out, "Recently Evicted: {}", e.recently_evicted);
            if t.measured > 0 {
                match mode {
                    Mode::Touch | Mode::Lock => {
                        let n = t.after.saturating_sub(t.before);
                        let _ = writeln!(out, "   Pages Read In: {n}");
                    }
                    Mode::Evict => {
                        let n = t.before.saturating_sub(t.after);
                        let _ = writeln!(out, "   Pages Dropped: {n}");
                    }
                    Mode::Scan => {}
                }
            }
        }
        let _ = writeln!(out, "         Elapsed: {} seconds", fmt_g(elapsed, 5));
    }

    /// What the text report cannot say: `-c` where cachestat counted
    /// nothing, and dirty pages that `-e` left in the page cache.
    pub fn afterwords(&mut self, mode: Mode) {
        let t = &self.totals;
        if self.show.quiet {
            return;
        }
        if self.show.cache_stats && !self.show.json && t.by_cachestat == 0 && t.by_mincore > 0 {
            let _ = self.out.flush();
            if self.cachestat_asked {
                eprintln!(
                    "mtouch: -c: cachestat (Linux 6.5+) did not answer here: no cache statistics"
                );
            } else {
                eprintln!("mtouch: -c: no cache statistics with --mincore");
            }
        }
        let left = t.extra.dirty + t.extra.writeback;
        if mode == Mode::Evict && left > 0 {
            let _ = self.out.flush();
            eprintln!(
                "mtouch: {left} dirty pages stay in the page cache ({} dirty, {} being written \
                 back; eviction skips them): sync, then mtouch -e again",
                t.extra.dirty, t.extra.writeback
            );
        }
    }

    fn json(&self, mode: Mode, page: u64, pct: f64, elapsed: f64) -> String {
        let t = &self.totals;
        let mut s = format!(
            "{{\"mode\": \"{}\", \"files\": {}, \"directories\": {}, \"page_size\": {page}, \
             \"resident_pages\": {}, \"total_pages\": {}, \"resident_bytes\": {}, \
             \"total_bytes\": {}, \"percent\": {}, \"elapsed_seconds\": {}",
            mode.name(),
            t.files,
            t.dirs,
            t.resident,
            t.pages,
            t.resident * page,
            t.pages * page,
            fmt_g(pct, 6),
            fmt_g(elapsed, 6)
        );
        match t.method() {
            Some(m) => s.push_str(&format!(", \"method\": \"{m}\"")),
            None => s.push_str(", \"method\": null"),
        }
        if t.by_cachestat > 0 {
            s.push_str(&extra_json(&t.extra));
        }
        if t.measured > 0 {
            s.push_str(&format!(
                ", \"resident_pages_before\": {}, \"resident_pages_after\": {}",
                t.before, t.after
            ));
        }
        if self.show.verbose {
            s.push_str(", \"files_detail\": [");
            for (i, f) in self.details.iter().enumerate() {
                s.push_str(&format!(
                    "{}{{\"path\": {}, \"bytes\": {}, \"pages\": {}, \"resident_pages\": {}, \
                     \"method\": {}{}}}",
                    if i > 0 { ", " } else { "" },
                    json_str(&f.path),
                    f.bytes,
                    f.pages,
                    f.resident,
                    f.method
                        .map_or("null".into(), |m| format!("\"{}\"", m.name())),
                    f.extra.as_ref().map_or(String::new(), extra_json),
                ));
            }
            s.push(']');
        }
        s.push_str(", \"errors\": [");
        for (i, e) in self.errors.iter().enumerate() {
            s.push_str(&format!(
                "{}{{\"path\": {}, \"what\": {}, \"errno\": {}, \"name\": {}, \"message\": {}}}",
                if i > 0 { ", " } else { "" },
                json_str(&e.path),
                json_str(e.what.trim_end_matches(": ").as_bytes()),
                e.errno.into_raw(),
                json_str(e.errno.name().unwrap_or("?").as_bytes()),
                json_str(e.errno.description().unwrap_or("?").as_bytes())
            ));
        }
        s.push_str("]}");
        s
    }

    /// Writes out what is buffered; the exit status.
    pub fn finish(mut self) -> ExitCode {
        if let Err(e) = self.out.flush() {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!(
                    "mtouch: write error: {}",
                    describe(crate::sys::os_errno(&e))
                );
            }
            return ExitCode::FAILURE;
        }
        if self.failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    }
}

/// The per-file residency bar of `vmtouch -v`: `O` all pages of a cell
/// resident, `o` some, space none; fed window by window.
pub struct Chart {
    per_char: u64,
    in_cell: u64,
    resident_in_cell: u64,
    bar: String,
}

impl Chart {
    pub fn new(pages: u64) -> Chart {
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

    /// The pages each cell of the bar stands for (the last may have fewer).
    pub fn per_cell(&self) -> u64 {
        self.per_char
    }

    /// A cell of `pages` pages with `resident` of them resident.
    pub fn cell_char(pages: u64, resident: u64) -> char {
        match resident {
            0 => ' ',
            r if r >= pages => 'O',
            _ => 'o',
        }
    }

    /// The whole bar at once, counted elsewhere (cachestat per cell).
    pub fn set(&mut self, bar: String) {
        self.bar = bar;
        self.in_cell = 0;
    }

    fn cell(&mut self) {
        self.bar
            .push(Chart::cell_char(self.in_cell, self.resident_in_cell));
        self.in_cell = 0;
        self.resident_in_cell = 0;
    }

    /// The next pages, as `mincore` reports them (bit 0: resident).
    pub fn feed(&mut self, vec: &[u8]) {
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

/// cachestat's other counts as `--json` fields, fincore's names.
fn extra_json(e: &Extra) -> String {
    format!(
        ", \"dirty_pages\": {}, \"writeback_pages\": {}, \"evicted_pages\": {}, \
         \"recently_evicted_pages\": {}",
        e.dirty, e.writeback, e.evicted, e.recently_evicted
    )
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
pub fn describe(e: Errno) -> String {
    match (e.description(), e.name()) {
        (Some(d), Some(n)) => format!("{d} ({n})"),
        _ => format!("error {}", e.into_raw()),
    }
}

/// A JSON string holding `s`. Bytes that are not UTF-8 (file names may
/// hold any) become the lone surrogates U+DC80..U+DCFF, one per byte, as
/// Python's `surrogateescape` decodes them: no UTF-8 text holds those, so
/// two names stay two strings, and `.encode("utf-8", "surrogateescape")`
/// (`os.fsencode` on Linux) gives the bytes back.
fn json_str(s: &[u8]) -> String {
    let mut out = String::from("\"");
    let mut rest = s;
    while !rest.is_empty() {
        let (valid, bad) = match std::str::from_utf8(rest) {
            Ok(text) => (text, 0),
            Err(e) => {
                let n = e.valid_up_to();
                let bad = e.error_len().unwrap_or(rest.len() - n);
                (std::str::from_utf8(&rest[..n]).unwrap_or(""), bad)
            }
        };
        for c in valid.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        let (_, tail) = rest.split_at(valid.len());
        let (invalid, tail) = tail.split_at(bad);
        for &b in invalid {
            out.push_str(&format!("\\udc{b:02x}"));
        }
        rest = tail;
    }
    out.push('"');
    out
}
