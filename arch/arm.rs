//! arm (armv7, EABI) Linux.
//!
//! `svc 0`: r7 = number, r0..r5 = arguments; the result comes back in r0.
//! The kernel preserves every other register and the flags.
//!
//! r7 is the frame pointer in Thumb code, and Rust refuses it as an asm
//! operand; stable Rust cannot tell Thumb from ARM code by `cfg`, so every
//! block does the same in both modes: the number comes in any free
//! register, r7 is saved in another one (an early-clobbered scratch, so
//! it cannot share a register with an input), loaded with the number,
//! and restored right after `svc`. No stack is touched.
//!
//! `mmap` is `mmap2` here (nr 192, the only mmap EABI has), which takes the
//! file offset in 4096-byte units (`units` in `arch/mmap.rs`).

use core::arch::asm;

#[inline(always)]
pub unsafe fn syscall0(n: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`; r7 is restored
    // before the block ends.
    unsafe {
        asm!("mov {save}, r7", "mov r7, {n}", "svc 0", "mov r7, {save}",
             n = in(reg) n, save = out(reg) _, lateout("r0") r,
             options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall1(n: usize, a1: usize) -> usize {
    let r;
    // SAFETY: as for syscall0.
    unsafe {
        asm!("mov {save}, r7", "mov r7, {n}", "svc 0", "mov r7, {save}",
             n = in(reg) n, save = out(reg) _, inlateout("r0") a1 => r,
             options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall2(n: usize, a1: usize, a2: usize) -> usize {
    let r;
    // SAFETY: as for syscall0.
    unsafe {
        asm!("mov {save}, r7", "mov r7, {n}", "svc 0", "mov r7, {save}",
             n = in(reg) n, save = out(reg) _, inlateout("r0") a1 => r, in("r1") a2,
             options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall3(n: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let r;
    // SAFETY: as for syscall0.
    unsafe {
        asm!("mov {save}, r7", "mov r7, {n}", "svc 0", "mov r7, {save}",
             n = in(reg) n, save = out(reg) _, inlateout("r0") a1 => r, in("r1") a2,
             in("r2") a3,
             options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall4(n: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    let r;
    // SAFETY: as for syscall0.
    unsafe {
        asm!("mov {save}, r7", "mov r7, {n}", "svc 0", "mov r7, {save}",
             n = in(reg) n, save = out(reg) _, inlateout("r0") a1 => r, in("r1") a2,
             in("r2") a3, in("r3") a4,
             options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall5(n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> usize {
    let r;
    // SAFETY: as for syscall0.
    unsafe {
        asm!("mov {save}, r7", "mov r7, {n}", "svc 0", "mov r7, {save}",
             n = in(reg) n, save = out(reg) _, inlateout("r0") a1 => r, in("r1") a2,
             in("r2") a3, in("r3") a4, in("r4") a5,
             options(nostack, preserves_flags))
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
    // SAFETY: as for syscall0.
    unsafe {
        asm!("mov {save}, r7", "mov r7, {n}", "svc 0", "mov r7, {save}",
             n = in(reg) n, save = out(reg) _, inlateout("r0") a1 => r, in("r1") a2,
             in("r2") a3, in("r3") a4, in("r4") a5, in("r5") a6,
             options(nostack, preserves_flags))
    };
    r
}

/// The page size when the architecture has only one (0: it varies, ask
/// the aux vector). 32-bit arm Linux has 4 KiB pages only.
pub const FIXED_PAGE_SIZE: usize = 4096;

/// arm's constant table: exactly the asm-generic values
/// (`arch/arm/include/uapi/asm/mman.h` only includes `asm-generic/mman.h`).
pub mod consts {
    pub use crate::arch::generic::*;
}
