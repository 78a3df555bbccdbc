//! The test runner of mmap-native (`qemu/test` builds and starts it).
//!
//! Every check and test of the crate, on every target of the table in
//! `targets.rs`, under every emulator of the table in `emulators.rs`. It
//! sets the machine up first, builds each target once, runs the built test
//! programs under the emulators in parallel, counts each test, and ends
//! with one line `N passed, N failed`.

mod board;
mod count;
mod emulators;
mod guest;
mod json;
mod miri;
mod setup;
mod steps;
mod sys;
mod targets;
mod testrun;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::Instant;

use board::{Board, Pool};
use emulators::{Emulator, Instance, EMULATORS};
use guest::{Guest, QemuGuest};
use targets::{Run, RunsOn, Target, Tests, TARGETS};

const USAGE: &str = "\
usage: qemu/test [--qemu VERSION]... [TARGET...]
       qemu/test --list
       qemu/test --env TARGET [--qemu VERSION]...
       qemu/test --write-sizes [--qemu VERSION]... [TARGET...]

Runs every check and test of mmap-native on each TARGET (a short name, an
alias or a triple; all of them when none is named), under each emulator
(--qemu 7.2 or --qemu 10 picks one; both by default). Sets the machine up
first (Debian packages as root with apt-get, rustup targets, components and
toolchains, qemu 10 unpacked into a cache); ends with one line
`N passed, N failed` and exits non-zero if anything failed or did not run.
Logs are in <target dir>/qemu-test/.

  --list   print the table of targets and the emulators
  --env    print the environment (linker, runner, RUSTC_BOOTSTRAP) that
           makes a plain `cargo test --target <triple>` work for TARGET:
           eval \"$(qemu/test --env aarch64)\"
  --write-sizes  after the run, write the freestanding programs' release
           sizes it measured into README.md's table of them (every target
           with freestanding programs must have run)";

/// What this run does: fixed before anything runs.
pub struct Plan {
    pub root: PathBuf,
    pub target_dir: PathBuf,
    pub logs: PathBuf,
    pub cache: PathBuf,
    /// The selected runs, in table order.
    pub runs: Vec<Run>,
    pub emulators: Vec<&'static Emulator>,
    /// The crate's `rust-version`, from Cargo.toml.
    pub msrv: Result<String, String>,
}

impl Plan {
    /// Each target with selected runs: its runs, and whether its own run
    /// (not only a variant) is among them.
    pub fn targets(&self) -> Vec<(&'static Target, Vec<Run>, bool)> {
        TARGETS
            .iter()
            .filter_map(|t| {
                let runs: Vec<Run> = self
                    .runs
                    .iter()
                    .filter(|r| std::ptr::eq(r.target, t))
                    .copied()
                    .collect();
                let base = runs.iter().any(|r| r.variant.is_none());
                (!runs.is_empty()).then_some((t, runs, base))
            })
            .collect()
    }
}

/// What the steps work with.
pub struct Ctx {
    pub plan: Plan,
    pub board: Arc<Board>,
    pub pool: Arc<Pool>,
    /// The emulator binary per target name and emulator name.
    pub instances: HashMap<(&'static str, &'static str), Instance>,
    /// This program, as cargo's runner in `exec` mode.
    pub runner_exe: PathBuf,
}

impl Ctx {
    /// Where and how a run's programs run: natively, or once per selected
    /// emulator that the run allows.
    pub fn guests(&self, run: &Run) -> Vec<Guest> {
        match &run.target.runs_on {
            RunsOn::Native => vec![Guest::Native],
            RunsOn::Qemu { sysroot, .. } => self
                .plan
                .emulators
                .iter()
                .filter(|e| run.allows(e.name))
                .filter_map(|e| self.instances.get(&(run.target.name, e.name)))
                .map(|i| Guest::Qemu(qemu_guest(i, sysroot, run.page_size())))
                .collect(),
        }
    }

    /// `cargo [+toolchain]` from the repository root with the target's
    /// environment: its linker and `RUSTC_BOOTSTRAP` (the one place these
    /// are set), and no `MMAP_NATIVE_QEMU`.
    pub fn cargo(&self, target: Option<&Target>, toolchain: Option<&str>) -> Command {
        let mut c = Command::new("cargo");
        if let Some(tc) = toolchain {
            c.arg(format!("+{tc}"));
        }
        c.current_dir(&self.plan.root)
            .env("CARGO_TARGET_DIR", &self.plan.target_dir)
            .env_remove(guest::QEMU_VAR);
        if let Some(t) = target {
            for (k, v) in target_env(t) {
                c.env(k, v);
            }
        }
        c
    }
}

