//! The table of emulator differences: every way qemu-user was measured to
//! answer a call differently from the Linux kernel, each once, with the qemu
//! versions and the guests it applies to and the tests that assert it.
//!
//! Pure data and pure functions, std only (no `mmap_native`, no `libc`):
//! `qemu/runner` includes this file with `#[path]` to print the table and to
//! check that each entry applies to an emulator and a target it runs. Tests
//! ask it through `tests/common/mod.rs`, which knows the emulator and guest
//! of the run: `MLOCK2_ENOSYS.applies()`, or
//! `assert_eq!(r, MLOCK2_ENOSYS.pick(kernel_answer, qemu_answer))`. Under an
//! emulator where an entry applies, a test asserts the emulator's answer;
//! everywhere else, natively included, the kernel's.
//!
//! Measured with qemu-user 7.2.22 (Debian 12) and 10.0.2 (bookworm-backports)
//! on aarch64, riscv64, armv7, s390x and powerpc64le guests (aarch64 also with
//! 64 KiB pages, `-p 65536`, which only 7.2 honours), against Linux 6.18 on
//! x86_64. Versions between two measured ones are taken to behave like the
//! older one until measured: an entry fixed somewhere after 7.2.22 applies
//! below 10.0.2, one that appeared somewhere after 7.2.22 applies from
//! 10.0.2.
//!
//! Adding an entry: one `NAME { .. }` block below, an assertion of it in a
//! test named in `asserted`, then regenerate the README's table
//! (`cargo test --test quirks -- --ignored write_readme_table`).

use std::fmt::Write as _;

