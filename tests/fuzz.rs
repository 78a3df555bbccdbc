//! Differential fuzzing of the raw layer against the C library.
//!
//! Two arenas of the same size are reserved first (PROT_NONE); a seeded
//! generator makes random sequences of mmap / munmap / mprotect / madvise /
//! msync / mremap / mlock / mlock2 / munlock / mincore and writes, confined
//! to the arena, and applies each to arena A through this crate and to arena
//! B through the C library. After every step the two answers (value and
//! errno) must agree, and so must the two arenas' state: the mappings in
//! `/proc/self/maps` (ranges, protections, anonymous or file and offset),
//! residency from `mincore`, and the bytes of every readable page. Each arena
//! maps its own file (on tmpfs when there is one), and the two files are
//! compared too.
//!
//! CI runs a bounded number of operations with a fixed seed; longer runs:
//! `MMAP_NATIVE_FUZZ_OPS=10000000 MMAP_NATIVE_FUZZ_SEED=7 cargo test --release --test fuzz`.
//!
//! Each arena also has a memfd with the same bytes as its file (A's made
//! through the crate), which maps like the file, and its last page is
//! sealed (`mseal`, A's through the crate) before the first operation, so
//! every operation that reaches it must be refused alike; where mseal is
//! missing (`MODERN_CALLS_ENOSYS`) it is an ordinary page.
//!
//! Never generated: MADV_HWPOISON and MADV_SOFT_OFFLINE (as root they
//! really poison or offline the page), MADV_PAGEOUT (its write-back of dirty
//! file pages is asynchronous, so residency would race), MAP_FIXED outside
//! the arena, and mremap moves that are not MREMAP_FIXED into the arena.
//!
//! Where qemu-user differs from the kernel, the entries of
//! `tests/common/quirks.rs` say what is generated and compared: no mremap
//! where qemu's shrinking wipes the next mapping (both arenas alike, so the
//! C library's arena too), mlock2 flags never 0 where qemu lacks mlock2
//! (glibc would lock through mlock in one arena only), and no exec bit from
//! maps where qemu's maps hide it.
//!
//! Runs without the test harness: one thread, so no other thread can map
//! into a hole of the arena between a step and its refill. Ends with the
//! runner's summary line.

mod common;
use common::quirks::*;
use common::{Pipe, Rng};

// No C allocator: its mappings could land in a hole of an arena, and its
// caching would move the leak check's count.
#[global_allocator]
static A: common::Bump = common::Bump;

use core::ffi::c_void;
use core::ptr::null_mut;
use mmap_native as m;
use mmap_native::{Advice, Errno, MapFlags, MlockFlags, MremapFlags, MsFlags, Prot};
use std::fs::File;
use std::os::unix::io::AsRawFd;

const PAGES: usize = 32;

/// A range in the arena: page index, length in bytes, and whether the
/// address is off the page by one byte.
#[derive(Debug, Clone, Copy)]
struct Range {
    page: usize,
    len: usize,
    skew: bool,
}

#[derive(Debug, Clone, Copy)]
enum Op {
    MapAnon(Range, Prot, MapFlags),
    MapFile(Range, Prot, MapFlags, usize),
    /// The same, of the arena's memfd.
    MapMemfd(Range, Prot, MapFlags, usize),
    Munmap(Range),
    Mprotect(Range, Prot),
    Madvise(Range, Advice),
    Msync(Range, MsFlags),
    Mremap(Range, usize, MremapFlags, usize),
    Mlock(Range),
    Mlock2(Range, MlockFlags),
    Munlock(Range),
    Mincore(Range),
    Write(usize, usize, u8),
}

const ADVICE: &[Advice] = &[
    Advice::NORMAL,
    Advice::RANDOM,
    Advice::SEQUENTIAL,
    Advice::WILLNEED,
    Advice::DONTNEED,
    Advice::FREE,
    Advice::REMOVE,
    Advice::DONTFORK,
    Advice::DOFORK,
    Advice::HUGEPAGE,
    Advice::NOHUGEPAGE,
    Advice::DONTDUMP,
    Advice::DODUMP,
    Advice::WIPEONFORK,
    Advice::KEEPONFORK,
    Advice::COLD,
    Advice::POPULATE_READ,
    Advice::POPULATE_WRITE,
    Advice::DONTNEED_LOCKED,
    Advice::COLLAPSE,
    Advice::GUARD_INSTALL,
    Advice::GUARD_REMOVE,
    Advice::from_raw(26),
    Advice::from_raw(99),
    Advice::from_raw(104),
    Advice::from_raw(-1),
];

