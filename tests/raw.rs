//! The raw API: every call's success path with its effect observed, and bad
//! inputs with their exact errno.

mod common;
use common::quirks::*;
use common::{hole, in_child, maps_line, maps_lines_in, page, Fate, Pipe, TempFile};

use core::ptr::null_mut;
use mmap_native::*;

const RW: Prot = Prot::READ.union(Prot::WRITE);
const ANON: MapFlags = MapFlags::PRIVATE.union(MapFlags::ANONYMOUS);

fn anon(len: usize) -> *mut u8 {
    unsafe { mmap(null_mut(), len, RW, ANON, -1, 0) }
        .unwrap()
        .cast()
}

fn unmap(p: *mut u8, len: usize) {
    unsafe { munmap(p.cast(), len) }.unwrap();
}

/// An anonymous map that is unmapped when dropped.
struct Anon(*mut u8, usize);

impl Drop for Anon {
    fn drop(&mut self) {
        unmap(self.0, self.1);
    }
}

#[test]
fn mmap_anonymous_is_zeroed_and_writable() {
    let len = 3 * page();
    let p = anon(len);
    assert_eq!(p as usize % page(), 0);
    let s = unsafe { core::slice::from_raw_parts_mut(p, len) };
    assert!(s.iter().all(|&b| b == 0));
    s.fill(0xa5);
    assert!(s.iter().all(|&b| b == 0xa5));
    unmap(p, len);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "maps a file: under Miri only anonymous memory maps (ENOSYS)"
)]
fn seed_example_maps_cargo_toml() {
    // The Mmap::Native seed: map Cargo.toml read-only and shared, view the
    // first 50 bytes, find the crate's name in them.
    let f = std::fs::File::open(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let fd = std::os::unix::io::AsRawFd::as_raw_fd(&f);
    let p = unsafe { mmap(null_mut(), 50, Prot::READ, MapFlags::SHARED, fd, 0) }.unwrap();
    let head = unsafe { core::slice::from_raw_parts(p.cast::<u8>(), 50) };
    let text = core::str::from_utf8(head).unwrap();
    assert!(text.contains("name = \"mmap-native\""), "{text:?}");
    unsafe { munmap(p, 50) }.unwrap();
}

#[test]
#[cfg_attr(
    miri,
    ignore = "maps a file and calls msync: neither is emulated by Miri (ENOSYS)"
)]
fn shared_file_write_msync_then_read() {
    let len = 2 * page();
    let f = TempFile::new(&vec![b'.'; len]);
    let p = unsafe { mmap(null_mut(), len, RW, MapFlags::SHARED, f.fd(), 0) }.unwrap();
    let s = unsafe { core::slice::from_raw_parts_mut(p.cast::<u8>(), len) };
    s[..5].copy_from_slice(b"hello");
    s[page()..page() + 5].copy_from_slice(b"world");
    unsafe { msync(p, len, MsFlags::SYNC) }.unwrap();
    assert_eq!(f.pread(0, 5), b"hello");
    assert_eq!(f.pread(page() as u64, 5), b"world");
    unsafe { msync(p, len, MsFlags::ASYNC | MsFlags::INVALIDATE) }.unwrap();
    unsafe { munmap(p, len) }.unwrap();
}

#[test]
#[cfg_attr(
    miri,
    ignore = "maps a file: under Miri only anonymous memory maps (ENOSYS)"
)]
fn mmap_at_a_page_offset_reads_that_page() {
    let mut data = vec![0u8; 3 * page()];
    data[2 * page()..2 * page() + 4].copy_from_slice(b"pg#2");
    let f = TempFile::new(&data);
    let p = unsafe {
        mmap(
            null_mut(),
            page(),
            Prot::READ,
            MapFlags::PRIVATE,
            f.fd(),
            2 * page() as u64,
        )
    }
    .unwrap();
    assert_eq!(
        unsafe { core::slice::from_raw_parts(p.cast::<u8>(), 4) },
        b"pg#2"
    );
    unsafe { munmap(p, page()) }.unwrap();
}

