//! x86 (i686) Linux.
//!
//! `int 0x80`: eax = number, then ebx ecx edx esi edi ebp; the result comes
//! back in eax. The kernel preserves every other register and the flags.
//!
//! Rust refuses `esi` and `ebp` as asm operands (LLVM may need them as the
//! base and frame pointer), so the fourth argument (esi) and the sixth
//! (ebp) are loaded inside the asm block and the registers restored after
//! the call:
//! - with four arguments, `xchg` swaps the fourth into esi and back;
//! - with five and six, every general register is taken, so the fourth and
//!   sixth arguments and the number travel in a small array whose address
//!   is in eax; the block saves esi (and ebp) with `push`, loads them (and
//!   eax last) from the array, and restores them with `pop`. That touches
//!   the stack, so those two blocks are not `nostack`.
//!
//! `mmap` is `mmap2` here (nr 192), which takes the file offset in 4096-byte
//! units (`units` in `arch/mmap.rs`).

use core::arch::asm;

#[inline(always)]
pub unsafe fn syscall0(n: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe { asm!("int 0x80", inlateout("eax") n => r, options(nostack, preserves_flags)) };
    r
}

#[inline(always)]
pub unsafe fn syscall1(n: usize, a1: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("int 0x80", inlateout("eax") n => r, in("ebx") a1,
             options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall2(n: usize, a1: usize, a2: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("int 0x80", inlateout("eax") n => r, in("ebx") a1, in("ecx") a2,
             options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall3(n: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe {
        asm!("int 0x80", inlateout("eax") n => r, in("ebx") a1, in("ecx") a2, in("edx") a3,
             options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall4(n: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    let r;
    // SAFETY: the caller upholds the contract of syscall `n`; esi is swapped
    // back before the block ends.
    unsafe {
        asm!("xchg esi, {a4}", "int 0x80", "xchg esi, {a4}",
             a4 = in(reg) a4,
             inlateout("eax") n => r, in("ebx") a1, in("ecx") a2, in("edx") a3,
             options(nostack, preserves_flags))
    };
    r
}

#[inline(always)]
pub unsafe fn syscall5(n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> usize {
    let r;
    let rest = [a4, n];
    // SAFETY: the caller upholds the contract of syscall `n`; `rest` lives
    // across the block, and esi is popped back before it ends.
    unsafe {
        asm!("push esi",
             "mov esi, dword ptr [eax]",
             "mov eax, dword ptr [eax + 4]",
             "int 0x80",
             "pop esi",
             inlateout("eax") rest.as_ptr() => r,
             in("ebx") a1, in("ecx") a2, in("edx") a3, in("edi") a5,
             options(preserves_flags))
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
    let rest = [a4, a6, n];
    // SAFETY: the caller upholds the contract of syscall `n`; `rest` lives
    // across the block, and esi and ebp are popped back before it ends.
    unsafe {
        asm!("push ebp",
             "push esi",
             "mov esi, dword ptr [eax]",
             "mov ebp, dword ptr [eax + 4]",
             "mov eax, dword ptr [eax + 8]",
             "int 0x80",
             "pop esi",
             "pop ebp",
             inlateout("eax") rest.as_ptr() => r,
             in("ebx") a1, in("ecx") a2, in("edx") a3, in("edi") a5,
             options(preserves_flags))
    };
    r
}

/// The page size when the architecture has only one (0: it varies, ask
/// the aux vector). i386 Linux has 4 KiB pages only.
pub const FIXED_PAGE_SIZE: usize = 4096;

/// x86's constant table: the asm-generic values plus the two flags of
/// `arch/x86/include/uapi/asm/mman.h`, which i386 shares with x86_64.
pub mod consts {
    pub use crate::arch::generic::*;
    use core::ffi::c_int;

    /// Map into the first 2 GiB of the address space. Only a 64-bit
    /// process honours it; for a 32-bit one every address is below 4 GiB
    /// and the kernel ignores the bit.
    pub const MAP_32BIT: c_int = 0x40;
    /// Map only above 4 GiB (Linux 6.5). Only a 64-bit process honours it.
    pub const MAP_ABOVE4G: c_int = 0x80;
}
