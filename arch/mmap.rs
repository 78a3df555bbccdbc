//! The three ways Linux architectures take `mmap`'s arguments, written once;
//! each architecture file picks its own with one `pub use` line. All return
//! the raw result for the one decoder in `src/raw.rs`.

// Each form is compiled only where its syscall exists (syscalls::Sysno has
// no mmap2 on 64-bit architectures, no mmap on arm).
#[cfg(target_arch = "s390x")]
use crate::arch::syscall1;
#[cfg(not(target_arch = "s390x"))]
use crate::arch::syscall6;
use syscalls::Sysno;

/// `mmap` in six registers, the file offset in bytes (64-bit architectures).
///
/// # Safety
///
/// The caller upholds mmap's contract (see `crate::mmap`).
#[cfg(not(any(target_arch = "x86", target_arch = "arm", target_arch = "s390x")))]
#[inline(always)]
pub unsafe fn bytes(
    addr: usize,
    len: usize,
    prot: usize,
    flags: usize,
    fd: usize,
    off: u64,
) -> usize {
    // SAFETY: the caller upholds mmap's contract.
    unsafe {
        syscall6(
            Sysno::mmap as usize,
            addr,
            len,
            prot,
            flags,
            fd,
            off as usize,
        )
    }
}

/// `mmap2`: the file offset in 4096-byte units, whatever the page size
/// (i686, armv7). An offset that is not a multiple of 4096, or whose unit
/// count does not fit 32 bits (16 TiB and up), is EINVAL before any syscall,
/// as musl and glibc answer (truncating it would map the wrong bytes).
///
/// # Safety
///
/// As for `bytes`: the caller upholds mmap's contract.
#[cfg(any(target_arch = "x86", target_arch = "arm"))]
#[inline(always)]
pub unsafe fn units(
    addr: usize,
    len: usize,
    prot: usize,
    flags: usize,
    fd: usize,
    off: u64,
) -> usize {
    if off % 4096 != 0 || off >> 12 > u32::MAX as u64 {
        return (syscalls::Errno::EINVAL.into_raw() as isize).wrapping_neg() as usize;
    }
    // SAFETY: the caller upholds mmap's contract; the unit count fits.
    unsafe {
        syscall6(
            Sysno::mmap2 as usize,
            addr,
            len,
            prot,
            flags,
            fd,
            (off >> 12) as usize,
        )
    }
}

/// The old `mmap`: one pointer to a block of the six arguments (s390x,
/// which has no other).
///
/// # Safety
///
/// As for `bytes`: the caller upholds mmap's contract.
#[cfg(target_arch = "s390x")]
#[inline(always)]
pub unsafe fn block(
    addr: usize,
    len: usize,
    prot: usize,
    flags: usize,
    fd: usize,
    off: u64,
) -> usize {
    let block: [usize; 6] = [addr, len, prot, flags, fd, off as usize];
    // SAFETY: the caller upholds mmap's contract; the kernel reads the six
    // words of `block`, which lives until the call returns.
    unsafe { syscall1(Sysno::mmap as usize, block.as_ptr() as usize) }
}