fn gen_range(r: &mut Rng, page: usize, skew_ok: bool) -> Range {
    let p = r.below(PAGES);
    let pages = if r.one_in(16) {
        0
    } else {
        1 + r.below(PAGES - p)
    };
    let mut len = pages * page;
    if len > 0 && r.one_in(6) {
        len -= 1 + r.below(page - 1);
    }
    Range {
        page: p,
        len,
        skew: skew_ok && r.one_in(16),
    }
}

fn gen_prot(r: &mut Rng) -> Prot {
    let mut p = Prot::from_bits_retain(r.below(8) as i32);
    if r.one_in(40) {
        p |= Prot::from_bits_retain(0x40);
    }
    p
}

fn gen(r: &mut Rng, page: usize) -> Op {
    // musl's mprotect rounds an unaligned start instead of failing (see the
    // error matrix): that difference is known, so it is not generated there.
    let mprotect_skew = !cfg!(target_env = "musl");
    match r.below(13) {
        0 => {
            let mut f = MapFlags::PRIVATE | MapFlags::ANONYMOUS | MapFlags::FIXED;
            for extra in [MapFlags::POPULATE, MapFlags::NORESERVE, MapFlags::STACK] {
                if r.one_in(5) {
                    f |= extra;
                }
            }
            if r.one_in(4) {
                f = (f - MapFlags::PRIVATE) | MapFlags::SHARED;
            }
            if r.one_in(10) {
                f |= MapFlags::LOCKED;
            }
            Op::MapAnon(gen_range(r, page, true), gen_prot(r), f)
        }
        1 => {
            let rg = gen_range(r, page, true);
            let pages = rg.len.div_ceil(page);
            let off = r.below(PAGES + 1 - pages);
            let kind = if r.one_in(2) {
                MapFlags::SHARED
            } else {
                MapFlags::PRIVATE
            };
            if r.one_in(3) {
                Op::MapMemfd(rg, gen_prot(r), kind | MapFlags::FIXED, off)
            } else {
                Op::MapFile(rg, gen_prot(r), kind | MapFlags::FIXED, off)
            }
        }
        2 => Op::Munmap(gen_range(r, page, true)),
        3 | 4 => Op::Mprotect(gen_range(r, page, mprotect_skew), gen_prot(r)),
        5 | 6 => Op::Madvise(gen_range(r, page, true), ADVICE[r.below(ADVICE.len())]),
        7 => {
            let f = [0, 1, 2, 3, 4, 5, 6, 8][r.below(8)];
            Op::Msync(gen_range(r, page, true), MsFlags::from_bits_retain(f))
        }
        // Where qemu's mremap shrinking wipes whatever follows (the other
        // arena's pages too, or its guard), the fuzz leaves mremap to the
        // error matrix and the tests of that entry.
        8 if MREMAP_SHRINK_WIPES_NEXT.applies() => Op::Mincore(gen_range(r, page, true)),
        8 => {
            let old = gen_range(r, page, true);
            let flags = match r.below(4) {
                0 => MremapFlags::empty(),
                1 => MremapFlags::FIXED,
                2 => MremapFlags::MAYMOVE | MremapFlags::FIXED,
                _ => MremapFlags::MAYMOVE | MremapFlags::FIXED | MremapFlags::DONTUNMAP,
            };
            let to = r.below(PAGES);
            let max = if flags.contains(MremapFlags::FIXED) {
                PAGES - to
            } else {
                PAGES - old.page
            };
            let new_len = if r.one_in(10) {
                0
            } else {
                (1 + r.below(max)) * page
            };
            Op::Mremap(old, new_len, flags, to)
        }
        9 => match r.below(3) {
            0 => Op::Mlock(gen_range(r, page, true)),
            // Where qemu has no mlock2, glibc turns mlock2(.., 0) into mlock,
            // which would lock arena B only: flags there are never 0.
            1 => {
                let lowest = MLOCK2_ENOSYS.applies() as usize;
                let flags = (r.below(3) + lowest).min(2) as i32;
                Op::Mlock2(
                    gen_range(r, page, true),
                    MlockFlags::from_bits_retain(flags),
                )
            }
            _ => Op::Munlock(gen_range(r, page, true)),
        },
        10 => Op::Mincore(gen_range(r, page, true)),
        _ => Op::Write(r.below(PAGES), r.below(page), r.next() as u8),
    }
}

