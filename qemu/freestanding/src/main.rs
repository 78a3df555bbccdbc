//! A freestanding smoke program for the raw calls: no libc, no crt, its own
//! `_start` (`start.rs`), and none of the memory functions (`memcpy`,
//! `memset`, `memmove`, `memcmp`) a C library would bring, in debug and in
//! release (`common.rs` says what the toolchain alone asks for).
//!
//! Everything it maps, it maps through `mmap-native`'s raw calls, with the
//! page size from the aux vector on the initial stack; `freestanding-safe`
//! (`safe.rs`) does the same for the safe layer and the kernel's page size.
//! The other calls it needs (write, openat, lseek, memfd_create, ftruncate,
//! pread64, close, exit_group) go through `syscalls::raw`. It reports each
//! step on stdout (`ok <step>` or `FAIL <step>`), stops at the first failure
//! with the errno as exit status (1: a wrong value read back), and exits 0
//! only when every step passed.
//!
//! Usage: `freestanding [FILE]` maps FILE (default: itself, `argv[0]`) and
//! checks that it starts with the ELF magic.
#![no_std]
#![no_main]

mod common;
mod start;

use common::{check, fill, holds, next, open_arg, start, sys, Step};
use core::mem::MaybeUninit;
use core::ptr::null_mut;
use mmap_native::{
    c_void, madvise, mmap, mprotect, mremap, msync, munmap, Advice, MapFlags, MremapFlags, MsFlags,
    Prot,
};
use syscalls::raw::{syscall1, syscall2, syscall3};
use syscalls::Sysno;

const SEEK_END: usize = 2;
const MFD_CLOEXEC: usize = 1;
/// `\x7fELF`, read as a native-endian word (s390x is big-endian).
const ELF_MAGIC: u32 = u32::from_ne_bytes(*b"\x7fELF");

/// Runs the steps in order; `step` names the one running, so that on an
/// error the caller can say which failed.
///
/// # Safety
/// `sp` is the kernel's initial stack: argc, argv[argc], NULL, envp..., NULL, auxv.
unsafe fn run(sp: *const usize, step: &mut &'static [u8]) -> Step {
    // SAFETY: argc and argv from the initial stack.
    let (argc, argv) = unsafe { (*sp, sp.add(1).cast::<*const u8>()) };

    // The first step, page-size, is named by the caller.
    // SAFETY: envp follows argv's NULL terminator, unchanged since exec.
    let ps = unsafe { mmap_native::init_page_size_from_envp(argv.add(argc + 1)) }?;

    // Map a file read-only (argv[1], else ourselves) and check the ELF magic.
    next(step, b"mmap-file-elf\n");
    // SAFETY: argv from the initial stack.
    let fd = unsafe { open_arg(argc, argv) }?;
    // SAFETY: lseek on our own descriptor.
    let len = sys(unsafe { syscall3(Sysno::lseek as usize, fd, 0, SEEK_END) })?;
    // SAFETY: a fresh private read-only mapping at an address the kernel
    // picks (len 0 would be EINVAL), so at least one page: 4 bytes can be
    // read; unmapped once read.
    unsafe {
        let f = mmap(null_mut(), len, Prot::READ, MapFlags::PRIVATE, fd as i32, 0)?;
        check(f.cast::<u32>().read_volatile() == ELF_MAGIC)?;
        munmap(f, len)?;
        syscall1(Sysno::close as usize, fd);
    }

    // Two private anonymous pages, written and read back.
    let rw = Prot::READ | Prot::WRITE;
    let len = 2 * ps;
    next(step, b"mmap-anon\n");
    // SAFETY (this block and the ones below): a fresh anonymous mapping at an
    // address the kernel picks, used only here through raw pointers.
    let p = unsafe {
        mmap(
            null_mut(),
            len,
            rw,
            MapFlags::PRIVATE | MapFlags::ANONYMOUS,
            -1,
            0,
        )
    }?;
    unsafe {
        fill(p, len);
        check(holds(p, len, false))?;
    }

    // DONTNEED drops private anonymous pages: the first reads back as zeros.
    next(step, b"madvise\n");
    unsafe {
        madvise(p, ps, Advice::DONTNEED)?;
        check(holds(p, ps, true) && holds(p.byte_add(ps), ps, false))?;
    }

    // Read-only, then writable again; the contents stay.
    next(step, b"mprotect\n");
    unsafe {
        mprotect(p, len, Prot::READ)?;
        check(holds(p.byte_add(ps), ps, false))?;
        mprotect(p, len, rw)?;
        fill(p, ps);
        check(holds(p, len, false))?;
    }

    // Grow to four pages (it may move): the old pages keep their bytes.
    next(step, b"mremap\n");
    let big = 4 * ps;
    let q = unsafe { mremap(p, len, big, MremapFlags::MAYMOVE, null_mut()) }?;
    unsafe {
        fill(q.byte_add(len), big - len);
        check(holds(q, len, false) && holds(q.byte_add(len), big - len, false))?;
    }

    next(step, b"munmap\n");
    unsafe { munmap(q, big) }?;

    // A new one-page file (memfd: no name to clean up), mapped shared,
    // written through the map, msynced, and read back with pread64.
    next(step, b"msync-file\n");
    // SAFETY: the kernel reads only the NUL-terminated name.
    let fd = sys(unsafe {
        syscall2(
            Sysno::memfd_create as usize,
            c"mmap-native-fs".as_ptr() as usize,
            MFD_CLOEXEC,
        )
    })?;
    // Not zeroed (a memset): pread64 fills it, and only what it read is read.
    let mut buf = MaybeUninit::<[u8; 64]>::uninit();
    let b = buf.as_mut_ptr() as usize;
    // SAFETY: ftruncate and pread64 work on our own descriptor, pread64
    // writes only into buf; the shared mapping of our file is used only here.
    unsafe {
        sys(syscall2(Sysno::ftruncate as usize, fd, ps))?;
        let m = mmap(null_mut(), ps, rw, MapFlags::SHARED, fd as i32, 0)?;
        fill(m, ps);
        msync(m, ps, MsFlags::SYNC)?;
        // Offset 0: one register on 64-bit targets; in every 32-bit form
        // (a low and a high word on i686, a pad and two words on arm EABI).
        #[cfg(target_pointer_width = "64")]
        let n = sys(syscalls::raw::syscall4(
            Sysno::pread64 as usize,
            fd,
            b,
            64,
            0,
        ))?;
        #[cfg(target_pointer_width = "32")]
        let n = sys(syscalls::raw::syscall6(
            Sysno::pread64 as usize,
            fd,
            b,
            64,
            0,
            0,
            0,
        ))?;
        check(n == 64 && holds(b as *const c_void, n, false))?;
        munmap(m, ps)?;
        syscall1(Sysno::close as usize, fd);
    }
    next(step, b"");
    Ok(())
}
