//! The error matrix: every class of bad input to every raw call, asked of
//! this crate and of the target's C library (through the `libc` crate), and
//! the two answers compared (success or errno). Where the two differ on
//! purpose, the case names the reason and both answers are asserted.
//!
//! Where qemu-user answers differently from the kernel (an entry of
//! `tests/common/quirks.rs` applies), both answers must be the emulator's;
//! a call that qemu aborts on is asked in a forked child.
//!
//! Runs without the test harness (one thread, so `/proc/self/maps` counts
//! are exact and no other thread maps into the address holes used here); it
//! prints the cases per call and ends with the runner's summary line.

mod common;
use common::quirks::*;
use common::{hole, in_child, page, Fate, TempFile};

use core::ffi::c_void;
use core::ptr::null_mut;
use mmap_native as m;
use mmap_native::{Advice, Errno, MapFlags, MlockFlags, MremapFlags, MsFlags, Prot};
use std::collections::BTreeMap;
use std::os::unix::io::AsRawFd;

#[global_allocator]
static A: common::Bump = common::Bump;

/// Success (whatever the value), or the errno.
type Ans = Result<(), i32>;

fn ours<T>(r: m::Result<T>) -> Ans {
    r.map(drop).map_err(Errno::into_raw)
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap()
}

fn theirs(failed: bool) -> Ans {
    if failed {
        Err(errno())
    } else {
        Ok(())
    }
}

fn show(a: Ans) -> String {
    match a {
        Ok(()) => "ok".into(),
        Err(e) => Errno::new(e).name().unwrap_or("?").into(),
    }
}

struct Matrix {
    per_call: BTreeMap<&'static str, usize>,
    failures: Vec<String>,
    on_purpose: Vec<String>,
    log: Vec<String>,
}

impl Matrix {
    /// The two answers must agree.
    fn same(&mut self, call: &'static str, case: &str, ours: Ans, theirs: Ans) {
        *self.per_call.entry(call).or_default() += 1;
        self.log.push(format!("{call}: {case}: {}", show(ours)));
        if ours != theirs {
            self.failures.push(format!(
                "{call}: {case}: crate {} but C library {}",
                show(ours),
                show(theirs)
            ));
        }
    }
    /// A case that may kill the process: the crate's call and the C
    /// library's are each made in a forked child, which exits with the
    /// answer (0 or the errno); both children must end as `want` says.
    fn in_children(
        &mut self,
        call: &'static str,
        case: &str,
        ours: impl FnOnce() -> Ans,
        theirs: impl FnOnce() -> Ans,
        want: Fate,
    ) {
        let code = |a: Ans| a.err().unwrap_or(0);
        let (a, b) = (in_child(|| code(ours())), in_child(|| code(theirs())));
        *self.per_call.entry(call).or_default() += 1;
        self.log.push(format!("{call}: {case}: {a:?} (in a child)"));
        if a != want || b != want {
            self.failures.push(format!(
                "{call}: {case}: crate's child {a:?}, C library's {b:?}, want {want:?}"
            ));
        }
    }
    /// The two answers differ on purpose: both are asserted, and the reason
    /// is printed.
    fn differs(
        &mut self,
        call: &'static str,
        case: &str,
        (ours, want_ours): (Ans, Ans),
        (theirs, want_theirs): (Ans, Ans),
        why: &str,
    ) {
        *self.per_call.entry(call).or_default() += 1;
        if ours != want_ours || theirs != want_theirs {
            self.failures.push(format!(
                "{call}: {case}: crate {} (want {}), C library {} (want {})",
                show(ours),
                show(want_ours),
                show(theirs),
                show(want_theirs)
            ));
        }
        self.on_purpose.push(format!(
            "{call}: {case}: crate {}, C library {}: {why}",
            show(ours),
            show(theirs)
        ));
    }
}

const RW: Prot = Prot::READ.union(Prot::WRITE);
const ANON: MapFlags = MapFlags::PRIVATE.union(MapFlags::ANONYMOUS);

/// Both mmaps of one case; any mapping made is unmapped again.
fn both_mmap(
    addr: *mut c_void,
    len: usize,
    prot: Prot,
    flags: MapFlags,
    fd: i32,
    off: u64,
) -> (Ans, Ans) {
    let a = unsafe { m::mmap(addr, len, prot, flags, fd, off) };
    if let Ok(p) = a {
        if !flags.intersects(MapFlags::FIXED | MapFlags::FIXED_NOREPLACE) {
            unsafe { m::munmap(p, len) }.unwrap();
        }
    }
    let b = unsafe { c_mmap(addr, len, prot.bits(), flags.bits(), fd, off) };
    let b_ans = theirs(b == libc::MAP_FAILED);
    if b != libc::MAP_FAILED && !flags.intersects(MapFlags::FIXED | MapFlags::FIXED_NOREPLACE) {
        unsafe { libc::munmap(b, len) };
    }
    (ours(a), b_ans)
}