fn qemu_guest(i: &Instance, sysroot: &str, page_size: Option<u32>) -> QemuGuest {
    let mut prefix = vec![i.binary.display().to_string(), "-L".into(), sysroot.into()];
    if let Some(p) = page_size {
        prefix.extend(["-p".into(), p.to_string()]);
    }
    QemuGuest {
        emulator: i.emulator.name,
        version: i.version.clone(),
        prefix,
    }
}

/// A target's build environment: its linker and `RUSTC_BOOTSTRAP`.
pub fn target_env(t: &Target) -> Vec<(String, String)> {
    let mut env = Vec::new();
    if let Some(l) = t.linker.command() {
        env.push((targets::cargo_target_var(t.triple, "LINKER"), l));
    }
    if let Some(b) = t.bootstrap {
        env.push(("RUSTC_BOOTSTRAP".into(), b.into()));
    }
    env
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("exec") {
        return ExitCode::from(guest::exec_mode(&args[1..]).clamp(0, 255) as u8);
    }
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("qemu/test: {e}");
            // A failed test run says so in its closing line; --env's
            // output is for eval and gets none.
            if !args.iter().any(|a| a == "--env") {
                println!("0 passed, 1 failed");
            }
            ExitCode::from(2)
        }
    }
}

struct Args {
    list: bool,
    env: bool,
    write_sizes: bool,
    runs: Vec<Run>,
    emulators: Vec<&'static Emulator>,
}

fn parse_args(args: &[String]) -> Result<Option<Args>, String> {
    let mut a = Args {
        list: false,
        env: false,
        write_sizes: false,
        runs: Vec::new(),
        emulators: Vec::new(),
    };
    let mut words = args.iter();
    while let Some(w) = words.next() {
        let qemu = if w == "--qemu" {
            Some(
                words
                    .next()
                    .ok_or("--qemu needs a version: 7.2 or 10")?
                    .as_str(),
            )
        } else {
            w.strip_prefix("--qemu=")
        };
        if let Some(v) = qemu {
            let e = emulators::find(v).ok_or_else(|| {
                let names: Vec<&str> = EMULATORS.iter().map(|e| e.name).collect();
                format!(
                    "no emulator '{v}' (the runner knows qemu {})",
                    names.join(" and ")
                )
            })?;
            if !a.emulators.iter().any(|x| x.name == e.name) {
                a.emulators.push(e);
            }
            continue;
        }
        match w.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            "--list" => a.list = true,
            "--env" => a.env = true,
            "--write-sizes" => a.write_sizes = true,
            w if w.starts_with('-') => return Err(format!("unknown option '{w}'\n{USAGE}")),
            w => {
                let run = targets::lookup(w).ok_or_else(|| {
                    let names: Vec<&str> = targets::all_runs().iter().map(Run::name).collect();
                    format!("unknown target '{w}' (targets: {}; `qemu/test --list` shows aliases and triples)", names.join(", "))
                })?;
                if !a.runs.contains(&run) {
                    a.runs.push(run);
                }
            }
        }
    }
    if a.emulators.is_empty() {
        a.emulators = EMULATORS.iter().collect();
    }
    // Table order, whatever the command line's.
    a.emulators
        .sort_by_key(|e| EMULATORS.iter().position(|x| x.name == e.name));
    Ok(Some(a))
}

