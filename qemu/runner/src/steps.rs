//! The table of steps: what runs for each target, in order. A new step is
//! one entry here and one function.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::emulators::Source;
use crate::guest::Guest;
use crate::setup::Needs;
use crate::sys;
use crate::targets::{self, Run, Target, COMMON_PACKAGES};
use crate::testrun::{self, Build};
use crate::{Ctx, Plan};

pub struct Step {
    pub name: &'static str,
    /// Whether it runs for a target; the flag says whether the target's own
    /// run is selected (not only a variant of it).
    pub when: fn(&Target, bool) -> bool,
    /// What it needs installed beyond what every target needs.
    pub needs: fn(&Plan, &Target, &mut Needs),
    pub run: fn(&Ctx, &'static Target, &[Run]),
}

fn nothing(_: &Plan, _: &Target, _: &mut Needs) {}

pub const STEPS: &[Step] = &[
    Step {
        name: "fmt",
        when: |t, base| base && t.host,
        needs: |_, _, n| n.component(None, "rustfmt"),
        run: fmt,
    },
    Step {
        name: "the runner's own checks",
        when: |t, base| base && t.host,
        needs: |_, _, n| n.component(None, "clippy"),
        run: runner_checks,
    },
    Step {
        name: "tests",
        when: |_, _| true,
        needs: nothing,
        run: tests,
    },
    Step {
        name: "clippy",
        when: |_, base| base,
        needs: |_, t, n| n.component(t.toolchain.name(), "clippy"),
        run: clippy,
    },
    Step {
        name: "doc",
        when: |_, base| base,
        needs: nothing,
        run: doc,
    },
    Step {
        name: "freestanding",
        when: |t, base| base && t.freestanding_max.is_some(),
        needs: |_, t, n| n.component(t.toolchain.name(), "clippy"),
        run: freestanding,
    },
    Step {
        name: "mtouch size",
        when: |t, base| base && t.mtouch_size,
        needs: nothing,
        run: mtouch_size,
    },
    Step {
        name: "msrv",
        when: |t, base| base && t.host,
        needs: msrv_needs,
        run: msrv,
    },
    // The host's tests under Miri (qemu/runner/src/miri.rs), in a target
    // directory of their own (target/miri).
    Step {
        name: "miri",
        when: |t, base| base && t.host,
        needs: crate::miri::needs,
        run: crate::miri::run,
    },
    // Last: its build replaces the examples the first test run's programs
    // start, so it waits for them; the steps before it fill that time.
    Step {
        name: "tests std",
        when: |t, base| base && t.host,
        needs: nothing,
        run: tests_std,
    },
];

/// What a target needs for the selected runs and steps.
pub fn needs(plan: &Plan, t: &Target, runs: &[Run], base: bool, n: &mut Needs) {
    for p in COMMON_PACKAGES.iter().chain(t.packages) {
        n.package(p);
    }
    let tc = t.toolchain.name();
    if let Some(name) = tc {
        n.toolchain(name);
    }
    if !t.host {
        n.target(tc, t.triple);
    }
    if t.build_std {
        n.component(tc, "rust-src");
    }
    if let targets::RunsOn::Qemu { binary, .. } = &t.runs_on {
        for e in &plan.emulators {
            if !runs.iter().any(|r| r.allows(e.name)) {
                continue;
            }
            match &e.source {
                Source::System { package, dir } => {
                    n.package_file(package, &Path::new(dir).join(binary))
                }
                Source::Unpacked { .. } => n.emulator(e),
            }
        }
    }
    for s in STEPS.iter().filter(|s| (s.when)(t, base)) {
        (s.needs)(plan, t, n);
    }
}

pub fn run_all(ctx: &Ctx, t: &'static Target, runs: &[Run], base: bool) {
    for s in STEPS.iter().filter(|s| (s.when)(t, base)) {
        let start = Instant::now();
        (s.run)(ctx, t, runs);
        ctx.board.span(t.name, start, Instant::now());
    }
}

/// `--target <triple>` (none for the host, which builds as plain cargo
/// does), and `-Zbuild-std` where the record says so.
pub fn target_args(t: &Target) -> Vec<String> {
    let mut a = Vec::new();
    if !t.host {
        a.extend(["--target".to_string(), t.triple.to_string()]);
    }
    if t.build_std {
        a.push("-Zbuild-std".into());
    }
    a
}

/// How a check's output is judged: `Ok(note)` or `Err(why)`.
type Judge<'a> = &'a dyn Fn(&str) -> Result<Option<String>, String>;

/// Runs one check, a command whose success is one pass in the row
/// (target, column); on failure shows the end of its log.
pub fn check(ctx: &Ctx, t: &Target, column: &str, name: &str, cmd: Command) -> bool {
    check_judged(ctx, t, column, name, cmd, &|_| Ok(None))
}

pub fn check_judged(
    ctx: &Ctx,
    t: &Target,
    column: &str,
    name: &str,
    mut cmd: Command,
    judge: Judge,
) -> bool {
    let log = ctx
        .plan
        .logs
        .join(format!("{}-{}.log", t.name, sys::slug(name)));
    let _ = fs::write(&log, format!("$ {}\n", sys::show(&cmd)));
    let start = Instant::now();
    let verdict = match sys::spawn_logged(&mut cmd, &log, None) {
        Ok(end) if end.success() => {
            let text = fs::read_to_string(&log).unwrap_or_default();
            let body = text.split_once('\n').map_or("", |(_, b)| b);
            judge(body)
        }
        Ok(end) => Err(format!("it {}", end.describe())),
        Err(e) => Err(format!("cannot start it: {e}")),
    };
    let took = start.elapsed();
    match verdict {
        Ok(note) => {
            ctx.board.add(t.triple, column, 1, 0, 0, took);
            let extra = note.as_deref().map_or(String::new(), |n| format!(", {n}"));
            if let Some(n) = note {
                ctx.board.note(t.triple, column, &n);
            }
            sys::say(&format!(
                "  [{}] {name}: ok{extra} ({})",
                t.name,
                sys::secs(took)
            ));
            true
        }
        Err(why) => {
            failed_check(ctx, t, column, name, &why, took, &log);
            false
        }
    }
}

/// Counts a failed check and shows why, and the end of its log.
pub fn failed_check(
    ctx: &Ctx,
    t: &Target,
    column: &str,
    name: &str,
    why: &str,
    took: Duration,
    log: &Path,
) {
    ctx.board.add(t.triple, column, 0, 1, 0, took);
    ctx.board.note(t.triple, column, &format!("{name} FAILED"));
    sys::say(&format!(
        "  [{}] {name}: FAILED: {why} ({}); end of {}:\n{}",
        t.name,
        sys::secs(took),
        log.display(),
        sys::tail(log, 40)
    ));
}

/// A check decided without a command (a size, a count).
pub fn verdict(ctx: &Ctx, t: &Target, column: &str, name: &str, result: Result<String, String>) {
    let ok = result.is_ok();
    ctx.board.add(
        t.triple,
        column,
        ok as u64,
        !ok as u64,
        0,
        std::time::Duration::ZERO,
    );
    match result {
        Ok(msg) => sys::say(&format!("  [{}] {name}: ok, {msg}", t.name)),
        Err(msg) => {
            ctx.board.note(t.triple, column, &format!("{name} FAILED"));
            sys::say(&format!("  [{}] {name}: FAILED, {msg}", t.name));
        }
    }
}

fn fmt(ctx: &Ctx, t: &'static Target, _: &[Run]) {
    let mut c = ctx.cargo(None, None);
    c.args(["fmt", "--all", "--check"]);
    check(ctx, t, "checks", "fmt", c);
    for (name, manifest) in [
        ("fmt freestanding", "qemu/freestanding/Cargo.toml"),
        ("fmt runner", "qemu/runner/Cargo.toml"),
        ("fmt bench", "bench/Cargo.toml"),
    ] {
        let mut c = ctx.cargo(None, None);
        c.args(["fmt", "--check", "--manifest-path", manifest]);
        check(ctx, t, "checks", name, c);
    }
}

fn runner_checks(ctx: &Ctx, t: &'static Target, _: &[Run]) {
    let dir = ctx.plan.target_dir.join("runner");
    let mut c = ctx.cargo(None, None);
    c.args([
        "clippy",
        "--manifest-path",
        "qemu/runner/Cargo.toml",
        "--all-targets",
        "--target-dir",
    ])
    .arg(&dir)
    .args(["--", "-D", "warnings"]);
    check(ctx, t, "checks", "runner clippy", c);
    let mut c = ctx.cargo(None, None);
    c.args([
        "test",
        "--manifest-path",
        "qemu/runner/Cargo.toml",
        "--target-dir",
    ])
    .arg(&dir);
    check_judged(ctx, t, "checks", "runner unit tests", c, &|out| {
        let counts = crate::count::test_program(out, &sys::Finished::Exit(success()));
        if counts.failed == 0 {
            Ok(Some(format!("runner: {} unit tests", counts.passed)))
        } else {
            Err(counts.notes.join("; "))
        }
    });
}

fn success() -> std::process::ExitStatus {
    use std::os::unix::process::ExitStatusExt;
    std::process::ExitStatus::from_raw(0)
}

/// Feature sets of the host's docs: both; elsewhere docs check the
/// default build.
fn doc_features(t: &Target) -> &'static [Option<&'static str>] {
    if t.host {
        &[None, Some("std")]
    } else {
        &[None]
    }
}

