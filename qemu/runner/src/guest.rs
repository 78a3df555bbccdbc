//! How a target's programs run here: natively, or under an emulator. The
//! one place that sets what a program under qemu-user sees.
//!
//! Under qemu a program gets:
//! - `MMAP_NATIVE_QEMU=<version> <program> [<args>...]`: qemu's version as
//!   `--version` prints it, then the exact command prefix that runs another
//!   guest binary of the same target under the same emulator with the same
//!   settings (tests/common reads it; natively it is unset);
//! - `G_SLICE=always-malloc`: a forked child can hang on a glib allocator
//!   lock inside qemu 7.2;
//! - `RUST_TEST_THREADS=1`: libtest runs one test at a time, so no other
//!   guest thread runs while a test forks.
//!
//! Every other `QEMU_*` variable is removed, so that the prefix really is
//! the whole setting.
//!
//! Cargo runs programs the same way through `exec` mode: its
//! `CARGO_TARGET_<TRIPLE>_RUNNER` is `<this program> exec <spec file>`, and
//! the spec names one or more emulators. With more than one, each program
//! runs under each of them (doc tests, built once, run under both).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const QEMU_VAR: &str = "MMAP_NATIVE_QEMU";

/// A program of some target runs natively or under one emulator.
#[derive(Clone)]
pub enum Guest {
    Native,
    Qemu(QemuGuest),
}

#[derive(Clone)]
pub struct QemuGuest {
    /// The emulator's name in the emulator table (`7.2`, `10`).
    pub emulator: &'static str,
    /// `10.0.2`.
    pub version: String,
    /// qemu's path and arguments: `-L <sysroot>`, maybe `-p <page size>`.
    pub prefix: Vec<String>,
}

impl QemuGuest {
    /// The value of `MMAP_NATIVE_QEMU`.
    pub fn contract(&self) -> String {
        format!("{} {}", self.version, self.prefix.join(" "))
    }
}

impl Guest {
    /// The summary's column: `native` or `qemu 10.0.2`.
    pub fn column(&self) -> String {
        match self {
            Guest::Native => "native".into(),
            Guest::Qemu(q) => format!("qemu {}", q.version),
        }
    }

    /// A file-name-safe word for logs.
    pub fn slug(&self) -> String {
        match self {
            Guest::Native => "native".into(),
            Guest::Qemu(q) => format!("qemu-{}", q.version),
        }
    }

    /// The command that runs `program` here, with its environment.
    pub fn command(&self, program: &Path) -> Command {
        let mut c = match self {
            Guest::Native => Command::new(program),
            Guest::Qemu(q) => {
                let mut c = Command::new(&q.prefix[0]);
                c.args(&q.prefix[1..]).arg(program);
                for (k, _) in std::env::vars_os() {
                    if k.to_string_lossy().starts_with("QEMU_") {
                        c.env_remove(k);
                    }
                }
                c.env(QEMU_VAR, q.contract())
                    .env("G_SLICE", "always-malloc")
                    .env("RUST_TEST_THREADS", "1");
                c
            }
        };
        if matches!(self, Guest::Native) {
            c.env_remove(QEMU_VAR);
        }
        c
    }
}

/// Writes the spec `exec` mode reads: `log <file>` (where it records each
/// run) and one `run <emulator> <version> <prefix>...` line per emulator.
pub fn write_spec(path: &Path, log: Option<&Path>, guests: &[QemuGuest]) -> Result<(), String> {
    let mut text = String::from("# mmap-native-runner exec spec (written by qemu/test)\n");
    if let Some(l) = log {
        text.push_str(&format!("log {}\n", l.display()));
    }
    for g in guests {
        text.push_str(&format!(
            "run {} {} {}\n",
            g.emulator,
            g.version,
            g.prefix.join(" ")
        ));
    }
    if let Some(d) = path.parent() {
        fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_spec(path: &Path) -> Result<(Option<PathBuf>, Vec<QemuGuest>), String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut log = None;
    let mut guests = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut w = line.split_whitespace();
        match w.next() {
            Some("log") => log = w.next().map(PathBuf::from),
            Some("run") => {
                let (Some(name), Some(version)) = (w.next(), w.next()) else {
                    return Err(format!("{}: bad line {line:?}", path.display()));
                };
                let emulator = crate::emulators::find(name)
                    .ok_or_else(|| format!("{}: no emulator {name}", path.display()))?
                    .name;
                let prefix: Vec<String> = w.map(String::from).collect();
                if prefix.is_empty() {
                    return Err(format!("{}: no qemu in {line:?}", path.display()));
                }
                guests.push(QemuGuest {
                    emulator,
                    version: version.into(),
                    prefix,
                });
            }
            _ => {}
        }
    }
    if guests.is_empty() {
        return Err(format!("{}: no emulator", path.display()));
    }
    Ok((log, guests))
}

/// One line of the runs log: `<emulator> <exit> <program>`.
pub struct RunRecord {
    pub emulator: String,
    pub success: bool,
    pub program: String,
}

