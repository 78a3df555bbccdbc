//! The modern calls (`src/modern.rs`) for their effect, observed: cachestat
//! against mincore, dirty and evicted pages; mseal's EPERM for everything
//! that would change a sealed range (in a forked child, which may keep its
//! sealed pages); memfd_create's shared maps and seals; memfd_secret's
//! pages; process_madvise on this process; the pkey calls as far as the
//! CPU has protection keys. Where qemu-user does not know a call
//! (`MODERN_CALLS_ENOSYS`), the test asserts the clean `ENOSYS` and that
//! nothing was left behind.

mod common;
use common::quirks::MODERN_CALLS_ENOSYS;
use common::{in_child, page, Fate, TempFile};

use core::ptr::null_mut;
use mmap_native::*;
use std::os::fd::AsRawFd;

const RW: Prot = Prot::READ.union(Prot::WRITE);

fn anon(len: usize) -> *mut u8 {
    let flags = MapFlags::PRIVATE | MapFlags::ANONYMOUS;
    unsafe { mmap(null_mut(), len, RW, flags, -1, 0) }
        .unwrap()
        .cast()
}

fn close(fd: i32) {
    // SAFETY: our own descriptor, used nowhere after.
    assert_eq!(unsafe { libc::close(fd) }, 0);
}

/// mincore's count of the resident pages of `len` bytes of `fd`.
fn mincore_count(fd: i32, len: usize) -> u64 {
    let p = unsafe { mmap(null_mut(), len, Prot::READ, MapFlags::SHARED, fd, 0) }.unwrap();
    let mut vec = vec![0u8; len.div_ceil(page())];
    unsafe { mincore(p, len, &mut vec) }.unwrap();
    unsafe { munmap(p, len) }.unwrap();
    vec.iter().filter(|&&b| b & 1 != 0).count() as u64
}

fn stat(fd: i32, off: u64, len: u64) -> Result<Cachestat> {
    let mut c = Cachestat::default();
    cachestat(fd, &CachestatRange { off, len }, &mut c, 0).map(|()| c)
}

#[test]
#[cfg_attr(miri, ignore = "cachestat: not emulated by Miri (ENOSYS)")]
fn cachestat_counts_what_mincore_sees_and_dirty_pages() {
    let p = page();
    let f = TempFile::new(&common::pattern(16 * p));
    let fd = f.fd();
    if MODERN_CALLS_ENOSYS.applies() {
        assert_eq!(stat(fd, 0, 0), Err(Errno::ENOSYS));
        return;
    }
    // SAFETY: a plain fsync and fadvise of our own file.
    unsafe { libc::fsync(fd) };
    unsafe { libc::posix_fadvise(fd, 0, 0, libc::POSIX_FADV_DONTNEED) };
    f.pread(3 * p as u64, 2 * p);
    // Reclaim may take pages between the counts: cachestat's lies between
    // mincore's before and after, and is equal when nothing changed.
    let mut seen = Vec::new();
    for _ in 0..5 {
        let before = mincore_count(fd, 16 * p);
        let c = stat(fd, 0, 0).unwrap();
        let after = mincore_count(fd, 16 * p);
        seen.push((before, c.nr_cache, after));
        if before.min(after) <= c.nr_cache && c.nr_cache <= before.max(after) {
            // A range: only its pages.
            let part = stat(fd, 0, 3 * p as u64).unwrap();
            assert!(part.nr_cache <= c.nr_cache.min(3), "{part:?} of {c:?}");
            // Past the end of the file: nothing.
            assert_eq!(stat(fd, 64 * p as u64, 0).unwrap(), Cachestat::default());
            break;
        }
    }
    let &(b, c, a) = seen.last().unwrap();
    assert!(
        b.min(a) <= c && c <= b.max(a),
        "mincore, cachestat, mincore: {seen:?}"
    );

    // Written through a shared map, before msync: dirty. Write-back may
    // clean them at any time; written again, they are dirty again.
    let m = unsafe { mmap(null_mut(), 4 * p, RW, MapFlags::SHARED, fd, 0) }.unwrap();
    let mut dirty = 0;
    for round in 0..5u8 {
        unsafe { m.cast::<u8>().write_bytes(round + 1, 4 * p) };
        dirty = stat(fd, 0, 4 * p as u64).unwrap().nr_dirty;
        if dirty > 0 {
            break;
        }
    }
    assert!(
        dirty > 0,
        "no dirty page counted after writes through a shared map"
    );
    unsafe { msync(m, 4 * p, MsFlags::SYNC) }.unwrap();
    let c = stat(fd, 0, 4 * p as u64).unwrap();
    assert_eq!((c.nr_dirty, c.nr_writeback), (0, 0), "after msync(MS_SYNC)");

    // MADV_PAGEOUT reclaims the clean pages the map has in, and the kernel
    // remembers them (shadow entries): counted as evicted. fadvise
    // DONTNEED leaves no such record (measured), so PAGEOUT it is.
    let mut evicted = 0;
    for _ in 0..5 {
        let _ = unsafe { std::ptr::read_volatile(m.cast::<u8>()) };
        unsafe { madvise(m, 4 * p, Advice::PAGEOUT) }.unwrap();
        evicted = stat(fd, 0, 4 * p as u64).unwrap().nr_evicted;
        if evicted > 0 {
            break;
        }
    }
    assert!(evicted > 0, "MADV_PAGEOUT left no evicted page");
    unsafe { munmap(m, 4 * p) }.unwrap();
}

