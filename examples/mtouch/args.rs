//! The command line: getopt-style short options (`-tv`, `-m 5k`, `-m5k`),
//! `--json`, `--window SIZE` or `--window=SIZE`, `--` and paths.

use crate::report::Show;
use crate::walk::Filter;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

pub const USAGE: &str = "usage: mtouch [-tevqlcfFXh] [-m SIZE] [-i PATTERN] [-I PATTERN] \
[--json] [--cache-stats] [--mincore] [--window SIZE] [--] PATH...";

/// What is done to each file's pages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Count the resident pages.
    Scan,
    /// `-t`: bring every page in.
    Touch,
    /// `-e`: drop the pages from the page cache.
    Evict,
    /// `-l`: touch, lock, and hold until SIGINT or SIGTERM.
    Lock,
}

impl Mode {
    /// The `"mode"` of `--json`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Scan => "scan",
            Mode::Touch => "touch",
            Mode::Evict => "evict",
            Mode::Lock => "lock",
        }
    }
}

pub struct Opts {
    pub mode: Mode,
    pub show: Show,
    pub filter: Filter,
    /// Bytes mapped at a time: a multiple of the page size.
    pub window: usize,
    /// Count with cachestat where the kernel has it (not `--mincore`).
    pub cachestat: bool,
    pub paths: Vec<OsString>,
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

/// The options, or the message for a usage error (empty for `--help`).
pub fn parse(args: impl Iterator<Item = OsString>) -> Result<Opts, String> {
    let mut o = Opts {
        mode: Mode::Scan,
        show: Show {
            verbose: false,
            quiet: false,
            json: false,
            cache_stats: false,
        },
        filter: Filter {
            follow: false,
            cross: false,
            hardlinks: false,
            max_size: u64::MAX,
            ignore: Vec::new(),
            only: Vec::new(),
        },
        window: if usize::BITS >= 64 { 1 << 30 } else { 1 << 28 },
        cachestat: true,
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
                "json" => o.show.json = true,
                "cache-stats" => o.show.cache_stats = true,
                "mincore" => o.cachestat = false,
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
        let mut i = 1;
        while i < bytes.len() {
            let c = bytes[i] as char;
            i += 1;
            match c {
                't' => modes.push(Mode::Touch),
                'e' => modes.push(Mode::Evict),
                'l' => modes.push(Mode::Lock),
                'v' => o.show.verbose = true,
                'c' => o.show.cache_stats = true,
                'q' => o.show.quiet = true,
                'f' => o.filter.follow = true,
                'F' => o.filter.cross = false,
                'X' => o.filter.cross = true,
                'h' => o.filter.hardlinks = true,
                'm' | 'i' | 'I' => {
                    let value: OsString = if i < bytes.len() {
                        let v = OsStr::from_bytes(&bytes[i..]).to_owned();
                        i = bytes.len();
                        v
                    } else {
                        args.next().ok_or(format!("-{c} needs a value"))?
                    };
                    match c {
                        'm' => o.filter.max_size = parse_size("-m", &utf8(value, "-m")?)?,
                        'i' => o.filter.ignore.push(value.into_vec()),
                        _ => o.filter.only.push(value.into_vec()),
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
    if o.show.quiet && o.show.verbose {
        return Err("-q and -v exclude each other".into());
    }
    if o.paths.is_empty() {
        return Err("no files or directories named".into());
    }
    Ok(o)
}