/// Success with a value (addresses made relative to the arena), or errno.
type Ans = Result<isize, i32>;

struct Arena {
    base: usize,
    file: File,
    /// A memfd with the same bytes as the file (made through the crate
    /// for arena A, through the C library for B).
    memfd: File,
}

fn ours<T>(r: m::Result<T>, v: impl FnOnce(T) -> isize) -> Ans {
    r.map(v).map_err(Errno::into_raw)
}

fn c_ans(failed: bool, v: isize) -> Ans {
    if failed {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap())
    } else {
        Ok(v)
    }
}

impl Arena {
    fn at(&self, rg: Range, page: usize) -> *mut c_void {
        (self.base + rg.page * page + rg.skew as usize) as *mut c_void
    }
    fn rel(&self, p: *mut c_void) -> isize {
        (p as usize).wrapping_sub(self.base) as isize
    }

    /// Arena A: through this crate.
    fn apply_crate(&self, op: Op, page: usize, vec: &mut [u8]) -> Ans {
        let fd = self.file.as_raw_fd();
        unsafe {
            match op {
                Op::MapAnon(rg, pr, f) => {
                    ours(m::mmap(self.at(rg, page), rg.len, pr, f, -1, 0), |p| {
                        self.rel(p)
                    })
                }
                Op::MapFile(rg, pr, f, off) => ours(
                    m::mmap(self.at(rg, page), rg.len, pr, f, fd, (off * page) as u64),
                    |p| self.rel(p),
                ),
                Op::MapMemfd(rg, pr, f, off) => {
                    let mfd = self.memfd.as_raw_fd();
                    ours(
                        m::mmap(self.at(rg, page), rg.len, pr, f, mfd, (off * page) as u64),
                        |p| self.rel(p),
                    )
                }
                Op::Munmap(rg) => ours(m::munmap(self.at(rg, page), rg.len), |()| 0),
                Op::Mprotect(rg, pr) => ours(m::mprotect(self.at(rg, page), rg.len, pr), |()| 0),
                Op::Madvise(rg, a) => ours(m::madvise(self.at(rg, page), rg.len, a), |()| 0),
                Op::Msync(rg, f) => ours(m::msync(self.at(rg, page), rg.len, f), |()| 0),
                Op::Mremap(rg, nl, f, to) => {
                    let to = (self.base + to * page) as *mut c_void;
                    let to = if f.contains(MremapFlags::FIXED) {
                        to
                    } else {
                        null_mut()
                    };
                    ours(m::mremap(self.at(rg, page), rg.len, nl, f, to), |p| {
                        self.rel(p)
                    })
                }
                Op::Mlock(rg) => ours(m::mlock(self.at(rg, page), rg.len), |()| 0),
                Op::Mlock2(rg, f) => ours(m::mlock2(self.at(rg, page), rg.len, f), |()| 0),
                Op::Munlock(rg) => ours(m::munlock(self.at(rg, page), rg.len), |()| 0),
                Op::Mincore(rg) => ours(m::mincore(self.at(rg, page), rg.len, vec), |()| 0),
                Op::Write(..) => unreachable!(),
            }
        }
    }

