//! The anonymous-map paths of the safe layer, through its public API only:
//! `MmapMut` and `MmapRaw` over fresh memory (Deref, DerefMut, the raw
//! pointers, remap, the protection changes, Drop) and the empty maps of all
//! three types. They run natively, under qemu-user, and under Miri, which
//! checks them for undefined behaviour: every borrow the Deref impls hand
//! out, the pointer arithmetic of remap, and Drop's munmap, which Miri
//! accepts only as the deallocation of exactly the allocation its mmap
//! made.
//!
//! Under Miri the crate answers `ENOSYS` for the calls Miri does not
//! emulate (`arch/miri.rs`): mprotect, madvise, msync, mlock, and mremap
//! without `MREMAP_MAYMOVE`. Those cases assert that answer there
//! (`kernel_or_miri`) and the kernel's everywhere else. A read-only `Mmap`
//! of fresh memory comes only from `make_read_only` (mprotect), so under
//! Miri only the empty `Mmap` is reached.
//!
//! Byte-wise checks compare slices (one memcmp, which Miri runs as one
//! step) rather than loop over bytes.

mod common;
use common::{kernel_or_miri, page};

use mmap_native::{Advice, Errno, Mmap, MmapMut, MmapOptions, MmapRaw};

#[test]
fn fresh_memory_derefs_writes_reads_and_drops() {
    let p = page();
    for len in [1, p - 1, p, p + 1, 3 * p + 5] {
        let mut m = MmapOptions::new().len(len).map_anon().unwrap();
        assert_eq!((m.len(), m.is_empty()), (len, false));
        assert_eq!(m.as_ptr().addr() % p, 0, "anonymous maps start on a page");
        assert!(m[..] == vec![0u8; len][..], "fresh memory is zeros");
        let data: Vec<u8> = (0..len).map(|i| (i * 7 + i / 4099) as u8).collect();
        m.copy_from_slice(&data);
        assert!(m[..] == data[..]);
        // Shared borrows side by side, then a unique one.
        let (a, b) = (&m[..], &m[len / 2..]);
        assert_eq!(a[len / 2..], *b);
        let last = &mut m[len - 1];
        *last ^= 0xff;
        assert_eq!(m[len - 1], data[len - 1] ^ 0xff);
        // A pointer taken before a write through DerefMut still reads:
        // the Deref impls never retag the memory behind the map's back.
        let before = m.as_ptr();
        m[0] = 42;
        // SAFETY: offset 0 of the live map; no reference is live.
        assert_eq!(unsafe { before.read() }, 42);
        assert_eq!(m.as_mut()[0], 42);
        let w = m.as_mut_ptr();
        // SAFETY: the last byte of the live map; no reference is live.
        unsafe { w.add(len - 1).write(7) };
        assert_eq!(m.as_ref()[len - 1], 7);
        assert!(format!("{m:?}").starts_with("MmapMut { ptr: 0x"));
        drop(m);
    }
    let m = MmapMut::map_anon(2 * p).unwrap();
    assert!(m[..] == vec![0u8; 2 * p][..]);
}

#[test]
fn empty_maps_own_nothing_and_do_nothing() {
    let p = page();
    for mut m in [
        MmapOptions::new().map_anon().unwrap(),
        MmapOptions::new().len(0).map_anon().unwrap(),
        MmapMut::map_anon(0).unwrap(),
    ] {
        assert!(m.is_empty());
        assert_eq!(&m[..], b"");
        assert_eq!(&mut m[..], b"");
        // Not null, and aligned for any element type and page size.
        assert_eq!(m.as_ptr().addr() % 65536, 0);
        assert!(!m.as_mut_ptr().is_null());
        // SAFETY: aligned, not null, zero elements.
        let words = unsafe { core::slice::from_raw_parts(m.as_ptr().cast::<u128>(), 0) };
        assert!(words.is_empty());
        // No call has anything to act on: each succeeds with no syscall,
        // so under Miri as everywhere.
        m.flush().unwrap();
        m.flush_async().unwrap();
        m.flush_range(0, 0).unwrap();
        m.flush_async_range(0, 0).unwrap();
        m.advise(Advice::WILLNEED).unwrap();
        m.advise_range(Advice::RANDOM, 0, 0).unwrap();
        // SAFETY: an empty map: nothing to change.
        unsafe { m.unchecked_advise(Advice::DONTNEED) }.unwrap();
        m.lock().unwrap();
        m.unlock().unwrap();
        assert_eq!(m.flush_range(0, 1), Err(Errno::ENOMEM));
        assert_eq!(m.remap(p, true), Err(Errno::EINVAL));
        m.remap(0, false).unwrap();
        let r: Mmap = m.make_read_only().unwrap();
        assert!(r.is_empty() && r[..].is_empty());
        assert_eq!(r.as_ptr().addr() % 65536, 0);
        let x = r.make_exec().unwrap();
        let m = x.make_mut().unwrap();
        let raw = MmapRaw::from(m.make_exec().unwrap());
        assert!(raw.is_empty() && !raw.as_ptr().is_null());
        raw.flush().unwrap();
    }
}