/// The C library's mmap with a 64-bit offset: 32-bit glibc's plain `mmap`
/// takes a 32-bit `off_t` and would cut the offset before asking.
unsafe fn c_mmap(a: *mut c_void, l: usize, p: i32, f: i32, fd: i32, off: u64) -> *mut c_void {
    #[cfg(all(target_pointer_width = "32", target_env = "gnu"))]
    return unsafe { libc::mmap64(a, l, p, f, fd, off as libc::off64_t) };
    #[cfg(not(all(target_pointer_width = "32", target_env = "gnu")))]
    return unsafe { libc::mmap(a, l, p, f, fd, off as libc::off_t) };
}

fn anon(len: usize) -> *mut c_void {
    unsafe { m::mmap(null_mut(), len, RW, ANON, -1, 0) }.unwrap()
}

fn mmap_cases(t: &mut Matrix) {
    let p = page();
    let f = TempFile::new(&vec![7u8; 2 * p]);
    let ro = std::fs::File::open(&f.path).unwrap();
    let wo = std::fs::OpenOptions::new()
        .write(true)
        .open(&f.path)
        .unwrap();
    let dir = std::fs::File::open(std::env::temp_dir()).unwrap();
    let closed = {
        let c = std::fs::File::open(&f.path).unwrap();
        c.as_raw_fd()
    };
    let (fd, ro, wo, dir) = (f.fd(), ro.as_raw_fd(), wo.as_raw_fd(), dir.as_raw_fd());
    let sp = MapFlags::SHARED;
    let pr = MapFlags::PRIVATE;
    let r = Prot::READ;
    let n = null_mut();

    let (a, b) = both_mmap(n, 0, RW, ANON, -1, 0);
    t.same("mmap", "len 0", a, b);
    let (a, b) = both_mmap(n, usize::MAX - p + 2, RW, ANON, -1, 0);
    t.same("mmap", "len near usize::MAX", a, b);
    let (a, b) = both_mmap(n, isize::MAX as usize, RW, ANON, -1, 0);
    t.same("mmap", "len isize::MAX", a, b);
    let (a, b) = both_mmap(n, p, r, pr, fd, 1);
    t.same("mmap", "offset not page aligned", a, b);
    let (a, b) = both_mmap(n, p, r, pr, fd, (p as u64).wrapping_neg());
    t.same("mmap", "offset near u64::MAX (aligned)", a, b);
    let (a, b) = both_mmap(n, p, r, sp | pr, fd, 0);
    t.same(
        "mmap",
        "SHARED and PRIVATE together (= SHARED_VALIDATE)",
        a,
        b,
    );
    let (a, b) = both_mmap(n, p, r, MapFlags::empty(), fd, 0);
    t.same("mmap", "neither SHARED nor PRIVATE", a, b);
    let (a, b) = both_mmap(n, p, r, pr, 1_000_000, 0);
    t.same("mmap", "bad fd", a, b);
    let (a, b) = both_mmap(n, p, r, pr, -1, 0);
    t.same("mmap", "fd -1 without ANONYMOUS", a, b);
    let (a, b) = both_mmap(n, p, r, pr, closed, 0);
    t.same("mmap", "closed fd", a, b);
    let (a, b) = both_mmap(n, p, r, pr, dir, 0);
    t.same("mmap", "directory fd", a, b);
    let (a, b) = both_mmap(n, p, RW, sp, ro, 0);
    t.same("mmap", "PROT_WRITE + SHARED on a read-only fd", a, b);
    let (a, b) = both_mmap(n, p, r, pr, wo, 0);
    t.same("mmap", "read access to a write-only fd", a, b);
    let (a, b) = both_mmap(n, p, Prot::NONE, sp, wo, 0);
    t.same("mmap", "PROT_NONE on a write-only fd", a, b);
    let (a, b) = both_mmap(n, p, r, sp | MapFlags::SYNC, fd, 0);
    t.same("mmap", "MAP_SYNC with SHARED (not validated)", a, b);
    let (a, b) = both_mmap(n, p, r, pr | MapFlags::SYNC, fd, 0);
    t.same("mmap", "MAP_SYNC with PRIVATE", a, b);
    let (a, b) = both_mmap(n, p, r, MapFlags::SHARED_VALIDATE | MapFlags::SYNC, fd, 0);
    t.same("mmap", "MAP_SYNC + SHARED_VALIDATE on a non-DAX file", a, b);
    let unknown = MapFlags::from_bits_retain(0x0200_0000);
    let (a, b) = both_mmap(n, p, r, MapFlags::SHARED_VALIDATE | unknown, fd, 0);
    t.same("mmap", "SHARED_VALIDATE + unknown flag", a, b);
    let huge = MapFlags::HUGETLB | MapFlags::huge_page_size(63);
    let (a, b) = both_mmap(n, p, RW, ANON | huge, -1, 0);
    t.same("mmap", "HUGETLB with an impossible size (2^63)", a, b);
    let huge = MapFlags::HUGETLB | MapFlags::huge_page_size(13);
    let (a, b) = both_mmap(n, p, RW, ANON | huge, -1, 0);
    t.same("mmap", "HUGETLB with a size below the page size", a, b);

    // Inside a region reserved first: MAP_FIXED only lands where we own.
    let res = anon(4 * p);
    let (a, b) = both_mmap(
        res.wrapping_byte_add(1),
        p,
        RW,
        ANON | MapFlags::FIXED,
        -1,
        0,
    );
    t.same("mmap", "MAP_FIXED at an unaligned address", a, b);
    let a = unsafe { m::mmap(res, p, RW, ANON | MapFlags::FIXED_NOREPLACE, -1, 0) };
    let b = unsafe { libc::mmap(res, p, 3, (ANON | MapFlags::FIXED_NOREPLACE).bits(), -1, 0) };
    let b_ans = theirs(b == libc::MAP_FAILED);
    if b != libc::MAP_FAILED && b != res {
        unsafe { libc::munmap(b, p) };
    }
    if FIXED_NOREPLACE_IS_A_HINT.applies() {
        t.differs(
            "mmap",
            "MAP_FIXED_NOREPLACE onto an existing mapping",
            (ours(a), Err(libc::EEXIST)),
            (b_ans, Ok(())),
            "qemu takes the flag as a hint and maps elsewhere (FIXED_NOREPLACE_IS_A_HINT); \
             the crate unmaps that and answers EEXIST as mmap(2) advises, the C library \
             passes the other address on",
        );
    } else {
        t.same(
            "mmap",
            "MAP_FIXED_NOREPLACE onto an existing mapping",
            ours(a),
            b_ans,
        );
    }
    unsafe { m::munmap(res, 4 * p) }.unwrap();
}