fn run(args: &[String]) -> Result<bool, String> {
    let Some(args) = parse_args(args)? else {
        return Ok(true);
    };
    let root = std::env::current_dir().map_err(|e| e.to_string())?;
    if !root.join("Cargo.toml").is_file() || !root.join("qemu/runner").is_dir() {
        return Err(format!(
            "{} is not the mmap-native repository (qemu/test starts here)",
            root.display()
        ));
    }
    let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => root.join(d),
        _ => root.join("target"),
    };
    let cache = emulators::cache_dir(&target_dir);
    if args.list {
        print_list(&cache);
        return Ok(true);
    }
    for p in [&root, &target_dir, &cache] {
        if p.to_string_lossy().contains(char::is_whitespace) {
            return Err(format!(
                "{} has a space in it: cargo's runner variable and MMAP_NATIVE_QEMU are split at spaces",
                p.display()
            ));
        }
    }
    let runner_exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let logs = target_dir.join("qemu-test");
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    let plan = Plan {
        msrv: read_msrv(&root),
        runs: if args.runs.is_empty() {
            targets::all_runs()
        } else {
            args.runs
        },
        emulators: args.emulators,
        root,
        target_dir,
        logs,
        cache,
    };
    if args.env {
        return print_env(&plan, &runner_exe);
    }
    for e in std::fs::read_dir(&plan.logs)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        if e.path().extension().is_some_and(|x| x == "log") {
            let _ = std::fs::remove_file(e.path());
        }
    }
    let start = Instant::now();
    let names: Vec<&str> = plan.runs.iter().map(Run::name).collect();
    let emus: Vec<String> = plan
        .emulators
        .iter()
        .map(|e| format!("qemu {} ({})", e.name, e.about))
        .collect();
    sys::say(&format!(
        "mmap-native: {} on {}",
        names.join(", "),
        emus.join(" and ")
    ));

    let mut needs = setup::Needs::default();
    for (t, runs, base) in plan.targets() {
        steps::needs(&plan, t, &runs, base, &mut needs);
    }
    setup::ensure(&needs, &plan.cache, &plan.logs)?;
    let instances = probe_emulators(&plan)?;

    let ctx = Ctx {
        plan,
        board: Arc::default(),
        pool: Arc::default(),
        instances,
        runner_exe,
    };
    declare_rows(&ctx);
    let workers: Vec<_> = (0..std::thread::available_parallelism().map_or(2, |n| n.get().max(2)))
        .map(|_| {
            let pool = ctx.pool.clone();
            std::thread::spawn(move || pool.work())
        })
        .collect();
    for (t, runs, base) in ctx.plan.targets() {
        let label = if t.triple == t.name {
            t.name.to_string()
        } else {
            format!("{} ({})", t.name, t.triple)
        };
        sys::say(&format!(
            "== {label}, at {:.0} s",
            start.elapsed().as_secs_f64()
        ));
        if let Some(b) = t.bootstrap {
            sys::say(&format!(
                "  [{}] building with RUSTC_BOOTSTRAP={b} (syscalls 0.8.1 needs it here)",
                t.name
            ));
        }
        steps::run_all(&ctx, t, &runs, base);
    }
    sys::say(&format!(
        "== builds done at {:.0} s; waiting for the last test programs",
        start.elapsed().as_secs_f64()
    ));
    ctx.pool.close();
    for w in workers {
        let _ = w.join();
    }
    let ok = summary(&ctx, start);
    if args.write_sizes {
        write_sizes(&ctx)?;
    }
    Ok(ok)
}

/// The crate's `rust-version` from the root Cargo.toml's `[package]`.
fn read_msrv(root: &Path) -> Result<String, String> {
    let text =
        std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?;
    let mut in_package = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_package = l == "[package]";
        } else if in_package {
            if let Some(v) = l.strip_prefix("rust-version") {
                let v = v
                    .trim_start()
                    .strip_prefix('=')
                    .map(str::trim)
                    .unwrap_or("");
                let v = v.trim_matches('"');
                if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.') {
                    return Ok(v.to_string());
                }
                return Err(format!("Cargo.toml: rust-version {v:?} is not a version"));
            }
        }
    }
    Err("Cargo.toml has no rust-version in [package]".into())
}