fn feature_args(f: Option<&str>) -> Vec<String> {
    f.map_or(Vec::new(), |f| vec!["--features".into(), f.into()])
}

fn suffix(f: Option<&str>) -> String {
    f.map_or(String::new(), |f| format!(" {f}"))
}

fn clippy(ctx: &Ctx, t: &'static Target, _: &[Run]) {
    for f in [None, Some("std")] {
        let mut c = ctx.cargo(Some(t), t.toolchain.name());
        c.arg("clippy")
            .args(target_args(t))
            .arg("--all-targets")
            .args(feature_args(f))
            .args(["--", "-D", "warnings"]);
        check(ctx, t, "checks", &format!("clippy{}", suffix(f)), c);
    }
}

fn doc(ctx: &Ctx, t: &'static Target, _: &[Run]) {
    let flags = format!(
        "{} -Dwarnings",
        std::env::var("RUSTDOCFLAGS").unwrap_or_default()
    );
    for &f in doc_features(t) {
        let mut c = ctx.cargo(Some(t), t.toolchain.name());
        c.args(["doc", "--no-deps"])
            .args(target_args(t))
            .args(feature_args(f))
            .env("RUSTDOCFLAGS", flags.trim());
        check(ctx, t, "checks", &format!("doc{}", suffix(f)), c);
    }
}