fn munmap_cases(t: &mut Matrix) {
    let p = page();
    let x = anon(2 * p);
    let a = ours(unsafe { m::munmap(x.wrapping_byte_add(1), p) });
    let b = theirs(unsafe { libc::munmap(x.wrapping_byte_add(1), p) } != 0);
    t.same("munmap", "unaligned address", a, b);
    let a = ours(unsafe { m::munmap(x, 0) });
    let b = theirs(unsafe { libc::munmap(x, 0) } != 0);
    t.same("munmap", "len 0", a, b);
    let h = hole_addr();
    let a = ours(unsafe { m::munmap(h, p) });
    let b = theirs(unsafe { libc::munmap(h, p) } != 0);
    t.same("munmap", "a range with nothing mapped", a, b);
    let a = ours(unsafe { m::munmap(x, usize::MAX - p + 1) });
    let b = theirs(unsafe { libc::munmap(x, usize::MAX - p + 1) } != 0);
    t.same("munmap", "len that wraps the address space", a, b);
    // qemu 7.2 on a 64-bit guest dies of it, whoever makes the call.
    let top = (usize::MAX - (p - 1)) as *mut c_void;
    let want = if MUNMAP_TOP_ABORTS.applies() {
        Fate::Exited(127)
    } else {
        Fate::Exited(MUNMAP_TOP_OK_32.pick(libc::EINVAL, 0))
    };
    t.in_children(
        "munmap",
        "the page at the top of the address space",
        || ours(unsafe { m::munmap(top, p) }),
        || theirs(unsafe { libc::munmap(top, p) } != 0),
        want,
    );
    unsafe { m::munmap(x, 2 * p) }.unwrap();
}

