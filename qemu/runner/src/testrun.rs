//! Building a target's test programs once and running them under each
//! emulator.
//!
//! cargo builds the test programs (`cargo test --no-run`); the runner then
//! runs each one itself, under each selected emulator, on the pool's
//! threads, while the next target builds. That is safe: each test program
//! is its own process with its own temporary files (named by pid), and
//! under qemu each runs its tests one at a time (`RUST_TEST_THREADS=1`), so
//! two emulators never share a guest process. What is not safe is cargo
//! replacing a build while its programs run (the examples tests start sit
//! at fixed paths), so a test build waits for the programs of the previous
//! build in the same target directory and triple.
//!
//! Doc tests are compiled by rustdoc during `cargo test --doc`, so cargo
//! runs them: once, with the runner in `exec` mode as cargo's runner, which
//! runs each doc test under every selected emulator and records each run.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::board::Board;
use crate::count;
use crate::guest::{self, Guest};
use crate::json;
use crate::steps::{self, target_args};
use crate::sys;
use crate::targets::{self, Run, Target, Tests};
use crate::Ctx;

/// A test program stops being waited for after this: a hang must end as
/// a failure, not as a CI run that never finishes.
const HANG_LIMIT: Duration = Duration::from_secs(1200);

/// One build of a target's test programs.
pub struct Build<'a> {
    pub target: &'static Target,
    pub toolchain: Option<&'a str>,
    pub features: Option<&'static str>,
    pub target_dir: PathBuf,
    /// The summary column for its runs, when not the guest's own (the
    /// MSRV build: `rust 1.87`).
    pub column: Option<String>,
    /// The step's name, for output and logs (`test std`).
    pub name: String,
}

impl Build<'_> {
    fn tag(&self) -> String {
        format!("{}|{}", self.target_dir.display(), self.target.triple)
    }

    fn column(&self, g: &Guest) -> String {
        self.column.clone().unwrap_or_else(|| g.column())
    }

    fn feature_args(&self) -> Vec<String> {
        self.features
            .map_or(Vec::new(), |f| vec!["--features".into(), f.into()])
    }
}

#[derive(Clone)]
struct Program {
    /// `lib` for the unit tests, else the integration test's name.
    name: String,
    path: PathBuf,
}

/// Builds the test programs, queues their runs under each guest of each
/// run, then runs the doc tests.
pub fn test_and_run(ctx: &Ctx, b: &Build, runs: &[Run]) {
    let t = b.target;
    let checks = b.column.clone().unwrap_or_else(|| "checks".into());
    ctx.pool.wait_tag(&b.tag());
    let programs = build(ctx, b, &checks);
    for run in runs {
        let guests = ctx.guests(run);
        let Some(programs) = &programs else {
            for g in &guests {
                let c = b.column(g);
                ctx.board.add(&run.label(), &c, 0, 1, 0, Duration::ZERO);
                ctx.board.note(
                    &run.label(),
                    &c,
                    &format!("{} not run: the build failed", b.name),
                );
            }
            continue;
        };
        let (chosen, unknown) = select(programs, run.tests());
        if !unknown.is_empty() {
            steps::verdict(
                ctx,
                t,
                &checks,
                &format!("{} tests named in the table", run.name()),
                Err(format!("no test program {} was built", unknown.join(", "))),
            );
        }
        for g in guests {
            submit(ctx, b, run, g, chosen.clone());
        }
    }
    if programs.is_some() {
        let with_doc: Vec<Run> = runs
            .iter()
            .filter(|r| r.tests().includes("doc"))
            .copied()
            .collect();
        if let Some(run) = with_doc.first() {
            doc_tests(ctx, b, run, &checks);
        }
    }
}

/// The programs a run's tests select, and the names it selects that were
/// not built (a misspelt name must fail, not silently run less).
fn select(programs: &[Program], tests: &Tests) -> (Vec<Program>, Vec<String>) {
    let chosen = programs
        .iter()
        .filter(|p| tests.includes(&p.name))
        .cloned()
        .collect();
    let unknown = match tests {
        Tests::All => Vec::new(),
        Tests::Only(names, _) => names
            .iter()
            .filter(|n| **n != "doc" && !programs.iter().any(|p| p.name == **n))
            .map(|n| n.to_string())
            .collect(),
    };
    (chosen, unknown)
}

