//! Small helpers around processes, files and output.

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A command on PATH, as the shell would find it.
pub fn which(cmd: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(cmd))
        .find(|p| fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

pub fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// Runs a command with stdout and stderr appended to `log`; an error names
/// the exit and shows the log's end.
pub fn run_logged(mut cmd: Command, log: &Path) -> Result<(), String> {
    let status = spawn_logged(&mut cmd, log, None).map_err(|e| format!("{}: {e}", show(&cmd)))?;
    match status {
        Finished::Exit(s) if s.success() => Ok(()),
        other => Err(format!(
            "{} {}; end of {}:\n{}",
            show(&cmd),
            other.describe(),
            log.display(),
            tail(log, 20)
        )),
    }
}

/// How a program ended.
#[derive(Debug)]
pub enum Finished {
    Exit(ExitStatus),
    TimedOut(Duration),
}

impl Finished {
    pub fn success(&self) -> bool {
        matches!(self, Finished::Exit(s) if s.success())
    }

    pub fn describe(&self) -> String {
        use std::os::unix::process::ExitStatusExt;
        match self {
            Finished::Exit(s) => match (s.code(), s.signal()) {
                (Some(c), _) => format!("exited {c}"),
                (None, Some(sig)) => format!("was killed by signal {sig}"),
                _ => format!("ended: {s}"),
            },
            Finished::TimedOut(d) => format!("was stopped after {} s (it hung)", d.as_secs()),
        }
    }
}

/// Runs a command, output appended to `log`, stdin empty; with a limit it
/// is killed past it.
pub fn spawn_logged(
    cmd: &mut Command,
    log: &Path,
    limit: Option<Duration>,
) -> std::io::Result<Finished> {
    let out = File::options().create(true).append(true).open(log)?;
    let err = out.try_clone()?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()?;
    let Some(limit) = limit else {
        return child.wait().map(Finished::Exit);
    };
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait()? {
            return Ok(Finished::Exit(s));
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(Finished::TimedOut(limit));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A command as a shell line, for messages.
pub fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// The last `n` lines of a file, indented.
pub fn tail(path: &Path, n: usize) -> String {
    let text = fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(n);
    lines[from..]
        .iter()
        .map(|l| format!("      {l}\n"))
        .collect()
}

static OUT: Mutex<()> = Mutex::new(());

/// Prints whole lines at once, so lines of parallel runs never interleave.
pub fn say(text: &str) {
    let _guard = OUT.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

pub fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// A file name made of a step's words.
pub fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}