#[test]
#[cfg_attr(
    miri,
    ignore = "mprotect (ENOSYS under Miri), and reads /proc/self/maps, which Miri's memory is not in"
)]
fn mprotect_read_only_shows_in_maps() {
    let len = page();
    let p = anon(len);
    assert!(maps_line(p as usize).unwrap().contains(" rw-p "));
    unsafe { mprotect(p.cast(), len, Prot::READ) }.unwrap();
    let line = maps_line(p as usize).unwrap();
    assert!(line.contains(" r--p "), "{line}");
    unsafe { mprotect(p.cast(), len, Prot::NONE) }.unwrap();
    let line = maps_line(p as usize).unwrap();
    assert!(line.contains(" ---p "), "{line}");
    unmap(p, len);
}

/// `/proc/self/maps` shows each protection of a mapping on a line of its
/// own, and one line again once the protections agree.
#[test]
#[cfg_attr(
    miri,
    ignore = "mprotect (ENOSYS under Miri), and reads /proc/self/maps, which Miri's memory is not in"
)]
fn maps_show_each_protection() {
    let p = page();
    let show = |m: *mut u8| -> Vec<String> {
        maps_lines_in(m as usize, 3 * p)
            .iter()
            .map(|l| l.split_whitespace().nth(1).unwrap().to_owned())
            .collect()
    };
    let x = anon(3 * p);
    unsafe { mprotect(x.cast(), 3 * p, Prot::READ) }.unwrap();
    unsafe { mprotect(x.add(p).cast(), p, Prot::READ | Prot::EXEC) }.unwrap();
    let kernel = vec!["r--p", "r-xp", "r--p"];
    assert_eq!(show(x), MAPS_EXEC_HIDDEN.pick(kernel, vec!["r--p"]));
    unmap(x, 3 * p);

    let y = anon(3 * p);
    unsafe { mprotect(y.add(p).cast(), p, Prot::READ) }.unwrap();
    assert_eq!(show(y), ["rw-p", "r--p", "rw-p"]);
    unsafe { mprotect(y.add(p).cast(), p, RW) }.unwrap();
    assert_eq!(show(y), MAPS_UNMERGED.pick(vec!["rw-p"], vec!["rw-p"; 3]));
    unmap(y, 3 * p);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "MAP_POPULATE and mincore: not emulated by Miri (ENOSYS)"
)]
fn mmap_populate_faults_the_pages_in() {
    let n = 4;
    let flags = ANON | MapFlags::POPULATE;
    let p = unsafe { mmap(null_mut(), n * page(), RW, flags, -1, 0) }.unwrap();
    let mut v = [0xffu8; 4];
    unsafe { mincore(p, n * page(), &mut v) }.unwrap();
    assert_eq!(v.map(|b| b & 1), POPULATE_IGNORED.pick([1; 4], [0; 4]));
    unsafe { munmap(p, n * page()) }.unwrap();
}

#[test]
#[cfg_attr(
    miri,
    ignore = "shrinks in place (mremap without MREMAP_MAYMOVE): Miri only reallocates (ENOSYS); tests/anon.rs grows and shrinks with MAYMOVE"
)]
fn mremap_grow_keeps_contents() {
    let grown = || {
        let p = anon(page());
        unsafe { p.write_bytes(0x5a, page()) };
        let q = unsafe {
            mremap(
                p.cast(),
                page(),
                4 * page(),
                MremapFlags::MAYMOVE,
                null_mut(),
            )
        };
        Anon(q.unwrap().cast(), 4 * page())
    };
    // The shrink below is in place: room for MREMAP_SHRINK_WIPES_NEXT.
    let (grown, _room) = common::room_to_shrink(3 * page(), grown, |a| a.0 as usize + a.1);
    let q = grown.0;
    core::mem::forget(grown);
    let s = unsafe { core::slice::from_raw_parts(q, 4 * page()) };
    assert!(s[..page()].iter().all(|&b| b == 0x5a));
    assert!(s[page()..].iter().all(|&b| b == 0));
    // Shrink in place: the tail goes away, the head stays.
    let r = unsafe {
        mremap(
            q.cast(),
            4 * page(),
            page(),
            MremapFlags::empty(),
            null_mut(),
        )
    }
    .unwrap();
    assert_eq!(r.cast::<u8>(), q);
    assert_eq!(unsafe { *q }, 0x5a);
    unmap(q, page());
}

