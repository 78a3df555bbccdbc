//! Setting the machine up: what the selected steps need, what is missing,
//! installing it (apt-get as root, rustup), and checking again.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::emulators::{self, Emulator, Source};
use crate::sys;
use crate::targets::{Package, Probe};

/// Everything the selected targets and steps need.
#[derive(Default)]
pub struct Needs {
    packages: Vec<PackageNeed>,
    /// rustup toolchains by name (installed with the minimal profile).
    toolchains: BTreeSet<String>,
    /// (toolchain, triple); toolchain `None` is the default one.
    targets: BTreeSet<(Option<String>, String)>,
    components: BTreeSet<(Option<String>, String)>,
    /// Emulators the runner unpacks itself.
    unpack: Vec<&'static Emulator>,
}

struct PackageNeed {
    package: String,
    probe: Option<(bool, String)>,
}

impl Needs {
    pub fn package(&mut self, p: &Package) {
        let probe = match p.probe {
            Probe::Command(c) => (true, c.to_string()),
            Probe::File(f) => (false, f.to_string()),
        };
        self.package_probe(p.name, probe);
    }

    /// A package that must provide this file.
    pub fn package_file(&mut self, package: &str, file: &Path) {
        self.package_probe(package, (false, file.display().to_string()));
    }

    fn package_probe(&mut self, package: &str, probe: (bool, String)) {
        if !self
            .packages
            .iter()
            .any(|n| n.package == package && n.probe.as_ref() == Some(&probe))
        {
            self.packages.push(PackageNeed {
                package: package.into(),
                probe: Some(probe),
            });
        }
    }

    pub fn toolchain(&mut self, name: &str) {
        self.toolchains.insert(name.into());
    }

    pub fn target(&mut self, toolchain: Option<&str>, triple: &str) {
        self.targets
            .insert((toolchain.map(String::from), triple.into()));
    }

    pub fn component(&mut self, toolchain: Option<&str>, name: &str) {
        self.components
            .insert((toolchain.map(String::from), name.into()));
    }

    pub fn emulator(&mut self, e: &'static Emulator) {
        if matches!(e.source, Source::Unpacked { .. })
            && !self.unpack.iter().any(|u| u.name == e.name)
        {
            self.unpack.push(e);
        }
    }
}

/// What is missing, each with why.
#[derive(Default)]
struct Missing {
    packages: Vec<(String, String)>,
    toolchains: Vec<String>,
    targets: Vec<(Option<String>, String)>,
    components: Vec<(Option<String>, String)>,
    unpack: Vec<&'static Emulator>,
}

impl Missing {
    fn is_empty(&self) -> bool {
        self.packages.is_empty()
            && self.toolchains.is_empty()
            && self.targets.is_empty()
            && self.components.is_empty()
            && self.unpack.is_empty()
    }

    fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .packages
            .iter()
            .map(|(p, why)| format!("{p} ({why})"))
            .collect();
        parts.extend(
            self.toolchains
                .iter()
                .map(|t| format!("Rust toolchain {t}")),
        );
        parts.extend(
            self.targets
                .iter()
                .map(|(tc, t)| format!("Rust target {t}{}", on(tc))),
        );
        parts.extend(
            self.components
                .iter()
                .map(|(tc, c)| format!("rustup component {c}{}", on(tc))),
        );
        parts.extend(
            self.unpack
                .iter()
                .map(|e| format!("qemu {} ({})", e.name, e.about)),
        );
        parts.join(", ")
    }

    fn package_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.packages.iter().map(|(p, _)| p.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The commands that would install everything, for a person to run.
    fn commands(&self) -> Vec<String> {
        let mut cmds = Vec::new();
        if !self.packages.is_empty() {
            cmds.push(format!(
                "apt-get update && apt-get install -y --no-install-recommends {}   # as root",
                self.package_names().join(" ")
            ));
        }
        cmds.extend(rustup_commands(self));
        if !self.unpack.is_empty() {
            cmds.push(
                "qemu/test (as root on Debian 12 it unpacks qemu 10 from bookworm-backports)"
                    .into(),
            );
        }
        cmds
    }
}

fn on(tc: &Option<String>) -> String {
    tc.as_ref().map_or(String::new(), |t| format!(" for {t}"))
}