/// The tests: the host's default build (its `--features std` build is the
/// step "tests std"); elsewhere `--features std`, which only adds, so every
/// test there is runs.
fn tests(ctx: &Ctx, t: &'static Target, runs: &[Run]) {
    test_build(ctx, t, runs, if t.host { None } else { Some("std") });
}

fn tests_std(ctx: &Ctx, t: &'static Target, runs: &[Run]) {
    test_build(ctx, t, runs, Some("std"));
}

fn test_build(ctx: &Ctx, t: &'static Target, runs: &[Run], features: Option<&'static str>) {
    let b = Build {
        target: t,
        toolchain: t.toolchain.name(),
        features,
        target_dir: ctx.plan.target_dir.clone(),
        column: None,
        name: format!("test{}", suffix(features)),
    };
    testrun::test_and_run(ctx, &b, runs);
}

/// Symbols a libc-free program must not have to bring: the compiler's
/// lowering of copies and fills to them must not come from the library.
const MEM_SYMBOLS: &[&str] = &["memcpy", "memmove", "memset", "memcmp"];

/// The program whose release size the record caps.
const CAPPED: &str = "freestanding";

/// qemu/freestanding, the libc-free consumers (every program it builds):
/// clippy, then release and debug builds, each program with no undefined
/// symbol and none of the mem* of its own (but what the record says the
/// toolchain needs), run here; `freestanding` in release within its cap.
fn freestanding(ctx: &Ctx, t: &'static Target, runs: &[Run]) {
    let dir = ctx.plan.root.join("qemu/freestanding");
    let cargo = |target_dir: &Path, args: &[&str]| {
        let mut c = Command::new("cargo");
        if let Some(tc) = t.toolchain.name() {
            c.arg(format!("+{tc}"));
        }
        // Its link flags live in its own .cargo/config.toml, which
        // RUSTFLAGS would replace; the main crate's linker stays out.
        c.current_dir(&dir)
            .env("CARGO_TARGET_DIR", target_dir)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove(targets::cargo_target_var(t.triple, "LINKER"))
            .env_remove(crate::guest::QEMU_VAR);
        if let Some(b) = t.bootstrap {
            c.env("RUSTC_BOOTSTRAP", b);
        }
        // Always an explicit target: then the config's rustflags reach
        // the programs and not their build script.
        c.args(args).args(["--target", t.triple]);
        c
    };
    let tdir = ctx.plan.target_dir.join("freestanding");
    let mut c = cargo(&tdir, &["clippy", "--release"]);
    c.args(["--", "-D", "warnings"]);
    check(ctx, t, "checks", "freestanding clippy", c);
    let base = runs.iter().find(|r| r.variant.is_none()).copied();
    let guests = base.map_or(Vec::new(), |r| ctx.guests(&r));
    let json = "--message-format=json-render-diagnostics";
    for profile in ["release", "debug"] {
        let args: &[&str] = if profile == "release" {
            &["build", "--release", json]
        } else {
            &["build", json]
        };
        let Some(bins) = built(
            ctx,
            t,
            &format!("freestanding build {profile}"),
            cargo(&tdir, args),
        ) else {
            for g in &guests {
                not_run(
                    ctx,
                    t,
                    g,
                    &format!("freestanding {profile}"),
                    "its build failed",
                );
            }
            continue;
        };
        // nm needs the symbols the release profile strips: the same
        // build, unstripped, in a directory of its own.
        let symbols = if profile == "release" {
            let sdir = ctx.plan.target_dir.join("freestanding-symbols");
            let c = cargo(
                &sdir,
                &[
                    "build",
                    "--release",
                    "--config",
                    "profile.release.strip=false",
                    json,
                ],
            );
            built(ctx, t, "freestanding build release unstripped", c).unwrap_or_default()
        } else {
            bins.clone()
        };
        for (name, path) in &symbols {
            symbol_checks(ctx, t, name, profile, path);
        }
        if profile == "release" {
            for (name, bin) in &bins {
                let size = fs::metadata(bin).map(|m| m.len());
                match (name.as_str(), size, t.freestanding_max) {
                    (CAPPED, Ok(s), Some(max)) => {
                        let result = if s <= max {
                            ctx.board.note(t.triple, "checks", &format!("{name} {s} B"));
                            Ok(format!("{s} bytes stripped (at most {max})"))
                        } else {
                            Err(format!("{s} bytes stripped, more than {max}"))
                        };
                        verdict(ctx, t, "checks", &format!("{name} size"), result);
                    }
                    (_, Ok(s), _) => {
                        ctx.board.note(t.triple, "checks", &format!("{name} {s} B"));
                        sys::say(&format!("  [{}] {name}: {s} bytes stripped", t.name));
                    }
                    (_, Err(e), _) => verdict(
                        ctx,
                        t,
                        "checks",
                        &format!("{name} size"),
                        Err(format!("{}: {e}", bin.display())),
                    ),
                }
            }
            if !bins.iter().any(|(n, _)| n == CAPPED) {
                verdict(
                    ctx,
                    t,
                    "checks",
                    &format!("{CAPPED} size"),
                    Err(format!("no program {CAPPED} was built")),
                );
            }
        }
        if let Some(run) = base {
            for g in &guests {
                for (name, bin) in &bins {
                    testrun::submit_freestanding(ctx, &run, g, bin, &format!("{name} {profile}"));
                }
            }
        }
    }
}