#[test]
#[cfg_attr(miri, ignore = "forks a child: not emulated by Miri")]
fn mseal_refuses_every_change_with_eperm() {
    let p = page();
    let pipe = common::Pipe::new();
    // Sealed pages stay for the life of the process: the child's, which
    // makes system calls only.
    let fate = in_child(|| {
        let x = anon(4 * p);
        unsafe { x.write_bytes(7, 4 * p) };
        let sealed = unsafe { x.add(p) };
        let r = unsafe { mseal(sealed.cast(), 2 * p, 0) };
        if MODERN_CALLS_ENOSYS.applies() {
            // The range must be as it was: munmap works.
            let ok = r == Err(Errno::ENOSYS) && unsafe { munmap(x.cast(), 4 * p) }.is_ok();
            return if ok {
                0
            } else {
                30 + r.err().map_or(0, |e| e.into_raw())
            };
        }
        if r != Ok(()) {
            return 2;
        }
        let s = sealed.cast();
        let eperm = Err(Errno::EPERM);
        let flags = MapFlags::PRIVATE | MapFlags::ANONYMOUS | MapFlags::FIXED;
        let checks = [
            unsafe { munmap(s, p) }.map(drop),
            unsafe { mprotect(s, p, Prot::READ) }.map(drop),
            unsafe { mremap(s, p, 2 * p, MremapFlags::MAYMOVE, null_mut()) }.map(drop),
            unsafe { mremap(s, 2 * p, p, MremapFlags::empty(), null_mut()) }.map(drop),
            unsafe { mmap(s, p, RW, flags, -1, 0) }.map(drop),
        ];
        for (i, c) in checks.iter().enumerate() {
            if *c != eperm {
                return 10 + i as i32;
            }
        }
        // Still mapped, still the bytes.
        if unsafe { sealed.read() } != 7 || unsafe { sealed.add(2 * p - 1).read() } != 7 {
            return 20;
        }
        // An mprotect starting before the seal changes the pages before
        // it, then answers EPERM (measured; documented at mseal).
        if unsafe { mprotect(x.cast(), 2 * p, Prot::READ) } != eperm {
            return 21;
        }
        // The page before the seal is read-only now: a write to it faults.
        if pipe.write(x.cast(), 1) {
            return 22;
        }
        // Unsealed pages around it still go.
        if unsafe { munmap(sealed.add(2 * p).cast(), p) }.is_err() {
            return 23;
        }
        // Bad input: unaligned, flags, unmapped.
        if unsafe { mseal(s.wrapping_byte_add(1), p, 0) } != Err(Errno::EINVAL)
            || unsafe { mseal(s, p, 1) } != Err(Errno::EINVAL)
            || unsafe { mseal(sealed.add(2 * p).cast(), p, 0) } != Err(Errno::ENOMEM)
        {
            return 24;
        }
        0
    });
    assert_eq!(fate, Fate::Exited(0));
}