#[test]
#[cfg_attr(miri, ignore = "madvise: not emulated by Miri (ENOSYS)")]
fn madvise_dontneed_zeroes_private_anonymous() {
    let len = 2 * page();
    let p = anon(len);
    unsafe { p.write_bytes(7, len) };
    unsafe { madvise(p.cast(), len, Advice::DONTNEED) }.unwrap();
    let s = unsafe { core::slice::from_raw_parts(p, len) };
    assert!(s.iter().all(|&b| b == 0));
    for a in [
        Advice::NORMAL,
        Advice::SEQUENTIAL,
        Advice::RANDOM,
        Advice::WILLNEED,
    ] {
        unsafe { madvise(p.cast(), len, a) }.unwrap();
    }
    unmap(p, len);
}

#[test]
#[cfg_attr(miri, ignore = "mincore: not emulated by Miri (ENOSYS)")]
fn mincore_counts_resident_pages() {
    let n = 8;
    let p = anon(n * page());
    for i in [0, 3, 5] {
        unsafe { p.add(i * page()).write(1) };
    }
    let mut vec = vec![0xffu8; n];
    unsafe { mincore(p.cast(), n * page(), &mut vec) }.unwrap();
    let resident: Vec<usize> = (0..n).filter(|&i| vec[i] & 1 == 1).collect();
    assert_eq!(resident, [0, 3, 5]);
    // A length that is not a page multiple still needs one byte per page,
    // rounded up.
    let mut short = [0u8; 2];
    unsafe { mincore(p.cast(), 2 * page() + 1, &mut short[..]) }.unwrap_err();
    let mut three = [0u8; 3];
    unsafe { mincore(p.cast(), 2 * page() + 1, &mut three) }.unwrap();
    assert_eq!(three[0] & 1, 1);
    unmap(p, n * page());
}

#[test]
#[cfg_attr(miri, ignore = "mlock: not emulated by Miri (ENOSYS)")]
fn mlock_munlock_and_mlock2() {
    let len = 2 * page();
    let p = anon(len);
    unsafe { mlock(p.cast(), len) }.unwrap();
    // mlock faults the pages in.
    let mut v = [0u8; 2];
    unsafe { mincore(p.cast(), len, &mut v) }.unwrap();
    assert_eq!(v, [1, 1]);
    unsafe { munlock(p.cast(), len) }.unwrap();
    let r = unsafe { mlock2(p.cast(), len, MlockFlags::ONFAULT) };
    assert_eq!(r, MLOCK2_ENOSYS.pick(Ok(()), Err(Errno::ENOSYS)));
    if r.is_ok() {
        unsafe { munlock(p.cast(), len) }.unwrap();
    }
    unmap(p, len);
}

#[test]
#[cfg_attr(miri, ignore = "mlockall: not emulated by Miri (ENOSYS)")]
fn mlockall_then_munlockall() {
    // MCL_ONFAULT keeps this cheap: nothing is faulted in by the call.
    unsafe { mlockall(MlockAllFlags::CURRENT | MlockAllFlags::ONFAULT) }.unwrap();
    unsafe { munlockall() }.unwrap();
    assert_eq!(
        unsafe { mlockall(MlockAllFlags::empty()) },
        Err(Errno::EINVAL)
    );
    assert_eq!(
        unsafe { mlockall(MlockAllFlags::from_bits_retain(0x100)) },
        Err(Errno::EINVAL)
    );
}

// --- bad inputs, exact errno ---

