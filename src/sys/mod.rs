//! The private layer between the crate's calls and `arch/`: the one decoder
//! of raw returns ([`ret`]), the gates every syscall of the crate goes
//! through (`call0..call5` and [`mmap`]: the syscall instruction, then the
//! decoder), and the crate's own private syscalls, which the page size and
//! the safe layer need. Nothing outside this module calls `crate::arch`
//! (`lib.rs` only publishes its constant table).
//!
//! A new private syscall (`fcntl`, `ftruncate`, ...) is one typed function in
//! the "private syscalls" part below, built on a gate. Under Miri it answers
//! `ENOSYS` until `arch/miri.rs` is taught it (where Miri emulates it).

pub(crate) mod page;

use crate::arch;
use crate::{Errno, Result};
use core::ffi::{c_int, CStr};
use core::mem::MaybeUninit;
use syscalls::Sysno;

/// The one place a raw return value is decoded: `-4095..=-1` is an error
/// number, anything else the result.
#[inline(always)]
pub(crate) fn ret(r: usize) -> Result<usize> {
    Errno::from_ret(r)
}

/// Sign-extends a C `int` argument into a register, as C's calling
/// convention does for an `int` passed where the kernel reads a `long`.
#[inline(always)]
pub(crate) const fn int(v: c_int) -> usize {
    v as isize as usize
}

// ---- gates ----------------------------------------------------------------
// Each is the architecture's syscall instruction and the decoder, and
// inlines to exactly those: the raw API above them costs nothing extra.

/// # Safety
///
/// The caller upholds the contract of syscall `nr`.
#[inline(always)]
pub(crate) unsafe fn call0(nr: Sysno) -> Result<usize> {
    // SAFETY: the caller upholds the contract of syscall `nr`.
    ret(unsafe { arch::syscall0(nr as usize) })
}

/// # Safety
///
/// As for [`call0`].
#[inline(always)]
pub(crate) unsafe fn call1(nr: Sysno, a1: usize) -> Result<usize> {
    // SAFETY: the caller upholds the contract of syscall `nr`.
    ret(unsafe { arch::syscall1(nr as usize, a1) })
}

/// # Safety
///
/// As for [`call0`].
#[inline(always)]
pub(crate) unsafe fn call2(nr: Sysno, a1: usize, a2: usize) -> Result<usize> {
    // SAFETY: the caller upholds the contract of syscall `nr`.
    ret(unsafe { arch::syscall2(nr as usize, a1, a2) })
}

/// # Safety
///
/// As for [`call0`].
#[inline(always)]
pub(crate) unsafe fn call3(nr: Sysno, a1: usize, a2: usize, a3: usize) -> Result<usize> {
    // SAFETY: the caller upholds the contract of syscall `nr`.
    ret(unsafe { arch::syscall3(nr as usize, a1, a2, a3) })
}

/// # Safety
///
/// As for [`call0`].
#[inline(always)]
pub(crate) unsafe fn call4(nr: Sysno, a1: usize, a2: usize, a3: usize, a4: usize) -> Result<usize> {
    // SAFETY: the caller upholds the contract of syscall `nr`.
    ret(unsafe { arch::syscall4(nr as usize, a1, a2, a3, a4) })
}

/// # Safety
///
/// As for [`call0`].
#[inline(always)]
pub(crate) unsafe fn call5(
    nr: Sysno,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
) -> Result<usize> {
    // SAFETY: the caller upholds the contract of syscall `nr`.
    ret(unsafe { arch::syscall5(nr as usize, a1, a2, a3, a4, a5) })
}

/// `mmap` in the architecture's form (offset in bytes, in 4096-byte units
/// for `mmap2`, or the s390x block; see `arch/mmap.rs`).
///
/// # Safety
///
/// The caller upholds mmap's contract (see [`crate::mmap`]).
#[inline(always)]
pub(crate) unsafe fn mmap(
    addr: usize,
    len: usize,
    prot: usize,
    flags: usize,
    fd: usize,
    offset: u64,
) -> Result<usize> {
    // SAFETY: the caller upholds mmap's contract.
    ret(unsafe { arch::mmap(addr, len, prot, flags, fd, offset) })
}

// ---- private syscalls -----------------------------------------------------
// Their constants are `pub(crate)` for `arch/miri.rs` too, which answers the
// same calls under Miri and must recognise the same values.

/// `AT_FDCWD`: a path relative to the working directory.
pub(crate) const AT_FDCWD: c_int = -100;
/// `O_RDONLY | O_CLOEXEC`: the same value on every architecture here.
pub(crate) const O_RDONLY_CLOEXEC: c_int = 0o2_000_000;
pub(crate) const AT_EMPTY_PATH: c_int = 0x1000;
pub(crate) const PR_GET_AUXV: c_int = 0x4155_5856;
/// `struct statx` is 256 bytes with the same layout on every architecture
/// (it was designed so): `stx_mask` is the `u32` at byte 0, `stx_mode` the
/// `u16` at byte 28 and `stx_size` the `u64` at byte 40.
pub(crate) const STATX_WORDS: usize = 256 / 8;

