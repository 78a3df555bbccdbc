//! The one table of targets: everything the runner knows about a target is
//! in its record here, and nowhere else.
//!
//! Adding an architecture means one record below (plus, outside the runner,
//! its arch file, its line in the library's arch selection and its `_start`
//! block in qemu/freestanding).

/// One target the crate is built and tested for.
pub struct Target {
    /// Short name for the command line, the logs and the output.
    pub name: &'static str,
    /// Other names the command line accepts (the triple always works too).
    pub aliases: &'static [&'static str],
    pub triple: &'static str,
    /// The machine's own target: it also runs the once-per-run checks
    /// (fmt, the runner's own checks, the MSRV build) and checks docs and
    /// tests with and without `--features std`. Built without `--target`,
    /// like a plain `cargo build`.
    pub host: bool,
    /// Which Rust toolchain builds it.
    pub toolchain: Toolchain,
    /// Builds std from source (`-Zbuild-std`, needs a nightly toolchain
    /// and its `rust-src`): for targets rustup ships no std for.
    pub build_std: bool,
    pub linker: Linker,
    /// How its programs run here.
    pub runs_on: RunsOn,
    /// Debian packages it needs, each with what proves it is there.
    pub packages: &'static [Package],
    /// `RUSTC_BOOTSTRAP` for every build of this target: syscalls 0.8.1
    /// turns on `#![feature(asm_experimental_arch)]` for s390x and
    /// powerpc64, which stable Rust refuses (E0554). The value names the
    /// one crate allowed nightly features.
    pub bootstrap: Option<&'static str>,
    /// Which tests run.
    pub tests: Tests,
    /// The freestanding program's size cap in bytes (release, stripped);
    /// `None`: the program is not built for this target.
    pub freestanding_max: Option<u64>,
    /// Which of memcpy, memmove, memset, memcmp the freestanding programs
    /// must define themselves in debug builds on this target: what the
    /// toolchain needs, never the library (qemu/freestanding/src/common.rs
    /// says why for each).
    pub freestanding_debug_defines: &'static [&'static str],
    /// Whether mtouch's release, stripped size is built and reported.
    pub mtouch_size: bool,
    /// The same build run again in another setting (page size).
    pub variants: &'static [Variant],
    /// Why the record is as it is, for `--list`.
    pub note: &'static str,
}

pub enum Toolchain {
    /// The toolchain `cargo` runs by default (stable).
    Default,
    /// A rustup toolchain by name (`nightly-2026-05-19`), as `cargo +NAME`.
    Named(&'static str),
}

impl Toolchain {
    /// The rustup name, or `None` for the default toolchain.
    pub fn name(&self) -> Option<&'static str> {
        match self {
            Toolchain::Default => None,
            Toolchain::Named(n) => Some(n),
        }
    }
}