fn rustup_commands(m: &Missing) -> Vec<String> {
    let mut cmds: Vec<String> = m
        .toolchains
        .iter()
        .map(|t| format!("rustup toolchain install {t} --profile minimal"))
        .collect();
    let toolchains: BTreeSet<&Option<String>> = m
        .targets
        .iter()
        .map(|(tc, _)| tc)
        .chain(m.components.iter().map(|(tc, _)| tc))
        .collect();
    for tc in toolchains {
        let flag = tc
            .as_ref()
            .map_or(String::new(), |t| format!(" --toolchain {t}"));
        let targets: Vec<&str> = m
            .targets
            .iter()
            .filter(|(t, _)| t == tc)
            .map(|(_, x)| x.as_str())
            .collect();
        if !targets.is_empty() {
            cmds.push(format!("rustup target add{flag} {}", targets.join(" ")));
        }
        let comps: Vec<&str> = m
            .components
            .iter()
            .filter(|(t, _)| t == tc)
            .map(|(_, x)| x.as_str())
            .collect();
        if !comps.is_empty() {
            cmds.push(format!("rustup component add{flag} {}", comps.join(" ")));
        }
    }
    cmds
}

fn missing(needs: &Needs, cache: &Path) -> Missing {
    let mut m = Missing::default();
    let names: Vec<&str> = needs.packages.iter().map(|n| n.package.as_str()).collect();
    let installed = dpkg_installed(&names);
    for n in &needs.packages {
        let why = match (&installed, &n.probe) {
            (Some(set), _) if !set.contains(&n.package) => Some("not installed".to_string()),
            (_, Some((true, cmd))) if sys::which(cmd).is_none() => {
                Some(format!("no {cmd} on PATH"))
            }
            (_, Some((false, file))) if !Path::new(file).exists() => Some(format!("no {file}")),
            _ => None,
        };
        if let Some(mut why) = why {
            if installed
                .as_ref()
                .is_some_and(|set| set.contains(&n.package))
            {
                why = format!("installed, but {why}");
            }
            m.packages.push((n.package.clone(), why));
        }
    }
    let rustup = sys::which("rustup").is_some();
    let have_toolchains = if rustup {
        installed_toolchains()
    } else {
        Vec::new()
    };
    for t in &needs.toolchains {
        if !have_toolchains
            .iter()
            .any(|h| h == t || h.starts_with(&format!("{t}-")))
        {
            m.toolchains.push(t.clone());
        }
    }
    let usable = |tc: &Option<String>| tc.as_ref().is_none_or(|t| !m.toolchains.contains(t));
    for (tc, triple) in &needs.targets {
        if usable(tc)
            && !sysroot(tc.as_deref())
                .is_some_and(|s| s.join("lib/rustlib").join(triple).join("lib").is_dir())
        {
            m.targets.push((tc.clone(), triple.clone()));
        }
    }
    for (tc, c) in &needs.components {
        if usable(tc) && !has_component(tc.as_deref(), c) {
            m.components.push((tc.clone(), c.clone()));
        }
    }
    // Toolchains that are missing take their targets and components along.
    for (tc, triple) in &needs.targets {
        if !usable(tc) {
            m.targets.push((tc.clone(), triple.clone()));
        }
    }
    for (tc, c) in &needs.components {
        if !usable(tc) {
            m.components.push((tc.clone(), c.clone()));
        }
    }
    for e in &needs.unpack {
        if e.bin_dir(cache).is_none() {
            m.unpack.push(e);
        }
    }
    m
}

/// The packages dpkg knows as installed, or `None` without dpkg-query.
fn dpkg_installed(names: &[&str]) -> Option<BTreeSet<String>> {
    sys::which("dpkg-query")?;
    let out = Command::new("dpkg-query")
        .args(["-W", "-f", "${Package} ${db:Status-Abbrev}\n"])
        .args(names)
        .output()
        .ok()?;
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let (name, status) = l.split_once(' ')?;
                // `ii`: wanted installed, installed. Multi-arch names carry `:arch`.
                status
                    .starts_with("ii")
                    .then(|| name.split(':').next().unwrap_or(name).to_string())
            })
            .collect(),
    )
}