/// `openat(dirfd, path, flags, 0)`: a new descriptor.
pub(crate) fn openat(dirfd: c_int, path: &CStr, flags: c_int) -> Result<c_int> {
    // SAFETY: the kernel reads only the NUL-terminated path.
    let fd = unsafe {
        call4(
            Sysno::openat,
            int(dirfd),
            path.as_ptr() as usize,
            int(flags),
            0,
        )
    }?;
    // A descriptor is a non-negative C int.
    Ok(fd as c_int)
}

/// `read(fd, buf, buf.len())`: the number of bytes the kernel wrote at the
/// start of `buf`.
pub(crate) fn read(fd: c_int, buf: &mut [MaybeUninit<u8>]) -> Result<usize> {
    // SAFETY: the kernel writes at most buf.len() bytes, inside buf, whose
    // bytes may hold anything.
    unsafe { call3(Sysno::read, int(fd), buf.as_mut_ptr() as usize, buf.len()) }
}

/// `close(fd)`.
///
/// # Safety
///
/// `fd` is the caller's own descriptor, used nowhere after the call.
pub(crate) unsafe fn close(fd: c_int) -> Result<()> {
    // SAFETY: the caller gives up fd.
    unsafe { call1(Sysno::close, int(fd)) }.map(drop)
}

/// `prctl(PR_GET_AUXV, buf, buf.len(), 0, 0)` (Linux 6.4): the aux vector's
/// full size in bytes, of which at most `buf.len()` were copied into `buf`.
pub(crate) fn prctl_get_auxv(buf: &mut [MaybeUninit<u8>]) -> Result<usize> {
    // SAFETY: the kernel writes at most buf.len() bytes, inside buf.
    unsafe {
        call5(
            Sysno::prctl,
            int(PR_GET_AUXV),
            buf.as_mut_ptr() as usize,
            buf.len(),
            0,
            0,
        )
    }
}

/// What [`statx`] reads of `struct statx`.
pub(crate) struct Statx {
    /// `stx_mask`: which fields the kernel filled in (`STATX_*`).
    pub(crate) mask: u32,
    /// `stx_mode`: file type and permissions.
    pub(crate) mode: u16,
    /// `stx_size`: the size in bytes.
    pub(crate) size: u64,
}

/// `statx(fd, "", AT_EMPTY_PATH, mask)` (Linux 4.11): the file behind `fd`
/// itself, with no libc and no per-architecture `struct stat`.
pub(crate) fn statx(fd: c_int, mask: u32) -> Result<Statx> {
    // u64 words for the alignment of stx_size. Not zeroed first: the kernel
    // writes all of it (the unfilled fields as zeros) when it succeeds.
    let mut buf = MaybeUninit::<[u64; STATX_WORDS]>::uninit();
    // SAFETY: the kernel writes at most 256 bytes, the size of buf, and
    // reads only the NUL-terminated empty path.
    unsafe {
        call5(
            Sysno::statx,
            int(fd),
            c"".as_ptr() as usize,
            int(AT_EMPTY_PATH),
            mask as usize,
            buf.as_mut_ptr() as usize,
        )
    }?;
    let words = buf.as_ptr().cast::<u64>();
    // SAFETY: the call succeeded, so all 32 words are written; 0, 3 and 5
    // are inside.
    let (w0, w3, size) = unsafe { (words.read(), words.add(3).read(), words.add(5).read()) };
    let [m0, m1, m2, m3, ..] = w0.to_ne_bytes();
    let [.., t0, t1, _, _] = w3.to_ne_bytes();
    Ok(Statx {
        mask: u32::from_ne_bytes([m0, m1, m2, m3]),
        mode: u16::from_ne_bytes([t0, t1]),
        size,
    })
}

/// `fcntl(fd, F_ADD_SEALS, seals)`.
pub(crate) fn add_seals(fd: c_int, seals: c_int) -> Result<()> {
    // SAFETY: the call reads only its scalar arguments.
    unsafe {
        call3(
            Sysno::fcntl,
            int(fd),
            int(arch::consts::F_ADD_SEALS),
            int(seals),
        )
    }
    .map(drop)
}

/// `fcntl(fd, F_GET_SEALS)`.
pub(crate) fn get_seals(fd: c_int) -> Result<c_int> {
    // SAFETY: the call reads only its scalar arguments.
    let s = unsafe { call2(Sysno::fcntl, int(fd), int(arch::consts::F_GET_SEALS)) }?;
    Ok(s as c_int)
}

/// `ftruncate(fd, len)`: on 32-bit targets `ftruncate64`, whose 64-bit
/// length travels as two registers (low word first on these little-endian
/// ABIs; arm EABI starts the pair at an even register, after a pad).
pub(crate) fn ftruncate(fd: c_int, len: u64) -> Result<()> {
    // SAFETY: the call reads only its scalar arguments.
    unsafe {
        #[cfg(target_pointer_width = "64")]
        let r = call2(Sysno::ftruncate, int(fd), len as usize);
        #[cfg(target_arch = "x86")]
        let r = call3(
            Sysno::ftruncate64,
            int(fd),
            len as u32 as usize,
            (len >> 32) as usize,
        );
        #[cfg(target_arch = "arm")]
        let r = call4(
            Sysno::ftruncate64,
            int(fd),
            0,
            len as u32 as usize,
            (len >> 32) as usize,
        );
        r.map(drop)
    }
}