#[test]
#[cfg_attr(
    miri,
    ignore = "the kernel's errors for files and flags Miri does not emulate (ENOSYS there)"
)]
fn mmap_errors() {
    let f = TempFile::new(&vec![1u8; page()]);
    let e = |len, prot, flags, fd, off| unsafe { mmap(null_mut(), len, prot, flags, fd, off) };
    assert_eq!(e(0, RW, ANON, -1, 0), Err(Errno::EINVAL), "len 0");
    assert_eq!(
        e(page(), Prot::READ, MapFlags::PRIVATE, f.fd(), 1),
        Err(Errno::EINVAL),
        "offset"
    );
    assert_eq!(
        e(page(), Prot::READ, MapFlags::PRIVATE, 999_999, 0),
        Err(Errno::EBADF),
        "bad fd"
    );
    assert_eq!(
        e(page(), Prot::READ, MapFlags::PRIVATE, -1, 0),
        Err(Errno::EBADF),
        "fd -1"
    );
    let neither = MapFlags::ANONYMOUS;
    assert_eq!(
        e(page(), RW, neither, -1, 0),
        Err(Errno::EINVAL),
        "neither SHARED nor PRIVATE"
    );
    assert_eq!(
        e(usize::MAX - page() + 2, RW, ANON, -1, 0),
        Err(Errno::ENOMEM),
        "len near max"
    );
    // MAP_SHARED | MAP_PRIVATE is MAP_SHARED_VALIDATE (3) since Linux 4.15:
    // the kernel validates the other flags and maps; with an unknown flag it
    // answers EOPNOTSUPP.
    // MAP_SYNC needs a DAX file, which a temp file is not: EOPNOTSUPP too.
    let both = MapFlags::SHARED | MapFlags::PRIVATE;
    let unknown = MapFlags::from_bits_retain(0x0200_0000);
    let r = e(page(), Prot::READ, both, f.fd(), 0).map(|p| unsafe { munmap(p, page()) }.unwrap());
    let r2 = e(page(), Prot::READ, both | unknown, f.fd(), 0);
    let r3 = e(page(), Prot::READ, both | MapFlags::SYNC, f.fd(), 0);
    let q = &SHARED_VALIDATE_EINVAL;
    assert_eq!(r, q.pick(Ok(()), Err(Errno::EINVAL)), "SHARED_VALIDATE");
    assert_eq!(
        r2,
        q.pick(Err(Errno::EOPNOTSUPP), Err(Errno::EINVAL)),
        "+ unknown flag"
    );
    assert_eq!(
        r3,
        q.pick(Err(Errno::EOPNOTSUPP), Err(Errno::EINVAL)),
        "+ MAP_SYNC"
    );
}

/// MAP_HUGETLB with a huge page size no machine has (2^63), after each map
/// and unmap of a sequence that moves where the next map goes: the kernel
/// answers EINVAL every time. Asked in a child, which says what it saw in
/// its exit status: 1 EINVAL, 2 ENOMEM, 4 anything else, 8 a page readable
/// before the sequence is not any more.
#[test]
#[cfg_attr(
    miri,
    ignore = "MAP_HUGETLB (ENOSYS under Miri) in a forked child: Miri cannot fork"
)]
fn mmap_hugetlb_of_a_size_no_machine_has() {
    let p = page();
    let fate = in_child(|| {
        let readable_before: Vec<(usize, usize)> = common::maps()
            .iter()
            .filter(|l| {
                let mut w = l.split_whitespace();
                let perms = w.nth(1).unwrap();
                // Not the kernel's [vvar] pages, which no write() reads.
                perms.starts_with('r') && !w.nth(3).is_some_and(|n| n.starts_with("[v"))
            })
            .map(|l| common::maps_range(l))
            .collect();
        let mut seen = 0;
        let huge = ANON | MapFlags::HUGETLB | MapFlags::huge_page_size(63);
        for i in 0..3000 {
            let len = 1 + i * 7919 % (3 * p);
            let x = unsafe { mmap(null_mut(), len, RW, ANON, -1, 0) }.unwrap();
            if i % 3 != 0 {
                unsafe { munmap(x, len) }.unwrap();
            }
            seen |= match unsafe { mmap(null_mut(), p, RW, huge, -1, 0) } {
                Err(Errno::EINVAL) => 1,
                Err(Errno::ENOMEM) => 2,
                _ => 4,
            };
        }
        // Each page written into a pipe and read back: system calls only,
        // no C library data (which a wipe may have taken) is touched.
        use syscalls::{syscall, Sysno};
        let mut fds = [0i32; 2];
        unsafe { syscall!(Sysno::pipe2, fds.as_mut_ptr(), 0) }.unwrap();
        let mut byte = 0u8;
        for &(a, b) in &readable_before {
            for at in (a..b).step_by(p) {
                if unsafe { syscall!(Sysno::write, fds[1], at, 1) }.is_err() {
                    seen |= 8;
                } else {
                    unsafe { syscall!(Sysno::read, fds[0], &mut byte as *mut u8, 1) }.unwrap();
                }
            }
        }
        seen
    });
    if HUGETLB_FAILURE_WIPES_32.applies() {
        // The memory gone is the child's own: it faults on it, or the
        // probe finds it unreadable.
        // Whether the memory a failed map takes is memory the child uses
        // depends on where qemu put it: the child faults on it (SIGSEGV),
        // finds pages unreadable (8), or does not touch it. Every answer is
        // still EINVAL (1) or ENOMEM (2), and EINVAL always comes.
        let ok = matches!(
            fate,
            Fate::Killed(libc::SIGSEGV) | Fate::Exited(1 | 3 | 9 | 11)
        );
        assert!(ok, "{fate:?}");
        return;
    }
    let want = if HUGETLB_BAD_SIZE_ENOMEM.applies() {
        2
    } else {
        HUGETLB_BAD_SIZE_SOMETIMES_ENOMEM.pick(1, 1 | 2)
    };
    assert_eq!(fate, Fate::Exited(want));
}