/// A build counted as one check; the programs it built, by name, from
/// cargo's JSON messages.
fn built(
    ctx: &Ctx,
    t: &Target,
    name: &str,
    cmd: Command,
) -> Option<Vec<(String, std::path::PathBuf)>> {
    let bins = std::cell::RefCell::new(Vec::new());
    let ok = check_judged(ctx, t, "checks", name, cmd, &|out| {
        let found = testrun::executables(out, false)?;
        if found.is_empty() {
            return Err("cargo built no program".into());
        }
        *bins.borrow_mut() = found;
        Ok(None)
    });
    ok.then(|| bins.into_inner())
}

/// `nm -u` of a program is empty, and it defines none of the mem* but
/// those its record says the toolchain needs in this profile.
fn symbol_checks(ctx: &Ctx, t: &Target, name: &str, profile: &str, path: &Path) {
    let mut c = Command::new("nm");
    c.arg("-u").arg(path);
    check_judged(
        ctx,
        t,
        "checks",
        &format!("{name} {profile} nm -u"),
        c,
        &|out| {
            let undefined: Vec<&str> = out
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            if undefined.is_empty() {
                Ok(None)
            } else {
                Err(format!("undefined: {}", undefined.join(", ")))
            }
        },
    );
    let allowed: &[&str] = if profile == "debug" {
        t.freestanding_debug_defines
    } else {
        &[]
    };
    let mut c = Command::new("nm");
    c.arg(path);
    check_judged(
        ctx,
        t,
        "checks",
        &format!("{name} {profile} defines no mem*"),
        c,
        &|out| {
            let defined: Vec<&str> = out
                .lines()
                .filter_map(|l| {
                    let mut w = l.split_whitespace().rev();
                    let sym = w.next()?;
                    let kind = w.next()?;
                    (MEM_SYMBOLS.contains(&sym) && kind != "U" && kind != "w").then_some(sym)
                })
                .collect();
            let wrong: Vec<&str> = defined
                .iter()
                .copied()
                .filter(|d| !allowed.contains(d))
                .collect();
            let gone: Vec<&str> = allowed
                .iter()
                .copied()
                .filter(|a| !defined.contains(a))
                .collect();
            if !wrong.is_empty() {
                Err(format!(
                    "it defines {}: a libc-free consumer must need none of {}",
                    wrong.join(", "),
                    MEM_SYMBOLS.join(", ")
                ))
            } else if !gone.is_empty() {
                Err(format!(
                "the target record says the toolchain needs {} here, but the program no longer defines it: \
                 drop it from freestanding_debug_defines",
                gone.join(", ")
            ))
            } else {
                Ok(None)
            }
        },
    );
}

