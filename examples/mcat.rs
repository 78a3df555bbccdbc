//! `mcat`: `cat` through memory maps.
//!
//! ```text
//! mcat [--offset N] [--len N] [--advise ADVICE] [--] FILE...
//! ```
//!
//! Maps each FILE with the crate's safe layer and writes the mapped bytes
//! to standard output. `--offset` (any byte offset, page aligned or not)
//! and `--len` apply to every file; `--advise` passes `madvise` advice
//! (`normal`, `random`, `sequential`, `willneed`, `dontfork`, `dofork`,
//! `mergeable`, `unmergeable`, `hugepage`, `nohugepage`, `dontdump`,
//! `dodump`, `cold`, `pageout`, `populate_read`, `collapse`). Numbers are
//! decimal or `0x` hex. `-` maps standard input, if that is a file.
//!
//! Like `cat`, an error names the file and goes on with the next one; the
//! exit status is then 1 (2 for a usage error). An empty file prints
//! nothing.

use mmap_native::{Advice, Errno, MmapOptions};
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;

const USAGE: &str = "usage: mcat [--offset N] [--len N] [--advise ADVICE] [--] FILE...";

const ADVICE: &[(&str, Advice)] = &[
    ("normal", Advice::NORMAL),
    ("random", Advice::RANDOM),
    ("sequential", Advice::SEQUENTIAL),
    ("willneed", Advice::WILLNEED),
    ("dontfork", Advice::DONTFORK),
    ("dofork", Advice::DOFORK),
    ("mergeable", Advice::MERGEABLE),
    ("unmergeable", Advice::UNMERGEABLE),
    ("hugepage", Advice::HUGEPAGE),
    ("nohugepage", Advice::NOHUGEPAGE),
    ("dontdump", Advice::DONTDUMP),
    ("dodump", Advice::DODUMP),
    ("cold", Advice::COLD),
    ("pageout", Advice::PAGEOUT),
    ("populate_read", Advice::POPULATE_READ),
    ("collapse", Advice::COLLAPSE),
];

struct Args {
    offset: u64,
    len: Option<usize>,
    advice: Option<Advice>,
    /// Any bytes but NUL, as the kernel takes them: not necessarily UTF-8.
    files: Vec<OsString>,
}

fn number<T: TryFrom<u64>>(opt: &str, s: &str) -> Result<T, String> {
    let n = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse::<u64>(),
    };
    n.ok()
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| format!("{opt}: not a number in range: '{s}'"))
}

fn parse(args: impl Iterator<Item = OsString>) -> Result<Args, String> {
    let mut a = Args {
        offset: 0,
        len: None,
        advice: None,
        files: Vec::new(),
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        // `--opt=value` and `--opt value` both work. Options are ASCII;
        // their values are read as text (lossily: a byte that is not UTF-8
        // is no digit and no advice name either).
        let bytes = arg.as_bytes();
        let (opt, inline) = match bytes.iter().position(|&b| b == b'=') {
            Some(i) if bytes.starts_with(b"--") => (
                String::from_utf8_lossy(&bytes[..i]).into_owned(),
                Some(String::from_utf8_lossy(&bytes[i + 1..]).into_owned()),
            ),
            _ => (arg.to_string_lossy().into_owned(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next().map(|v| v.to_string_lossy().into_owned()))
                .ok_or_else(|| format!("{opt} needs a value"))
        };
        match opt.as_str() {
            "--offset" => a.offset = number(&opt, &value()?)?,
            "--len" => a.len = Some(number(&opt, &value()?)?),
            "--advise" => {
                let v = value()?;
                let found = ADVICE.iter().find(|(name, _)| *name == v);
                let Some(&(_, advice)) = found else {
                    let names: Vec<&str> = ADVICE.iter().map(|(n, _)| *n).collect();
                    return Err(format!(
                        "--advise: unknown advice '{v}' (one of: {})",
                        names.join(", ")
                    ));
                };
                a.advice = Some(advice);
            }
            "-h" | "--help" => return Err(String::new()),
            "--" => {
                a.files.extend(args.by_ref());
            }
            o if o.starts_with("--") => return Err(format!("unknown option '{o}'")),
            _ => a.files.push(arg),
        }
    }
    if a.files.is_empty() {
        return Err("no file named".to_string());
    }
    Ok(a)
}

/// `No such file or directory (ENOENT)`, from the crate's own tables.
fn describe(e: Errno) -> String {
    match (e.description(), e.name()) {
        (Some(d), Some(n)) => format!("{d} ({n})"),
        _ => format!("error {}", e.into_raw()),
    }
}

/// Maps one file and writes it out. A problem with the file comes back as
/// the message to print after its name; a write error on standard output
/// comes back as the outer error, since it ends the whole run.
fn cat(name: &OsStr, args: &Args, out: &mut impl Write) -> std::io::Result<Result<(), String>> {
    let file;
    let fd = if name.as_bytes() == b"-" {
        std::io::stdin().as_raw_fd()
    } else {
        file = match std::fs::File::open(name) {
            Ok(f) => f,
            // std's open error is an OS error number: say it the way the
            // crate says its own.
            Err(e) => return Ok(Err(describe(os_errno(&e)))),
        };
        file.as_raw_fd()
    };
    let mut opts = MmapOptions::new();
    opts.offset(args.offset);
    if let Some(len) = args.len {
        opts.len(len);
    }
    // SAFETY: like any reader, mcat shows whatever the file holds; it
    // relies on nothing changing the file while it writes it out. If
    // another process truncates the file meanwhile, touching the lost pages
    // raises SIGBUS and ends mcat: the hazard every mmap-based tool has.
    let map = match unsafe { opts.map(fd) } {
        Ok(m) => m,
        Err(e) => return Ok(Err(format!("mmap: {}", describe(e)))),
    };
    if let Some(advice) = args.advice {
        if let Err(e) = map.advise(advice) {
            return Ok(Err(format!("madvise: {}", describe(e))));
        }
    }
    out.write_all(&map)?;
    Ok(Ok(()))
}

/// The errno behind a std I/O error (EIO for the rare one without).
fn os_errno(e: &std::io::Error) -> Errno {
    Errno::new(e.raw_os_error().unwrap_or(Errno::EIO.into_raw()))
}

fn main() -> ExitCode {
    let args = match parse(std::env::args_os().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("mcat: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut status = ExitCode::SUCCESS;
    for name in &args.files {
        match cat(name, &args, &mut out) {
            Ok(Ok(())) => {}
            Ok(Err(msg)) => {
                // Whatever went to stdout first, so the error lands after it.
                let _ = out.flush();
                // The name's own bytes, as cat writes them.
                let line = [b"mcat: ", name.as_bytes(), b": ", msg.as_bytes(), b"\n"].concat();
                let _ = std::io::stderr().write_all(&line);
                status = ExitCode::FAILURE;
            }
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                // The reader went away, as with `mcat big | head`: stop
                // quietly, as cat (killed by SIGPIPE) would.
                return ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("mcat: write error: {}", describe(os_errno(&e)));
                return ExitCode::FAILURE;
            }
        }
    }
    if let Err(e) = out.flush() {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("mcat: write error: {}", describe(os_errno(&e)));
        }
        return ExitCode::FAILURE;
    }
    status
}