/// Finds each selected emulator's binary for each selected qemu target
/// and asks its version; any that is missing or wrong stops the run.
fn probe_emulators(plan: &Plan) -> Result<HashMap<(&'static str, &'static str), Instance>, String> {
    let mut found = HashMap::new();
    let mut errors = Vec::new();
    for (t, runs, _) in plan.targets() {
        let RunsOn::Qemu { binary, .. } = &t.runs_on else {
            continue;
        };
        for e in &plan.emulators {
            if !runs.iter().any(|r| r.allows(e.name)) {
                continue;
            }
            let Some(dir) = e.bin_dir(&plan.cache) else {
                errors.push(format!("qemu {} is not installed", e.name));
                continue;
            };
            match emulators::probe(e, &dir.join(binary)) {
                Ok(i) => {
                    sys::say(&format!(
                        "  {:<8} qemu {:<4} {}  ({})",
                        t.name,
                        e.name,
                        i.version_line,
                        i.binary.display()
                    ));
                    found.insert((t.name, e.name), i);
                }
                Err(err) => errors.push(err),
            }
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(format!(
            "cannot set up the emulators: {}",
            errors.join("; ")
        ))
    }
}

fn declare_rows(ctx: &Ctx) {
    for (t, runs, _) in ctx.plan.targets() {
        ctx.board.declare(t.triple, "checks");
        for run in &runs {
            for g in ctx.guests(run) {
                ctx.board.declare(&run.label(), &g.column());
            }
            if let Some(v) = run.variant {
                if let targets::Emulators::Only(_, why) = &v.emulators {
                    for g in ctx.guests(run) {
                        ctx.board.note(&run.label(), &g.column(), why);
                    }
                }
                if ctx.guests(run).is_empty() {
                    sys::say(&format!(
                        "  [{}] not run under the selected emulators: {}",
                        run.name(),
                        only_why(run)
                    ));
                }
            }
        }
        if t.host {
            if let Ok(v) = &ctx.plan.msrv {
                ctx.board.declare(t.triple, &format!("rust {v}"));
            }
        }
    }
}

const SIZES_BEGIN: &str = "<!-- freestanding sizes: written by qemu/test --write-sizes -->";
const SIZES_END: &str = "<!-- /freestanding sizes -->";

/// The README's table of the freestanding programs' stripped release
/// sizes, from this run's notes (`freestanding 1848 B`), in table order.
fn write_sizes(ctx: &Ctx) -> Result<(), String> {
    let rows = ctx.board.rows();
    let mut table =
        String::from("| target | `freestanding` | `freestanding-safe` |\n|---|---|---|\n");
    for t in targets::TARGETS
        .iter()
        .filter(|t| t.freestanding_max.is_some())
    {
        let notes: Vec<&String> = rows
            .iter()
            .filter(|r| r.label == t.triple && r.column == "checks")
            .flat_map(|r| &r.notes)
            .collect();
        let size = |name: &str| {
            notes
                .iter()
                .find_map(|n| n.strip_prefix(name)?.strip_prefix(' ')?.strip_suffix(" B"))
                .map(str::to_owned)
                .ok_or_else(|| format!("--write-sizes: no {name} size for {} in this run", t.name))
        };
        let (a, b) = (size("freestanding")?, size("freestanding-safe")?);
        table.push_str(&format!("| `{}` | {a} bytes | {b} bytes |\n", t.triple));
    }
    let path = ctx.plan.root.join("README.md");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (Some(a), Some(b)) = (text.find(SIZES_BEGIN), text.find(SIZES_END)) else {
        return Err(format!("README.md has no {SIZES_BEGIN} ... {SIZES_END}"));
    };
    let new = format!("{}{SIZES_BEGIN}\n{table}{}", &text[..a], &text[b..]);
    std::fs::write(&path, new).map_err(|e| format!("{}: {e}", path.display()))?;
    sys::say("wrote the freestanding sizes into README.md");
    Ok(())
}

fn only_why(run: &Run) -> &'static str {
    match run.variant.map(|v| &v.emulators) {
        Some(targets::Emulators::Only(_, why)) => why,
        _ => "",
    }
}