/// Counts a run that could not happen as one failure in its row.
pub fn not_run(ctx: &Ctx, t: &Target, g: &Guest, what: &str, why: &str) {
    let label = t.triple;
    ctx.board
        .add(label, &g.column(), 0, 1, 0, std::time::Duration::ZERO);
    ctx.board
        .note(label, &g.column(), &format!("{what} not run: {why}"));
}

fn mtouch_size(ctx: &Ctx, t: &'static Target, _: &[Run]) {
    let mut c = ctx.cargo(Some(t), t.toolchain.name());
    c.args(["build", "--release", "--example", "mtouch"])
        .args(target_args(t))
        .env("CARGO_PROFILE_RELEASE_STRIP", "true");
    let profile_dir = if t.host {
        ctx.plan.target_dir.join("release")
    } else {
        ctx.plan.target_dir.join(t.triple).join("release")
    };
    let bin = profile_dir.join("examples/mtouch");
    check_judged(ctx, t, "checks", "mtouch release, stripped", c, &|_| {
        let size = fs::metadata(&bin)
            .map_err(|e| format!("{}: {e}", bin.display()))?
            .len();
        Ok(Some(format!("mtouch {size} B")))
    });
}

/// The targets the MSRV toolchain builds the library for, besides the host.
const MSRV_TARGETS: &[&str] = &["aarch64-unknown-linux-gnu", "riscv64gc-unknown-linux-gnu"];

fn msrv_needs(plan: &Plan, _: &Target, n: &mut Needs) {
    if let Ok(v) = &plan.msrv {
        n.toolchain(v);
        for t in MSRV_TARGETS {
            n.target(Some(v), t);
        }
    }
}

/// The crate's `rust-version` builds it (plain, `--features std`, and for
/// the MSRV targets) and its host tests, in a target dir of its own.
fn msrv(ctx: &Ctx, t: &'static Target, runs: &[Run]) {
    let v = match &ctx.plan.msrv {
        Ok(v) => v.as_str(),
        Err(e) => {
            verdict(ctx, t, "checks", "msrv", Err(e.clone()));
            return;
        }
    };
    let column = format!("rust {v}");
    let dir = ctx.plan.target_dir.join("msrv");
    let mut builds: Vec<(String, Option<&Target>, Vec<String>)> = vec![
        (format!("msrv {v} build"), None, vec![]),
        (
            format!("msrv {v} build std"),
            None,
            feature_args(Some("std")),
        ),
    ];
    for triple in MSRV_TARGETS {
        let record = targets::TARGETS.iter().find(|r| r.triple == *triple);
        builds.push((
            format!("msrv {v} build {triple}"),
            record,
            vec!["--target".into(), triple.to_string()],
        ));
    }
    for (name, record, args) in builds {
        let mut c = ctx.cargo(record, Some(v));
        c.arg("build").args(args).env("CARGO_TARGET_DIR", &dir);
        check(ctx, t, &column, &name, c);
    }
    let b = Build {
        target: t,
        toolchain: Some(v),
        features: Some("std"),
        target_dir: dir,
        column: Some(column),
        name: format!("msrv {v} test std"),
    };
    let own: Vec<Run> = runs
        .iter()
        .filter(|r| r.variant.is_none())
        .copied()
        .collect();
    testrun::test_and_run(ctx, &b, &own);
}
