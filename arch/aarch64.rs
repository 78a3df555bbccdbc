//! aarch64 Linux.
//!
//! `svc 0`: x8 = number, x0..x5 = arguments; the result comes back in x0.
//! The kernel preserves every other register and the flags.

use core::arch::asm;

#[inline(always)]
pub unsafe fn syscall0(n: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe { asm!("svc 0", in("x8") n, lateout("x0") r, options(nostack, preserves_flags)) };
    r
}

#[inline(always)]
pub unsafe fn syscall1(n: usize, a1: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("svc 0", in("x8") n, inlateout("x0") a1 => r, options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall2(n: usize, a1: usize, a2: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("svc 0", in("x8") n, inlateout("x0") a1 => r, in("x1") a2,
             options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall3(n: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("svc 0", in("x8") n, inlateout("x0") a1 => r, in("x1") a2, in("x2") a3,
             options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall4(n: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("svc 0", in("x8") n, inlateout("x0") a1 => r, in("x1") a2, in("x2") a3,
             in("x3") a4, options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall5(n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("svc 0", in("x8") n, inlateout("x0") a1 => r, in("x1") a2, in("x2") a3,
             in("x3") a4, in("x4") a5, options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
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
        asm!("svc 0", in("x8") n, inlateout("x0") a1 => r, in("x1") a2, in("x2") a3,
             in("x3") a4, in("x4") a5, in("x5") a6, options(nostack, preserves_flags))
    };
    r
}

/// The page size when the architecture has only one (0: it varies, ask
/// the aux vector). aarch64 kernels are built for 4, 16 or 64 KiB pages: only the aux vector knows.
pub const FIXED_PAGE_SIZE: usize = 0;

/// aarch64's constant table: the asm-generic values plus its own.
pub mod consts {
    pub use crate::arch::generic::*;
    use core::ffi::c_int;

    /// Branch Target Identification guarded page (aarch64 only).
    pub const PROT_BTI: c_int = 0x10;
    /// Memory Tagging Extension enabled page (aarch64 only).
    pub const PROT_MTE: c_int = 0x20;
    /// Protection key: disable execution (aarch64 POE).
    pub const PKEY_DISABLE_EXECUTE: c_int = 0x4;
    /// Protection key: disable reads (aarch64 POE).
    pub const PKEY_DISABLE_READ: c_int = 0x8;
}