fn summary(ctx: &Ctx, start: Instant) -> bool {
    let rows = ctx.board.rows();
    let width = rows.iter().map(|r| r.label.len()).max().unwrap_or(0);
    let cwidth = rows.iter().map(|r| r.column.len()).max().unwrap_or(0);
    let mut out = String::from("\n== summary\n");
    let (mut passed, mut failed) = (0, 0);
    for r in &rows {
        let mut failed_here = r.failed;
        let mut notes = r.notes.clone();
        if r.passed == 0 && r.failed == 0 {
            failed_here += 1;
            notes.insert(0, "nothing ran".into());
        }
        if r.ignored > 0 {
            notes.push(format!("{} ignored", r.ignored));
        }
        notes.push(format!("{:.0} s", r.busy.as_secs_f64()));
        passed += r.passed;
        failed += failed_here;
        out.push_str(&format!(
            "{:<width$}  {:<cwidth$}  {:>5} passed, {} failed  ({})\n",
            r.label,
            r.column,
            r.passed,
            failed_here,
            notes.join("; ")
        ));
    }
    let spans: Vec<String> = ctx
        .board
        .spans()
        .iter()
        .map(|(t, d)| format!("{t} {:.0} s", d.as_secs_f64()))
        .collect();
    out.push_str(&format!(
        "per target (first step to last program, overlapping): {}\n",
        spans.join(", ")
    ));
    let not_run: Vec<&str> = targets::all_runs()
        .iter()
        .filter(|r| !ctx.plan.runs.contains(r))
        .map(Run::name)
        .collect();
    if !not_run.is_empty() {
        out.push_str(&format!("not selected this run: {}\n", not_run.join(" ")));
    }
    if passed == 0 && failed == 0 {
        out.push_str("nothing ran\n");
        failed = 1;
    }
    out.push_str(&format!(
        "took {:.0} s\n{passed} passed, {failed} failed",
        start.elapsed().as_secs_f64()
    ));
    sys::say(&out);
    failed == 0 && passed > 0
}

fn print_list(cache: &Path) {
    let mut out = String::from("targets (qemu/test [TARGET...]; all by default):\n");
    for run in targets::all_runs() {
        let t = run.target;
        let aliases: Vec<&str> = match run.variant {
            None => t.aliases.iter().copied().chain([t.triple]).collect(),
            Some(v) => v.aliases.to_vec(),
        };
        out.push_str(&format!("\n  {}  ({})\n", run.name(), aliases.join(", ")));
        let mut field = |k: &str, v: String| out.push_str(&format!("      {k:<13} {v}\n"));
        match run.variant {
            None => {
                let toolchain = t.toolchain.name().unwrap_or("default (stable)");
                field(
                    "toolchain",
                    format!(
                        "{toolchain}{}",
                        if t.build_std { ", -Zbuild-std" } else { "" }
                    ),
                );
                field("linker", t.linker.describe());
                let mut pkgs: Vec<&str> = t.packages.iter().map(|p| p.name).collect();
                if pkgs.is_empty() {
                    pkgs.push("-");
                }
                field("packages", pkgs.join(" "));
                if let Some(b) = t.bootstrap {
                    field("bootstrap", format!("RUSTC_BOOTSTRAP={b}"));
                }
            }
            Some(v) => field(
                "variant of",
                format!("{}, guest page size {}", t.name, v.page_size),
            ),
        }
        match &t.runs_on {
            RunsOn::Native => field("runs", "natively".into()),
            RunsOn::Qemu {
                binary, sysroot, ..
            } => {
                let emus: Vec<&str> = EMULATORS
                    .iter()
                    .filter(|e| run.allows(e.name))
                    .map(|e| e.name)
                    .collect();
                let p = run
                    .page_size()
                    .map_or(String::new(), |p| format!(" -p {p}"));
                field(
                    "runs",
                    format!(
                        "{binary} -L {sysroot}{p}, under qemu {}",
                        emus.join(" and ")
                    ),
                );
            }
        }
        if let Some(targets::Emulators::Only(_, why)) = run.variant.map(|v| &v.emulators) {
            field("", why.to_string());
        }
        let base = run.variant.is_none();
        let names: Vec<&str> = steps::STEPS
            .iter()
            .filter(|s| (s.when)(t, base))
            .map(|s| s.name)
            .collect();
        field("steps", names.join(", "));
        match run.tests() {
            Tests::All => field("tests", "all (unit, integration, doc)".into()),
            Tests::Only(names, why) => {
                field("tests", names.join(" "));
                field("", why.to_string());
            }
        }
        if run.variant.is_none() {
            if let Some(m) = t.freestanding_max {
                field(
                    "freestanding",
                    format!("every program in release and debug; freestanding at most {m} bytes in release"),
                );
                if !t.freestanding_debug_defines.is_empty() {
                    field(
                        "",
                        format!(
                            "in debug the toolchain needs the programs to define {}",
                            t.freestanding_debug_defines.join(", ")
                        ),
                    );
                }
            }
            if t.mtouch_size {
                field("mtouch size", "release, stripped".into());
            }
            if t.host {
                field("miri", miri::describe());
            }
            if !t.note.is_empty() {
                field("note", t.note.into());
            }
        }
    }
    out.push_str("\nemulators (qemu/test --qemu NAME; all by default):\n");
    for e in EMULATORS {
        let at = e
            .bin_dir(cache)
            .and_then(|d| {
                let i = emulators::probe(e, &d.join("qemu-aarch64")).ok()?;
                Some(format!("{} in {}", i.version, d.display()))
            })
            .unwrap_or_else(|| "not installed yet".into());
        out.push_str(&format!(
            "  {:<4} {} ({}): {at}\n",
            e.name,
            e.about,
            e.describe_source(cache)
        ));
    }
    let common: Vec<&str> = targets::COMMON_PACKAGES.iter().map(|p| p.name).collect();
    out.push_str(&format!(
        "\nevery target also needs the Debian packages {}\n",
        common.join(" ")
    ));
    sys::say(&out);
}

