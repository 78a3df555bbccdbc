//! The safe layer (`MmapOptions`, `Mmap`, `MmapMut`, `MmapRaw`) against an
//! independent view of the same bytes (`pread`, `/proc/self/maps`, `libc`).
//! Never assumes a page size: under qemu-user it may be 64 KiB.

mod common;
use common::quirks::*;
use common::{page, pattern, TempFile as Temp};

use mmap_native::{page_size, Advice, Errno, MapFlags, Mmap, MmapMut, MmapOptions, MmapRaw};
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// The leak check counts all of `/proc/self/maps`: while it runs, no other
/// test of this file maps or unmaps. Every test takes `shared()`, the leak
/// check `exclusive()`.
static MAPPING: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    MAPPING.read().unwrap_or_else(|e| e.into_inner())
}

fn exclusive() -> RwLockWriteGuard<'static, ()> {
    MAPPING.write().unwrap_or_else(|e| e.into_inner())
}

#[test]
#[cfg_attr(
    miri,
    ignore = "calls prctl through the C library, which Miri does not emulate; tests/anon.rs and the unit tests use Miri's page size"
)]
fn page_size_matches_sysconf() {
    let _g = shared();
    // PR_GET_AUXV (Linux 6.4) is where the crate reads the page size first;
    // where it fails (older kernels, qemu) it reads /proc/self/auxv.
    let mut auxv = [0u64; 64];
    // SAFETY: prctl writes at most the buffer's size.
    let r = unsafe { libc::prctl(0x4155_5856, auxv.as_mut_ptr(), 512usize, 0usize, 0usize) };
    let got = if r < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap())
    } else {
        Ok(())
    };
    let kernel = if common::kernel_version() >= (6, 4) {
        Ok(())
    } else {
        Err(libc::EINVAL)
    };
    assert_eq!(got, PR_GET_AUXV_EINVAL.pick(kernel, Err(libc::EINVAL)));
    // SAFETY: sysconf has no preconditions.
    let libc_page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    assert_eq!(page_size() as libc::c_long, libc_page);
    assert_eq!(mmap_native::try_page_size(), Ok(page_size()));
    assert!(page_size().is_power_of_two() && page_size() >= 4096);
    // The cached value answers again, unchanged.
    assert_eq!(page_size(), page_size());
}

#[test]
#[cfg_attr(
    miri,
    ignore = "maps a file: under Miri only anonymous memory maps (ENOSYS)"
)]
fn unaligned_offsets_read_the_right_bytes() {
    let _g = shared();
    let p = page();
    let data = pattern(3 * p + 123);
    let f = Temp::new(&data);
    for off in [0, 1, p - 1, p, p + 1, 2 * p + 7, data.len() - 1] {
        let o = off as u64;
        // SAFETY: nothing changes or truncates the file while mapped.
        let whole = unsafe { MmapOptions::new().offset(o).map(f.fd()) }.unwrap();
        assert_eq!(whole.len(), data.len() - off, "offset {off}");
        assert_eq!(&whole[..], &f.pread(o, data.len())[..], "offset {off}");
        let len = (data.len() - off).min(p + 3);
        // SAFETY: as above.
        let part = unsafe { MmapOptions::new().offset(o).len(len).map(f.fd()) }.unwrap();
        assert_eq!(&part[..], &f.pread(o, len)[..], "offset {off}, len {len}");
        part.advise_range(Advice::WILLNEED, 0, len).unwrap();
        part.advise_range(Advice::SEQUENTIAL, len / 2, len - len / 2)
            .unwrap();
    }
}