#[test]
#[cfg_attr(miri, ignore = "memfd_create: not emulated by Miri (ENOSYS)")]
fn memfd_maps_share_writes_and_seals_refuse_writable_maps() {
    let p = page();
    let maps0 = common::maps_lines();
    let fd = memfd_create(
        c"mmap-native-test",
        MfdFlags::CLOEXEC | MfdFlags::ALLOW_SEALING,
    )
    .unwrap();
    ftruncate(fd, 2 * p as u64).unwrap();
    let a = unsafe { mmap(null_mut(), 2 * p, RW, MapFlags::SHARED, fd, 0) }.unwrap();
    let b = unsafe { mmap(null_mut(), 2 * p, RW, MapFlags::SHARED, fd, 0) }.unwrap();
    unsafe { a.cast::<u8>().add(p + 5).write(42) };
    unsafe { b.cast::<u8>().write(9) };
    assert_eq!(unsafe { b.cast::<u8>().add(p + 5).read() }, 42);
    assert_eq!(unsafe { a.cast::<u8>().read() }, 9);
    // F_SEAL_WRITE while writable shared maps exist: EBUSY.
    assert_eq!(fcntl_add_seals(fd, Seals::WRITE), Err(Errno::EBUSY));
    unsafe { munmap(a, 2 * p) }.unwrap();
    unsafe { munmap(b, 2 * p) }.unwrap();
    fcntl_add_seals(fd, Seals::WRITE | Seals::SHRINK).unwrap();
    assert_eq!(fcntl_get_seals(fd), Ok(Seals::WRITE | Seals::SHRINK));
    // A new writable shared map: EPERM; read-only: fine, the bytes kept.
    let r = unsafe { mmap(null_mut(), p, RW, MapFlags::SHARED, fd, 0) };
    assert_eq!(r, Err(Errno::EPERM));
    let ro = unsafe { mmap(null_mut(), 2 * p, Prot::READ, MapFlags::SHARED, fd, 0) }.unwrap();
    assert_eq!(unsafe { ro.cast::<u8>().add(p + 5).read() }, 42);
    unsafe { munmap(ro, 2 * p) }.unwrap();
    assert_eq!(
        ftruncate(fd, p as u64),
        Err(Errno::EPERM),
        "sealed against shrinking"
    );
    ftruncate(fd, 3 * p as u64).unwrap();
    close(fd);
    // Without ALLOW_SEALING every seal is EPERM; a regular file has none.
    let fd = memfd_create(c"unsealable", MfdFlags::CLOEXEC).unwrap();
    assert_eq!(fcntl_get_seals(fd), Ok(Seals::SEAL));
    assert_eq!(fcntl_add_seals(fd, Seals::WRITE), Err(Errno::EPERM));
    close(fd);
    let f = TempFile::new(b"x");
    assert!(matches!(fcntl_get_seals(f.fd()), Err(Errno::EINVAL)));
    assert_eq!(common::maps_lines(), maps0);
}

#[test]
#[cfg_attr(miri, ignore = "memfd_secret: not emulated by Miri (ENOSYS)")]
fn memfd_secret_pages_read_and_write() {
    let r = memfd_secret(libc::O_CLOEXEC as u32);
    if MODERN_CALLS_ENOSYS.applies() || cfg!(any(target_arch = "arm", target_arch = "powerpc64")) {
        // qemu-user does not know it; arm and powerpc64 kernels have no
        // such call, and the crate answers for them without one.
        assert_eq!(r, Err(Errno::ENOSYS));
        return;
    }
    let fd = r.unwrap();
    let p = page();
    ftruncate(fd, p as u64).unwrap();
    let m = unsafe { mmap(null_mut(), p, RW, MapFlags::SHARED, fd, 0) }.unwrap();
    unsafe { m.cast::<u8>().add(p - 1).write(0x5e) };
    assert_eq!(unsafe { m.cast::<u8>().add(p - 1).read() }, 0x5e);
    unsafe { munmap(m, p) }.unwrap();
    close(fd);
    assert_eq!(memfd_secret(0x1234), Err(Errno::EINVAL));
}