fn installed_toolchains() -> Vec<String> {
    Command::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter_map(|l| l.split_whitespace().next().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn with_toolchain(cmd: &str, tc: Option<&str>) -> Command {
    let mut c = Command::new(cmd);
    if let Some(t) = tc {
        c.arg(format!("+{t}"));
    }
    c
}

fn sysroot(tc: Option<&str>) -> Option<PathBuf> {
    let out = with_toolchain("rustc", tc)
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

fn has_component(tc: Option<&str>, c: &str) -> bool {
    let works = |sub: &str| {
        with_toolchain("cargo", tc)
            .args([sub, "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    match c {
        "clippy" => works("clippy"),
        "rustfmt" => works("fmt"),
        "rust-src" => sysroot(tc).is_some_and(|s| s.join("lib/rustlib/src/rust/library").is_dir()),
        other => {
            let mut cmd = Command::new("rustup");
            cmd.args(["component", "list", "--installed"]);
            if let Some(t) = tc {
                cmd.args(["--toolchain", t]);
            }
            cmd.output().is_ok_and(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .any(|l| l == other || l.starts_with(&format!("{other}-")))
            })
        }
    }
}

/// Installs what is missing where it can, then checks everything again.
pub fn ensure(needs: &Needs, cache: &Path, logs: &Path) -> Result<(), String> {
    let m = missing(needs, cache);
    if m.is_empty() {
        sys::say("setup: everything needed is there");
        return Ok(());
    }
    sys::say(&format!("setup: missing {}", m.describe()));
    let mut cannot = Vec::new();
    if !m.packages.is_empty() {
        let names = m.package_names();
        if !sys::is_root() || sys::which("apt-get").is_none() {
            cannot.push("Debian packages need root and apt-get");
        } else {
            sys::say(&format!("setup: apt-get install {}", names.join(" ")));
            let log = logs.join("setup-apt.log");
            let mut update = Command::new("apt-get");
            update
                .args(["update", "-q"])
                .env("DEBIAN_FRONTEND", "noninteractive");
            let mut install = Command::new("apt-get");
            install
                .args(["install", "-y", "-q", "--no-install-recommends"])
                .args(&names)
                .env("DEBIAN_FRONTEND", "noninteractive");
            sys::run_logged(update, &log)
                .and_then(|_| sys::run_logged(install, &log))
                .map_err(|e| format!("apt-get failed: {e}"))?;
        }
    }
    let rust_missing =
        !m.toolchains.is_empty() || !m.targets.is_empty() || !m.components.is_empty();
    if rust_missing {
        if sys::which("rustup").is_none() {
            cannot.push("Rust toolchains, targets and components need rustup");
        } else {
            let log = logs.join("setup-rustup.log");
            for line in rustup_commands(&m) {
                sys::say(&format!("setup: {line}"));
                let mut words = line.split_whitespace();
                let mut c = Command::new(words.next().unwrap_or("rustup"));
                c.args(words);
                sys::run_logged(c, &log).map_err(|e| format!("rustup failed: {e}"))?;
            }
        }
    }
    for e in &m.unpack {
        sys::say(&format!(
            "setup: unpacking qemu {} ({})",
            e.name,
            e.describe_source(cache)
        ));
        let dir = emulators::install_unpacked(e, cache, &logs.join("setup-qemu.log"))?;
        sys::say(&format!("setup: qemu {} is in {}", e.name, dir.display()));
    }
    let still = missing(needs, cache);
    if still.is_empty() {
        sys::say("setup: done, everything needed is there now");
        return Ok(());
    }
    let mut msg = format!("missing {}", still.describe());
    if !cannot.is_empty() {
        msg.push_str(&format!(" ({})", cannot.join("; ")));
    } else {
        msg.push_str(" (still, after installing)");
    }
    msg.push_str(". To install:");
    for c in still.commands() {
        msg.push_str(&format!("\n    {c}"));
    }
    Err(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_group_by_toolchain() {
        let m = Missing {
            packages: vec![
                ("vmtouch".into(), "not installed".into()),
                ("gcc".into(), "no cc on PATH".into()),
            ],
            toolchains: vec!["1.87".into()],
            targets: vec![
                (None, "s390x-unknown-linux-gnu".into()),
                (Some("1.87".into()), "aarch64-unknown-linux-gnu".into()),
                (Some("1.87".into()), "riscv64gc-unknown-linux-gnu".into()),
            ],
            components: vec![(None, "clippy".into())],
            unpack: vec![],
        };
        assert_eq!(
            m.commands(),
            [
                "apt-get update && apt-get install -y --no-install-recommends gcc vmtouch   # as root",
                "rustup toolchain install 1.87 --profile minimal",
                "rustup target add s390x-unknown-linux-gnu",
                "rustup component add clippy",
                "rustup target add --toolchain 1.87 aarch64-unknown-linux-gnu riscv64gc-unknown-linux-gnu",
            ]
        );
        assert!(m.describe().contains("vmtouch (not installed)"));
    }
}