/// `cargo test --no-run`, counted as one check; the test programs from
/// cargo's JSON messages.
fn build(ctx: &Ctx, b: &Build, checks: &str) -> Option<Vec<Program>> {
    let t = b.target;
    let slug = sys::slug(&b.name);
    let log = ctx.plan.logs.join(format!("{}-{slug}-build.log", t.name));
    let json_out = ctx
        .plan
        .logs
        .join(format!("{}-{slug}-build.json.log", t.name));
    let mut c = ctx.cargo(Some(t), b.toolchain);
    c.args([
        "test",
        "--no-run",
        "--message-format=json-render-diagnostics",
    ])
    .args(target_args(t))
    .args(b.feature_args())
    .env("CARGO_TARGET_DIR", &b.target_dir);
    let _ = fs::write(&log, format!("$ {}\n", sys::show(&c)));
    let start = Instant::now();
    let ran = File::create(&json_out).and_then(|out| {
        let err = File::options().append(true).open(&log)?;
        c.stdin(Stdio::null()).stdout(out).stderr(err).status()
    });
    let took = start.elapsed();
    let name = format!("build {}", b.name);
    let failed = |why: String| {
        steps::failed_check(ctx, t, checks, &name, &why, took, &log);
        None
    };
    match ran {
        Ok(s) if s.success() => {}
        Ok(s) => return failed(format!("cargo {}", sys::Finished::Exit(s).describe())),
        Err(e) => return failed(e.to_string()),
    }
    let text = fs::read_to_string(&json_out).unwrap_or_default();
    let programs: Vec<Program> = match executables(&text, true) {
        Ok(found) => found
            .into_iter()
            .map(|(name, path)| Program { name, path })
            .collect(),
        Err(e) => return failed(e),
    };
    if programs.is_empty() {
        return failed("cargo built no test program".into());
    }
    ctx.board.add(t.triple, checks, 1, 0, 0, took);
    sys::say(&format!(
        "  [{}] {name}: ok, {} test programs ({})",
        t.name,
        programs.len(),
        sys::secs(took)
    ));
    Some(programs)
}

/// The programs in cargo's JSON messages (other lines are passed over):
/// test programs (`lib` for the unit tests, else the test's name), or
/// binaries by name.
pub fn executables(text: &str, tests: bool) -> Result<Vec<(String, PathBuf)>, String> {
    let mut found = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("{\"reason\":")) {
        let msg =
            json::parse(line).map_err(|e| format!("cannot read cargo's message ({e}): {line}"))?;
        if msg.get("reason").and_then(json::Json::str) != Some("compiler-artifact") {
            continue;
        }
        let is_test = msg
            .get("profile")
            .and_then(|p| p.get("test"))
            .and_then(json::Json::bool)
            == Some(true);
        let (Some(path), Some(target)) = (
            msg.get("executable").and_then(json::Json::str),
            msg.get("target"),
        ) else {
            continue;
        };
        let kinds = target.get("kind").map_or(&[][..], json::Json::arr);
        let has = |k: &str| kinds.iter().any(|x| x.str() == Some(k));
        let name = target.get("name").and_then(json::Json::str).unwrap_or("?");
        match (tests, is_test) {
            (true, true) => found.push((
                if has("lib") {
                    "lib".into()
                } else {
                    name.into()
                },
                PathBuf::from(path),
            )),
            (false, false) if has("bin") => found.push((name.into(), PathBuf::from(path))),
            _ => {}
        }
    }
    Ok(found)
}

/// What a queued job needs, owned (jobs outlive the step that queues them).
struct Lane {
    board: Arc<Board>,
    root: PathBuf,
    logs: PathBuf,
    target: &'static str,
    run_name: &'static str,
    label: String,
    column: String,
    guest: Guest,
    what: String,
}

impl Lane {
    fn new(ctx: &Ctx, run: &Run, g: &Guest, column: String, what: &str) -> Lane {
        Lane {
            board: ctx.board.clone(),
            root: ctx.plan.root.clone(),
            logs: ctx.plan.logs.clone(),
            target: run.target.name,
            run_name: run.name(),
            label: run.label(),
            column,
            guest: g.clone(),
            what: what.into(),
        }
    }

    /// Runs one program here and returns its output and how it ended.
    fn run(&self, name: &str, path: &Path) -> (PathBuf, String, Result<sys::Finished, String>) {
        let log = self.logs.join(format!(
            "{}-{}-{}-{}.log",
            self.run_name,
            self.guest.slug(),
            sys::slug(&self.what),
            sys::slug(name)
        ));
        let mut c = self.guest.command(path);
        // As cargo runs test programs: from the package root.
        c.current_dir(&self.root)
            .env("CARGO_MANIFEST_DIR", &self.root);
        let _ = fs::write(&log, format!("$ {}\n", sys::show(&c)));
        let end = sys::spawn_logged(&mut c, &log, Some(HANG_LIMIT))
            .map_err(|e| format!("cannot start it: {e}"));
        let out = fs::read(&log)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        (log, out, end)
    }