#[test]
fn empty_file_and_len_zero_give_empty_maps() {
    let _g = shared();
    let empty = Temp::new(b"");
    let f = Temp::new(b"some bytes");
    // SAFETY: nothing changes the files while mapped.
    let maps: Vec<Mmap> = unsafe {
        vec![
            MmapOptions::new().map(empty.fd()).unwrap(),
            MmapOptions::new().len(0).map(f.fd()).unwrap(),
            // At the very end of the file: nothing left to map.
            MmapOptions::new().offset(10).map(f.fd()).unwrap(),
            MmapOptions::new().offset(3).len(0).map(f.fd()).unwrap(),
            Mmap::map(empty.fd()).unwrap(),
        ]
    };
    for m in &maps {
        assert!(m.is_empty());
        assert_eq!(m.len(), 0);
        assert_eq!(&m[..], b"");
        assert!(!m.as_ptr().is_null());
        m.flush().unwrap();
        m.flush_async().unwrap();
        m.flush_range(0, 0).unwrap();
        m.advise(Advice::RANDOM).unwrap();
        m.advise_range(Advice::WILLNEED, 0, 0).unwrap();
        m.lock().unwrap();
        m.unlock().unwrap();
        assert_eq!(m.flush_range(0, 1), Err(Errno::ENOMEM));
    }
    assert_eq!(empty.maps() + f.maps(), 0, "an empty map maps nothing");

    let mut anon = MmapOptions::new().map_anon().unwrap();
    assert!(anon.is_empty());
    assert_eq!(&mut anon[..], b"");
    assert_eq!(anon.remap(page(), true), Err(Errno::EINVAL));
    let anon = anon.make_read_only().unwrap().make_mut().unwrap();
    assert!(MmapMut::map_anon(0).unwrap().is_empty());
    assert!(anon.make_exec().unwrap().is_empty());

    // SAFETY: as above.
    let mut mm = unsafe { MmapOptions::new().map_mut(empty.fd()) }.unwrap();
    assert_eq!(&mut mm[..], b"");
    mm.flush().unwrap();
    let raw = MmapOptions::new().map_raw(empty.fd()).unwrap();
    assert!(raw.is_empty() && !raw.as_mut_ptr().is_null());
    raw.flush_async_range(0, 0).unwrap();
}

/// Runs `f` until the count of maps before and after is the same, at most
/// 20 times: a real leak grows it every time. The other tests of this file
/// wait meanwhile (`exclusive()`); what may still move the count is the
/// test harness starting or ending a thread.
fn no_leak(what: &str, mut f: impl FnMut()) {
    for _ in 0..20 {
        let before = common::maps_lines();
        f();
        if common::maps_lines() == before {
            return;
        }
    }
    panic!("{what}: /proc/self/maps grew on every one of 20 tries: a leaked mapping");
}