#[test]
#[cfg_attr(miri, ignore = "process_madvise: not emulated by Miri (ENOSYS)")]
fn process_madvise_on_this_process() {
    let p = page();
    // SAFETY: pidfd_open of our own pid.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0) } as i32;
    assert!(
        pidfd >= 0,
        "pidfd_open: {}",
        std::io::Error::last_os_error()
    );
    let x = anon(4 * p);
    unsafe { x.write_bytes(1, 4 * p) };
    let iov = [
        IoVec {
            base: x.cast(),
            len: p,
        },
        IoVec {
            base: unsafe { x.add(2 * p) }.cast(),
            len: 2 * p,
        },
    ];
    for advice in [Advice::COLD, Advice::PAGEOUT] {
        let r = unsafe { process_madvise(pidfd, &iov, advice, 0) };
        assert_eq!(r, MODERN_CALLS_ENOSYS.pick(Ok(3 * p), Err(Errno::ENOSYS)));
    }
    // The contents stay (COLD and PAGEOUT keep them).
    assert!(unsafe { core::slice::from_raw_parts(x, 4 * p) }
        .iter()
        .all(|&b| b == 1));
    let bad = unsafe { process_madvise(pidfd, &iov, Advice::COLD, 1) };
    assert_eq!(
        bad,
        MODERN_CALLS_ENOSYS.pick(Err(Errno::EINVAL), Err(Errno::ENOSYS))
    );
    close(pidfd);
    unsafe { munmap(x.cast(), 4 * p) }.unwrap();
}

#[test]
#[cfg_attr(miri, ignore = "the pkey calls: not emulated by Miri (ENOSYS)")]
fn pkeys_where_the_cpu_has_them() {
    let p = page();
    // A CPU without protection keys: EINVAL for the process's first
    // pkey_alloc, ENOSPC after (measured); with them, a key.
    let fate = in_child(|| {
        let r = pkey_alloc(0, PkeyAccess::empty());
        if MODERN_CALLS_ENOSYS.applies() {
            return if r == Err(Errno::ENOSYS) { 0 } else { 1 };
        }
        match r {
            Err(Errno::EINVAL) | Err(Errno::ENOSPC) => {
                let again = pkey_alloc(0, PkeyAccess::empty());
                if again != Err(Errno::ENOSPC) {
                    return 2;
                }
                100
            }
            Ok(key) => {
                let x = anon(p);
                if unsafe { pkey_mprotect(x.cast(), p, RW, key) }.is_err() {
                    return 3;
                }
                if unsafe { pkey_free(key) }.is_err() {
                    return 4;
                }
                101
            }
            Err(_) => 5,
        }
    });
    match fate {
        Fate::Exited(0) => assert!(MODERN_CALLS_ENOSYS.applies()),
        Fate::Exited(100) => {
            eprintln!("pkeys: no protection keys on this CPU (EINVAL, then ENOSPC)")
        }
        Fate::Exited(101) => eprintln!("pkeys: allocated, tagged a page, freed"),
        other => panic!("pkey child: {other:?}"),
    }
    // Everywhere: bad flags, a key never allocated, the default key -1.
    let enosys = MODERN_CALLS_ENOSYS.applies();
    let want = |e| if enosys { Err(Errno::ENOSYS) } else { Err(e) };
    assert_eq!(
        pkey_alloc(1, PkeyAccess::empty()).map(drop),
        want(Errno::EINVAL)
    );
    assert_eq!(unsafe { pkey_free(15) }, want(Errno::EINVAL));
    let x = anon(p);
    let r = unsafe { pkey_mprotect(x.cast(), p, Prot::READ, -1) };
    assert_eq!(r, if enosys { Err(Errno::ENOSYS) } else { Ok(()) });
    assert_eq!(
        unsafe { pkey_mprotect(x.cast(), p, Prot::READ, 15) },
        want(Errno::EINVAL)
    );
    unsafe { munmap(x.cast(), p) }.unwrap();
}

/// cachestat of a hole punched file, a bad fd, and flags.
#[test]
#[cfg_attr(miri, ignore = "cachestat: not emulated by Miri (ENOSYS)")]
fn cachestat_errors() {
    let f = TempFile::new(b"abc");
    let want = |e| MODERN_CALLS_ENOSYS.pick(Err(e), Err(Errno::ENOSYS));
    assert_eq!(stat(-1, 0, 0).map(drop), want(Errno::EBADF));
    let mut c = Cachestat::default();
    let r = cachestat(f.fd(), &CachestatRange::default(), &mut c, 1);
    assert_eq!(r, want(Errno::EINVAL));
    assert_eq!(c, Cachestat::default(), "nothing written on an error");
    let _ = f.file.as_raw_fd();
}
