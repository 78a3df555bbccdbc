//! The raw API: every call's success path with its effect observed, and bad
//! inputs with their exact errno.

mod common;
use common::{hole, maps_line, page, qemu, qemu32, TempFile};

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

#[test]
fn mremap_grow_keeps_contents() {
    let p = anon(page());
    unsafe { p.write_bytes(0x5a, page()) };
    let q: *mut u8 = unsafe {
        mremap(
            p.cast(),
            page(),
            4 * page(),
            MremapFlags::MAYMOVE,
            null_mut(),
        )
    }
    .unwrap()
    .cast();
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
    if qemu() {
        // qemu-user 7.2 does not emulate mlock2.
        assert_eq!(r, Err(Errno::ENOSYS));
    } else {
        r.unwrap();
        unsafe { munlock(p.cast(), len) }.unwrap();
    }
    unmap(p, len);
}

#[test]
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
    let both = MapFlags::SHARED | MapFlags::PRIVATE;
    let unknown = MapFlags::from_bits_retain(0x0200_0000);
    let r = e(page(), Prot::READ, both, f.fd(), 0);
    let r2 = e(page(), Prot::READ, both | unknown, f.fd(), 0);
    if qemu() {
        // qemu-user 7.2 does not know MAP_SHARED_VALIDATE: EINVAL for both.
        assert_eq!(r, Err(Errno::EINVAL));
        assert_eq!(r2, Err(Errno::EINVAL));
    } else {
        unsafe { munmap(r.unwrap(), page()) }.unwrap();
        assert_eq!(r2, Err(Errno::EOPNOTSUPP));
    }
}

#[test]
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
    if qemu32() {
        // qemu-user 7.2 on a 32-bit guest (qemu-arm) reserves the whole
        // guest address space on the host and passes the call on there: 0.
        assert_eq!(r, Ok(()), "unmapped (qemu-user, 32-bit guest)");
    } else {
        assert_eq!(r, Err(Errno::ENOMEM), "unmapped");
    }
}

#[test]
fn madvise_errors() {
    let p = anon(page());
    let unaligned = unsafe { madvise(p.add(1).cast(), page(), Advice::NORMAL) };
    assert_eq!(unaligned, Err(Errno::EINVAL));
    // 26 is past MADV_COLLAPSE and not yet a kernel advice. Never
    // MADV_HWPOISON or MADV_SOFT_OFFLINE: as root they really poison a page.
    let unknown = unsafe { madvise(p.cast(), page(), Advice::from_raw(26)) };
    if qemu() {
        // qemu-user 7.2 answers 0 to every advice it does not pass on.
        assert_eq!(unknown, Ok(()));
    } else {
        assert_eq!(unknown, Err(Errno::EINVAL));
    }
    unmap(p, page());
}

#[test]
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
    unmap(p, page());
    let r = unsafe { mprotect(hole(), page(), Prot::READ) };
    if qemu32() {
        // As for msync: qemu-arm 7.2 answers 0 for an unmapped range.
        assert_eq!(r, Ok(()), "unmapped (qemu-user, 32-bit guest)");
    } else {
        assert_eq!(r, Err(Errno::ENOMEM), "unmapped");
    }
}

#[test]
fn mremap_errors() {
    let p = anon(page());
    let r = unsafe { mremap(p.cast(), page(), 0, MremapFlags::MAYMOVE, null_mut()) };
    if qemu() {
        // qemu-user 7.2 looks for room for 0 bytes and answers ENOMEM where
        // the kernel rejects a new_len of 0 with EINVAL.
        assert_eq!(r, Err(Errno::ENOMEM), "new_len 0 (qemu-user)");
    } else {
        assert_eq!(r, Err(Errno::EINVAL), "new_len 0");
    }
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
}

#[test]
fn mlock2_and_mincore_errors() {
    let p = anon(page());
    let r = unsafe { mlock2(p.cast(), page(), MlockFlags::from_bits_retain(0x2)) };
    if qemu() {
        // qemu-user 7.2 does not emulate mlock2 at all.
        assert_eq!(r, Err(Errno::ENOSYS));
    } else {
        assert_eq!(r, Err(Errno::EINVAL), "unknown mlock2 flag");
    }
    let mut v = [0u8; 1];
    if qemu() {
        // qemu-user 7.2 first checks that the whole guest range is mapped and
        // answers ENOMEM when it is not, before the kernel sees the unaligned
        // address (EINVAL). Here the range runs one byte into a page known
        // to be unmapped (tests run one at a time under qemu/test).
        let q = anon(2 * page());
        unmap(unsafe { q.add(page()) }, page());
        let r = unsafe { mincore(q.add(1).cast(), page(), &mut v) };
        assert_eq!(r, Err(Errno::ENOMEM), "unaligned, into a hole (qemu-user)");
        unmap(q, page());
        // Inside the mapping the kernel's answer comes through.
        let r = unsafe { mincore(p.add(1).cast(), page() - 1, &mut v) };
        assert_eq!(r, Err(Errno::EINVAL), "unaligned (qemu-user)");
    } else {
        let r = unsafe { mincore(p.add(1).cast(), page(), &mut v) };
        assert_eq!(r, Err(Errno::EINVAL), "unaligned");
    }
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
    // The kernel answers EEXIST itself; qemu-user 7.2 takes the flag as a
    // hint and maps elsewhere, which mmap() turns into EEXIST too.
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