#[test]
#[cfg_attr(
    miri,
    ignore = "maps files and counts /proc/self/maps, which Miri's memory is not in"
)]
fn errors_are_errnos_and_leave_nothing_mapped() {
    let _g = exclusive();
    let p = page();
    let data = pattern(2 * p + 5);
    let f = Temp::new(&data);
    let ro = Temp::with_mode(&data, false);
    let fd = f.fd();
    let big = isize::MAX as usize;
    let file_len = data.len() as u64;

    // SAFETY (every map below): nothing changes the files while mapped,
    // and every one of these calls is expected to fail.
    type Case<'a> = Box<dyn Fn() -> Result<(), Errno> + 'a>;
    let cases: Vec<(&str, Case, Errno)> = vec![
        (
            "offset + len past u64::MAX",
            Box::new(move || {
                unsafe { MmapOptions::new().offset(u64::MAX).len(1).map(fd) }.map(drop)
            }),
            Errno::EOVERFLOW,
        ),
        (
            "unaligned offset + len past u64::MAX",
            Box::new(move || {
                unsafe { MmapOptions::new().offset(u64::MAX - 10).len(100).map(fd) }.map(drop)
            }),
            Errno::EOVERFLOW,
        ),
        (
            "len over isize::MAX",
            Box::new(move || unsafe { MmapOptions::new().len(big + 1).map(fd) }.map(drop)),
            Errno::ENOMEM,
        ),
        (
            "len usize::MAX",
            Box::new(move || unsafe { MmapOptions::new().len(usize::MAX).map(fd) }.map(drop)),
            Errno::ENOMEM,
        ),
        (
            "len isize::MAX, rounded up to pages",
            Box::new(move || unsafe { MmapOptions::new().len(big).map(fd) }.map(drop)),
            Errno::ENOMEM,
        ),
        (
            // delta 1 + len, rounded up to pages, is isize::MAX + 1: the crate
            // refuses (a 32-bit process on a 64-bit kernel could map just
            // under 2 GiB, so this must not be left to the kernel).
            "len that passes isize::MAX only with the unaligned start's delta",
            Box::new(move || {
                unsafe {
                    MmapOptions::new()
                        .offset(p as u64 + 1)
                        .len(big - p + 1)
                        .map(fd)
                }
                .map(drop)
            }),
            Errno::ENOMEM,
        ),
        (
            "anonymous len over isize::MAX",
            Box::new(|| MmapMut::map_anon(big + 1).map(drop)),
            Errno::ENOMEM,
        ),
        (
            "offset past the end of the file",
            Box::new(move || unsafe { MmapOptions::new().offset(file_len + 1).map(fd) }.map(drop)),
            Errno::EINVAL,
        ),
        (
            "offset far past the end of the file",
            Box::new(move || unsafe { MmapOptions::new().offset(u64::MAX).map(fd) }.map(drop)),
            Errno::EINVAL,
        ),
        (
            "bad descriptor",
            Box::new(|| unsafe { MmapOptions::new().map(-1) }.map(drop)),
            Errno::EBADF,
        ),
        (
            "bad descriptor with a len",
            Box::new(|| unsafe { MmapOptions::new().len(1).map(-1) }.map(drop)),
            Errno::EBADF,
        ),
        (
            "MAP_FIXED as an extra flag",
            Box::new(move || {
                unsafe { MmapOptions::new().flags(MapFlags::FIXED).map(fd) }.map(drop)
            }),
            Errno::EINVAL,
        ),
        (
            "MAP_SHARED as an extra flag on anonymous memory",
            Box::new(|| {
                MmapOptions::new()
                    .len(4096)
                    .flags(MapFlags::SHARED)
                    .map_anon()
                    .map(drop)
            }),
            Errno::EINVAL,
        ),
        (
            "MAP_ANONYMOUS as an extra flag on a file",
            Box::new(move || {
                MmapOptions::new()
                    .flags(MapFlags::ANONYMOUS)
                    .map_raw(fd)
                    .map(drop)
            }),
            Errno::EINVAL,
        ),
    ];
    for (what, case, errno) in &cases {
        no_leak(what, || assert_eq!(case(), Err(*errno), "{what}"));
    }
    assert_eq!(f.maps(), 0);

    // A range outside a live map: ENOMEM, the kernel's answer for an
    // unmapped range, whatever happens to be mapped next to it.
    // SAFETY: nothing changes the file while mapped.
    let mut m = unsafe { MmapOptions::new().offset(1).len(p).map_mut(f.fd()) }.unwrap();
    let n = m.len();
    for (off, len) in [
        (n, 1),
        (0, n + 1),
        (1, usize::MAX),
        (usize::MAX, 2),
        (n + 1, 0),
    ] {
        assert_eq!(m.flush_range(off, len), Err(Errno::ENOMEM), "{off}+{len}");
        assert_eq!(m.flush_async_range(off, len), Err(Errno::ENOMEM));
        assert_eq!(m.advise_range(Advice::NORMAL, off, len), Err(Errno::ENOMEM));
        // SAFETY: the range is refused before any syscall.
        let r = unsafe { m.unchecked_advise_range(Advice::DONTNEED, off, len) };
        assert_eq!(r, Err(Errno::ENOMEM));
    }
    m.flush_range(n, 0).unwrap();
    // Content-changing advice needs the unsafe method.
    for a in [
        Advice::DONTNEED,
        Advice::FREE,
        Advice::REMOVE,
        Advice::from_raw(9999),
    ] {
        assert_eq!(m.advise(a), Err(Errno::EINVAL), "{a:?}");
        assert_eq!(m.advise_range(a, 0, 1), Err(Errno::EINVAL), "{a:?}");
    }
    // Remapping: to 0, past isize::MAX, or growing a file map safely.
    assert_eq!(m.remap(0, true), Err(Errno::EINVAL));
    assert_eq!(m.remap(big + 1, true), Err(Errno::EINVAL));
    // SAFETY: refused before any syscall.
    assert_eq!(
        unsafe { m.unchecked_remap(big + 1, true) },
        Err(Errno::ENOMEM)
    );
    // SAFETY: as above.
    assert_eq!(
        unsafe { m.unchecked_remap(big - 2, true) },
        Err(Errno::ENOMEM)
    );
    assert_eq!(m.remap(n + 1, true), Err(Errno::EINVAL));
    assert_eq!(
        &m[..],
        &data[1..p + 1],
        "failed calls leave the map as it was"
    );
    drop(m);
    assert_eq!(f.maps(), 0);

    // The descriptor does not allow writing: EACCES, both when mapping and
    // when making a read-only map writable later, which drops (so unmaps)
    // the map.
    // SAFETY: nothing changes the file while mapped.
    assert_eq!(
        unsafe { MmapOptions::new().map_mut(ro.fd()) }.unwrap_err(),
        Errno::EACCES
    );
    assert_eq!(
        MmapOptions::new().map_raw(ro.fd()).unwrap_err(),
        Errno::EACCES
    );
    assert_eq!(ro.maps(), 0);
    // SAFETY: as above.
    let m = unsafe { MmapOptions::new().offset(3).map(ro.fd()) }.unwrap();
    assert_eq!(ro.maps(), 1);
    assert_eq!(m.make_mut().unwrap_err(), Errno::EACCES);
    assert_eq!(
        ro.maps(),
        0,
        "make_mut's error dropped and unmapped the map"
    );
    // A private map of the same descriptor may become writable (copy on
    // write).
    // SAFETY: as above.
    let m = unsafe { MmapOptions::new().map_copy_read_only(ro.fd()) }.unwrap();
    let mut m = m.make_mut().unwrap();
    m[0] ^= 1;
    assert_eq!(ro.pread(0, 1), &data[..1]);
    drop(m);
    assert_eq!(ro.maps(), 0);

    // A pipe has no pages to map: without a len the crate refuses it (its
    // size means nothing), with one the kernel does, both with ENODEV.
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: a pipe has no contents to change under a map.
    assert_eq!(
        unsafe { MmapOptions::new().map(fds[0]) }.unwrap_err(),
        Errno::ENODEV
    );
    // A directory has a size, but nothing to map.
    let dir = File::open(std::env::temp_dir()).unwrap();
    // SAFETY: the call fails.
    let r = unsafe { MmapOptions::new().map(dir.as_raw_fd()) };
    assert_eq!(r.unwrap_err(), Errno::ENODEV);
    // SAFETY: as above.
    let e = unsafe { MmapOptions::new().len(1).map(fds[0]) }.unwrap_err();
    assert_eq!(
        e,
        MMAP_PIPE_EINVAL_BIG_PAGES.pick(Errno::ENODEV, Errno::EINVAL)
    );
    // SAFETY: closing our own descriptors.
    unsafe {
        libc::close(fds[0]);
        libc::close(fds[1]);
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "maps a file: under Miri only anonymous memory maps (ENOSYS)"
)]
fn mmap_mut_writes_reach_the_file_and_flush_range_unaligned() {
    let _g = shared();
    let p = page();
    let data = pattern(3 * p);
    let f = Temp::new(&data);
    // SAFETY: nothing but this map changes the file while it lives.
    let mut m = unsafe { MmapOptions::new().map_mut(f.fd()) }.unwrap();
    m[..4].copy_from_slice(b"abcd");
    m.flush().unwrap();
    assert_eq!(f.pread(0, 4), b"abcd");
    m[p..p + 2].copy_from_slice(b"xy");
    m.flush_async().unwrap();
    m.flush().unwrap();
    assert_eq!(f.pread(p as u64, 2), b"xy");
    drop(m);

    // An unaligned map, and a flush of an unaligned range that spans a page
    // boundary: the start must round down to the page that holds it.
    let off = p as u64 + 3;
    // SAFETY: as above.
    let mut m = unsafe { MmapOptions::new().offset(off).len(p + 10).map_mut(f.fd()) }.unwrap();
    let at = p - 5; // file offset 2p - 2: across the page boundary at 2p
    m[at..at + 4].copy_from_slice(b"WXYZ");
    m.flush_range(at, 4).unwrap();
    assert_eq!(f.pread(off + at as u64, 4), b"WXYZ");
    m[1] = b'!';
    m.flush_async_range(1, 1).unwrap();
    m.flush_range(0, m.len()).unwrap();
    assert_eq!(f.pread(off + 1, 1), b"!");
    // A write-back of a range at the map's very end.
    let last = m.len() - 1;
    m[last] = b'$';
    m.flush_range(last, 1).unwrap();
    assert_eq!(f.pread(off + last as u64, 1), b"$");
    m.lock().unwrap();
    m.unlock().unwrap();

    // MmapRaw: the same through raw pointers.
    let raw = MmapOptions::new().offset(1).len(p).map_raw(f.fd()).unwrap();
    // SAFETY: offset p - 1 is inside the map, writable, and only this test
    // touches the file.
    unsafe { raw.as_mut_ptr().add(p - 1).write(b'R') };
    raw.flush_range(p - 1, 1).unwrap();
    assert_eq!(f.pread(p as u64, 1), b"R");
}