fn print_env(plan: &Plan, runner_exe: &Path) -> Result<bool, String> {
    let [run] = plan.runs.as_slice() else {
        return Err("--env takes exactly one target".into());
    };
    let t = run.target;
    let mut lines: Vec<String> = target_env(t)
        .into_iter()
        .map(|(k, v)| format!("export {k}={v}"))
        .collect();
    if let RunsOn::Qemu {
        binary, sysroot, ..
    } = &t.runs_on
    {
        let mut guests = Vec::new();
        for e in plan.emulators.iter().filter(|e| run.allows(e.name)) {
            let dir = e.bin_dir(&plan.cache).ok_or_else(|| {
                format!(
                    "qemu {} is not installed yet: run qemu/test {} once",
                    e.name,
                    run.name()
                )
            })?;
            let i = emulators::probe(e, &dir.join(binary))?;
            guests.push(qemu_guest(&i, sysroot, run.page_size()));
        }
        if guests.is_empty() {
            return Err(format!(
                "{} runs under none of the selected emulators: {}",
                run.name(),
                only_why(run)
            ));
        }
        let spec = plan
            .target_dir
            .join("qemu-test/exec")
            .join(format!("{}-env.spec", run.name()));
        guest::write_spec(&spec, None, &guests)?;
        lines.push(format!(
            "export {}='{} exec {}'",
            targets::cargo_target_var(t.triple, "RUNNER"),
            runner_exe.display(),
            spec.display()
        ));
    }
    if !t.host {
        lines.push(format!(
            "# then: cargo test --target {} --features std",
            t.triple
        ));
    }
    println!("{}", lines.join("\n"));
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Result<Option<Args>, String> {
        parse_args(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn command_line() {
        let a = args(&["--qemu", "10", "arm64", "riscv64gc-unknown-linux-gnu"])
            .unwrap()
            .unwrap();
        let names: Vec<&str> = a.runs.iter().map(Run::name).collect();
        assert_eq!(names, ["aarch64", "riscv64"]);
        assert_eq!(a.emulators.len(), 1);
        assert_eq!(a.emulators[0].name, "10");
        let a = args(&["--qemu=10", "--qemu", "7.2"]).unwrap().unwrap();
        let emus: Vec<&str> = a.emulators.iter().map(|e| e.name).collect();
        assert_eq!(emus, ["7.2", "10"]);
        assert_eq!(args(&[]).unwrap().unwrap().emulators.len(), EMULATORS.len());
        assert!(args(&["mips"])
            .err()
            .unwrap()
            .contains("unknown target 'mips'"));
        assert!(args(&["--qemu", "8.2"])
            .err()
            .unwrap()
            .contains("no emulator '8.2'"));
        assert!(args(&["--qemu"]).is_err());
        assert!(args(&["--frobnicate"]).is_err());
    }

    #[test]
    fn msrv_from_cargo_toml() {
        let dir =
            std::env::temp_dir().join(format!("mmap-native-runner-msrv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |text: &str| std::fs::write(dir.join("Cargo.toml"), text).unwrap();
        write(
            "[package]\nname = \"x\"\nrust-version = \"1.87\"\n[dependencies]\nrust-version = 1\n",
        );
        assert_eq!(read_msrv(&dir).unwrap(), "1.87");
        write("[package]\nname = \"x\"\n[workspace.package]\nrust-version = \"1.80\"\n");
        assert!(read_msrv(&dir).is_err());
        write("[package]\nrust-version = \"latest\"\n");
        assert!(read_msrv(&dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
