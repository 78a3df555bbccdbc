//! The Miri step: the host's unit tests and libtest integration tests under
//! Miri (`cargo +nightly miri test`), once with Stacked Borrows (Miri's
//! default) and once with Tree Borrows, each a row of the summary; the list
//! of tests ignored under Miri with their reasons; and clippy over the
//! `cfg(miri)` build (the backend `arch/miri.rs`).
//!
//! What it cannot run is said, never skipped silently: the harness-less
//! test programs (`harness = false` in Cargo.toml: their cases are not
//! libtest tests, so no `#[cfg_attr(miri, ignore)]` reaches them) and the
//! doc tests (rustdoc cannot mark one for Miri, and most map files).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::time::Instant;

use crate::count::{self, Counts};
use crate::json;
use crate::setup::Needs;
use crate::steps::{self, check};
use crate::sys::{self, Finished};
use crate::targets::{Run, Target};
use crate::{Ctx, Plan};

/// The toolchain that has Miri (rustup's `miri` component exists only for
/// nightly).
pub const TOOLCHAIN: &str = "nightly";

/// Miri's flags for every run, and why:
/// - `-Zmiri-disable-isolation`: the tests make their files in the temp
///   directory, and the crate's empty file maps ask `statx` (Miri's file
///   shims touch the host's files only without isolation);
/// - `-Zmiri-permissive-provenance`: a syscall takes its pointers as
///   integers, so the backend turns them back into pointers with
///   `ptr::with_exposed_provenance` (and the crate casts mmap's returned
///   address), which `-Zmiri-strict-provenance` forbids by definition; this
///   flag only silences Miri's warning about those casts.
const FLAGS: &str = "-Zmiri-disable-isolation -Zmiri-permissive-provenance";

/// The runs: the summary's column, the aliasing model, and its flag.
const MODELS: &[(&str, &str, &str)] = &[
    ("miri", "Stacked Borrows", ""),
    ("miri tree", "Tree Borrows", "-Zmiri-tree-borrows"),
];

/// One `cargo miri test` (all its programs) stops being waited for after
/// this: a hang must end as a failure. Each takes 1 to 2 minutes here.
const HANG_LIMIT: std::time::Duration = std::time::Duration::from_secs(1200);

/// The step in one line, for `--list`.
pub fn describe() -> String {
    let models: Vec<&str> = MODELS.iter().map(|(_, m, _)| *m).collect();
    format!(
        "cargo +{TOOLCHAIN} miri test: the unit tests and the libtest integration tests, \
         under {}; MIRIFLAGS={FLAGS}",
        models.join(" and ")
    )
}

pub fn needs(_: &Plan, _: &Target, n: &mut Needs) {
    n.toolchain(TOOLCHAIN);
    for c in ["miri", "rust-src", "clippy"] {
        n.component(Some(TOOLCHAIN), c);
    }
}

pub fn run(ctx: &Ctx, t: &'static Target, _: &[Run]) {
    let start = Instant::now();
    let mut c = ctx.cargo(None, Some(TOOLCHAIN));
    c.args(["miri", "--version"]);
    let version = c
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    sys::say(&format!(
        "  [{}] miri: {}; MIRIFLAGS={FLAGS}",
        t.name,
        version.as_deref().unwrap_or("(no version)")
    ));
    // The sysroot Miri interprets std from, built once and cached.
    let mut c = ctx.cargo(None, Some(TOOLCHAIN));
    c.args(["miri", "setup"]);
    if !check(ctx, t, "checks", "miri setup", c) {
        for (column, _, _) in MODELS {
            steps::verdict(
                ctx,
                t,
                column,
                "miri tests",
                Err("miri setup failed".into()),
            );
        }
        return;
    }
    clippy(ctx, t);
    let programs = match test_programs(ctx) {
        Ok(p) => p,
        Err(e) => {
            for (column, _, _) in MODELS {
                steps::verdict(ctx, t, column, "miri tests", Err(e.clone()));
            }
            return;
        }
    };
    let mut ignored: BTreeSet<(String, String)> = BTreeSet::new();
    for (column, model, flag) in MODELS {
        ignored.extend(tests(ctx, t, &programs.libtest, column, model, flag));
    }
    let mut list = format!(
        "  [{}] ignored in the Miri runs ({}), with their reasons:",
        t.name,
        ignored.len()
    );
    for (program, line) in &ignored {
        list.push_str(&format!("\n      {program}: {line}"));
    }
    sys::say(&list);
    let why = format!(
        "not run under Miri: the harness-less test programs {} (harness = false: their \
         cases are not libtest tests, so no #[cfg_attr(miri, ignore)] can mark the ones \
         Miri cannot run; they run natively and under qemu), and the doc tests (rustdoc \
         cannot mark one for Miri, and most map files)",
        programs.harnessless.join(", ")
    );
    sys::say(&format!("  [{}] {why}", t.name));
    for (column, _, _) in MODELS {
        ctx.board.note(
            t.triple,
            column,
            &format!("not run: {} and doc tests", programs.harnessless.join(" ")),
        );
    }
    sys::say(&format!(
        "  [{}] miri step: {}",
        t.name,
        sys::secs(start.elapsed())
    ));
}