fn msync_cases(t: &mut Matrix) {
    let p = page();
    let x = anon(p);
    let mut one = |case: &str, addr: *mut c_void, len: usize, fl: MsFlags| {
        let a = ours(unsafe { m::msync(addr, len, fl) });
        let b = theirs(unsafe { libc::msync(addr, len, fl.bits()) } != 0);
        t.same("msync", case, a, b);
    };
    one(
        "unaligned address",
        x.wrapping_byte_add(1),
        p,
        MsFlags::SYNC,
    );
    one("SYNC|ASYNC together", x, p, MsFlags::SYNC | MsFlags::ASYNC);
    one("unknown flag", x, p, MsFlags::from_bits_retain(8));
    one("unmapped range", hole_addr(), p, MsFlags::SYNC);
    one("len 0", x, 0, MsFlags::SYNC);
    unsafe { m::munmap(x, p) }.unwrap();
}

fn madvise_cases(t: &mut Matrix) {
    let p = page();
    let x = anon(2 * p);
    let mut one = |case: &str, addr: *mut c_void, len: usize, adv: Advice| {
        let a = ours(unsafe { m::madvise(addr, len, adv) });
        let b = theirs(unsafe { libc::madvise(addr, len, adv.raw()) } != 0);
        t.same("madvise", case, a, b);
    };
    // Never MADV_HWPOISON or MADV_SOFT_OFFLINE: as root they really poison.
    one("unknown advice 26", x, p, Advice::from_raw(26));
    one("unknown advice 99", x, p, Advice::from_raw(99));
    one(
        "unaligned address",
        x.wrapping_byte_add(1),
        p,
        Advice::NORMAL,
    );
    one("unmapped range", hole_addr(), p, Advice::NORMAL);
    one("WILLNEED on anonymous memory", x, p, Advice::WILLNEED);
    one("REMOVE on private anonymous memory", x, p, Advice::REMOVE);
    unsafe { m::mlock(x, p) }.unwrap();
    one("DONTNEED on a locked range", x, p, Advice::DONTNEED);
    unsafe { m::munlock(x, p) }.unwrap();
    unsafe { m::munmap(x, 2 * p) }.unwrap();
}

fn mprotect_cases(t: &mut Matrix) {
    let p = page();
    let x = anon(p);
    let f = TempFile::with_mode(&vec![1u8; p], false);
    let ro = unsafe { m::mmap(null_mut(), p, Prot::READ, MapFlags::SHARED, f.fd(), 0) }.unwrap();
    // musl's mprotect rounds the start down and the end up, so it may
    // touch the page after: ask inside a region of our own.
    let own = anon(3 * p);
    let a = ours(unsafe { m::mprotect(own.wrapping_byte_add(1), p, Prot::READ) });
    let b = theirs(unsafe { libc::mprotect(own.wrapping_byte_add(1), p, libc::PROT_READ) } != 0);
    if cfg!(target_env = "musl") {
        t.differs(
            "mprotect",
            "unaligned address",
            (a, Err(libc::EINVAL)),
            (b, Ok(())),
            "musl rounds the range out to whole pages (and so also changes the page \
             after); the crate, like the kernel and glibc, refuses",
        );
    } else {
        t.same("mprotect", "unaligned address", a, b);
    }
    unsafe { m::munmap(own, 3 * p) }.unwrap();
    let mut one = |case: &str, addr: *mut c_void, pr: Prot| {
        let a = ours(unsafe { m::mprotect(addr, p, pr) });
        let b = theirs(unsafe { libc::mprotect(addr, p, pr.bits()) } != 0);
        t.same("mprotect", case, a, b);
    };
    one("unknown bits", x, Prot::from_bits_retain(0x40));
    one("PROT_WRITE on a read-only shared file map", ro, RW);
    one("unmapped range", hole_addr(), Prot::READ);
    one(
        "GROWSDOWN on a map that does not grow down",
        x,
        Prot::READ | Prot::GROWSDOWN,
    );
    unsafe { m::munmap(x, p) }.unwrap();
    unsafe { m::munmap(ro, p) }.unwrap();
}