    /// Arena B: through the C library.
    fn apply_libc(&self, op: Op, page: usize, vec: &mut [u8]) -> Ans {
        let fd = self.file.as_raw_fd();
        let mm = |p: *mut c_void| c_ans(p == libc::MAP_FAILED, self.rel(p));
        let rc = |r: i32| c_ans(r != 0, 0);
        unsafe {
            match op {
                Op::MapAnon(rg, pr, f) => mm(libc::mmap(
                    self.at(rg, page),
                    rg.len,
                    pr.bits(),
                    f.bits(),
                    -1,
                    0,
                )),
                Op::MapFile(rg, pr, f, off) => mm(libc::mmap(
                    self.at(rg, page),
                    rg.len,
                    pr.bits(),
                    f.bits(),
                    fd,
                    (off * page) as libc::off_t,
                )),
                Op::MapMemfd(rg, pr, f, off) => mm(libc::mmap(
                    self.at(rg, page),
                    rg.len,
                    pr.bits(),
                    f.bits(),
                    self.memfd.as_raw_fd(),
                    (off * page) as libc::off_t,
                )),
                Op::Munmap(rg) => rc(libc::munmap(self.at(rg, page), rg.len)),
                Op::Mprotect(rg, pr) => rc(libc::mprotect(self.at(rg, page), rg.len, pr.bits())),
                Op::Madvise(rg, a) => rc(libc::madvise(self.at(rg, page), rg.len, a.raw())),
                Op::Msync(rg, f) => rc(libc::msync(self.at(rg, page), rg.len, f.bits())),
                Op::Mremap(rg, nl, f, to) => {
                    let to = (self.base + to * page) as *mut c_void;
                    let to = if f.contains(MremapFlags::FIXED) {
                        to
                    } else {
                        null_mut()
                    };
                    mm(libc::mremap(self.at(rg, page), rg.len, nl, f.bits(), to))
                }
                Op::Mlock(rg) => rc(libc::mlock(self.at(rg, page), rg.len)),
                Op::Mlock2(rg, f) => rc(libc::mlock2(self.at(rg, page), rg.len, f.bits() as u32)),
                Op::Munlock(rg) => rc(libc::munlock(self.at(rg, page), rg.len)),
                Op::Mincore(rg) => rc(libc::mincore(self.at(rg, page), rg.len, vec.as_mut_ptr())),
                Op::Write(..) => unreachable!(),
            }
        }
    }
}

/// One mapping of the arena as `/proc/self/maps` tells it, clipped to the
/// arena, relative to its base: (start, end, perms, what backs it).
type Seg = (usize, usize, String, String);

fn segments(maps: &str, base: usize, len: usize, (file_ino, memfd_ino): (u64, u64)) -> Vec<Seg> {
    let mut out = vec![];
    for line in maps.lines() {
        let mut w = line.split_whitespace();
        let (range, perms, off, _dev, ino) = (
            w.next().unwrap(),
            w.next().unwrap(),
            w.next().unwrap(),
            w.next().unwrap(),
            w.next().unwrap(),
        );
        let (a, b) = range.split_once('-').unwrap();
        let a = usize::from_str_radix(a, 16).unwrap();
        let b = usize::from_str_radix(b, 16).unwrap();
        if b <= base || a >= base + len {
            continue;
        }
        let (ca, cb) = (a.max(base), b.min(base + len));
        let ino: u64 = ino.parse().unwrap();
        let what = if ino == 0 {
            "anon".to_owned()
        } else if line.ends_with("/dev/zero (deleted)") || line.ends_with("[anon_shmem]") {
            // MAP_SHARED | MAP_ANONYMOUS: each its own shmem object.
            let off = u64::from_str_radix(off, 16).unwrap() + (ca - a) as u64;
            format!("shared-anon@{off:#x}")
        } else if ino == file_ino || ino == memfd_ino {
            // The file offset at the clipped start.
            let off = u64::from_str_radix(off, 16).unwrap() + (ca - a) as u64;
            let kind = if ino == file_ino { "file" } else { "memfd" };
            format!("{kind}@{off:#x}")
        } else {
            panic!("foreign mapping inside the arena: {line}")
        };
        out.push((ca - base, cb - base, perms.to_owned(), what));
    }
    out
}

