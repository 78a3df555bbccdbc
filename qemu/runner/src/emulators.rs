//! The table of emulators, and how each is found, installed and asked its
//! version.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::sys;

pub struct Emulator {
    /// What `--qemu` takes and the tables name.
    pub name: &'static str,
    /// What `qemu-<arch> --version` must start its version with.
    pub version_prefix: &'static str,
    pub source: Source,
    pub about: &'static str,
}

pub enum Source {
    /// A Debian package installed as usual, its binaries in `dir`.
    System {
        package: &'static str,
        dir: &'static str,
    },
    /// A Debian package from another suite of the machine's own mirror,
    /// unpacked into the runner's cache beside the system's qemu (which
    /// stays as it is). The mirror is read from the machine's apt sources:
    /// the entry for `base_suite`.
    Unpacked {
        package: &'static str,
        suite: &'static str,
        base_suite: &'static str,
        component: &'static str,
        keyring: &'static str,
    },
}

pub const EMULATORS: &[Emulator] = &[
    Emulator {
        name: "7.2",
        version_prefix: "7.2.",
        source: Source::System {
            package: "qemu-user",
            dir: "/usr/bin",
        },
        about: "Debian 12's qemu-user",
    },
    Emulator {
        name: "10",
        version_prefix: "10.",
        source: Source::Unpacked {
            package: "qemu-user",
            suite: "bookworm-backports",
            base_suite: "bookworm",
            component: "main",
            keyring: "/usr/share/keyrings/debian-archive-keyring.gpg",
        },
        about: "qemu-user 10.x from bookworm-backports, unpacked beside 7.2",
    },
];

pub fn find(name: &str) -> Option<&'static Emulator> {
    EMULATORS.iter().find(|e| e.name == name)
}

/// Where unpacked emulators live: outside the clone, so that fresh clones
/// (every CI run is one) and `cargo clean` keep them, and every clone on
/// the machine shares one copy.
pub fn cache_dir(target_dir: &Path) -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        });
    match base {
        Some(b) => b.join("mmap-native"),
        None => target_dir.join("cache"),
    }
}

impl Emulator {
    /// The directory holding its `qemu-<arch>` binaries, if installed.
    pub fn bin_dir(&self, cache: &Path) -> Option<PathBuf> {
        match &self.source {
            Source::System { dir, .. } => Some(PathBuf::from(dir)),
            Source::Unpacked { package, .. } => {
                newest_unpacked(cache, package, self.version_prefix).map(|d| d.join("usr/bin"))
            }
        }
    }

    pub fn describe_source(&self, cache: &Path) -> String {
        match &self.source {
            Source::System { package, .. } => format!("apt package {package}"),
            Source::Unpacked { package, suite, .. } => format!(
                "{package} from {suite} of the machine's own apt mirror, into {}",
                cache.display()
            ),
        }
    }
}

/// The unpacked copies are `<cache>/<package>-<version>` (Debian's version
/// without its epoch); the newest whose version has the prefix.
fn newest_unpacked(cache: &Path, package: &str, prefix: &str) -> Option<PathBuf> {
    let lead = format!("{package}-");
    let mut found: Vec<(Vec<u64>, PathBuf)> = fs::read_dir(cache)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let version = name.strip_prefix(&lead)?;
            (version.starts_with(prefix) && e.path().join("usr/bin").is_dir())
                .then(|| (version_key(version), e.path()))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, p)| p)
}

/// The numbers of a version, for ordering (10.0.10 after 10.0.2).
fn version_key(v: &str) -> Vec<u64> {
    v.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap_or(0))
        .collect()
}

/// An emulator binary and what it says its version is.
#[derive(Clone)]
pub struct Instance {
    pub emulator: &'static Emulator,
    pub binary: PathBuf,
    /// `7.2.22`, as `--version` prints it.
    pub version: String,
    /// The whole first line of `--version`.
    pub version_line: String,
}