fn mremap_cases(t: &mut Matrix) {
    let p = page();
    // Two adjacent pages: growing the first in place needs the second.
    let x = anon(2 * p);
    let n = null_mut();
    let mut one = |case: &str, old: *mut c_void, ol: usize, nl: usize, fl: MremapFlags, to| {
        let a = unsafe { m::mremap(old, ol, nl, fl, to) };
        let a_ans = ours(a);
        let b = unsafe { libc::mremap(old, ol, nl, fl.bits(), to) };
        let b_ans = theirs(b == libc::MAP_FAILED);
        // A bad case that succeeds anyway (qemu-arm 7.2 remaps an unmapped
        // old range: it reserves the whole guest space) made a new map, and
        // the comparison says whether both did.
        if let Ok(q) = a {
            if q != old {
                unsafe { m::munmap(q, nl) }.unwrap();
            }
        }
        if b != libc::MAP_FAILED && b != old {
            unsafe { libc::munmap(b, nl) };
        }
        t.same("mremap", case, a_ans, b_ans);
    };
    one(
        "growing without MAYMOVE where the space is taken",
        x,
        p,
        2 * p,
        MremapFlags::empty(),
        n,
    );
    one(
        "FIXED without MAYMOVE",
        x,
        p,
        p,
        MremapFlags::FIXED,
        x.wrapping_byte_add(p),
    );
    one(
        "unaligned old address",
        x.wrapping_byte_add(1),
        p,
        p,
        MremapFlags::MAYMOVE,
        n,
    );
    one(
        "unknown flag",
        x,
        p,
        p,
        MremapFlags::from_bits_retain(0x40),
        n,
    );
    let h = hole_addr();
    one("unmapped old range", h, p, 2 * p, MremapFlags::MAYMOVE, n);
    // qemu-arm 10 aborts on it, whoever makes the call.
    let want = if MREMAP_NEW_LEN0_ABORTS.applies() {
        Fate::Killed(libc::SIGABRT)
    } else {
        Fate::Exited(MREMAP_NEW_LEN0_ENOMEM.pick(libc::EINVAL, libc::ENOMEM))
    };
    t.in_children(
        "mremap",
        "new_len 0",
        || ours(unsafe { m::mremap(x, p, 0, MremapFlags::MAYMOVE, n) }),
        || theirs(unsafe { libc::mremap(x, p, 0, libc::MREMAP_MAYMOVE) } == libc::MAP_FAILED),
        want,
    );
    let f = TempFile::new(&vec![1u8; p]);
    let s = unsafe { m::mmap(n, p, RW, MapFlags::SHARED, f.fd(), 0) }.unwrap();
    let dontunmap = MremapFlags::MAYMOVE | MremapFlags::DONTUNMAP;
    let moved = unsafe { m::mremap(s, p, p, dontunmap, n) };
    let a = ours(moved);
    let b = unsafe { libc::mremap(s, p, p, dontunmap.bits(), n) };
    let b_ans = theirs(b == libc::MAP_FAILED);
    // Since Linux 5.13 DONTUNMAP also takes shared mappings: then both
    // succeed, and the moved copies are cleaned up here. The crate's call
    // comes first, so the C library's moves the range a second time.
    if MREMAP_DONTUNMAP_TWICE_EINVAL.applies() {
        t.differs(
            "mremap",
            "DONTUNMAP on a shared map",
            (a, Ok(())),
            (b_ans, Err(libc::EINVAL)),
            "qemu refuses a second DONTUNMAP of a range (MREMAP_DONTUNMAP_TWICE_EINVAL), \
             and the C library's call is the second",
        );
    } else {
        t.same("mremap", "DONTUNMAP on a shared map", a, b_ans);
    }
    unsafe { m::munmap(s, p) }.unwrap();
    unsafe { m::munmap(x, 2 * p) }.unwrap();
    if b != libc::MAP_FAILED {
        unsafe { libc::munmap(b, p) };
    }
    if let Ok(q) = moved {
        unsafe { m::munmap(q, p) }.unwrap();
    }
}

/// Called with non-zero flags only.
fn mlock2_case(t: &mut Matrix, case: &str, a: Ans, b: Ans) {
    if MLOCK2_ENOSYS.applies() && common::C_LIBRARY_EMULATES_MLOCK2 {
        t.differs(
            "mlock",
            case,
            (a, Err(libc::ENOSYS)),
            (b, Err(libc::EINVAL)),
            "qemu has no mlock2 (MLOCK2_ENOSYS); glibc turns ENOSYS into EINVAL for \
             non-zero flags, the crate reports what the kernel (here qemu) said",
        );
    } else if MLOCK2_ENOSYS.applies() {
        t.differs(
            "mlock",
            case,
            (a, Err(libc::ENOSYS)),
            (b, Err(libc::ENOSYS)),
            "qemu has no mlock2 (MLOCK2_ENOSYS), and both pass its ENOSYS on",
        );
    } else {
        t.same("mlock", case, a, b);
    }
}