/// What each page of the arena is mapped as: perms and backing at that
/// page's own offset; None where nothing is mapped.
fn per_page(segs: &[Seg], page: usize) -> Vec<Option<(String, String)>> {
    (0..PAGES)
        .map(|i| {
            let off = i * page;
            segs.iter().find(|s| s.0 <= off && off < s.1).map(|s| {
                let what = match s.3.split_once('@') {
                    Some((kind, o)) => {
                        let o = u64::from_str_radix(o.trim_start_matches("0x"), 16).unwrap();
                        format!("{kind}@{:#x}", o + (off - s.0) as u64)
                    }
                    None => s.3.clone(),
                };
                // Where qemu's maps hide the exec bit (the host's
                // protection), what each page allows is still compared by
                // the pipe probes.
                let perms = if MAPS_EXEC_HIDDEN.applies() {
                    format!("{}{}", &s.2[..2], &s.2[3..])
                } else {
                    s.2.clone()
                };
                (perms, what)
            })
        })
        .collect()
}

/// Residency and bytes of each page: None where the page cannot be read.
/// Every page is probed, mapped or not, so a page that maps misreports is
/// caught too.
fn pages_state(base: usize, page: usize, pipe: &Pipe) -> Vec<(u8, Option<Vec<u8>>)> {
    let mut out = Vec::with_capacity(PAGES);
    for i in 0..PAGES {
        let off = i * page;
        let addr = (base + off) as *mut c_void;
        let mut v = [0u8; 1];
        // qemu-user can answer ENOMEM for a page its own maps call mapped;
        // the answer is part of the state, compared like the rest.
        if let Err(e) = unsafe { m::mincore(addr, page, &mut v) } {
            v[0] = 0x80 | e.into_raw() as u8;
        }
        out.push((v[0] & 0x81, pipe.read(addr, page)));
    }
    out
}

fn reserve(page: usize) -> usize {
    // One guard page each side, so nothing of ours ever sits at the edge.
    let len = (PAGES + 2) * page;
    let p = unsafe {
        m::mmap(
            null_mut(),
            len,
            Prot::NONE,
            MapFlags::PRIVATE | MapFlags::ANONYMOUS,
            -1,
            0,
        )
    }
    .unwrap();
    p as usize + page
}

fn fail_now(n: u64, seed: u64, history: &[Op], what: String) -> ! {
    eprintln!("DIVERGENCE at op {n} (seed {seed}): {what}");
    eprintln!("last operations (newest last):");
    for h in history {
        eprintln!("  {h:?}");
    }
    common::finish(0, 1);
}

/// Fills every hole in the arena with PROT_NONE again (not under test).
/// The harness allocates from a static arena, so nothing else in this
/// one-threaded process maps memory that could land in a hole first; the
/// arena is ours, so MAP_FIXED only replaces what maps calls a hole (qemu
/// 7.2's maps leave out some ranges its own page flags still hold, where
/// MAP_FIXED_NOREPLACE would fail).
fn refill(base: usize, page: usize, segs: &[Seg]) -> Result<(), String> {
    let mut i = 0;
    while i < PAGES * page {
        if let Some(s) = segs.iter().find(|s| s.0 <= i && i < s.1) {
            i = s.1;
            continue;
        }
        let end = segs
            .iter()
            .map(|s| s.0)
            .filter(|&a| a > i)
            .min()
            .unwrap_or(PAGES * page);
        let flags = MapFlags::PRIVATE | MapFlags::ANONYMOUS | MapFlags::FIXED;
        if let Err(e) =
            unsafe { m::mmap((base + i) as *mut c_void, end - i, Prot::NONE, flags, -1, 0) }
        {
            return Err(format!(
                "refilling the hole at {i:#x}..{end:#x} of the arena at {base:#x}: {e}; \
                 its maps: {segs:x?}"
            ));
        }
        i = end;
    }
    Ok(())
}

fn fuzz_file(page: usize, tag: &str) -> (File, std::path::PathBuf) {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        std::path::PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!("mmap-native-fuzz-{}-{tag}", std::process::id()));
    let data: Vec<u8> = (0..PAGES * page)
        .map(|i| (i * 7 + i / page) as u8)
        .collect();
    std::fs::write(&path, data).unwrap();
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    (f, path)
}