/// A qemu version, as `qemu-<arch> --version` prints it (`7.2.22`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl Version {
    /// `7.2.22`, `10.0.2`, `8.2` (patch 0); None for anything else.
    pub fn parse(s: &str) -> Option<Version> {
        let mut it = s.split('.').map(|n| n.parse::<u32>().ok());
        let v = Version(it.next()??, it.next()??, it.next().unwrap_or(Some(0))?);
        it.next().is_none().then_some(v)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The qemu versions an entry applies to.
#[derive(Clone, Copy, Debug)]
pub enum Versions {
    /// Every measured version (7.2.22 and 10.0.2), and all others.
    All,
    /// Fixed in this release, by qemu's history.
    Before(Version),
    /// Seen in the first version, gone in the second; where in between it
    /// was fixed is not known. Applies below the second.
    FixedBy(Version, Version),
    /// Not in the first version, seen in the second; where in between it
    /// appeared is not known. Applies from the second on.
    NewBy(Version, Version),
}

impl Versions {
    pub fn contains(self, v: Version) -> bool {
        match self {
            Versions::All => true,
            Versions::Before(fixed) | Versions::FixedBy(_, fixed) => v < fixed,
            Versions::NewBy(_, seen) => v >= seen,
        }
    }

    fn describe(self) -> String {
        match self {
            Versions::All => "all".into(),
            Versions::Before(v) => format!("before {}.{}", v.0, v.1),
            Versions::FixedBy(seen, fixed) => format!("seen in {seen}, fixed by {fixed}"),
            Versions::NewBy(clean, seen) => format!("not in {clean}, seen in {seen}"),
        }
    }
}

/// The guests an entry applies to.
#[derive(Clone, Copy, Debug)]
pub enum Guests {
    All,
    /// 32-bit or 64-bit guests.
    Bits(u32),
    BigEndian,
    /// Guests whose page size is this, larger than the host's 4 KiB (qemu's
    /// `-p 65536`).
    PageSize(usize),
    /// One architecture, named as `std::env::consts::ARCH` names it.
    Arch(&'static str),
}

impl Guests {
    pub fn contains(self, g: &Guest) -> bool {
        match self {
            Guests::All => true,
            Guests::Bits(b) => g.bits == b,
            Guests::BigEndian => g.big_endian,
            Guests::PageSize(p) => g.page_size == p,
            Guests::Arch(a) => g.arch == a,
        }
    }

    fn describe(self) -> String {
        match self {
            Guests::All => "all".into(),
            Guests::Bits(b) => format!("{b}-bit"),
            Guests::BigEndian => "big-endian".into(),
            Guests::PageSize(p) => format!("{} KiB pages", p / 1024),
            Guests::Arch(a) => a.into(),
        }
    }
}

/// A guest program: what an entry's guests are matched against.
#[derive(Clone, Copy, Debug)]
pub struct Guest {
    /// As `std::env::consts::ARCH` names it: `aarch64`, `arm`, `powerpc64`.
    pub arch: &'static str,
    pub bits: u32,
    pub big_endian: bool,
    pub page_size: usize,
}

/// One difference between qemu-user and the kernel.
#[derive(Debug)]
pub struct Quirk {
    /// The Rust name of the entry, `MLOCK2_ENOSYS`.
    pub name: &'static str,
    /// The call and the case.
    pub call: &'static str,
    /// What Linux answers.
    pub kernel: &'static str,
    /// What qemu-user answers instead.
    pub qemu: &'static str,
    /// Where it applies: any of these pairs of versions and guests.
    pub when: &'static [(Versions, Guests)],
    /// The tests that assert it: (file under `tests/`, function).
    pub asserted: &'static [(&'static str, &'static str)],
}

impl Quirk {
    pub fn applies_to(&self, version: Version, guest: &Guest) -> bool {
        self.when
            .iter()
            .any(|&(v, g)| v.contains(version) && g.contains(guest))
    }
}

/// Each entry becomes a `pub const` of that name, and a member of [`ALL`].
macro_rules! quirks {
    ($($name:ident { $($field:ident: $value:expr,)* })*) => {
        $(pub const $name: Quirk = Quirk { name: stringify!($name), $($field: $value,)* };)*
        /// Every entry, in the table's order.
        pub const ALL: &[Quirk] = &[$($name),*];
    };
}

const V7_2: Version = Version(7, 2, 22);
const V10: Version = Version(10, 0, 2);
const ALL_GUESTS: &[(Versions, Guests)] = &[(Versions::All, Guests::All)];
const FIXED_BY_10: &[(Versions, Guests)] = &[(Versions::FixedBy(V7_2, V10), Guests::All)];
const GUESTS_32: &[(Versions, Guests)] = &[(Versions::All, Guests::Bits(32))];
const BIG_PAGES: &[(Versions, Guests)] = &[(Versions::All, Guests::PageSize(65536))];

quirks! {
    MLOCK2_ENOSYS {
        call: "`mlock2`, any flags",
        kernel: "locks; an unknown flag is `EINVAL`",
        qemu: "`ENOSYS` (not emulated); glibc, but for its riscv64 port, then answers \
               `EINVAL` for flags and calls `mlock` for none",
        when: ALL_GUESTS,
        asserted: &[
            ("raw.rs", "mlock_munlock_and_mlock2"),
            ("raw.rs", "mlock2_and_mincore_errors"),
            ("matrix.rs", "mlock2_case"),
            ("fuzz.rs", "gen"),
            ("fuzz.rs", "known_difference"),
        ],
    }
    SHARED_VALIDATE_EINVAL {
        call: "`mmap` `MAP_SHARED_VALIDATE`: valid flags; an unknown flag; `MAP_SYNC` on a \
               file without DAX",
        kernel: "maps; `EOPNOTSUPP`; `EOPNOTSUPP`",
        qemu: "`EINVAL` for all three",
        when: FIXED_BY_10,
        asserted: &[("raw.rs", "mmap_errors")],
    }
    FIXED_NOREPLACE_IS_A_HINT {
        call: "`mmap` `MAP_FIXED_NOREPLACE` over a mapping",
        kernel: "`EEXIST`",
        qemu: "maps elsewhere, taking the address as a hint (the crate unmaps that and \
               answers `EEXIST`, as mmap(2) advises; the C library passes it on)",
        when: FIXED_BY_10,
        asserted: &[("matrix.rs", "mmap_cases")],
    }
    POPULATE_IGNORED {
        call: "`mmap` `MAP_POPULATE`, anonymous",
        kernel: "every page resident",
        qemu: "maps, nothing resident",
        when: FIXED_BY_10,
        asserted: &[("raw.rs", "mmap_populate_faults_the_pages_in")],
    }
    HUGETLB_EINVAL {
        call: "`mmap` `MAP_HUGETLB`, no huge page free",
        kernel: "`ENOMEM`",
        qemu: "`EINVAL`",
        when: &[
            (Versions::FixedBy(V7_2, V10), Guests::Bits(64)),
            (Versions::All, Guests::Bits(32)),
        ],
        asserted: &[("safe.rs", "advice_and_options")],
    }
    HUGETLB_BAD_SIZE_ENOMEM {
        call: "`mmap` `MAP_HUGETLB` with a huge page size no machine has (2^63)",
        kernel: "`EINVAL`",
        qemu: "`ENOMEM`",
        when: &[(Versions::NewBy(V7_2, V10), Guests::Bits(64))],
        asserted: &[
            ("raw.rs", "mmap_hugetlb_of_a_size_no_machine_has"),
            ("soak.rs", "cycle"),
        ],
    }
    HUGETLB_BAD_SIZE_SOMETIMES_ENOMEM {
        call: "`mmap` `MAP_HUGETLB` with a huge page size no machine has (2^63)",
        kernel: "`EINVAL`",
        qemu: "`EINVAL`, but `ENOMEM` for some of the addresses qemu picks (3 to 12 calls \
               in 3,000 maps and unmaps)",
        when: &[
            (Versions::FixedBy(V7_2, V10), Guests::Bits(64)),
            (Versions::All, Guests::Bits(32)),
        ],
        asserted: &[
            ("raw.rs", "mmap_hugetlb_of_a_size_no_machine_has"),
            ("soak.rs", "cycle"),
        ],
    }
    HUGETLB_FAILURE_WIPES_32 {
        call: "`mmap` `MAP_HUGETLB` that fails with `ENOMEM` (as in \
               `HUGETLB_BAD_SIZE_SOMETIMES_ENOMEM`)",
        kernel: "(not applicable: the kernel answers `EINVAL`)",
        qemu: "memory mapped elsewhere can be gone (seen: a page of the dynamic loader's \
               data): the program dies of SIGSEGV at its next use of it",
        when: &[(Versions::FixedBy(V7_2, V10), Guests::Bits(32))],
        asserted: &[
            ("raw.rs", "mmap_hugetlb_of_a_size_no_machine_has"),
            ("soak.rs", "cycle"),
        ],
    }
    MADVISE_UNCHECKED {
        call: "`madvise`: unknown advice; `MADV_REMOVE` on private anonymous memory; an \
               unmapped range",
        kernel: "`EINVAL`; `EINVAL`; `ENOMEM`",
        qemu: "0 for all three (advice it does not pass on to the host is dropped)",
        when: ALL_GUESTS,
        asserted: &[("raw.rs", "madvise_errors")],
    }
    WIPEONFORK_IGNORED {
        call: "`madvise` `MADV_WIPEONFORK`",
        kernel: "a forked child sees zeros",
        qemu: "0, and the child sees the parent's bytes",
        when: FIXED_BY_10,
        asserted: &[("raw.rs", "madvise_wipeonfork_and_guard_install")],
    }
    GUARD_INSTALL_IGNORED {
        call: "`madvise` `MADV_GUARD_INSTALL`",
        kernel: "the page faults (Linux 6.13 and later; before, `EINVAL`)",
        qemu: "0, and the page stays readable",
        when: ALL_GUESTS,
        asserted: &[("raw.rs", "madvise_wipeonfork_and_guard_install")],
    }
    MPROTECT_LEN0_ENOMEM {
        call: "`mprotect` with `len` 0",
        kernel: "0",
        qemu: "`ENOMEM`",
        when: FIXED_BY_10,
        asserted: &[("raw.rs", "mprotect_errors")],
    }
    UNMAPPED_RANGE_OK_32 {
        call: "`msync`, `mprotect` of an unmapped range",
        kernel: "`ENOMEM`",
        qemu: "0 (qemu reserves the whole guest address space on the host)",
        when: GUESTS_32,
        asserted: &[("raw.rs", "msync_errors"), ("raw.rs", "mprotect_errors")],
    }
    MREMAP_UNMAPPED_MAPS_32 {
        call: "`mremap` `MREMAP_MAYMOVE` of an unmapped old range",
        kernel: "`EFAULT`",
        qemu: "succeeds, with a new mapping",
        when: GUESTS_32,
        asserted: &[("raw.rs", "mremap_errors")],
    }
    MREMAP_NEW_LEN0_ENOMEM {
        call: "`mremap` with `new_len` 0",
        kernel: "`EINVAL`",
        qemu: "`ENOMEM`",
        when: &[
            (Versions::All, Guests::Bits(64)),
            (Versions::FixedBy(V7_2, V10), Guests::Bits(32)),
        ],
        asserted: &[("raw.rs", "mremap_errors"), ("matrix.rs", "mremap_cases")],
    }
    MREMAP_NEW_LEN0_ABORTS {
        call: "`mremap` with `new_len` 0",
        kernel: "`EINVAL`",
        qemu: "qemu aborts the whole process (SIGABRT; assertion `len != 0` in \
               `page_find_range_empty`)",
        when: &[(Versions::NewBy(V7_2, V10), Guests::Bits(32))],
        asserted: &[("raw.rs", "mremap_errors"), ("matrix.rs", "mremap_cases")],
    }
    MREMAP_OLD_LEN0_ENOMEM {
        call: "`mremap` with `old_len` 0 of a private mapping",
        kernel: "`EINVAL`",
        qemu: "`ENOMEM`",
        when: &[
            (Versions::All, Guests::Bits(64)),
            (Versions::FixedBy(V7_2, V10), Guests::Bits(32)),
        ],
        asserted: &[("raw.rs", "mremap_errors")],
    }
    MREMAP_SHRINK_WIPES_NEXT {
        call: "`mremap` shrinking a mapping in place (no `MREMAP_MAYMOVE`) from \
               `old_len` to `new_len`",
        kernel: "unmaps its tail; the next mapping stays",
        qemu: "also unmaps the `old_len - new_len` bytes after the old end: the next \
               mapping loses them (qemu re-reserves from `old + old_len`, not \
               `old + new_len`); with `MREMAP_MAYMOVE` it does not",
        when: GUESTS_32,
        asserted: &[
            ("raw.rs", "mremap_shrink_leaves_the_next_mapping"),
            ("common/mod.rs", "room_to_shrink"),
            ("soak.rs", "cycle"),
            ("fuzz.rs", "gen"),
        ],
    }
    MREMAP_DONTUNMAP_TWICE_EINVAL {
        call: "`mremap` `MREMAP_DONTUNMAP` of a shared range moved that way before",
        kernel: "moves it again",
        qemu: "`EINVAL`",
        when: &[(Versions::NewBy(V7_2, V10), Guests::Bits(32))],
        asserted: &[("matrix.rs", "mremap_cases")],
    }
    MODERN_CALLS_ENOSYS {
        call: "`cachestat`, `mseal`, `memfd_secret`, `process_madvise`, `pkey_alloc`, \
               `pkey_free`, `pkey_mprotect`",
        kernel: "the call (Linux 6.5, 6.10, 5.14, 5.10, 4.9)",
        qemu: "`ENOSYS`: qemu-user passes none of them on (`memfd_create` and the \
               `fcntl` seals it does)",
        when: ALL_GUESTS,
        asserted: &[
            ("modern.rs", "cachestat_counts_what_mincore_sees_and_dirty_pages"),
            ("modern.rs", "mseal_refuses_every_change_with_eperm"),
            ("modern.rs", "memfd_secret_pages_read_and_write"),
            ("modern.rs", "process_madvise_on_this_process"),
            ("modern.rs", "pkeys_where_the_cpu_has_them"),
            ("modern.rs", "cachestat_errors"),
            ("fuzz.rs", "seal_last_pages"),
            ("mtouch.rs", "method_here"),
        ],
    }
    MINCORE_CHECKS_RANGE_FIRST {
        call: "`mincore` at an unaligned address, the range running into an unmapped page",
        kernel: "`EINVAL`",
        qemu: "`ENOMEM` (qemu checks the range before the host sees the address)",
        when: ALL_GUESTS,
        asserted: &[("raw.rs", "mlock2_and_mincore_errors")],
    }
    MINCORE_HOST_PAGES {
        call: "`mincore`",
        kernel: "one byte per page",
        qemu: "one byte per 4 KiB of the length (16 per whole guest page), past the end \
               of a vector of one byte per page (so raw, matrix, fuzz and mtouch, which \
               give it such vectors, cannot run there)",
        when: BIG_PAGES,
        asserted: &[("safe.rs", "mincore_sees_whole_pages_of_a_map")],
    }
    MUNMAP_TOP_ABORTS {
        call: "`munmap` of the page at the top of the address space",
        kernel: "`EINVAL`",
        qemu: "qemu aborts the whole process (assertion `start < end` in `page_set_flags`; \
               it then exits with status 127)",
        when: &[(Versions::FixedBy(V7_2, V10), Guests::Bits(64))],
        asserted: &[("matrix.rs", "munmap_cases")],
    }
    MUNMAP_TOP_OK_32 {
        call: "`munmap` of the page at the top of the address space",
        kernel: "`EINVAL`",
        qemu: "0",
        when: &[(Versions::NewBy(V7_2, V10), Guests::Bits(32))],
        asserted: &[("matrix.rs", "munmap_cases")],
    }
    PR_GET_AUXV_EINVAL {
        call: "`prctl(PR_GET_AUXV)`",
        kernel: "the aux vector (Linux 6.4 and later; before, `EINVAL`)",
        qemu: "`EINVAL` (the crate falls back to `/proc/self/auxv`, which qemu emulates)",
        when: ALL_GUESTS,
        asserted: &[("safe.rs", "page_size_matches_sysconf")],
    }
    MMAP2_OFFSET_TRUNCATED {
        call: "`mmap2` at an offset of 4 GiB or more",
        kernel: "maps that offset",
        qemu: "maps offset `off % 4 GiB` (the offset is cut to 32 bits)",
        when: &[(Versions::Before(Version(8, 1, 0)), Guests::Bits(32))],
        asserted: &[("offsets32.rs", "large_offsets_read_the_right_bytes")],
    }
    MMAP_PIPE_EINVAL_BIG_PAGES {
        call: "`mmap` of a pipe, with a length",
        kernel: "`ENODEV`",
        qemu: "`EINVAL` (qemu checks a file mapping itself when guest pages are larger \
               than the host's)",
        when: BIG_PAGES,
        asserted: &[("safe.rs", "errors_are_errnos_and_leave_nothing_mapped")],
    }
    DONTNEED_IGNORED_BIG_PAGES {
        call: "`madvise` `MADV_DONTNEED` of a private file map whose last page runs past \
               the end of the file",
        kernel: "drops the private copy: the file's bytes show again",
        qemu: "0, and the private copy stays (qemu passes the advice on only for guest \
               pages that are whole host pages)",
        when: BIG_PAGES,
        asserted: &[("safe.rs", "map_copy_writes_stay_private")],
    }
    MAPS_EXEC_HIDDEN {
        call: "`/proc/self/maps`, a `PROT_EXEC` page between two `PROT_READ` pages",
        kernel: "three lines: `r--p`, `r-xp`, `r--p`",
        qemu: "one line `r--p` (the host's protection, the same for the three pages, and \
               the guest's of the first)",
        when: FIXED_BY_10,
        asserted: &[
            ("raw.rs", "maps_show_each_protection"),
            ("fuzz.rs", "per_page"),
        ],
    }
    MAPS_UNMERGED {
        call: "`/proc/self/maps` after an `mprotect` split a mapping and another undid it",
        kernel: "one line again",
        qemu: "a line per piece (three for the middle page of three)",
        when: &[(Versions::NewBy(V7_2, V10), Guests::All)],
        asserted: &[("raw.rs", "maps_show_each_protection")],
    }
}

/// The table as the README shows it, between its `<!-- quirks -->` and
/// `<!-- /quirks -->` lines.
pub fn render_markdown() -> String {
    let mut s = String::from(
        "| entry | call | kernel | qemu-user | qemu versions | guests | asserted in |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for q in ALL {
        let versions: Vec<String> = q.when.iter().map(|w| w.0.describe()).collect();
        let guests: Vec<String> = q.when.iter().map(|w| w.1.describe()).collect();
        let asserted: Vec<String> = q
            .asserted
            .iter()
            .map(|(file, func)| format!("`tests/{file}` `{func}`"))
            .collect();
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            q.name,
            q.call,
            q.kernel,
            q.qemu,
            versions.join("<br>"),
            guests.join("<br>"),
            asserted.join(", ")
        );
    }
    s
}