fn mlock_mincore_cases(t: &mut Matrix) {
    let p = page();
    let x = anon(p);
    let h = hole_addr();
    let a = ours(unsafe { m::mlock(h, p) });
    let b = theirs(unsafe { libc::mlock(h, p) } != 0);
    t.same("mlock", "unmapped range", a, b);
    let a = ours(unsafe { m::munlock(h, p) });
    let b = theirs(unsafe { libc::munlock(h, p) } != 0);
    t.same("mlock", "munlock of an unmapped range", a, b);
    let a = ours(unsafe { m::mlock2(x, p, MlockFlags::from_bits_retain(2)) });
    let b = theirs(unsafe { libc::mlock2(x, p, 2) } != 0);
    mlock2_case(t, "mlock2 unknown flag", a, b);
    let a = ours(unsafe { m::mlock2(h, p, MlockFlags::ONFAULT) });
    let b = theirs(unsafe { libc::mlock2(h, p, 1) } != 0);
    mlock2_case(t, "mlock2 unmapped range", a, b);
    let a = ours(unsafe { m::mlockall(m::MlockAllFlags::from_bits_retain(0x100)) });
    let b = theirs(unsafe { libc::mlockall(0x100) } != 0);
    t.same("mlock", "mlockall unknown flag", a, b);
    let a = ours(unsafe { m::mlockall(m::MlockAllFlags::empty()) });
    let b = theirs(unsafe { libc::mlockall(0) } != 0);
    t.same("mlock", "mlockall no flag", a, b);

    let mut v = [0u8; 4];
    let a = ours(unsafe { m::mincore(x.wrapping_byte_add(1), p, &mut v) });
    let b = theirs(unsafe { libc::mincore(x.wrapping_byte_add(1), p, v.as_mut_ptr()) } != 0);
    t.same("mincore", "unaligned address", a, b);
    let a = ours(unsafe { m::mincore(h, p, &mut v) });
    let b = theirs(unsafe { libc::mincore(h, p, v.as_mut_ptr()) } != 0);
    t.same("mincore", "unmapped range", a, b);
    let a = ours(unsafe { m::mincore(x, 0, &mut v) });
    let b = theirs(unsafe { libc::mincore(x, 0, v.as_mut_ptr()) } != 0);
    t.same("mincore", "len 0", a, b);
    let a = ours(unsafe { m::mincore(x, 2 * p, &mut v[..1]) });
    t.differs(
        "mincore",
        "vector shorter than the page count",
        (a, Err(libc::EINVAL)),
        (Ok(()), Ok(())),
        "the crate refuses before the syscall, so the kernel never writes past the \
         slice; the C library takes a bare pointer and cannot know (not called)",
    );
    unsafe { m::munmap(x, p) }.unwrap();
}