/// The two arenas' memfds, A's through the crate, B's through the C
/// library, each holding the fuzz files' bytes.
fn memfds(page: usize) -> (File, File) {
    use std::os::fd::FromRawFd;
    use std::os::unix::fs::FileExt;
    let a = m::memfd_create(c"mmap-native-fuzz-a", m::MfdFlags::CLOEXEC).unwrap();
    // SAFETY: a NUL-terminated name.
    let b = unsafe { libc::memfd_create(c"mmap-native-fuzz-b".as_ptr(), libc::MFD_CLOEXEC) };
    assert!(b >= 0, "memfd_create: {}", std::io::Error::last_os_error());
    let data: Vec<u8> = (0..PAGES * page)
        .map(|i| (i * 7 + i / page) as u8)
        .collect();
    // SAFETY: two descriptors just made, owned by the Files from here on.
    let (a, b) = unsafe { (File::from_raw_fd(a), File::from_raw_fd(b)) };
    for f in [&a, &b] {
        f.write_all_at(&data, 0).unwrap();
    }
    (a, b)
}

fn contents(f: &File, page: usize) -> Vec<u8> {
    use std::os::unix::fs::FileExt;
    let mut v = vec![0u8; PAGES * page];
    f.read_exact_at(&mut v, 0).unwrap();
    v
}

/// Maps each arena's last page read-write and seals it, A's through the
/// crate, B's through the C library's syscall(): every later operation
/// that touches it must then answer alike (EPERM, or a partial effect
/// first). Where mseal is missing (MODERN_CALLS_ENOSYS) both answer ENOSYS
/// and the page is an ordinary one. Returns whether it is sealed.
fn seal_last_pages(a: &Arena, b: &Arena, page: usize) -> bool {
    let flags = MapFlags::PRIVATE | MapFlags::ANONYMOUS | MapFlags::FIXED;
    let rw = Prot::READ | Prot::WRITE;
    let last = |base: usize| (base + (PAGES - 1) * page) as *mut c_void;
    // SAFETY: the arenas' own last pages.
    unsafe {
        m::mmap(last(a.base), page, rw, flags, -1, 0).unwrap();
        m::mmap(last(b.base), page, rw, flags, -1, 0).unwrap();
        let ra = m::mseal(last(a.base), page, 0);
        let rb = libc::syscall(
            syscalls::Sysno::mseal as libc::c_long,
            last(b.base),
            page,
            0,
        );
        let rb = if rb == 0 {
            Ok(())
        } else {
            Err(Errno::new(
                std::io::Error::last_os_error().raw_os_error().unwrap(),
            ))
        };
        assert_eq!(ra, rb, "mseal of the last page: crate and C library");
        let want = MODERN_CALLS_ENOSYS.pick(Ok(()), Err(Errno::ENOSYS));
        assert_eq!(ra, want, "mseal of the last page");
        ra.is_ok()
    }
}

fn ino(f: &File) -> u64 {
    use std::os::unix::fs::MetadataExt;
    f.metadata().unwrap().ino()
}