#[test]
fn remap_that_may_move_keeps_contents() {
    let p = page();
    let mut m = MmapMut::map_anon(p).unwrap();
    m.fill(5);
    m.remap(10 * p + 3, true).unwrap();
    assert_eq!(m.len(), 10 * p + 3);
    assert!(m[..p] == vec![5u8; p][..]);
    assert!(m[p..] == vec![0u8; 9 * p + 3][..], "grown bytes are zeros");
    m[10 * p + 2] = 1;
    m.remap(p / 2, true).unwrap();
    assert!(m[..] == vec![5u8; p / 2][..]);
    // The same length: nothing to do, no call.
    m.remap(p / 2, false).unwrap();
    // Within the same page count, the kernel keeps the place; Miri may
    // move it (only MREMAP_MAYMOVE is emulated). Either way the bytes stay.
    m.remap(p - 1, true).unwrap();
    assert!(m[..p / 2] == vec![5u8; p / 2][..]);
    // Refused before any call.
    assert_eq!(m.remap(0, true), Err(Errno::EINVAL));
    assert_eq!(m.remap(isize::MAX as usize + 1, true), Err(Errno::ENOMEM));
    assert_eq!(m.len(), p - 1, "failed calls leave the map as it was");

    let mut raw = MmapRaw::from(MmapMut::map_anon(p).unwrap());
    // SAFETY: the map's last byte; nothing else uses the map.
    unsafe { raw.as_mut_ptr().add(p - 1).write(9) };
    raw.remap(3 * p, true).unwrap();
    // SAFETY: inside the grown map.
    let (kept, new) = unsafe {
        (
            raw.as_ptr().add(p - 1).read(),
            raw.as_ptr().add(3 * p - 1).read(),
        )
    };
    assert_eq!((kept, new), (9, 0));
}

#[test]
fn remap_in_place() {
    let p = page();
    let four = || MmapMut::map_anon(4 * p).unwrap();
    let (mut m, _room) = common::room_to_shrink(3 * p, four, |m| m.as_ptr().addr() + 4 * p);
    m[p - 1] = 3;
    let at = m.as_ptr();
    // Shrinking in place always works on Linux; Miri only reallocates.
    let r = m.remap(p, false);
    assert_eq!(r, kernel_or_miri(Ok(()), Err(Errno::ENOSYS)));
    let len = kernel_or_miri(p, 4 * p);
    assert_eq!((m.len(), m.as_ptr(), m[p - 1]), (len, at, 3));
}

#[test]
fn protection_and_advice() {
    let p = page();
    let enosys = Err(Errno::ENOSYS);
    let m = MmapMut::map_anon(2 * p + 1).unwrap();
    assert_eq!(m.flush(), kernel_or_miri(Ok(()), enosys));
    assert_eq!(m.advise(Advice::WILLNEED), kernel_or_miri(Ok(()), enosys));
    let r = m.advise_range(Advice::SEQUENTIAL, p, 1);
    assert_eq!(r, kernel_or_miri(Ok(()), enosys));
    // Refused before any call, so the same under Miri.
    assert_eq!(m.advise(Advice::DONTNEED), Err(Errno::EINVAL));
    assert_eq!(m.advise_range(Advice::NORMAL, 2 * p, 2), Err(Errno::ENOMEM));
    assert_eq!(m.lock(), kernel_or_miri(Ok(()), enosys));
    assert_eq!(m.unlock(), kernel_or_miri(Ok(()), enosys));

    let mut m = MmapMut::map_anon(2 * p + 1).unwrap();
    m[2 * p] = 8;
    // On an error the map is dropped, and so unmapped: nothing is left.
    let r = m.make_read_only();
    let got = r.as_ref().map(drop).map_err(|&e| e);
    assert_eq!(got, kernel_or_miri(Ok(()), enosys));
    if let Ok(r) = r {
        assert_eq!((r.len(), r[2 * p]), (2 * p + 1, 8));
        let mut w = r.make_mut().unwrap();
        w[0] = 1;
        let x = w.make_exec().unwrap();
        assert_eq!((x[0], x[2 * p]), (1, 8));
    }
    let m = MmapMut::map_anon(p).unwrap();
    assert_eq!(m.make_exec().map(drop), kernel_or_miri(Ok(()), enosys));
}