pub enum Linker {
    /// rustc's default for the target: the host's `cc`.
    Default,
    /// rustc's default with the target's self-contained crt and libc
    /// (musl): no musl-gcc needed.
    SelfContained,
    /// A cross gcc, set as `CARGO_TARGET_<TRIPLE>_LINKER`; its GNU triple
    /// (`aarch64-linux-gnu`) also names its binutils.
    Gcc(&'static str),
}

impl Linker {
    /// The linker command the runner sets, if it sets one.
    pub fn command(&self) -> Option<String> {
        match self {
            Linker::Default | Linker::SelfContained => None,
            Linker::Gcc(gnu) => Some(format!("{gnu}-gcc")),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Linker::Default => "rustc's default (cc)".into(),
            Linker::SelfContained => "rustc's default, self-contained crt and libc".into(),
            Linker::Gcc(gnu) => format!("{gnu}-gcc"),
        }
    }
}

pub enum RunsOn {
    /// Natively: the kernel runs the target's programs.
    Native,
    /// Under qemu-user.
    Qemu {
        /// The emulator's binary name (`qemu-aarch64`).
        binary: &'static str,
        /// The target's loader and libc, for `-L`.
        sysroot: &'static str,
        /// Which emulators of the emulator table run it.
        emulators: Emulators,
    },
}

pub enum Emulators {
    All,
    /// Only these (by name), and why.
    Only(&'static [&'static str], &'static str),
}

impl Emulators {
    pub fn allows(&self, name: &str) -> bool {
        match self {
            Emulators::All => true,
            Emulators::Only(names, _) => names.contains(&name),
        }
    }
}

pub enum Tests {
    /// Every test program cargo builds, and the doc tests.
    All,
    /// Only these test programs (`lib`: the unit tests, `doc`: the doc
    /// tests, else an integration test's name), and why.
    Only(&'static [&'static str], &'static str),
}

impl Tests {
    pub fn includes(&self, name: &str) -> bool {
        match self {
            Tests::All => true,
            Tests::Only(names, _) => names.contains(&name),
        }
    }
}

/// A second run of a target's build in another setting.
pub struct Variant {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    /// Added to the triple in the output (`aarch64-unknown-linux-gnu/64k`).
    pub suffix: &'static str,
    /// The guest page size qemu is given (`-p`).
    pub page_size: u32,
    pub emulators: Emulators,
    pub tests: Tests,
}

/// A Debian package and what the runner checks to know it is there.
pub struct Package {
    pub name: &'static str,
    pub probe: Probe,
}

pub enum Probe {
    /// A command on PATH.
    Command(&'static str),
    /// A file.
    File(&'static str),
}

const fn pkg(name: &'static str, probe: Probe) -> Package {
    Package { name, probe }
}

use Probe::{Command as Cmd, File};

/// What every selected target needs: the host's C compiler and binutils
/// (build scripts, `nm`), and the two tools tests/mtouch.rs compares
/// mtouch with (vmtouch, and fincore from util-linux-extra).
pub const COMMON_PACKAGES: &[Package] = &[
    pkg("gcc", Cmd("cc")),
    pkg("binutils", Cmd("nm")),
    pkg("vmtouch", Cmd("vmtouch")),
    pkg("util-linux-extra", Cmd("fincore")),
];

/// The page-size-sensitive tests, for the 64 KiB variant.
const PAGE_SIZE_TESTS: &[&str] = &[
    "lib",
    "safe",
    "consts",
    "soak",
    "fuzz_safe",
    "offsets32",
    "mcat",
];

pub static TARGETS: &[Target] = &[
    Target {
        name: "host",
        aliases: &["native", "x86_64"],
        triple: "x86_64-unknown-linux-gnu",
        host: true,
        toolchain: Toolchain::Default,
        build_std: false,
        linker: Linker::Default,
        runs_on: RunsOn::Native,
        packages: &[],
        bootstrap: None,
        tests: Tests::All,
        freestanding_max: Some(2048),
        freestanding_debug_defines: &[],
        mtouch_size: false,
        variants: &[],
        note: "",
    },
    Target {
        name: "musl",
        aliases: &["x86_64-musl"],
        triple: "x86_64-unknown-linux-musl",
        host: false,
        toolchain: Toolchain::Default,
        build_std: false,
        linker: Linker::SelfContained,
        runs_on: RunsOn::Native,
        packages: &[],
        bootstrap: None,
        tests: Tests::All,
        freestanding_max: None,
        freestanding_debug_defines: &[],
        mtouch_size: true,
        variants: &[],
        note: "static; the freestanding program's x86_64 build is the host's",
    },
    Target {
        name: "aarch64",
        aliases: &["arm64"],
        triple: "aarch64-unknown-linux-gnu",
        host: false,
        toolchain: Toolchain::Default,
        build_std: false,
        linker: Linker::Gcc("aarch64-linux-gnu"),
        runs_on: RunsOn::Qemu {
            binary: "qemu-aarch64",
            sysroot: "/usr/aarch64-linux-gnu",
            emulators: Emulators::All,
        },
        packages: &[
            pkg("gcc-aarch64-linux-gnu", Cmd("aarch64-linux-gnu-gcc")),
            pkg(
                "libc6-dev-arm64-cross",
                File("/usr/aarch64-linux-gnu/include/linux/mman.h"),
            ),
        ],
        bootstrap: None,
        tests: Tests::All,
        freestanding_max: Some(2048),
        freestanding_debug_defines: &[],
        mtouch_size: true,
        variants: &[Variant {
            name: "aarch64-64k",
            aliases: &["64k"],
            suffix: "64k",
            page_size: 65536,
            emulators: Emulators::Only(
                &["7.2"],
                "qemu 7.2 only: qemu 10 ignores -p (it warns and runs at 4 KiB pages)",
            ),
            tests: Tests::Only(
                PAGE_SIZE_TESTS,
                "not raw, matrix, fuzz: they call mincore, and qemu 7.2 with -p 65536 \
                 writes one byte per 4 KiB host page (16 per guest page) into the \
                 caller's vector, past its end, and mistracks munmap/mremap of partial \
                 guest pages; the aarch64 run covers them at 4 KiB",
            ),
        }],
        note: "",
    },
    Target {
        name: "riscv64",
        aliases: &["riscv64gc"],
        triple: "riscv64gc-unknown-linux-gnu",
        host: false,
        toolchain: Toolchain::Default,
        build_std: false,
        linker: Linker::Gcc("riscv64-linux-gnu"),
        runs_on: RunsOn::Qemu {
            binary: "qemu-riscv64",
            sysroot: "/usr/riscv64-linux-gnu",
            emulators: Emulators::All,
        },
        packages: &[
            pkg("gcc-riscv64-linux-gnu", Cmd("riscv64-linux-gnu-gcc")),
            pkg(
                "libc6-dev-riscv64-cross",
                File("/usr/riscv64-linux-gnu/include/linux/mman.h"),
            ),
        ],
        bootstrap: None,
        tests: Tests::All,
        freestanding_max: Some(2048),
        freestanding_debug_defines: &[],
        mtouch_size: true,
        variants: &[],
        note: "gnu: rustup ships no std for riscv64gc-unknown-linux-musl",
    },
    Target {
        name: "i686",
        aliases: &["x86"],
        triple: "i686-unknown-linux-gnu",
        host: false,
        toolchain: Toolchain::Default,
        build_std: false,
        linker: Linker::Gcc("i686-linux-gnu"),
        runs_on: RunsOn::Native,
        packages: &[
            pkg("gcc-i686-linux-gnu", Cmd("i686-linux-gnu-gcc")),
            pkg(
                "libc6-dev-i386-cross",
                File("/usr/i686-linux-gnu/include/linux/mman.h"),
            ),
            // To run the 32-bit programs natively: the i386 loader and libc,
            // and libgcc_s.
            pkg("libc6-i386", File("/lib/ld-linux.so.2")),
            pkg("lib32gcc-s1", File("/usr/lib32/libgcc_s.so.1")),
        ],
        bootstrap: None,
        tests: Tests::All,
        freestanding_max: Some(2048),
        freestanding_debug_defines: &[],
        mtouch_size: false,
        variants: &[],
        note: "the x86_64 kernel runs it; tests/offsets32.rs maps past 4 GiB for real",
    },
    Target {
        name: "arm",
        aliases: &["armv7"],
        triple: "armv7-unknown-linux-gnueabihf",
        host: false,
        toolchain: Toolchain::Default,
        build_std: false,
        linker: Linker::Gcc("arm-linux-gnueabihf"),
        runs_on: RunsOn::Qemu {
            binary: "qemu-arm",
            sysroot: "/usr/arm-linux-gnueabihf",
            emulators: Emulators::All,
        },
        packages: &[
            pkg("gcc-arm-linux-gnueabihf", Cmd("arm-linux-gnueabihf-gcc")),
            pkg(
                "libc6-dev-armhf-cross",
                File("/usr/arm-linux-gnueabihf/include/linux/mman.h"),
            ),
        ],
        bootstrap: None,
        tests: Tests::All,
        // ARM-mode code for the same program is larger (2436 B measured).
        freestanding_max: Some(3072),
        freestanding_debug_defines: &[],
        mtouch_size: false,
        variants: &[],
        note: "gnu: rustup ships no std for armv7-unknown-linux-musleabihf",
    },
    Target {
        name: "s390x",
        aliases: &[],
        triple: "s390x-unknown-linux-gnu",
        host: false,
        toolchain: Toolchain::Default,
        build_std: false,
        linker: Linker::Gcc("s390x-linux-gnu"),
        runs_on: RunsOn::Qemu {
            binary: "qemu-s390x",
            sysroot: "/usr/s390x-linux-gnu",
            emulators: Emulators::All,
        },
        packages: &[
            pkg("gcc-s390x-linux-gnu", Cmd("s390x-linux-gnu-gcc")),
            pkg(
                "libc6-dev-s390x-cross",
                File("/usr/s390x-linux-gnu/include/linux/mman.h"),
            ),
        ],
        bootstrap: Some("syscalls"),
        tests: Tests::All,
        freestanding_max: Some(3072),
        freestanding_debug_defines: &[],
        mtouch_size: false,
        variants: &[],
        note: "big-endian",
    },
    Target {
        name: "ppc64le",
        aliases: &["powerpc64le"],
        triple: "powerpc64le-unknown-linux-gnu",
        host: false,
        toolchain: Toolchain::Default,
        build_std: false,
        linker: Linker::Gcc("powerpc64le-linux-gnu"),
        runs_on: RunsOn::Qemu {
            binary: "qemu-ppc64le",
            sysroot: "/usr/powerpc64le-linux-gnu",
            emulators: Emulators::All,
        },
        packages: &[
            pkg(
                "gcc-powerpc64le-linux-gnu",
                Cmd("powerpc64le-linux-gnu-gcc"),
            ),
            pkg(
                "libc6-dev-ppc64el-cross",
                File("/usr/powerpc64le-linux-gnu/include/linux/mman.h"),
            ),
        ],
        bootstrap: Some("syscalls"),
        tests: Tests::All,
        freestanding_max: Some(3072),
        // Without LTO, core keeps its formatting code (which copies with
        // memcpy) linked through powerpc64's .toc.
        freestanding_debug_defines: &["memcpy"],
        mtouch_size: false,
        variants: &[],
        note: "",
    },
];

/// One run: a target's build in its own setting, or in a variant's.
#[derive(Clone, Copy)]
pub struct Run {
    pub target: &'static Target,
    pub variant: Option<&'static Variant>,
}

impl PartialEq for Run {
    fn eq(&self, other: &Run) -> bool {
        self.name() == other.name()
    }
}

impl Run {
    pub fn name(&self) -> &'static str {
        self.variant.map_or(self.target.name, |v| v.name)
    }

    /// How the summary names it: the triple, and the variant's suffix.
    pub fn label(&self) -> String {
        match self.variant {
            None => self.target.triple.to_string(),
            Some(v) => format!("{}/{}", self.target.triple, v.suffix),
        }
    }

    pub fn tests(&self) -> &'static Tests {
        self.variant.map_or(&self.target.tests, |v| &v.tests)
    }