#[test]
#[cfg_attr(
    miri,
    ignore = "maps a file: under Miri only anonymous memory maps (ENOSYS)"
)]
fn map_copy_writes_stay_private() {
    let _g = shared();
    let p = page();
    let data = pattern(p + 100);
    let f = Temp::new(&data);
    // SAFETY: nothing changes the file while mapped.
    let mut m = unsafe { MmapOptions::new().offset(7).map_copy(f.fd()) }.unwrap();
    assert_eq!(&m[..], &data[7..]);
    m.fill(0xEE);
    m.flush().unwrap();
    assert_eq!(
        f.pread(0, data.len()),
        data,
        "copy-on-write never reaches the file"
    );
    // SAFETY: no reference into the map is live; we accept that DONTNEED
    // throws the private copy away, so the file's bytes show again.
    unsafe { m.unchecked_advise(Advice::DONTNEED) }.unwrap();
    let kept = vec![0xEE; m.len()];
    assert_eq!(
        &m[..],
        DONTNEED_IGNORED_BIG_PAGES.pick(&data[7..], &kept[..])
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "maps a file, and mprotect: not emulated by Miri (ENOSYS); tests/anon.rs asserts the ENOSYS"
)]
fn make_read_only_make_mut_round_trip() {
    let _g = shared();
    let p = page();
    let data = pattern(2 * p);
    let f = Temp::new(&data);
    // SAFETY: nothing but this map changes the file while it lives.
    let mut m = unsafe { MmapOptions::new().offset(p as u64 - 1).map_mut(f.fd()) }.unwrap();
    m[0] = 1;
    let r: Mmap = m.make_read_only().unwrap();
    assert_eq!(r[0], 1);
    assert_eq!(&r[1..], &data[p..]);
    let mut m: MmapMut = r.make_mut().unwrap();
    m[1] = 2;
    m.flush().unwrap();
    assert_eq!(f.pread(p as u64 - 1, 2), [1, 2]);
    // make_exec: readable still (and not writable, which we do not probe).
    let x = m.make_exec().unwrap();
    assert_eq!(&x[..2], [1, 2]);
    let x = x.make_exec().unwrap();
    assert_eq!(f.maps(), 1);
    drop(x);
    assert_eq!(f.maps(), 0);

    let mut a = MmapMut::map_anon(p + 1).unwrap();
    a[p] = 9;
    let a = a.make_read_only().unwrap();
    let a = a.make_mut().unwrap();
    assert_eq!(a[p], 9);
    let raw = MmapRaw::from(a);
    // SAFETY: inside the map, readable.
    assert_eq!(unsafe { raw.as_ptr().add(p).read() }, 9);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "maps a file, and shrinks in place (mremap without MREMAP_MAYMOVE): not emulated by Miri (ENOSYS)"
)]
fn remap_grows_and_keeps_contents() {
    let _g = shared();
    let p = page();
    let grown = || {
        let mut a = MmapMut::map_anon(p).unwrap();
        a.fill(5);
        a.remap(10 * p + 3, true).unwrap();
        a
    };
    // Each shrink below is in place: room for MREMAP_SHRINK_WIPES_NEXT.
    let (mut a, room) = common::room_to_shrink(10 * p, grown, |a| a.as_ptr().addr() + 11 * p);
    assert_eq!(a.len(), 10 * p + 3);
    assert!(a[..p].iter().all(|&b| b == 5));
    assert!(a[p..].iter().all(|&b| b == 0));
    a[10 * p + 2] = 1;
    a.remap(p / 2, false).unwrap();
    drop(room);
    assert_eq!(a.len(), p / 2);
    assert!(a.iter().all(|&b| b == 5));
    a.remap(p / 2, false).unwrap();
    // Growing anonymous read-only memory is safe too (zero pages).
    let mut r = a.make_read_only().unwrap();
    r.remap(2 * p, true).unwrap();
    assert!(r[p..].iter().all(|&b| b == 0));

    // A file map at an unaligned offset grows once the file does; the
    // page delta survives a move.
    let data = pattern(2 * p);
    let f = Temp::new(&data);
    // SAFETY: nothing changes the file while mapped.
    let m = unsafe { MmapOptions::new().offset(p as u64 + 1).map(f.fd()) }.unwrap();
    assert_eq!(m.len(), p - 1);
    // The same bytes as before, and 3 pages more.
    let more = pattern(5 * p);
    f.file.write_all_at(&more, 0).unwrap();
    drop(m);
    let grown = || {
        let mut o = MmapOptions::new();
        // SAFETY: nothing changes the file while mapped.
        let mut m = unsafe { o.offset(p as u64 + 1).len(p - 1).map(f.fd()) }.unwrap();
        // SAFETY: the file now reaches offset p + 1 + 4p - 1 = 5p.
        unsafe { m.unchecked_remap(4 * p - 1, true) }.unwrap();
        m
    };
    // Pages p to 5p of the file, shrunk in place to the first below.
    let (mut m, _room) = common::room_to_shrink(3 * p, grown, |m| m.as_ptr().addr() - 1 + 4 * p);
    assert_eq!(&m[..], &more[p + 1..]);
    // Shrinking a file map needs no unsafe.
    m.remap(1, false).unwrap();
    assert_eq!(&m[..], &more[p + 1..p + 2]);

    let mut raw = MmapOptions::new().len(p).map_raw(f.fd()).unwrap();
    raw.remap(3 * p, true).unwrap();
    assert_eq!(raw.len(), 3 * p);
    // SAFETY: 3p bytes, within the 5p-byte file.
    assert_eq!(
        unsafe { raw.as_ptr().add(3 * p - 1).read() },
        more[3 * p - 1]
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "maps a file, madvise, and MAP_STACK, MAP_NORESERVE, MAP_LOCKED, MAP_HUGETLB: not emulated by Miri (ENOSYS)"
)]
fn advice_and_options() {
    let _g = shared();
    let p = page();
    let data = pattern(4 * p);
    let f = Temp::new(&data);
    // SAFETY: nothing changes the file while mapped.
    let m = unsafe {
        MmapOptions::new()
            .offset(p as u64 / 2)
            .populate()
            .flags(MapFlags::NONBLOCK)
            .map(f.fd())
    }
    .unwrap();
    assert_eq!(&m[..], &data[p / 2..]);
    for a in [
        Advice::NORMAL,
        Advice::RANDOM,
        Advice::SEQUENTIAL,
        Advice::WILLNEED,
        Advice::DONTDUMP,
        Advice::DODUMP,
    ] {
        m.advise(a).unwrap();
        m.advise_range(a, p, p + 1).unwrap();
    }
    // SAFETY: WILLNEED does not change anything; the unsafe path also takes
    // safe advice.
    unsafe { m.unchecked_advise_range(Advice::WILLNEED, 1, 1) }.unwrap();

    let s = MmapOptions::new()
        .len(2 * p)
        .stack()
        .no_reserve()
        .map_anon()
        .unwrap();
    assert_eq!(s.len(), 2 * p);
    let l = MmapOptions::new().len(p).locked().map_anon().unwrap();
    assert_eq!(l[p - 1], 0);

    // Huge pages need a reservation this machine may not have: mapping
    // works where one is free (or may be made), and fails with ENOMEM where
    // none can be had, EINVAL where the machine has no such size.
    for bits in [None, Some(21)] {
        let r = MmapOptions::new().len(4 << 20).huge(bits).map_anon();
        let got = r.as_ref().map(drop).map_err(|&e| e);
        let kernel = match huge_pages(bits) {
            None => Err(Errno::EINVAL),
            Some(0) => Err(Errno::ENOMEM),
            // Some may be had: the map works, unless another process took
            // them first.
            Some(_) if got == Err(Errno::ENOMEM) => got,
            Some(_) => Ok(()),
        };
        let want = HUGETLB_EINVAL.pick(kernel, Err(Errno::EINVAL));
        assert_eq!(got, want, "huge({bits:?})");
        if let Ok(mut h) = r {
            h[0] = 1;
            assert_eq!(h.len(), 4 << 20);
        }
    }
    // `huge` twice replaces the size rather than mixing two.
    let mut a = MmapOptions::new();
    a.huge(Some(30)).huge(Some(21));
    let mut b = MmapOptions::new();
    b.huge(Some(21));
    assert_eq!(a, b);
    assert_eq!(MmapOptions::default(), MmapOptions::new());
}