/// Where qemu "succeeds" at mprotect/mremap of an unmapped range
/// (UNMAPPED_RANGE_OK_32, MREMAP_UNMAPPED_MAPS_32) it may show a page there:
/// unmapping the hole again keeps the leak check about this crate. Natively
/// there is nothing to unmap, which succeeds.
/// The modern calls' bad input, against the C library: its wrapper where
/// it has one (memfd_create, fcntl), else its `syscall()` with the number.
fn modern_cases(t: &mut Matrix) {
    use mmap_native::{Cachestat, CachestatRange, IoVec, MfdFlags, PkeyAccess, Seals};
    use syscalls::Sysno;
    let p = page();
    let sys = |nr: Sysno, a: [usize; 5]| -> Ans {
        // SAFETY: each case passes what its call reads: scalars, valid
        // structs, or addresses the kernel checks.
        theirs(unsafe { libc::syscall(nr as libc::c_long, a[0], a[1], a[2], a[3], a[4]) } < 0)
    };
    let f = TempFile::new(&vec![1u8; 2 * p]);
    let range = CachestatRange { off: 0, len: 0 };
    let mut cs = Cachestat::default();
    let (rp, cp) = (&range as *const _ as usize, &mut cs as *mut _ as usize);
    let mut one = |case: &str, fd: i32, flags: u32| {
        let a = ours(m::cachestat(fd, &range, &mut Cachestat::default(), flags));
        let b = sys(Sysno::cachestat, [fd as usize, rp, cp, flags as usize, 0]);
        t.same("cachestat", case, a, b);
    };
    one("a bad fd", -1, 0);
    one("a closed fd", 1000, 0);
    one("flags 1", f.fd(), 0x1);
    one("a regular file", f.fd(), 0);

    let x = anon(3 * p);
    let mut seal = |case: &str, addr: *mut c_void, len: usize, flags: usize| {
        let a = ours(unsafe { m::mseal(addr, len, flags) });
        let b = sys(Sysno::mseal, [addr as usize, len, flags, 0, 0]);
        t.same("mseal", case, a, b);
    };
    seal("unaligned address", x.wrapping_byte_add(1), p, 0);
    seal("flags 1", x, p, 1);
    seal("unmapped range", hole_addr(), p, 0);
    seal("length overflowing", x, usize::MAX - p, 0);
    unsafe { m::munmap(x, 3 * p) }.unwrap();
    // A sealed range, in children (sealed pages stay for the life of the
    // process): munmap of it answers EPERM for both.
    let sealed_munmap = |seal: fn(*mut c_void, usize) -> bool,
                         unmap: fn(*mut c_void, usize) -> Ans| {
        move || {
            let z = anon(p);
            if !seal(z, p) && !MODERN_CALLS_ENOSYS.applies() {
                return Err(-1);
            }
            unmap(z, p)
        }
    };
    let ours_seal: fn(*mut c_void, usize) -> bool = |z, n| unsafe { m::mseal(z, n, 0) }.is_ok();
    let libc_seal: fn(*mut c_void, usize) -> bool = |z, n| {
        // SAFETY: a page this child owns for the rest of its life.
        unsafe { libc::syscall(Sysno::mseal as libc::c_long, z, n, 0) == 0 }
    };
    let ours_unmap: fn(*mut c_void, usize) -> Ans = |z, n| ours(unsafe { m::munmap(z, n) });
    let libc_unmap: fn(*mut c_void, usize) -> Ans =
        |z, n| theirs(unsafe { libc::munmap(z, n) } != 0);
    t.in_children(
        "mseal",
        "munmap of a sealed page",
        sealed_munmap(ours_seal, ours_unmap),
        sealed_munmap(libc_seal, libc_unmap),
        Fate::Exited(MODERN_CALLS_ENOSYS.pick(libc::EPERM, 0)),
    );

    let long = std::ffi::CString::new(vec![b'n'; 250]).unwrap();
    let mut memfd = |case: &str, name: &std::ffi::CStr, flags: MfdFlags| {
        let a = m::memfd_create(name, flags);
        // SAFETY: a NUL-terminated name.
        let b = unsafe { libc::memfd_create(name.as_ptr(), flags.bits() as libc::c_uint) };
        for fd in [a.unwrap_or(-1), b] {
            if fd >= 0 {
                // SAFETY: a descriptor this case made.
                unsafe { libc::close(fd) };
            }
        }
        t.same("memfd_create", case, ours(a), theirs(b < 0));
    };
    memfd(
        "unknown flag 0x100",
        c"m",
        MfdFlags::from_bits_retain(0x100),
    );
    memfd("a 250-byte name", &long, MfdFlags::CLOEXEC);
    memfd(
        "NOEXEC_SEAL with EXEC",
        c"m",
        MfdFlags::NOEXEC_SEAL | MfdFlags::EXEC,
    );
    memfd("CLOEXEC", c"m", MfdFlags::CLOEXEC);

    let mut seals = |case: &str, fd: i32, add: Seals| {
        let a = ours(m::fcntl_add_seals(fd, add));
        // SAFETY: a plain fcntl.
        let b = theirs(unsafe { libc::fcntl(fd, libc::F_ADD_SEALS, add.bits()) } < 0);
        t.same("fcntl", case, a, b);
    };
    seals("F_ADD_SEALS on a regular file", f.fd(), Seals::WRITE);
    seals("F_ADD_SEALS on a bad fd", -1, Seals::WRITE);
    let fd = m::memfd_create(c"m", MfdFlags::CLOEXEC).unwrap();
    seals("F_ADD_SEALS without ALLOW_SEALING", fd, Seals::WRITE);
    // SAFETY: the descriptor made above.
    unsafe { libc::close(fd) };

    let y = anon(p);
    let iov = [IoVec { base: y, len: p }];
    let many = vec![IoVec { base: y, len: 1 }; 1025];
    let mut pm = |case: &str, pidfd: i32, iov: &[IoVec], adv: Advice, flags: u32| {
        let a = ours(unsafe { m::process_madvise(pidfd, iov, adv, flags) });
        let b = sys(
            Sysno::process_madvise,
            [
                pidfd as usize,
                iov.as_ptr() as usize,
                iov.len(),
                adv.raw() as usize,
                flags as usize,
            ],
        );
        t.same("process_madvise", case, a, b);
    };
    pm("a bad pidfd", -1, &iov, Advice::COLD, 0);
    pm("not a pidfd", f.fd(), &iov, Advice::COLD, 0);
    // SAFETY: pidfd_open of our own pid.
    let me = unsafe { libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0) } as i32;
    pm("flags 1", me, &iov, Advice::COLD, 1);
    pm("1025 ranges (over IOV_MAX)", me, &many, Advice::COLD, 0);
    pm("unknown advice 99", me, &iov, Advice::from_raw(99), 0);
    if me >= 0 {
        // SAFETY: the pidfd opened above.
        unsafe { libc::close(me) };
    }

    let mut pk = |case: &str, flags: u32, access: PkeyAccess| {
        let a = m::pkey_alloc(flags, access);
        let b = sys(
            Sysno::pkey_alloc,
            [flags as usize, access.bits() as usize, 0, 0, 0],
        );
        if let Ok(k) = a {
            // SAFETY: the key this case allocated, tagging nothing.
            let _ = unsafe { m::pkey_free(k) };
        }
        t.same("pkey_alloc", case, ours(a), b);
    };
    pk("flags 1", 1, PkeyAccess::empty());
    pk(
        "unknown access 0x100",
        0,
        PkeyAccess::from_bits_retain(0x100),
    );
    let a = ours(unsafe { m::pkey_free(15) });
    let b = sys(Sysno::pkey_free, [15, 0, 0, 0, 0]);
    t.same("pkey_free", "a key never allocated", a, b);
    let a = ours(unsafe { m::pkey_mprotect(y, p, Prot::READ, 15) });
    let b = sys(
        Sysno::pkey_mprotect,
        [y as usize, p, libc::PROT_READ as usize, 15, 0],
    );
    t.same("pkey_mprotect", "a key never allocated", a, b);
    let a = ours(unsafe { m::pkey_mprotect(y.wrapping_byte_add(1), p, Prot::READ, -1) });
    let b = sys(
        Sysno::pkey_mprotect,
        [
            y as usize + 1,
            p,
            libc::PROT_READ as usize,
            -1isize as usize,
            0,
        ],
    );
    t.same("pkey_mprotect", "unaligned address, default key", a, b);
    unsafe { m::munmap(y, p) }.unwrap();
}

