//! `mapcat FILE`: maps FILE read-only through `mmap-native` and writes it to
//! stdout. No libc, no crt: its own `_start`, static, non-PIE.
//!
//! Exit status: 0 when the whole file was written, 1 when a call failed,
//! 2 without a FILE argument. The size benchmark of `bench/run` builds it
//! with opt-level z, LTO, panic=abort and strip, and compares it with the
//! same program in C (static musl) and in hand-written asm.
#![no_std]
#![no_main]

use core::ptr::null_mut;
use mmap_native::{mmap, MapFlags, Prot};
use syscalls::raw::{syscall1, syscall3, syscall4};
use syscalls::Sysno;

// `_start`, shared with qemu/freestanding: it hands the initial stack
// pointer (argc, then argv[]) to `start`.
#[path = "../../../qemu/freestanding/src/start.rs"]
mod start;

const AT_FDCWD: usize = -100isize as usize;
const SEEK_END: usize = 2;
const EINTR: isize = 4;

fn exit(code: usize) -> ! {
    // SAFETY: exit_group ends the process; nothing runs after it.
    unsafe { syscall1(Sysno::exit_group as usize, code) };
    // SAFETY: exit_group does not return.
    unsafe { core::hint::unreachable_unchecked() }
}

/// `sp` is the initial stack pointer: `argc`, then `argv[0]`, `argv[1]`...
unsafe extern "C" fn start(sp: *const usize) -> ! {
    // SAFETY: the caller hands in the kernel's initial stack.
    exit(unsafe { cat(sp) })
}

/// Does the work; returns the exit status.
///
/// # Safety
///
/// `sp` must be the kernel's initial stack: argc and argc + 1 argv words.
#[inline(always)]
unsafe fn cat(sp: *const usize) -> usize {
    // SAFETY: the kernel's initial stack holds argc and argc + 1 argv words.
    let (argc, path) = unsafe { (sp.read(), sp.add(2).read()) };
    if argc < 2 {
        return 2;
    }
    // SAFETY: path is argv[1], a NUL-terminated string.
    let fd = unsafe { syscall4(Sysno::openat as usize, AT_FDCWD, path, 0, 0) } as isize;
    if fd < 0 {
        return 1;
    }
    // SAFETY: lseek reads no memory of ours.
    let len = unsafe { syscall3(Sysno::lseek as usize, fd as usize, 0, SEEK_END) } as isize;
    if len <= 0 {
        return (len < 0) as usize;
    }
    let len = len as usize;
    // SAFETY: a fresh private read-only mapping at an address the kernel
    // picks; it is only read below, within len.
    let Ok(p) = (unsafe { mmap(null_mut(), len, Prot::READ, MapFlags::PRIVATE, fd as i32, 0) })
    else {
        return 1;
    };
    let (mut p, mut left) = (p as usize, len);
    while left > 0 {
        // SAFETY: p .. p + left lies inside the mapping.
        let n = unsafe { syscall3(Sysno::write as usize, 1, p, left) } as isize;
        if n == -EINTR {
            continue;
        }
        if n <= 0 {
            return 1;
        }
        p += n as usize;
        left -= n as usize;
    }
    0
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    exit(101)
}