    /// Whether this run goes under the named emulator (false for native).
    pub fn allows(&self, emulator: &str) -> bool {
        match (&self.target.runs_on, self.variant) {
            (RunsOn::Native, _) => false,
            (RunsOn::Qemu { emulators, .. }, None) => emulators.allows(emulator),
            (RunsOn::Qemu { emulators, .. }, Some(v)) => {
                emulators.allows(emulator) && v.emulators.allows(emulator)
            }
        }
    }

    pub fn page_size(&self) -> Option<u32> {
        self.variant.map(|v| v.page_size)
    }
}

/// Every run in table order.
pub fn all_runs() -> Vec<Run> {
    let mut runs = Vec::new();
    for target in TARGETS {
        runs.push(Run {
            target,
            variant: None,
        });
        for v in target.variants {
            runs.push(Run {
                target,
                variant: Some(v),
            });
        }
    }
    runs
}

/// The run a command-line word names: a short name, an alias or a triple
/// (a triple names the target's own run, not its variants).
pub fn lookup(word: &str) -> Option<Run> {
    all_runs().into_iter().find(|run| {
        let (name, aliases) = match run.variant {
            None => (run.target.name, run.target.aliases),
            Some(v) => (v.name, v.aliases),
        };
        name == word
            || aliases.contains(&word)
            || (run.variant.is_none() && run.target.triple == word)
    })
}

/// `CARGO_TARGET_<TRIPLE>_<KEY>`, as cargo spells a target's variables.
pub fn cargo_target_var(triple: &str, key: &str) -> String {
    let t: String = triple
        .chars()
        .map(|c| match c {
            '-' | '.' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    format!("CARGO_TARGET_{t}_{key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_aliases_and_triples_are_unique() {
        let mut words = Vec::new();
        for run in all_runs() {
            words.push(run.name());
            match run.variant {
                None => {
                    words.extend(run.target.aliases);
                    words.push(run.target.triple);
                }
                Some(v) => words.extend(v.aliases),
            }
        }
        let mut sorted = words.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), words.len(), "{words:?}");
    }

    #[test]
    fn lookup_finds_each_spelling() {
        assert_eq!(lookup("arm64").unwrap().name(), "aarch64");
        assert_eq!(
            lookup("aarch64-unknown-linux-gnu").unwrap().name(),
            "aarch64"
        );
        assert_eq!(lookup("64k").unwrap().name(), "aarch64-64k");
        assert_eq!(
            lookup("ppc64le").unwrap().target.triple,
            "powerpc64le-unknown-linux-gnu"
        );
        assert!(lookup("mips").is_none());
    }

    #[test]
    fn one_host_target() {
        assert_eq!(TARGETS.iter().filter(|t| t.host).count(), 1);
    }

    #[test]
    fn emulator_names_exist() {
        let known = |n: &str| crate::emulators::EMULATORS.iter().any(|e| e.name == n);
        for run in all_runs() {
            let lists = [
                match &run.target.runs_on {
                    RunsOn::Qemu {
                        emulators: Emulators::Only(names, _),
                        ..
                    } => *names,
                    _ => &[],
                },
                match run.variant.map(|v| &v.emulators) {
                    Some(Emulators::Only(names, _)) => *names,
                    _ => &[],
                },
            ];
            for name in lists.iter().flat_map(|l| l.iter()) {
                assert!(known(name), "{}: no emulator {name}", run.name());
            }
        }
    }

    #[test]
    fn the_64k_run_is_7_2_only_and_page_size_tests() {
        let run = lookup("aarch64-64k").unwrap();
        assert!(run.allows("7.2"));
        assert!(!run.allows("10"));
        assert_eq!(run.page_size(), Some(65536));
        assert!(run.tests().includes("safe"));
        assert!(!run.tests().includes("raw"));
        assert!(!run.tests().includes("doc"));
        assert!(lookup("aarch64").unwrap().allows("10"));
        assert!(!lookup("i686").unwrap().allows("7.2"));
    }

    #[test]
    fn cargo_variable_names() {
        assert_eq!(
            cargo_target_var("riscv64gc-unknown-linux-gnu", "LINKER"),
            "CARGO_TARGET_RISCV64GC_UNKNOWN_LINUX_GNU_LINKER"
        );
        assert_eq!(
            cargo_target_var("thumbv7em-none-eabi.x", "RUNNER"),
            "CARGO_TARGET_THUMBV7EM_NONE_EABI_X_RUNNER"
        );
    }
}
