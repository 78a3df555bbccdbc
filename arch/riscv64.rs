//! riscv64 Linux.
//!
//! `ecall`: a7 = number, a0..a5 = arguments; the result comes back in a0.
//! The kernel keeps the integer and float registers, but not the vector
//! registers (Documentation/arch/riscv/vector.rst: "the vector register
//! state is not preserved across a system call"), so v0..v31 are clobbered.

use core::arch::asm;

// One macro only to spell the 32 vector clobbers once; each arity below is
// still its own asm block.
macro_rules! ecall {
    ($($operands:tt)*) => {
        asm!("ecall", $($operands)*
             out("v0") _, out("v1") _, out("v2") _, out("v3") _,
             out("v4") _, out("v5") _, out("v6") _, out("v7") _,
             out("v8") _, out("v9") _, out("v10") _, out("v11") _,
             out("v12") _, out("v13") _, out("v14") _, out("v15") _,
             out("v16") _, out("v17") _, out("v18") _, out("v19") _,
             out("v20") _, out("v21") _, out("v22") _, out("v23") _,
             out("v24") _, out("v25") _, out("v26") _, out("v27") _,
             out("v28") _, out("v29") _, out("v30") _, out("v31") _,
             options(nostack, preserves_flags))
    };
}

#[inline(always)]
pub unsafe fn syscall0(n: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe { ecall!(in("a7") n, lateout("a0") r,) };
    r
}

#[inline(always)]
pub unsafe fn syscall1(n: usize, a1: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe { ecall!(in("a7") n, inlateout("a0") a1 => r,) };
    r
}

#[inline(always)]
pub unsafe fn syscall2(n: usize, a1: usize, a2: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe { ecall!(in("a7") n, inlateout("a0") a1 => r, in("a1") a2,) };
    r
}

#[inline(always)]
pub unsafe fn syscall3(n: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe { ecall!(in("a7") n, inlateout("a0") a1 => r, in("a1") a2, in("a2") a3,) };
    r
}

#[inline(always)]
pub unsafe fn syscall4(n: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe { ecall!(in("a7") n, inlateout("a0") a1 => r, in("a1") a2, in("a2") a3, in("a3") a4,) };
    r
}

#[inline(always)]
pub unsafe fn syscall5(n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        ecall!(in("a7") n, inlateout("a0") a1 => r, in("a1") a2, in("a2") a3, in("a3") a4,
               in("a4") a5,)
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
        ecall!(in("a7") n, inlateout("a0") a1 => r, in("a1") a2, in("a2") a3, in("a3") a4,
               in("a4") a5, in("a5") a6,)
    };
    r
}

/// The page size when the architecture has only one (0: it varies, ask
/// the aux vector). riscv64 Linux has 4 KiB base pages only.
pub const FIXED_PAGE_SIZE: usize = 4096;

/// riscv64's constant table: exactly the asm-generic values.
pub mod consts {
    pub use crate::arch::generic::*;
}