    fn report(&self, name: &str, log: &Path, c: &count::Counts, took: Duration) {
        self.board.add(
            &self.label,
            &self.column,
            c.passed,
            c.failed,
            c.ignored,
            took,
        );
        let head = format!("  [{} {}] {} {name}", self.run_name, self.column, self.what);
        if c.failed == 0 {
            sys::say(&format!(
                "{head}: {} passed ({})",
                c.passed,
                sys::secs(took)
            ));
        } else {
            for n in &c.notes {
                self.board
                    .note(&self.label, &self.column, &format!("{name}: {n}"));
            }
            let why = if c.notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.notes.join("; "))
            };
            sys::say(&format!(
                "{head}: {} passed, {} FAILED{why} ({}); end of {}:\n{}",
                c.passed,
                c.failed,
                sys::secs(took),
                log.display(),
                sys::tail(log, 40)
            ));
        }
    }
}

fn submit(ctx: &Ctx, b: &Build, run: &Run, g: Guest, programs: Vec<Program>) {
    let lane = Lane::new(ctx, run, &g, b.column(&g), &b.name);
    ctx.pool.submit(&b.tag(), move || {
        let start = Instant::now();
        for p in &programs {
            let t0 = Instant::now();
            let (log, out, end) = lane.run(&p.name, &p.path);
            let counts = match end {
                Ok(end) => count::test_program(&out, &end),
                Err(e) => {
                    let mut c = count::Counts::default();
                    c.fail(e);
                    c
                }
            };
            lane.report(&p.name, &log, &counts, t0.elapsed());
        }
        lane.board.span(lane.target, start, Instant::now());
    });
}

/// Queues a run of the freestanding program: each `ok <step>` it prints
/// is a pass.
pub fn submit_freestanding(ctx: &Ctx, run: &Run, g: &Guest, bin: &Path, profile: &str) {
    let lane = Lane::new(ctx, run, g, g.column(), "freestanding");
    let bin = bin.to_path_buf();
    let profile = profile.to_string();
    ctx.pool
        .submit(&format!("freestanding|{}", run.target.triple), move || {
            let start = Instant::now();
            let (log, out, end) = lane.run(&profile, &bin);
            let counts = match end {
                Ok(end) => count::freestanding(&out, &end),
                Err(e) => {
                    let mut c = count::Counts::default();
                    c.fail(e);
                    c
                }
            };
            lane.report(&profile, &log, &counts, start.elapsed());
            lane.board.span(lane.target, start, Instant::now());
        });
}