/// How many huge pages of `2^bits` bytes (the default size for None) the
/// machine can give now: free ones, plus the surplus it may make. None
/// where it has no huge pages of that size.
fn huge_pages(bits: Option<u8>) -> Option<u64> {
    let kib = match bits {
        Some(b) => (1u64 << b) / 1024,
        None => {
            let info = std::fs::read_to_string("/proc/meminfo").unwrap();
            let line = info.lines().find(|l| l.starts_with("Hugepagesize:"))?;
            line.split_whitespace().nth(1)?.parse().unwrap()
        }
    };
    let dir = format!("/sys/kernel/mm/hugepages/hugepages-{kib}kB");
    let read = |f: &str| -> u64 {
        let v = std::fs::read_to_string(format!("{dir}/{f}")).unwrap();
        v.trim().parse().unwrap()
    };
    std::path::Path::new(&dir)
        .is_dir()
        .then(|| read("free_hugepages") + read("nr_overcommit_hugepages"))
}

#[test]
fn maps_are_send_and_sync() {
    let _g = shared();
    fn both<T: Send + Sync>() {}
    both::<Mmap>();
    both::<MmapMut>();
    both::<MmapRaw>();
    both::<MmapOptions>();

    let m = MmapMut::map_anon(page()).unwrap();
    let m = std::thread::spawn(move || {
        let mut m = m;
        m[0] = 3;
        m
    })
    .join()
    .unwrap();
    assert_eq!(m[0], 3);
    assert!(format!("{m:?}").starts_with("MmapMut { ptr: "));
}