#[test]
#[cfg_attr(
    miri,
    ignore = "munmap of an unmapped range: Miri's munmap frees its own allocations and reports any other range as undefined behaviour"
)]
fn munmap_errors() {
    let p = anon(page());
    assert_eq!(
        unsafe { munmap(p.add(1).cast(), page()) },
        Err(Errno::EINVAL),
        "unaligned"
    );
    assert_eq!(unsafe { munmap(p.cast(), 0) }, Err(Errno::EINVAL), "len 0");
    unmap(p, page());
    // Unmapping where nothing is mapped is not an error.
    assert_eq!(unsafe { munmap(hole(), page()) }, Ok(()));
}

#[test]
#[cfg_attr(miri, ignore = "msync: not emulated by Miri (ENOSYS)")]
fn msync_errors() {
    let p = anon(page());
    let both = MsFlags::SYNC | MsFlags::ASYNC;
    assert_eq!(
        unsafe { msync(p.cast(), page(), both) },
        Err(Errno::EINVAL),
        "SYNC|ASYNC"
    );
    assert_eq!(
        unsafe { msync(p.add(1).cast(), page(), MsFlags::SYNC) },
        Err(Errno::EINVAL)
    );
    unmap(p, page());
    let r = unsafe { msync(hole(), page(), MsFlags::SYNC) };
    assert_eq!(
        r,
        UNMAPPED_RANGE_OK_32.pick(Err(Errno::ENOMEM), Ok(())),
        "unmapped"
    );
}

#[test]
#[cfg_attr(miri, ignore = "madvise: not emulated by Miri (ENOSYS)")]
fn madvise_errors() {
    let p = anon(page());
    let unaligned = unsafe { madvise(p.add(1).cast(), page(), Advice::NORMAL) };
    assert_eq!(unaligned, Err(Errno::EINVAL));
    // 26 is past MADV_COLLAPSE and not yet a kernel advice. Never
    // MADV_HWPOISON or MADV_SOFT_OFFLINE: as root they really poison a page.
    let unknown = unsafe { madvise(p.cast(), page(), Advice::from_raw(26)) };
    let q = &MADVISE_UNCHECKED;
    assert_eq!(
        unknown,
        q.pick(Err(Errno::EINVAL), Ok(())),
        "unknown advice"
    );
    // MADV_REMOVE punches a hole in a shared file; private anonymous
    // memory has none.
    let remove = unsafe { madvise(p.cast(), page(), Advice::REMOVE) };
    assert_eq!(remove, q.pick(Err(Errno::EINVAL), Ok(())), "REMOVE");
    unmap(p, page());
    let unmapped = unsafe { madvise(hole(), page(), Advice::NORMAL) };
    assert_eq!(unmapped, q.pick(Err(Errno::ENOMEM), Ok(())), "unmapped");
}

#[test]
#[cfg_attr(
    miri,
    ignore = "madvise (ENOSYS under Miri) and a forked child: Miri cannot fork"
)]
fn madvise_wipeonfork_and_guard_install() {
    let w = anon(page());
    unsafe { w.write(7) };
    unsafe { madvise(w.cast(), page(), Advice::WIPEONFORK) }.unwrap();
    // SAFETY (the child): a read of our own mapping.
    let child = in_child(|| i32::from(unsafe { w.read_volatile() }));
    assert_eq!(child, Fate::Exited(WIPEONFORK_IGNORED.pick(0, 7)));
    assert_eq!(unsafe { w.read() }, 7, "the parent keeps its bytes");
    unmap(w, page());

    let g = anon(page());
    unsafe { g.write(1) };
    let r = unsafe { madvise(g.cast(), page(), Advice::GUARD_INSTALL) };
    let readable = Pipe::new().read(g.cast(), page()).is_some();
    let kernel = if common::kernel_version() >= (6, 13) {
        (Ok(()), false)
    } else {
        (Err(Errno::EINVAL), true)
    };
    assert_eq!(
        (r, readable),
        GUARD_INSTALL_IGNORED.pick(kernel, (Ok(()), true))
    );
    unmap(g, page());
}

