//! powerpc64 (little-endian, ELFv2) Linux.
//!
//! `sc`: r0 = number, r3..r8 = arguments; the result comes back in r3.
//! The kernel does not return `-errno`: on an error it sets the summary
//! overflow bit of cr0 (CR0.SO) and leaves the positive error number in
//! r3. Each block below turns that into the `-errno` convention of the
//! other architectures before it ends (`bns` skips a `neg r3` when SO is
//! clear), so the portable decoder in `src/raw.rs` stays the only one.
//! By the kernel's syscall ABI (Documentation/arch/powerpc/syscall64-abi.rst)
//! r0, r4..r12, cr0, ctr and xer are volatile across `sc`: all declared
//! clobbered. lr and the other cr fields are preserved.
//!
//! Inline assembly on powerpc64 is stable since Rust 1.95; older compilers
//! reject these blocks (E0658).

use core::arch::asm;

// One macro only to spell the sequence and the clobbers once; each arity
// below is still its own asm block. An argument register that is not an
// input is still clobbered, so each arity names the unused ones.
macro_rules! sc {
    ($($operands:tt)*) => {
        asm!("sc", "bns 2f", "neg 3, 3", "2:",
             $($operands)*
             lateout("r9") _, lateout("r10") _, lateout("r11") _, lateout("r12") _,
             lateout("cr0") _, lateout("ctr") _, lateout("xer") _,
             options(nostack))
    };
}

#[inline(always)]
pub unsafe fn syscall0(n: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        sc!(inlateout("r0") n => _, lateout("r3") r, lateout("r4") _, lateout("r5") _,
            lateout("r6") _, lateout("r7") _, lateout("r8") _,)
    };
    r
}

#[inline(always)]
pub unsafe fn syscall1(n: usize, a1: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        sc!(inlateout("r0") n => _, inlateout("r3") a1 => r, lateout("r4") _, lateout("r5") _,
            lateout("r6") _, lateout("r7") _, lateout("r8") _,)
    };
    r
}

#[inline(always)]
pub unsafe fn syscall2(n: usize, a1: usize, a2: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        sc!(inlateout("r0") n => _, inlateout("r3") a1 => r, inlateout("r4") a2 => _,
            lateout("r5") _, lateout("r6") _, lateout("r7") _, lateout("r8") _,)
    };
    r
}

#[inline(always)]
pub unsafe fn syscall3(n: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        sc!(inlateout("r0") n => _, inlateout("r3") a1 => r, inlateout("r4") a2 => _,
            inlateout("r5") a3 => _, lateout("r6") _, lateout("r7") _, lateout("r8") _,)
    };
    r
}

#[inline(always)]
pub unsafe fn syscall4(n: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        sc!(inlateout("r0") n => _, inlateout("r3") a1 => r, inlateout("r4") a2 => _,
            inlateout("r5") a3 => _, inlateout("r6") a4 => _, lateout("r7") _,
            lateout("r8") _,)
    };
    r
}

#[inline(always)]
pub unsafe fn syscall5(n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        sc!(inlateout("r0") n => _, inlateout("r3") a1 => r, inlateout("r4") a2 => _,
            inlateout("r5") a3 => _, inlateout("r6") a4 => _, inlateout("r7") a5 => _,
            lateout("r8") _,)
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
        sc!(inlateout("r0") n => _, inlateout("r3") a1 => r, inlateout("r4") a2 => _,
            inlateout("r5") a3 => _, inlateout("r6") a4 => _, inlateout("r7") a5 => _,
            inlateout("r8") a6 => _,)
    };
    r
}

/// The page size when the architecture has only one (0: it varies, ask
/// the aux vector). powerpc64 kernels are built for 4 or 64 KiB pages: only the aux vector knows.
pub const FIXED_PAGE_SIZE: usize = 0;

/// powerpc's constant table (`arch/powerpc/include/uapi/asm/mman.h`): it
/// includes only `asm-generic/mman-common.h`, not `asm-generic/mman.h`, and
/// defines its own values for the flags that file would give.
pub mod consts {
    pub use crate::arch::generic::*;
    use core::ffi::c_int;

    /// Strong Access Ordering (POWER7..POWER9; ignored by ISA 3.1 CPUs).
    pub const PROT_SAO: c_int = 0x10;
    /// Old SunOS name of `MAP_ANONYMOUS`.
    pub const MAP_RENAME: c_int = MAP_ANONYMOUS;
    /// Do not reserve swap space for the mapping (generic: 0x4000).
    pub const MAP_NORESERVE: c_int = 0x40;
    /// Lock the pages of the mapping, as `mlock` does (generic: 0x2000).
    pub const MAP_LOCKED: c_int = 0x80;
    /// `mlockall`: lock all pages mapped now (generic: 1).
    pub const MCL_CURRENT: c_int = 0x2000;
    /// `mlockall`: lock all pages mapped in the future (generic: 2).
    pub const MCL_FUTURE: c_int = 0x4000;
    /// `mlockall`: lock pages as they are faulted in (generic: 4).
    pub const MCL_ONFAULT: c_int = 0x8000;
    /// Protection key: disable execution.
    pub const PKEY_DISABLE_EXECUTE: c_int = 0x4;
}