/// `cargo test --doc` for the build, its doc tests run under every
/// selected emulator of the run (or natively). Under qemu each emulator's
/// row gets its runs, and one check more: that every doc test rustdoc ran
/// went through that emulator.
fn doc_tests(ctx: &Ctx, b: &Build, run: &Run, checks: &str) {
    let t = b.target;
    let name = format!(
        "doc tests{}",
        b.features.map_or(String::new(), |f| format!(" {f}"))
    );
    let stem = format!("{}-{}", t.name, sys::slug(&format!("{} doc", b.name)));
    let log = ctx.plan.logs.join(format!("{stem}.log"));
    let runs_log = ctx.plan.logs.join(format!("{stem}-runs.log"));
    let guests = ctx.guests(run);
    let qemu: Vec<guest::QemuGuest> = guests
        .iter()
        .filter_map(|g| match g {
            Guest::Qemu(q) => Some(q.clone()),
            Guest::Native => None,
        })
        .collect();
    let mut c = ctx.cargo(Some(t), b.toolchain);
    c.args(["test", "--doc", "--no-fail-fast"])
        .args(target_args(t))
        .args(b.feature_args())
        .env("CARGO_TARGET_DIR", &b.target_dir);
    if !qemu.is_empty() {
        let spec = ctx.plan.logs.join("exec").join(format!("{stem}.spec"));
        let _ = fs::remove_file(&runs_log);
        if let Err(e) = guest::write_spec(&spec, Some(&runs_log), &qemu) {
            steps::verdict(ctx, t, checks, &name, Err(e));
            return;
        }
        c.env(
            targets::cargo_target_var(t.triple, "RUNNER"),
            format!("{} exec {}", ctx.runner_exe.display(), spec.display()),
        );
    }
    let _ = fs::write(&log, format!("$ {}\n", sys::show(&c)));
    let start = Instant::now();
    let end = sys::spawn_logged(&mut c, &log, None);
    let took = start.elapsed();
    let out = fs::read(&log)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let end = match end {
        Ok(e) => e,
        Err(e) => {
            steps::verdict(
                ctx,
                t,
                checks,
                &name,
                Err(format!("cannot start cargo: {e}")),
            );
            return;
        }
    };
    let rustdoc = count::test_program(&out, &end);
    let show_failure = |what: &str| {
        sys::say(&format!(
            "  [{}] {name}: {what}; end of {}:\n{}",
            t.name,
            log.display(),
            sys::tail(&log, 40)
        ));
    };
    if qemu.is_empty() {
        let column = b.column(&Guest::Native);
        ctx.board.add(
            &run.label(),
            &column,
            rustdoc.passed,
            rustdoc.failed,
            rustdoc.ignored,
            took,
        );
        if rustdoc.failed == 0 {
            sys::say(&format!(
                "  [{} {column}] {name}: {} passed ({})",
                t.name,
                rustdoc.passed,
                sys::secs(took)
            ));
        } else {
            ctx.board.note(
                &run.label(),
                &column,
                &format!("{name}: {} failed", rustdoc.failed),
            );
            show_failure(&format!(
                "{} passed, {} FAILED",
                rustdoc.passed, rustdoc.failed
            ));
        }
        return;
    }
    let executed = count::doc_tests_executed(&out);
    let records = guest::read_runs(&runs_log);
    let mut failed_programs: Vec<&str> = records
        .iter()
        .filter(|r| !r.success)
        .map(|r| r.program.as_str())
        .collect();
    failed_programs.sort_unstable();
    failed_programs.dedup();
    for q in &qemu {
        let column = format!("qemu {}", q.version);
        let mine: Vec<&guest::RunRecord> = records
            .iter()
            .filter(|r| r.emulator == q.emulator)
            .collect();
        let passed = mine.iter().filter(|r| r.success).count() as u64;
        let failed = mine.len() as u64 - passed;
        ctx.board.add(
            &run.label(),
            &column,
            passed,
            failed,
            0,
            took / qemu.len() as u32,
        );
        let all_here = mine.len() as u64 == executed && executed > 0;
        ctx.board.add(
            &run.label(),
            &column,
            all_here as u64,
            !all_here as u64,
            0,
            Duration::ZERO,
        );
        if all_here {
            ctx.board.note(
                &run.label(),
                &column,
                &format!("{executed} doc tests ran under qemu"),
            );
        } else {
            ctx.board.note(
                &run.label(),
                &column,
                &format!(
                    "doc tests under qemu: {} runs for {executed} doc tests",
                    mine.len()
                ),
            );
        }
        let msg = format!(
            "{passed} passed, {failed} failed; {} of {executed} doc tests ran under qemu {}",
            mine.len(),
            q.version
        );
        if failed == 0 && all_here {
            sys::say(&format!(
                "  [{} {column}] {name}: {msg} ({})",
                t.name,
                sys::secs(took)
            ));
        } else {
            show_failure(&format!("[qemu {}] {msg}", q.version));
        }
    }
    // What rustdoc counted beyond the runs: doc tests only compiled
    // (no_run, compile_fail) pass or fail here, and so do build failures.
    let compiled_only = rustdoc
        .passed
        .saturating_sub(executed.saturating_sub(failed_programs.len() as u64));
    let build_failures = rustdoc.failed.saturating_sub(failed_programs.len() as u64);
    ctx.board.add(
        t.triple,
        checks,
        compiled_only,
        build_failures,
        rustdoc.ignored,
        Duration::ZERO,
    );
    if build_failures > 0 {
        ctx.board.note(
            t.triple,
            checks,
            &format!("{name}: {build_failures} failed to build"),
        );
        show_failure(&format!(
            "{build_failures} doc tests FAILED to build or run"
        ));
    } else if compiled_only > 0 {
        sys::say(&format!(
            "  [{}] {name}: {compiled_only} compile-only doc tests passed",
            t.name
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_from_cargo_messages() {
        let text = concat!(
            r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"mmap_native"},"profile":{"test":true},"executable":"/t/deps/mmap_native-1"}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"mmap_native"},"profile":{"test":false},"executable":null}"#,
            "\n   Compiling x\n",
            r#"{"reason":"compiler-artifact","target":{"kind":["test"],"name":"raw"},"profile":{"test":true},"executable":"/t/deps/raw-2"}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"kind":["bin"],"name":"freestanding-safe"},"profile":{"test":false},"executable":"/f/freestanding-safe"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
            "\n"
        );
        let tests = executables(text, true).unwrap();
        assert_eq!(
            tests,
            [
                ("lib".to_string(), PathBuf::from("/t/deps/mmap_native-1")),
                ("raw".to_string(), PathBuf::from("/t/deps/raw-2"))
            ]
        );
        let bins = executables(text, false).unwrap();
        assert_eq!(
            bins,
            [(
                "freestanding-safe".to_string(),
                PathBuf::from("/f/freestanding-safe")
            )]
        );
        assert!(executables("{\"reason\":\"compiler-artifact\",", true).is_err());
    }

    #[test]
    fn a_misspelt_test_name_is_reported() {
        let programs = vec![Program {
            name: "safe".into(),
            path: PathBuf::from("/t/safe"),
        }];
        let (chosen, unknown) = select(&programs, &Tests::Only(&["safe", "doc", "saef"], ""));
        assert_eq!(chosen.len(), 1);
        assert_eq!(unknown, ["saef"]);
    }
}