#[test]
#[cfg_attr(miri, ignore = "mprotect: not emulated by Miri (ENOSYS)")]
fn mprotect_errors() {
    let p = anon(page());
    assert_eq!(
        unsafe { mprotect(p.add(1).cast(), page(), Prot::READ) },
        Err(Errno::EINVAL)
    );
    let bad = Prot::from_bits_retain(0x40);
    assert_eq!(
        unsafe { mprotect(p.cast(), page(), bad) },
        Err(Errno::EINVAL),
        "unknown bit"
    );
    let r = unsafe { mprotect(p.cast(), 0, Prot::READ) };
    assert_eq!(
        r,
        MPROTECT_LEN0_ENOMEM.pick(Ok(()), Err(Errno::ENOMEM)),
        "len 0"
    );
    unmap(p, page());
    let r = unsafe { mprotect(hole(), page(), Prot::READ) };
    assert_eq!(
        r,
        UNMAPPED_RANGE_OK_32.pick(Err(Errno::ENOMEM), Ok(())),
        "unmapped"
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "mremap's errors in a forked child, in place and on unmapped ranges: Miri cannot fork, and emulates only MREMAP_MAYMOVE of its own allocations"
)]
fn mremap_errors() {
    let p = anon(page());
    // Asked in a child: where qemu aborts on it, only the child dies.
    let new_len_0 = in_child(|| {
        common::exit_code(unsafe { mremap(p.cast(), page(), 0, MremapFlags::MAYMOVE, null_mut()) })
    });
    let answer = MREMAP_NEW_LEN0_ENOMEM.pick(Errno::EINVAL, Errno::ENOMEM);
    let want =
        MREMAP_NEW_LEN0_ABORTS.pick(Fate::Exited(answer.into_raw()), Fate::Killed(libc::SIGABRT));
    assert_eq!(new_len_0, want, "new_len 0");
    let r = unsafe { mremap(p.cast(), 0, page(), MremapFlags::MAYMOVE, null_mut()) };
    let want = MREMAP_OLD_LEN0_ENOMEM.pick(Errno::EINVAL, Errno::ENOMEM);
    assert_eq!(r, Err(want), "old_len 0, private");
    let r = unsafe {
        mremap(
            p.add(1).cast(),
            page(),
            page(),
            MremapFlags::empty(),
            null_mut(),
        )
    };
    assert_eq!(r, Err(Errno::EINVAL), "unaligned");
    let r = unsafe { mremap(p.cast(), page(), page(), MremapFlags::FIXED, null_mut()) };
    assert_eq!(r, Err(Errno::EINVAL), "FIXED without MAYMOVE");
    unmap(p, page());
    let h = hole();
    let r = unsafe { mremap(h, page(), 2 * page(), MremapFlags::MAYMOVE, null_mut()) };
    if let Ok(new) = r {
        unsafe { munmap(new, 2 * page()) }.unwrap();
        unsafe { munmap(h, page()) }.unwrap();
    }
    let want = MREMAP_UNMAPPED_MAPS_32.pick(Err(Errno::EFAULT), Ok(()));
    assert_eq!(r.map(drop), want, "unmapped old range");
}

/// Shrinking a mapping in place unmaps its tail and nothing after it. The
/// pages after it here are a mapping of their own (another protection).
#[test]
#[cfg_attr(
    miri,
    ignore = "mprotect and an in-place mremap: not emulated by Miri (ENOSYS)"
)]
fn mremap_shrink_leaves_the_next_mapping() {
    let p = page();
    let m = anon(8 * p);
    unsafe { m.write_bytes(5, 8 * p) };
    let next = unsafe { m.add(4 * p) };
    unsafe { mprotect(next.cast(), 4 * p, Prot::READ) }.unwrap();
    let r = unsafe { mremap(m.cast(), 4 * p, p, MremapFlags::empty(), null_mut()) };
    assert_eq!(r, Ok(m.cast()));
    let pipe = Pipe::new();
    let survivors: Vec<bool> = (0..4)
        .map(|i| pipe.read(unsafe { next.add(i * p) }.cast(), p) == Some(vec![5; p]))
        .collect();
    assert_eq!(pipe.read(m.cast(), p), Some(vec![5; p]), "the head");
    let wiped = [false, false, false, true];
    assert_eq!(survivors, MREMAP_SHRINK_WIPES_NEXT.pick([true; 4], wiped));
    // Not the 3 pages between: another test thread may have mapped there.
    unmap(m, p);
    unmap(next, 4 * p);

    // With MREMAP_MAYMOVE the same shrink keeps the next mapping under
    // qemu too: it moves the head (as MAYMOVE lets it) and re-reserves the
    // old place, not what follows.
    let m = anon(8 * p);
    unsafe { m.write_bytes(6, 8 * p) };
    let next = unsafe { m.add(4 * p) };
    unsafe { mprotect(next.cast(), 4 * p, Prot::READ) }.unwrap();
    let r = unsafe { mremap(m.cast(), 4 * p, p, MremapFlags::MAYMOVE, null_mut()) };
    let head: *mut u8 = r.unwrap().cast();
    assert_eq!(pipe.read(head.cast(), p), Some(vec![6; p]), "the head");
    for i in 0..4 {
        let page = unsafe { next.add(i * p) }.cast();
        assert_eq!(pipe.read(page, p), Some(vec![6; p]), "page {i} after");
    }
    unmap(head, p);
    unmap(next, 4 * p);
}

