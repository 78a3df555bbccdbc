//! x86_64 Linux.
//!
//! `syscall`: rax = number, then rdi rsi rdx r10 r8 r9; the result comes
//! back in rax. The instruction itself overwrites rcx (return address) and
//! r11 (saved rflags); sysret restores rflags, so the flags are preserved.
//! No stack is touched.

use core::arch::asm;

#[inline(always)]
pub unsafe fn syscall0(n: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("syscall", inlateout("rax") n => r,
             lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall1(n: usize, a1: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("syscall", inlateout("rax") n => r, in("rdi") a1,
             lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall2(n: usize, a1: usize, a2: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("syscall", inlateout("rax") n => r, in("rdi") a1, in("rsi") a2,
             lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall3(n: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("syscall", inlateout("rax") n => r, in("rdi") a1, in("rsi") a2, in("rdx") a3,
             lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall4(n: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("syscall", inlateout("rax") n => r, in("rdi") a1, in("rsi") a2, in("rdx") a3,
             in("r10") a4,
             lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall5(n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("syscall", inlateout("rax") n => r, in("rdi") a1, in("rsi") a2, in("rdx") a3,
             in("r10") a4, in("r8") a5,
             lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags))
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
        asm!("syscall", inlateout("rax") n => r, in("rdi") a1, in("rsi") a2, in("rdx") a3,
             in("r10") a4, in("r8") a5, in("r9") a6,
             lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags))
    };
    r
}

/// The page size when the architecture has only one (0: it varies, ask
/// the aux vector). x86_64 Linux has 4 KiB pages only.
pub const FIXED_PAGE_SIZE: usize = 4096;

/// x86_64's constant table: the asm-generic values plus its own.
pub mod consts {
    pub use crate::arch::generic::*;
    use core::ffi::c_int;

    /// Map into the first 2 GiB of the address space (x86_64 only).
    pub const MAP_32BIT: c_int = 0x40;
    /// Map only above 4 GiB (x86_64 only, Linux 6.5).
    pub const MAP_ABOVE4G: c_int = 0x80;
}