/// Asks a qemu binary its version and checks it is the emulator's.
pub fn probe(emulator: &'static Emulator, binary: &Path) -> Result<Instance, String> {
    if !binary.is_file() {
        return Err(format!("{} is missing", binary.display()));
    }
    let out = Command::new(binary)
        .arg("--version")
        .output()
        .map_err(|e| format!("{} --version: {e}", binary.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().next().unwrap_or("").trim().to_string();
    let version = parse_version(&line)
        .ok_or_else(|| format!("{} --version printed {line:?}", binary.display()))?;
    if !version.starts_with(emulator.version_prefix) {
        return Err(format!(
            "{} is qemu {version}, but the runner's \"{}\" emulator ({}) must be {}x",
            binary.display(),
            emulator.name,
            emulator.about,
            emulator.version_prefix
        ));
    }
    Ok(Instance {
        emulator,
        binary: binary.to_path_buf(),
        version,
        version_line: line,
    })
}

/// `qemu-aarch64 version 10.0.2 (Debian ...)` → `10.0.2`.
fn parse_version(line: &str) -> Option<String> {
    let mut words = line.split_whitespace();
    words.find(|w| *w == "version")?;
    let v = words.next()?;
    v.starts_with(|c: char| c.is_ascii_digit())
        .then(|| v.to_string())
}

/// Downloads the emulator's package from its suite of the machine's own
/// mirror with a private apt setup (the machine's apt sources, lists and
/// cache stay untouched) and unpacks it into the cache.
pub fn install_unpacked(emulator: &Emulator, cache: &Path, log: &Path) -> Result<PathBuf, String> {
    let Source::Unpacked {
        package,
        suite,
        base_suite,
        component,
        keyring,
    } = &emulator.source
    else {
        return Err(format!(
            "qemu {} is not unpacked by the runner",
            emulator.name
        ));
    };
    for tool in ["apt-get", "dpkg-deb"] {
        if sys::which(tool).is_none() {
            return Err(format!(
                "qemu {} comes from Debian's {suite} suite, which needs {tool} (Debian or Ubuntu)",
                emulator.name
            ));
        }
    }
    if !Path::new(keyring).is_file() {
        return Err(format!(
            "{keyring} is missing (apt-get install debian-archive-keyring)"
        ));
    }
    let uri = machine_mirror(base_suite)?;
    let apt = cache.join("apt");
    let lists = apt.join("lists");
    let archives = apt.join("cache");
    for d in [lists.join("partial"), archives.join("archives/partial")] {
        fs::create_dir_all(&d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    let sources = apt.join("sources.sources");
    let stanza = format!(
        "Types: deb\nURIs: {uri}\nSuites: {suite}\nComponents: {component}\nSigned-By: {keyring}\n"
    );
    fs::write(&sources, stanza).map_err(|e| format!("{}: {e}", sources.display()))?;
    let apt_get = |args: &[&str], dir: &Path| {
        let mut c = Command::new("apt-get");
        c.current_dir(dir)
            .arg("-o")
            .arg(format!("Dir::Etc::SourceList={}", sources.display()))
            .args(["-o", "Dir::Etc::SourceParts=/dev/null"])
            .arg("-o")
            .arg(format!("Dir::State::Lists={}", lists.display()))
            .arg("-o")
            .arg(format!("Dir::Cache={}", archives.display()))
            .args(["-o", "Acquire::Languages=none"])
            .args(args);
        c
    };
    let spec = format!("{package}/{suite}");
    sys::run_logged(apt_get(&["update", "-q"], cache), log)
        .and_then(|_| {
            let work = cache.join(format!("download-{}", std::process::id()));
            let _ = fs::remove_dir_all(&work);
            fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
            let done = sys::run_logged(apt_get(&["download", "-q", &spec], &work), log)
                .and_then(|_| unpack(&work, package, cache, log));
            let _ = fs::remove_dir_all(&work);
            done
        })
        .map_err(|e| format!("installing qemu {} ({spec} from {uri}): {e}", emulator.name))
}

/// Unpacks the one .deb in `work` as `<cache>/<package>-<version>`; the
/// rename at the end makes a half-unpacked copy impossible to find.
fn unpack(work: &Path, package: &str, cache: &Path, log: &Path) -> Result<PathBuf, String> {
    let debs: Vec<PathBuf> = fs::read_dir(work)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .collect();
    let [deb] = debs.as_slice() else {
        return Err(format!("apt-get download left {} .deb files", debs.len()));
    };
    let out = Command::new("dpkg-deb")
        .args(["-f"])
        .arg(deb)
        .arg("Version")
        .output()
        .map_err(|e| e.to_string())?;
    let full = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let version = full.split_once(':').map_or(full.as_str(), |(_, v)| v);
    if version.is_empty() || version.contains(char::is_whitespace) {
        return Err(format!("{}: version {full:?}", deb.display()));
    }
    let root = work.join("root");
    let mut x = Command::new("dpkg-deb");
    x.arg("-x").arg(deb).arg(&root);
    sys::run_logged(x, log)?;
    let dest = cache.join(format!("{package}-{version}"));
    if !dest.join("usr/bin").is_dir() {
        let _ = fs::remove_dir_all(&dest);
        fs::rename(&root, &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    Ok(dest)
}

/// The URI of the machine's apt source for `suite` (deb822 `.sources`
/// files first, then one-line `sources.list` entries).
pub fn machine_mirror(suite: &str) -> Result<String, String> {
    let mut files: Vec<PathBuf> = fs::read_dir("/etc/apt/sources.list.d")
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "sources"))
    {
        if let Some(uri) = fs::read_to_string(f)
            .ok()
            .and_then(|t| deb822_uri(&t, suite))
        {
            return Ok(uri);
        }
    }
    let lists = std::iter::once(PathBuf::from("/etc/apt/sources.list")).chain(
        files
            .iter()
            .filter(|f| f.extension().is_some_and(|x| x == "list"))
            .cloned(),
    );
    for f in lists {
        if let Some(uri) = fs::read_to_string(&f)
            .ok()
            .and_then(|t| one_line_uri(&t, suite))
        {
            return Ok(uri);
        }
    }
    Err(format!(
        "no apt source for the suite {suite} in /etc/apt/sources.list.d/*.sources or \
         /etc/apt/sources.list: the runner fetches qemu from the same mirror"
    ))
}

fn deb822_uri(text: &str, suite: &str) -> Option<String> {
    for stanza in text.split("\n\n") {
        let field = |name: &str| {
            stanza.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_string())
            })
        };
        let types = field("Types").unwrap_or_default();
        let suites = field("Suites").unwrap_or_default();
        let enabled = field("Enabled").unwrap_or_else(|| "yes".into());
        if types.split_whitespace().any(|t| t == "deb")
            && suites.split_whitespace().any(|s| s == suite)
            && !enabled.eq_ignore_ascii_case("no")
        {
            if let Some(uri) =
                field("URIs").and_then(|u| u.split_whitespace().next().map(String::from))
            {
                return Some(uri);
            }
        }
    }
    None
}

fn one_line_uri(text: &str, suite: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let mut w = l.split_whitespace();
        if w.next()? != "deb" {
            return None;
        }
        let mut uri = w.next()?;
        if uri.starts_with('[') {
            // Options: `[arch=amd64 signed-by=...]`, maybe several words.
            while !uri.ends_with(']') {
                uri = w.next()?;
            }
            uri = w.next()?;
        }
        (w.next()? == suite).then(|| uri.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            parse_version("qemu-aarch64 version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)")
                .as_deref(),
            Some("7.2.22")
        );
        assert_eq!(
            parse_version("qemu-arm version 10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)")
                .as_deref(),
            Some("10.0.2")
        );
        assert_eq!(parse_version("no version here"), None);
        assert!(version_key("10.0.10+ds-1") > version_key("10.0.2+ds-2"));
    }

    #[test]
    fn mirror_from_deb822() {
        let text =
            "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\n\
                    Components: main\n\nTypes: deb\nURIs: http://mirror.example/debian-security\n\
                    Suites: bookworm-security\nComponents: main\n";
        assert_eq!(
            deb822_uri(text, "bookworm").as_deref(),
            Some("http://mirror.example/debian")
        );
        assert_eq!(
            deb822_uri(text, "bookworm-security").as_deref(),
            Some("http://mirror.example/debian-security")
        );
        assert_eq!(deb822_uri(text, "trixie"), None);
        let off = "Types: deb\nURIs: http://a/\nSuites: bookworm\nEnabled: no\n";
        assert_eq!(deb822_uri(off, "bookworm"), None);
    }

    #[test]
    fn mirror_from_sources_list() {
        let text = "# comment\ndeb-src http://src/ bookworm main\n\
                    deb [arch=amd64 signed-by=/k.gpg] http://m/debian bookworm main\n";
        assert_eq!(
            one_line_uri(text, "bookworm").as_deref(),
            Some("http://m/debian")
        );
        assert_eq!(
            one_line_uri("deb http://x/ bookworm-updates main", "bookworm"),
            None
        );
    }

    #[test]
    fn every_emulator_has_a_distinct_name_and_prefix() {
        for (i, a) in EMULATORS.iter().enumerate() {
            for b in &EMULATORS[i + 1..] {
                assert_ne!(a.name, b.name);
                assert!(!a.version_prefix.starts_with(b.version_prefix));
                assert!(!b.version_prefix.starts_with(a.version_prefix));
            }
        }
    }
}
