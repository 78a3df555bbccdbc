//! File offsets at and past 4 GiB, and unaligned ones, through the raw
//! `mmap`. On x86 (i686) and arm the call is `mmap2`, which takes the offset
//! in 4096-byte units: these tests prove that the conversion maps the right
//! bytes and that an offset it cannot carry is `EINVAL`. They run on 64-bit
//! targets too, where the offset goes to the kernel in bytes.
//!
//! qemu-user before 8.1 (qemu-arm, qemu-i386) cuts the `mmap2` offset to
//! 32 bits: where `MMAP2_OFFSET_TRUNCATED` applies, offsets of 4 GiB and
//! more map the bytes of offset `off % 4 GiB`, and that is what is asserted
//! there; i686 runs natively and checks the real offsets.

mod common;
use common::quirks::MMAP2_OFFSET_TRUNCATED;
use common::{page, TempFile};

use core::ptr::null_mut;
use mmap_native::*;
use std::os::unix::fs::FileExt;

const GIB: u64 = 1 << 30;
/// The offsets the issue names: 0, 8 KiB, exactly 4 GiB, 5 GiB + 8 KiB.
const OFFSETS: [u64; 4] = [0, 8192, 4 * GIB, 5 * GIB + 8192];

/// A sparse file with a distinct 16-byte marker at each offset of
/// [`OFFSETS`], one 4 KiB block after the last. Only those blocks take disk
/// space.
fn sparse() -> TempFile {
    let f = TempFile::new(b"");
    for off in OFFSETS {
        f.file.write_all_at(&marker(off), off).unwrap();
    }
    f.file.set_len(OFFSETS[3] + 4096).unwrap();
    f
}

fn marker(off: u64) -> [u8; 16] {
    let mut m = *b"off=____________";
    m[4..].copy_from_slice(format!("{off:012x}").as_bytes());
    m
}

fn map_at(f: &TempFile, off: u64) -> Result<Vec<u8>> {
    // SAFETY: a fresh private read-only mapping of our own file; we read
    // 16 bytes of its first page and unmap it.
    unsafe {
        let p = mmap(null_mut(), 4096, Prot::READ, MapFlags::PRIVATE, f.fd(), off)?;
        let bytes = core::slice::from_raw_parts(p.cast::<u8>(), 16).to_vec();
        munmap(p, 4096).unwrap();
        Ok(bytes)
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "maps files at large offsets: under Miri only anonymous memory maps (ENOSYS)"
)]
fn large_offsets_read_the_right_bytes() {
    let f = sparse();
    for off in OFFSETS {
        if off % page() as u64 != 0 {
            // A 64 KiB-page system: not a page offset there (checked below).
            println!(
                "offset {off:#x}: not a multiple of the page size {}, skipped",
                page()
            );
            continue;
        }
        let got = map_at(&f, off).unwrap_or_else(|e| panic!("offset {off:#x}: {e}"));
        // What the file holds there, read through the file, as the witness;
        // where the emulator cuts the offset, what it holds at the cut one.
        let at = MMAP2_OFFSET_TRUNCATED.pick(off, off % (4 * GIB));
        let mut want = [0u8; 16];
        f.file.read_exact_at(&mut want, at).unwrap();
        assert_eq!(got, want, "offset {off:#x} (the file's bytes at {at:#x})");
        if at == off {
            assert_eq!(got, marker(off), "offset {off:#x}");
        }
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "maps files at large offsets: under Miri only anonymous memory maps (ENOSYS)"
)]
fn unaligned_offsets_are_einval() {
    let f = sparse();
    // Not a multiple of 4096, so of no page size Linux has: EINVAL, from
    // the kernel on 64-bit targets, before the syscall for mmap2.
    for off in [
        1,
        2048,
        4096 + 512,
        4 * GIB + 1,
        4 * GIB + 2048,
        5 * GIB + 8191,
    ] {
        assert_eq!(map_at(&f, off), Err(Errno::EINVAL), "offset {off:#x}");
    }
}

/// mmap2's offset register holds 32 bits of 4096-byte units: 16 TiB
/// (2^44) and above cannot be said. The crate answers EINVAL, as musl and
/// glibc do; the offset just below still reaches the kernel.
#[test]
#[cfg(any(target_arch = "x86", target_arch = "arm"))]
fn mmap2_offsets_past_16_tib_are_einval() {
    let f = sparse();
    for off in [1u64 << 44, (1 << 44) + 4096, u64::MAX - 4095] {
        assert_eq!(map_at(&f, off), Err(Errno::EINVAL), "offset {off:#x}");
    }
    // 2^32 - 1 units: the kernel decides (past the end of a small file a
    // private mapping may be made, or the kernel answers EOVERFLOW/EINVAL
    // for its own reasons); what matters is that the crate passed it on.
    // Past the end of the file: never touch the mapping (SIGBUS).
    let last = (1u64 << 44) - 4096;
    // SAFETY: a fresh private mapping that is unmapped unread.
    let r = unsafe {
        mmap(
            null_mut(),
            4096,
            Prot::READ,
            MapFlags::PRIVATE,
            f.fd(),
            last,
        )
    };
    if let Ok(p) = r {
        unsafe { munmap(p, 4096) }.unwrap();
    }
    println!("offset {last:#x} (the last mmap2 can carry): kernel answered {r:?}");
}