pub fn read_runs(log: &Path) -> Vec<RunRecord> {
    fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut w = l.splitn(3, ' ');
            Some(RunRecord {
                emulator: w.next()?.into(),
                success: w.next()? == "0",
                program: w.next()?.into(),
            })
        })
        .collect()
}

/// `exec SPEC PROGRAM [ARGS...]`: cargo's runner. Runs the program under
/// each emulator of the spec (in parallel, output shown in order), records
/// each run, and exits with the first failure's status (0 if none).
pub fn exec_mode(args: &[String]) -> i32 {
    let [spec, program, rest @ ..] = args else {
        eprintln!("usage: mmap-native-runner exec SPEC PROGRAM [ARGS...]");
        return 2;
    };
    let (log, guests) = match read_spec(Path::new(spec)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mmap-native-runner exec: {e}");
            return 2;
        }
    };
    let program = Path::new(program);
    if let [g] = guests.as_slice() {
        // One emulator: its output goes straight through.
        let mut c = Guest::Qemu(g.clone()).command(program);
        c.args(rest);
        let code = match c.status() {
            Ok(s) => exit_code(s),
            Err(e) => {
                eprintln!("mmap-native-runner exec: {}: {e}", g.prefix[0]);
                127
            }
        };
        record(log.as_deref(), g, code, program);
        return code;
    }
    let children: Vec<_> = guests
        .iter()
        .map(|g| {
            let mut c = Guest::Qemu(g.clone()).command(program);
            c.args(rest).stdout(Stdio::piped()).stderr(Stdio::piped());
            (g, c.spawn())
        })
        .collect();
    let mut first_failure = 0;
    for (g, child) in children {
        let (code, out, err) = match child.and_then(|c| c.wait_with_output()) {
            Ok(o) => (exit_code(o.status), o.stdout, o.stderr),
            Err(e) => (
                127,
                Vec::new(),
                format!("{}: {e}\n", g.prefix[0]).into_bytes(),
            ),
        };
        let _ = std::io::stdout().write_all(&out);
        let _ = std::io::stderr().write_all(&err);
        if code != 0 {
            eprintln!(
                "mmap-native-runner: under qemu {} it exited {code}",
                g.version
            );
            if first_failure == 0 {
                first_failure = code;
            }
        }
        record(log.as_deref(), g, code, program);
    }
    first_failure
}

fn exit_code(s: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0))
}

fn record(log: Option<&Path>, g: &QemuGuest, code: i32, program: &Path) {
    if let Some(log) = log {
        let line = format!("{} {code} {}\n", g.emulator, program.display());
        // One append of one short line: runs in parallel never mix lines.
        if let Ok(mut f) = fs::OpenOptions::new().create(true).append(true).open(log) {
            let _ = f.write_all(line.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guest() -> QemuGuest {
        QemuGuest {
            emulator: "7.2",
            version: "7.2.22".into(),
            prefix: [
                "/usr/bin/qemu-aarch64",
                "-L",
                "/usr/aarch64-linux-gnu",
                "-p",
                "65536",
            ]
            .map(String::from)
            .to_vec(),
        }
    }

    #[test]
    fn the_contract() {
        assert_eq!(
            guest().contract(),
            "7.2.22 /usr/bin/qemu-aarch64 -L /usr/aarch64-linux-gnu -p 65536"
        );
        let c = Guest::Qemu(guest()).command(Path::new("/t/raw"));
        assert_eq!(c.get_program(), "/usr/bin/qemu-aarch64");
        let args: Vec<_> = c.get_args().collect();
        assert_eq!(
            args,
            ["-L", "/usr/aarch64-linux-gnu", "-p", "65536", "/t/raw"]
        );
        let envs: Vec<_> = c
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_str()?, v?.to_str()?)))
            .collect();
        assert!(envs.contains(&(
            QEMU_VAR,
            "7.2.22 /usr/bin/qemu-aarch64 -L /usr/aarch64-linux-gnu -p 65536"
        )));
        assert!(envs.contains(&("G_SLICE", "always-malloc")));
        assert!(envs.contains(&("RUST_TEST_THREADS", "1")));
        let native = Guest::Native.command(Path::new("/t/raw"));
        assert!(native.get_envs().any(|(k, v)| k == QEMU_VAR && v.is_none()));
    }

    #[test]
    fn spec_round_trip() {
        let dir =
            std::env::temp_dir().join(format!("mmap-native-runner-spec-{}", std::process::id()));
        let spec = dir.join("x.spec");
        write_spec(&spec, Some(Path::new("/l/runs.log")), &[guest()]).unwrap();
        let (log, guests) = read_spec(&spec).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(log.as_deref(), Some(Path::new("/l/runs.log")));
        assert_eq!(guests.len(), 1);
        assert_eq!(guests[0].contract(), guest().contract());
        assert_eq!(guests[0].emulator, "7.2");
    }
}