/// A map of a partial page covers the whole page, and `mincore` (through
/// the raw layer, on the safe layer's pointer) says one byte per page.
#[test]
#[cfg_attr(
    miri,
    ignore = "maps a file, and mincore: not emulated by Miri (ENOSYS)"
)]
fn mincore_sees_whole_pages_of_a_map() {
    let _g = shared();
    let p = page();
    let f = Temp::new(&pattern(p + p / 2));
    // SAFETY: nothing changes the file while mapped.
    let m = unsafe { MmapOptions::new().map(f.fd()) }.unwrap();
    assert_eq!(m[p + p / 2 - 1], pattern(p + p / 2)[p + p / 2 - 1]);
    // Room for 16 bytes per page and more: what is written is counted.
    let mut vec = vec![0xaau8; 40];
    // SAFETY: the map's pages, the vector longer than needed.
    unsafe { mmap_native::mincore(m.as_ptr() as *mut _, m.len(), &mut vec) }.unwrap();
    let written = vec.iter().take_while(|&&b| b != 0xaa).count();
    // Under qemu -p 65536: one byte per 4 KiB of the length asked, 24 here.
    assert_eq!(written, MINCORE_HOST_PAGES.pick(2, m.len().div_ceil(4096)));
}

/// The documented hazard, shown honestly: a file truncated after mapping
/// raises SIGBUS when a page past its new end is touched. A forked child
/// touches it, so only the child dies.
#[test]
#[cfg_attr(miri, ignore = "maps a file, and forks a child: neither under Miri")]
fn truncated_file_raises_sigbus() {
    let _g = shared();
    let p = page();
    let f = Temp::new(&pattern(3 * p));
    // SAFETY: this test breaks the contract on purpose, and only the child
    // process touches the bytes past the new end.
    let m = unsafe { MmapOptions::new().map(f.fd()) }.unwrap();
    assert_eq!(m[2 * p], pattern(3 * p)[2 * p]);
    f.file.set_len(p as u64).unwrap();
    let at = m.as_ptr().wrapping_add(2 * p);
    // SAFETY: the child only reads memory and calls _exit, which is all a
    // child of a multithreaded process may safely do.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        // No core file (in the working directory, or qemu-user's
        // qemu_*.core) for a death the test asks for.
        let no_core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit is a plain syscall, fine in a forked child.
        unsafe { libc::setrlimit(libc::RLIMIT_CORE, &no_core) };
        // SAFETY: none: this is the read past the truncated end that the
        // docs warn about; the kernel answers it with SIGBUS.
        let b = unsafe { at.read_volatile() };
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(if b == 0 { 100 } else { 101 }) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(
        libc::WIFSIGNALED(status),
        "child was not killed by a signal: status {status:#x} (exit {})",
        libc::WEXITSTATUS(status)
    );
    assert_eq!(libc::WTERMSIG(status), libc::SIGBUS);
    // The bytes before the new end are still readable here.
    assert_eq!(m[p - 1], pattern(3 * p)[p - 1]);
}

