//! s390x Linux (64-bit, big-endian).
//!
//! `svc 0`: r1 = number, r2..r7 = arguments; the result comes back in r2.
//! (`svc N` with the number as the immediate only reaches numbers below
//! 256; `svc 0` takes it from r1 and reaches all.) The kernel preserves the
//! other general registers. The blocks do not claim to preserve the
//! condition code: Linux's own nolibc declares it clobbered on s390, and
//! assuming less costs nothing here.
//!
//! There is no `mmap2` on s390x, and its `mmap` (nr 90) is the old form:
//! one argument, a pointer to a block of six words (address, length,
//! protection, flags, fd, byte offset), built by `block` in `arch/mmap.rs`.

use core::arch::asm;

#[inline(always)]
pub unsafe fn syscall0(n: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe { asm!("svc 0", in("r1") n, lateout("r2") r, options(nostack)) };
    r
}

#[inline(always)]
pub unsafe fn syscall1(n: usize, a1: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe { asm!("svc 0", in("r1") n, inlateout("r2") a1 => r, options(nostack)) };
    r
}

#[inline(always)]
pub unsafe fn syscall2(n: usize, a1: usize, a2: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe { asm!("svc 0", in("r1") n, inlateout("r2") a1 => r, in("r3") a2, options(nostack)) };
    r
}

#[inline(always)]
pub unsafe fn syscall3(n: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("svc 0", in("r1") n, inlateout("r2") a1 => r, in("r3") a2, in("r4") a3,
             options(nostack))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall4(n: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("svc 0", in("r1") n, inlateout("r2") a1 => r, in("r3") a2, in("r4") a3,
             in("r5") a4, options(nostack))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall5(n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("svc 0", in("r1") n, inlateout("r2") a1 => r, in("r3") a2, in("r4") a3,
             in("r5") a4, in("r6") a5, options(nostack))
    };
    r
}

// mmap, the one six-argument call of the crate, goes by pointer here; kept
// so every architecture file offers the same set.
#[inline(always)]
#[allow(clippy::too_many_arguments, dead_code)]
pub unsafe fn syscall6(
    n: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
    a6: usize,
) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("svc 0", in("r1") n, inlateout("r2") a1 => r, in("r3") a2, in("r4") a3,
             in("r5") a4, in("r6") a5, in("r7") a6, options(nostack))
    };
    r
}

/// The page size when the architecture has only one (0: it varies, ask
/// the aux vector). s390x Linux has 4 KiB pages only.
pub const FIXED_PAGE_SIZE: usize = 4096;

/// s390x's constant table: exactly the asm-generic values
/// (`arch/s390/include/uapi/asm/mman.h` only includes `asm-generic/mman.h`).
pub mod consts {
    pub use crate::arch::generic::*;
}