fn clear_hole() {
    unsafe { m::munmap(hole_addr(), 4 * page()) }.unwrap();
}

fn hole_addr() -> *mut c_void {
    HOLE.with(|h| *h)
}

thread_local! {
    static HOLE: *mut c_void = hole();
}

fn main() {
    // Warm up the C library's own allocations (musl's opendir mallocs from
    // a brk heap it then keeps) before the baseline.
    let _ = (common::maps(), common::fds());
    let before = common::maps();
    let maps0 = before.len();
    let fds0 = common::fds();
    let mut t = Matrix {
        per_call: BTreeMap::new(),
        failures: vec![],
        on_purpose: vec![],
        log: vec![],
    };
    mmap_cases(&mut t);
    munmap_cases(&mut t);
    clear_hole();
    msync_cases(&mut t);
    clear_hole();
    madvise_cases(&mut t);
    clear_hole();
    mprotect_cases(&mut t);
    clear_hole();
    mremap_cases(&mut t);
    clear_hole();
    mlock_mincore_cases(&mut t);
    clear_hole();
    modern_cases(&mut t);
    clear_hole();
    let after = common::maps();
    let (maps1, fds1) = (after.len(), common::fds());

    // Every case, plus the two leak checks.
    let total: usize = t.per_call.values().sum();
    println!("error matrix, {}:", common::describe_run());
    for (call, n) in &t.per_call {
        println!("  {call:<9} {n} cases");
    }
    for l in &t.log {
        println!("  same answer: {l}");
    }
    for d in &t.on_purpose {
        println!("  differs on purpose: {d}");
    }
    println!("  /proc/self/maps lines {maps0} -> {maps1}, open fds {fds0} -> {fds1}");
    if maps1 != maps0 {
        let new: Vec<_> = after.iter().filter(|l| !before.contains(l)).collect();
        let gone: Vec<_> = before.iter().filter(|l| !after.contains(l)).collect();
        t.failures.push(format!(
            "mappings leaked: {maps0} -> {maps1} lines: new {new:#?} gone {gone:#?}"
        ));
    }
    if fds1 != fds0 {
        t.failures.push(format!("fds leaked: {fds0} -> {fds1}"));
    }
    for f in &t.failures {
        println!("  FAILED {f}");
    }
    let failed = t.failures.len();
    common::finish((total + 2).saturating_sub(failed), failed);
}
