//! The freestanding smoke program for the safe layer and the kernel's page
//! size: no libc, no crt, its own `_start` (`start.rs`), and none of
//! `memcpy`, `memset`, `memmove`, `memcmp`, in debug and in release, as
//! `freestanding` (`main.rs`) for the raw calls.
//!
//! Its maps are `Mmap`, `MmapOptions` and `MmapMut` maps (a file's length from
//! `statx`, an unaligned offset, anonymous memory grown with `remap` and
//! made read-only, an empty map), each unmapped by its `Drop`; `mincore`
//! checks residency with the page size the raw layer reads. The output and
//! exit status are `freestanding`'s.
//!
//! Usage: `freestanding-safe [FILE]` maps FILE (default: itself,
//! `argv[0]`) and checks that it starts with the ELF magic.
#![no_std]
#![no_main]

mod common;
mod start;

use common::{check, fill, holds, next, open_arg, start, Step};
use mmap_native::{mincore, Mmap, MmapMut, MmapOptions};
use syscalls::raw::syscall1;
use syscalls::Sysno;

/// Runs the steps in order; `step` names the one running, so that on an
/// error the caller can say which failed.
///
/// # Safety
/// `sp` is the kernel's initial stack: argc, argv[argc], NULL, envp..., NULL, auxv.
unsafe fn run(sp: *const usize, step: &mut &'static [u8]) -> Step {
    // SAFETY: argc and argv from the initial stack.
    let (argc, argv) = unsafe { (*sp, sp.add(1).cast::<*const u8>()) };

    // The first step, page-size, is named by the caller: the kernel's answer
    // (prctl(PR_GET_AUXV), else /proc/self/auxv, read with the crate's own
    // syscalls) and the aux vector on the initial stack agree.
    let kernel = mmap_native::try_page_size()?;
    // SAFETY: envp follows argv's NULL terminator, unchanged since exec.
    let ps = unsafe { mmap_native::init_page_size_from_envp(argv.add(argc + 1)) }?;
    check(kernel == ps)?;

    // A file (argv[1], else ourselves) mapped whole, its length from statx:
    // it starts with the ELF magic.
    next(step, b"map-file-elf\n");
    // SAFETY: argv from the initial stack.
    let fd = unsafe { open_arg(argc, argv) }?;
    let fd32 = fd as i32;
    // SAFETY (both maps): nothing writes or truncates the file meanwhile.
    let map = unsafe { Mmap::map(fd32) }?;
    // Slice patterns, not `==` or `starts_with`: those compare with memcmp.
    check(matches!(*map, [0x7f, b'E', b'L', b'F', ..]))?;
    drop(map);

    // Three bytes at offset 1: the map starts at the page below and hides
    // the difference.
    next(step, b"map-file-offset\n");
    let map = unsafe { MmapOptions::new().offset(1).len(3).map(fd32) }?;
    check(matches!(*map, [b'E', b'L', b'F']))?;
    drop(map);
    // SAFETY: our own descriptor, not used again.
    unsafe { syscall1(Sysno::close as usize, fd) };

    // Two pages of anonymous memory, written and read back.
    next(step, b"map-anon\n");
    let len = 2 * ps;
    let mut anon = MmapMut::map_anon(len)?;
    // SAFETY (this block and the next): the map's own writable bytes.
    unsafe {
        fill(anon.as_mut_ptr().cast(), len);
        check(holds(anon.as_ptr().cast(), len, false))?;
    }

    // Grown to four pages (it may move): the old bytes stay, the new ones
    // are zeros.
    next(step, b"remap\n");
    anon.remap(2 * len, true)?;
    unsafe {
        check(anon.len() == 2 * len && holds(anon.as_ptr().cast(), len, false))?;
        check(holds(anon.as_ptr().add(len).cast(), len, true))?;
    }

    // All four pages were touched, so all are resident.
    next(step, b"mincore\n");
    // Four elements, not `[0; 4]`: an x86 debug build fills a repeat with
    // memset.
    let mut vec = [0u8, 0, 0, 0];
    // SAFETY: mincore writes only vec, one byte per page.
    unsafe { mincore(anon.as_mut_ptr().cast(), 2 * len, &mut vec) }?;
    check(vec.iter().all(|b| b & 1 == 1))?;

    next(step, b"make-read-only\n");
    let map = anon.make_read_only()?;
    // SAFETY: the map's own readable bytes.
    check(unsafe { holds(map.as_ptr().cast(), len, false) })?;
    drop(map);

    // An empty map: no syscall, and a page-aligned pointer.
    next(step, b"map-empty\n");
    let empty = MmapOptions::new().map_anon()?;
    check(empty.is_empty() && empty.as_ptr() as usize & (ps - 1) == 0)?;
    next(step, b"");
    Ok(())
}