fn main() {
    // What tests/common sets up once, before the bump allocator starts
    // taking back what each step allocated.
    let run = common::describe_run();
    let page = m::page_size();
    let seed: u64 = std::env::var("MMAP_NATIVE_FUZZ_SEED").map_or(0x5eed, |s| s.parse().unwrap());
    let default_ops = common::rounds(20_000, 3_000);
    let ops: u64 =
        std::env::var("MMAP_NATIVE_FUZZ_OPS").map_or(default_ops, |s| s.parse().unwrap());
    let pipe = Pipe::new();
    let maps_before = common::maps_lines();

    let (fa, pa) = fuzz_file(page, "a");
    let (fb, pb) = fuzz_file(page, "b");
    let (ma, mb) = memfds(page);
    let (ia, ib) = ((ino(&fa), ino(&ma)), (ino(&fb), ino(&mb)));
    let a = Arena {
        base: reserve(page),
        file: fa,
        memfd: ma,
    };
    let b = Arena {
        base: reserve(page),
        file: fb,
        memfd: mb,
    };
    let sealed = seal_last_pages(&a, &b, page);
    // What a resync may map over: all but a sealed last page.
    let resync_len = if sealed {
        (PAGES - 1) * page
    } else {
        PAGES * page
    };
    let mut rng = Rng::new(seed);
    let mut history: Vec<Op> = Vec::with_capacity(41);
    let mut va = vec![0u8; PAGES];
    let mut vb = vec![0u8; PAGES];
    let mut counts = [0u64; 2];
    let mut resyncs = 0u64;
    let control = std::env::var_os("MMAP_NATIVE_FUZZ_CONTROL").is_some();
    let start = std::time::Instant::now();

    let mut step = |n: u64| {
        let op = gen(&mut rng, page);
        // Where the kernel draws its VMA boundaries depends on history that
        // is not part of the state compared here (anon_vma reuse), and a
        // few calls answer by them (mremap's EFAULT for a range spanning
        // two VMAs). Seen once in 150,000 operations: two PROT_NONE halves
        // left unmerged in one arena only. When the layouts differ, both
        // arenas start over from one PROT_NONE mapping, and it is counted.
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        if segments(&maps, a.base, PAGES * page, ia) != segments(&maps, b.base, PAGES * page, ib) {
            resyncs += 1;
            for base in [a.base, b.base] {
                let flags = MapFlags::PRIVATE | MapFlags::ANONYMOUS | MapFlags::FIXED;
                // SAFETY: the arena is ours, reserved above.
                unsafe { m::mmap(base as *mut c_void, resync_len, Prot::NONE, flags, -1, 0) }
                    .unwrap();
            }
        }
        history.push(op);
        if history.len() > 40 {
            history.remove(0);
        }
        let (ra, rb) = match op {
            Op::Write(pg, off, byte) => {
                let oa = pipe.write((a.base + pg * page + off) as *mut c_void, byte);
                let ob = pipe.write((b.base + pg * page + off) as *mut c_void, byte);
                (Ok(oa as isize), Ok(ob as isize))
            }
            // MMAP_NATIVE_FUZZ_CONTROL=1 drives both arenas through the C
            // library: the control run, which shows what differs between two
            // arenas with no crate involved (the VMA-layout resyncs).
            _ if control => (
                a.apply_libc(op, page, &mut va),
                b.apply_libc(op, page, &mut vb),
            ),
            _ => (
                a.apply_crate(op, page, &mut va),
                b.apply_libc(op, page, &mut vb),
            ),
        };
        counts[ra.is_ok() as usize] += 1;
        let fail = |what: String| -> ! { fail_now(n, seed, &history, what) };
        if ra != rb && !known_difference(op, ra, rb) {
            fail(format!("{op:?}: crate {ra:?}, C library {rb:?}"));
        }
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        let sa = segments(&maps, a.base, PAGES * page, ia);
        let sb = segments(&maps, b.base, PAGES * page, ib);
        // Page by page: where the kernel splits or merges its VMAs depends
        // on history that is not state (anon_vma links), so only what each
        // page is mapped as is compared.
        let (na, nb) = (per_page(&sa, page), per_page(&sb, page));
        if na != nb {
            fail(format!("{op:?}: mappings differ:\n  A {sa:?}\n  B {sb:?}"));
        }
        // Residency of a file-backed page is the page cache's, of two
        // different files here, and the kernel does not keep two files'
        // caches in step (seen after 2.2 million operations: one page of one
        // file dropped, the same page of the other kept). It is compared for
        // anonymous memory, which the calls alone decide; for file pages the
        // bytes and whether they can be read are.
        let file_page = |i: usize| matches!(&na[i], Some((_, what)) if what.starts_with("file@") || what.starts_with("memfd@"));
        if let (Op::Mincore(rg), Ok(_)) = (op, ra) {
            let n = rg.len.div_ceil(page);
            if let Some(i) = (0..n).find(|&i| !file_page(rg.page + i) && va[i] != vb[i]) {
                fail(format!("{op:?}: mincore byte {i}: {} vs {}", va[i], vb[i]));
            }
        }
        let pa_state = pages_state(a.base, page, &pipe);
        let pb_state = pages_state(b.base, page, &pipe);
        let same = |i: usize| {
            let (x, y) = (&pa_state[i], &pb_state[i]);
            x.1 == y.1 && (x.0 == y.0 || file_page(i))
        };
        if let Some(i) = (0..PAGES).find(|&i| !same(i)) {
            fail(format!(
                "{op:?}: page {i} differs: resident {} vs {}, readable {} vs {}",
                pa_state[i].0,
                pb_state[i].0,
                pa_state[i].1.is_some(),
                pb_state[i].1.is_some()
            ));
        }
        if n.is_multiple_of(64) && std::fs::read(&pa).unwrap() != std::fs::read(&pb).unwrap() {
            fail(format!("{op:?}: the two files differ"));
        }
        if n.is_multiple_of(64) && contents(&a.memfd, page) != contents(&b.memfd, page) {
            fail(format!("{op:?}: the two memfds differ"));
        }
        // MADV_REMOVE punches holes in the files; whether a hole comes back
        // into the page cache later is the kernel's choice (a control run,
        // C library in both arenas, saw file residency differ after ~190,000
        // operations). Its effect was compared in this step; now both files
        // are whole again, so residency stays a fact about the two arenas.
        if matches!(op, Op::Madvise(_, adv) if adv == Advice::REMOVE) && ra.is_ok() {
            for f in [&a.file, &b.file, &a.memfd, &b.memfd] {
                let r =
                    unsafe { libc::fallocate(f.as_raw_fd(), 0, 0, (PAGES * page) as libc::off_t) };
                assert_eq!(r, 0, "fallocate: {}", std::io::Error::last_os_error());
            }
        }
        if let Err(e) = refill(a.base, page, &sa).and(refill(b.base, page, &sb)) {
            fail(e);
        }
    };
    for n in 0..ops {
        // The first step runs without a reset, so whatever std sets up
        // lazily on first use (and keeps) is not handed out again.
        if n == 0 {
            step(n);
            continue;
        }
        let mark = common::bump_mark();
        step(n);
        // SAFETY: everything the step allocated was dropped inside it.
        unsafe { common::bump_reset(mark) };
    }
    if std::fs::read(&pa).unwrap() != std::fs::read(&pb).unwrap()
        || contents(&a.memfd, page) != contents(&b.memfd, page)
    {
        eprintln!("the two files or the two memfds differ at the end");
        common::finish(0, 1);
    }
    unsafe {
        let _ = m::munlockall();
        for base in [a.base, b.base] {
            // A sealed last page stays, for the life of the process: the
            // rest goes, the guard after it too.
            if sealed {
                m::munmap((base - page) as *mut c_void, resync_len + page).unwrap();
                m::munmap((base + PAGES * page) as *mut c_void, page).unwrap();
            } else {
                m::munmap((base - page) as *mut c_void, (PAGES + 2) * page).unwrap();
            }
        }
    }
    drop((a, b));
    let _ = std::fs::remove_file(&pa);
    let _ = std::fs::remove_file(&pb);
    // Each sealed page is one mapping of its own that must stay.
    let maps_after = common::maps_lines() - if sealed { 2 } else { 0 };
    println!(
        "fuzz, {run}{}: {ops} operations, seed {seed}, {} succeeded and {} failed alike in both \
         arenas, {resyncs} VMA-layout resyncs, {:.1}s; last page sealed: {sealed}; \
         /proc/self/maps lines {maps_before} -> {maps_after} (sealed pages left out)",
        if control {
            " (control: C library in both arenas)"
        } else {
            ""
        },
        counts[1],
        counts[0],
        start.elapsed().as_secs_f64()
    );
    let leaked = maps_after != maps_before;
    if leaked {
        println!("mappings leaked");
    }
    common::finish(usize::from(!leaked), usize::from(leaked));
}

/// The answers may differ only where qemu has no mlock2: the crate reports
/// its ENOSYS, and the C library (see `C_LIBRARY_EMULATES_MLOCK2`) may turn
/// that into EINVAL for the non-zero flags generated there.
fn known_difference(op: Op, ra: Ans, rb: Ans) -> bool {
    let c_library = if common::C_LIBRARY_EMULATES_MLOCK2 {
        libc::EINVAL
    } else {
        libc::ENOSYS
    };
    matches!(op, Op::Mlock2(..))
        && MLOCK2_ENOSYS.applies()
        && ra == Err(libc::ENOSYS)
        && rb == Err(c_library)
}