#[test]
#[cfg_attr(miri, ignore = "mlock2 and mincore: not emulated by Miri (ENOSYS)")]
fn mlock2_and_mincore_errors() {
    let p = anon(page());
    let r = unsafe { mlock2(p.cast(), page(), MlockFlags::from_bits_retain(0x2)) };
    let want = MLOCK2_ENOSYS.pick(Errno::EINVAL, Errno::ENOSYS);
    assert_eq!(r, Err(want), "unknown mlock2 flag");
    let mut v = [0u8; 1];
    // Unaligned, inside the mapping: the kernel's EINVAL everywhere.
    let r = unsafe { mincore(p.add(1).cast(), page() - 1, &mut v) };
    assert_eq!(r, Err(Errno::EINVAL), "unaligned");
    // Unaligned, running one byte into an unmapped page: qemu checks the
    // range first. (Another test thread may map that page meanwhile; the
    // kernel answers EINVAL all the same.)
    let q = anon(2 * page());
    unmap(unsafe { q.add(page()) }, page());
    let r = unsafe { mincore(q.add(1).cast(), page(), &mut v) };
    let want = MINCORE_CHECKS_RANGE_FIRST.pick(Errno::EINVAL, Errno::ENOMEM);
    assert_eq!(r, Err(want), "unaligned, into a hole");
    unmap(q, page());
    // Too short a vector: refused before the syscall.
    let mut empty: [u8; 0] = [];
    assert_eq!(
        unsafe { mincore(p.cast(), page(), &mut empty) },
        Err(Errno::EINVAL)
    );
    unmap(p, page());
    assert_eq!(
        unsafe { mincore(hole(), page(), &mut v) },
        Err(Errno::ENOMEM),
        "unmapped"
    );
}

#[test]
fn errno_names_and_messages_without_std() {
    let e = unsafe { munmap(null_mut(), 0) }.unwrap_err();
    assert_eq!(e, Errno::EINVAL);
    assert_eq!(e.name(), Some("EINVAL"));
    assert_eq!(e.description(), Some("Invalid argument"));
}

#[test]
#[cfg_attr(miri, ignore = "MAP_FIXED_NOREPLACE: not emulated by Miri (ENOSYS)")]
fn fixed_noreplace_over_a_mapping_is_eexist() {
    let p = anon(2 * page());
    let r = unsafe {
        mmap(
            p.cast(),
            page(),
            RW,
            ANON | MapFlags::FIXED_NOREPLACE,
            -1,
            0,
        )
    };
    // The kernel answers EEXIST itself; where qemu takes the flag as a hint
    // and maps elsewhere, mmap() unmaps that and answers EEXIST too: the
    // crate's answer is the same whether FIXED_NOREPLACE_IS_A_HINT applies
    // or not (the error matrix shows the C library's differing one).
    assert_eq!(r, Err(Errno::EEXIST));
    // Where nothing is mapped, it maps exactly there.
    unmap(p, 2 * page());
    // Not hole() itself: other tests expect that page to stay unmapped.
    let h = hole().wrapping_byte_add(4 * page());
    assert!(maps_line(h as usize).is_none());
    let q = unsafe { mmap(h, page(), RW, ANON | MapFlags::FIXED_NOREPLACE, -1, 0) }.unwrap();
    assert_eq!(q, h);
    unsafe { munmap(q, page()) }.unwrap();
}