/// clippy over the `cfg(miri)` build, both feature sets, in a target
/// directory of its own (RUSTFLAGS would rebuild the others).
fn clippy(ctx: &Ctx, t: &'static Target) {
    for f in [None, Some("std")] {
        let mut c = ctx.cargo(None, Some(TOOLCHAIN));
        c.args(["clippy", "--all-targets"])
            .args(f.map_or(Vec::new(), |f| vec!["--features", f]))
            .args(["--", "-D", "warnings"])
            .env("RUSTFLAGS", "--cfg miri")
            .env("CARGO_TARGET_DIR", ctx.plan.target_dir.join("miri-clippy"));
        let name = format!(
            "clippy miri{}",
            f.map_or(String::new(), |f| format!(" {f}"))
        );
        check(ctx, t, "checks", &name, c);
    }
}

/// The integration tests, split by whether libtest runs them.
struct Programs {
    libtest: Vec<String>,
    harnessless: Vec<String>,
}

fn test_programs(ctx: &Ctx) -> Result<Programs, String> {
    let mut c = ctx.cargo(None, None);
    c.args(["metadata", "--no-deps", "--format-version", "1"]);
    let out = c.output().map_err(|e| format!("cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let meta = json::parse(String::from_utf8_lossy(&out.stdout).trim())
        .map_err(|e| format!("cargo metadata: {e}"))?;
    let names: Vec<String> = meta
        .get("packages")
        .map_or(&[][..], json::Json::arr)
        .iter()
        .filter(|p| p.get("name").and_then(json::Json::str) == Some("mmap-native"))
        .flat_map(|p| p.get("targets").map_or(&[][..], json::Json::arr))
        .filter(|t| {
            t.get("kind")
                .map_or(&[][..], json::Json::arr)
                .iter()
                .any(|k| k.str() == Some("test"))
        })
        .filter_map(|t| t.get("name").and_then(json::Json::str).map(String::from))
        .collect();
    if names.is_empty() {
        return Err("cargo metadata lists no integration test".into());
    }
    let manifest = fs::read_to_string(ctx.plan.root.join("Cargo.toml"))
        .map_err(|e| format!("Cargo.toml: {e}"))?;
    let harnessless = harnessless(&manifest);
    if let Some(n) = harnessless.iter().find(|n| !names.contains(n)) {
        return Err(format!(
            "Cargo.toml's [[test]] {n} is not among cargo's tests"
        ));
    }
    let (harnessless, libtest): (Vec<String>, Vec<String>) =
        names.into_iter().partition(|n| harnessless.contains(n));
    Ok(Programs {
        libtest,
        harnessless,
    })
}

/// The names of the `[[test]]` sections with `harness = false`.
fn harnessless(manifest: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut section: Option<(Option<String>, bool)> = None;
    let close = |s: Option<(Option<String>, bool)>, found: &mut Vec<String>| {
        if let Some((Some(name), true)) = s {
            found.push(name);
        }
    };
    for line in manifest.lines() {
        let l = line.split('#').next().unwrap_or("").trim();
        if l.starts_with('[') {
            close(section.take(), &mut found);
            if l == "[[test]]" {
                section = Some((None, false));
            }
            continue;
        }
        let (Some(s), Some((k, v))) = (section.as_mut(), l.split_once('=')) else {
            continue;
        };
        match (k.trim(), v.trim()) {
            ("name", v) => s.0 = Some(v.trim_matches('"').to_string()),
            ("harness", "false") => s.1 = true,
            _ => {}
        }
    }
    close(section, &mut found);
    found
}

/// One run of the unit tests and the libtest integration tests under one
/// aliasing model, counted in its own column; the ignored tests it printed.
fn tests(
    ctx: &Ctx,
    t: &'static Target,
    libtest: &[String],
    column: &str,
    model: &str,
    flag: &str,
) -> Vec<(String, String)> {
    let name = format!("miri tests, {model}");
    let log = ctx
        .plan
        .logs
        .join(format!("{}-{}.log", t.name, sys::slug(&name)));
    let flags = format!("{FLAGS} {flag}");
    let mut c = ctx.cargo(None, Some(TOOLCHAIN));
    c.args(["miri", "test", "--no-fail-fast", "--lib"]);
    for p in libtest {
        c.args(["--test", p]);
    }
    c.env("MIRIFLAGS", flags.trim());
    let _ = fs::write(
        &log,
        format!("$ MIRIFLAGS='{}' {}\n", flags.trim(), sys::show(&c)),
    );
    let start = Instant::now();
    let end = sys::spawn_logged(&mut c, &log, Some(HANG_LIMIT));
    let took = start.elapsed();
    let out = fs::read(&log)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let mut expected: Vec<String> = vec!["lib".into()];
    expected.extend(libtest.iter().cloned());
    let (counts, ignored) = match end {
        Ok(end) => read(&out, &end, &expected),
        Err(e) => {
            let mut c = Counts::default();
            c.fail(format!("cannot start cargo miri: {e}"));
            (c, Vec::new())
        }
    };
    report(ctx, t, column, &name, &counts, took, &log);
    ignored
}

fn report(
    ctx: &Ctx,
    t: &Target,
    column: &str,
    name: &str,
    c: &Counts,
    took: std::time::Duration,
    log: &Path,
) {
    ctx.board
        .add(t.triple, column, c.passed, c.failed, c.ignored, took);
    let head = format!("  [{} {column}] {name}", t.name);
    if c.failed == 0 {
        sys::say(&format!(
            "{head}: {} passed, {} ignored ({})",
            c.passed,
            c.ignored,
            sys::secs(took)
        ));
        return;
    }
    for n in &c.notes {
        ctx.board.note(t.triple, column, n);
    }
    sys::say(&format!(
        "{head}: {} passed, {} FAILED ({}) ({}); end of {}:\n{}",
        c.passed,
        c.failed,
        c.notes.join("; "),
        sys::secs(took),
        log.display(),
        sys::tail(log, 40)
    ));
}

/// The counts of one `cargo miri test` from its output, program by
/// program (each begins at cargo's `Running` line): libtest's `test
/// result:` line, or one failure for a program that printed none (Miri
/// stopped it: undefined behaviour, or an operation it does not support),
/// or that was expected and did not run. Also the tests it printed as
/// ignored, as (program, `name: reason`).
fn read(output: &str, end: &Finished, expected: &[String]) -> (Counts, Vec<(String, String)>) {
    let mut c = Counts::default();
    let mut ignored = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut current: Option<(String, bool, Option<String>)> = None;
    let finish = |cur: Option<(String, bool, Option<String>)>, c: &mut Counts| {
        if let Some((program, false, stop)) = cur {
            let why = stop.unwrap_or_else(|| "no `error:` line".into());
            c.fail(format!("{program}: ended with no test result: {why}"));
        }
    };
    for line in output.lines() {
        if let Some(program) = running(line) {
            finish(current.take(), &mut c);
            seen.push(program.clone());
            current = Some((program, false, None));
            continue;
        }
        let Some((program, result, stop)) = current.as_mut() else {
            continue;
        };
        if let Some((p, f, i)) = count::libtest_line(line) {
            c.passed += p;
            c.failed += f;
            c.ignored += i;
            *result = true;
        } else if let Some(rest) = line.strip_prefix("test ") {
            if let Some((test, why)) = rest.split_once(" ... ignored") {
                let why = why.strip_prefix(", ").unwrap_or("(no reason given)");
                ignored.push((program.clone(), format!("{test}: {why}")));
            }
        } else if stop.is_none() && line.starts_with("error: ") && !line.contains("test failed") {
            // The first line of Miri's report, e.g. `error: Undefined Behavior: ...`,
            // often printed after the test's name on its `test ... ` line.
            *stop = Some(line.to_string());
        }
        if let Some(at) = line.find(" ... error: ") {
            if stop.is_none() {
                *stop = Some(line[at + 5..].to_string());
            }
        }
    }
    finish(current, &mut c);
    for p in expected.iter().filter(|p| !seen.contains(p)) {
        c.fail(format!("{p}: did not run"));
    }
    if !end.success() && c.failed == 0 {
        c.fail(format!(
            "cargo miri {} with no failed test counted",
            end.describe()
        ));
    } else if c.passed == 0 && c.failed == 0 {
        c.fail("it ran no test".into());
    }
    (c, ignored)
}

/// The program a cargo `Running` line starts: `lib` for the unit tests,
/// else the integration test's name.
fn running(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix("Running ")?;
    let path = rest.strip_prefix("unittests ").unwrap_or(rest);
    let file = path.split_whitespace().next()?;
    if file.starts_with("src/") {
        return Some("lib".into());
    }
    let stem = file.strip_prefix("tests/")?;
    let stem = stem
        .strip_suffix("/main.rs")
        .or_else(|| stem.strip_suffix(".rs"))?;
    Some(stem.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

    fn exit(code: i32) -> Finished {
        Finished::Exit(ExitStatus::from_raw(code << 8))
    }

    #[test]
    fn harnessless_sections() {
        let toml = "[package]\nname = \"x\"\nharness = false\n\n[[test]]\nname = \"matrix\"\n\
                    harness = false\n\n[[test]]\nname = \"plain\"\n\n[[test]]\n\
                    harness = false # no libtest\nname = \"fuzz\"\n[dev-dependencies]\n";
        assert_eq!(harnessless(toml), ["matrix", "fuzz"]);
    }

    #[test]
    fn running_lines_name_programs() {
        assert_eq!(
            running("     Running unittests src/lib.rs (target/miri/x/deps/mmap_native-1)"),
            Some("lib".into())
        );
        assert_eq!(
            running("     Running tests/anon.rs (target/miri/x/deps/anon-2)"),
            Some("anon".into())
        );
        assert_eq!(
            running("     Running tests/big/main.rs (t)"),
            Some("big".into())
        );
        assert_eq!(running("test a ... ok"), None);
    }

    #[test]
    fn counts_programs_and_ignored_tests() {
        let out = "     Running unittests src/lib.rs (t/lib)\n\nrunning 2 tests\n\
                   test a ... ok\ntest b ... ignored, reads /proc\n\n\
                   test result: ok. 1 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out\n\
                   \n     Running tests/raw.rs (t/raw)\n\nrunning 1 test\ntest c ... ignored\n\
                   test result: ok. 0 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out\n";
        let expected = ["lib".to_string(), "raw".to_string()];
        let (c, ignored) = read(out, &exit(0), &expected);
        assert_eq!((c.passed, c.failed, c.ignored), (1, 0, 2));
        assert_eq!(
            ignored,
            [
                ("lib".to_string(), "b: reads /proc".to_string()),
                ("raw".to_string(), "c: (no reason given)".to_string())
            ]
        );
        // A program Miri stopped has no result line: one failure, with
        // Miri's first error line; a program that never ran is one more.
        let stopped = "     Running tests/anon.rs (t/anon)\n\nrunning 1 test\n\
                       test d ... error: Undefined Behavior: incorrect layout on deallocation\n\
                       error: aborting due to 1 previous error\n\n\
                       error: test failed, to rerun pass `--test anon`\n";
        let expected = ["anon".to_string(), "safe".to_string()];
        let (c, _) = read(stopped, &exit(101), &expected);
        assert_eq!((c.passed, c.failed), (0, 2));
        assert!(c.notes[0].contains("anon: ended with no test result: error: Undefined"));
        assert_eq!(c.notes[1], "safe: did not run");
        let (c, _) = read("", &exit(0), &[]);
        assert_eq!(c.failed, 1);
    }
}