#[cfg(feature = "std")]
#[test]
#[cfg_attr(
    miri,
    ignore = "maps a file: under Miri only anonymous memory maps (ENOSYS)"
)]
fn std_descriptors_and_io_errors() {
    let _g = shared();
    use std::os::fd::AsFd;
    let f = Temp::new(b"hello, std");
    // SAFETY: nothing changes the file while mapped.
    let a = unsafe { MmapOptions::new().map(&f.file) }.unwrap();
    // SAFETY: as above.
    let b = unsafe { MmapOptions::new().offset(7).map(f.file.as_fd()) }.unwrap();
    // SAFETY: as above.
    let c = unsafe { Mmap::map(&f.file) }.unwrap();
    assert_eq!(&a[..], b"hello, std");
    assert_eq!(&b[..], b"std");
    assert_eq!(&c[..], &a[..]);
    let owned: std::os::fd::OwnedFd = f.file.try_clone().unwrap().into();
    let raw = MmapRaw::map_raw(&owned).unwrap();
    drop(owned);
    assert_eq!(raw.len(), 10, "the map outlives the descriptor");

    // SAFETY: as above.
    let e = unsafe { MmapOptions::new().offset(11).map(&f.file) }.unwrap_err();
    let io: std::io::Error = e.into();
    assert_eq!(io.raw_os_error(), Some(libc::EINVAL));
}
