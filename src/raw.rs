//! The raw API: one thin `unsafe fn` per system call. Each compiles to the
//! argument moves, the syscall instruction and the error check (the gates of
//! `src/sys/`); nothing else happens on the way (the one exception,
//! `mincore`'s vector length check, is what keeps the kernel inside the
//! caller's slice).

use crate::sys::{self, call0, call1, call2, call3, call5, int};
use crate::{c_void, Result};
use crate::{Advice, Errno, MapFlags, MlockAllFlags, MlockFlags, MremapFlags, MsFlags, Prot};
use syscalls::Sysno;

/// Maps `len` bytes of the file `fd` (or anonymous memory) at `offset`.
///
/// Returns the address of the mapping. `offset` must be a multiple of the
/// page size, `len` must not be 0 (`EINVAL`); see `mmap(2)` for all the
/// errors, which come back unchanged. One is made here: with
/// [`MapFlags::FIXED_NOREPLACE`], a kernel that does not know the flag
/// (before Linux 4.17, or qemu-user 7.2) places the mapping elsewhere; that
/// mapping is unmapped again and the answer is `EEXIST`, as `mmap(2)`
/// advises.
///
/// On x86 (i686) and arm the call is `mmap2`, which takes the offset in
/// 4096-byte units: an offset that is not a multiple of 4096 is `EINVAL`
/// before any syscall (as musl and glibc answer; truncating it would map
/// the wrong bytes), and so is one of 16 TiB (2^44) or more, whose unit
/// count does not fit the 32-bit register (again as musl and glibc do).
/// Offsets of 4 GiB and more below that work. On s390x the call is the old
/// one-pointer `mmap`; the six words go in a block on the stack.
///
/// # Safety
///
/// With [`MapFlags::FIXED`] the new mapping replaces whatever was mapped at
/// `addr..addr + len`, including memory that Rust code still references:
/// the caller must own that range. Without it, `mmap` only creates memory
/// and is safe in itself, but the memory it returns is raw: accessing it is
/// only sound within `len`, with the protection asked for, while it stays
/// mapped, and (for a shared file mapping) with the file's contents able to
/// change under the caller.
#[inline(always)]
pub unsafe fn mmap(
    addr: *mut c_void,
    len: usize,
    prot: Prot,
    flags: MapFlags,
    fd: i32,
    offset: u64,
) -> Result<*mut c_void> {
    // SAFETY: the caller upholds mmap's contract. How the offset travels
    // (bytes, 4096-byte units, or a block in memory) is the architecture's.
    let a = unsafe {
        sys::mmap(
            addr as usize,
            len,
            int(prot.bits()),
            int(flags.bits()),
            int(fd),
            offset,
        )
    }?;
    // Kernels before 4.17 (and qemu-user 7.2) do not know
    // MAP_FIXED_NOREPLACE and take the address as a hint; mmap(2) advises
    // to treat another address as EEXIST. With the flag absent (the common,
    // constant case) this branch compiles away.
    if flags.contains(MapFlags::FIXED_NOREPLACE) && a != addr as usize {
        // SAFETY: `a..a + len` is the mapping the kernel just made for us.
        let _ = unsafe { call2(Sysno::munmap, a, len) };
        return Err(Errno::EEXIST);
    }
    Ok(a as *mut c_void)
}

/// Unmaps the pages of `addr..addr + len`. A range with nothing mapped in
/// it succeeds; an unaligned `addr` or a `len` of 0 is `EINVAL`.
///
/// # Safety
///
/// No live reference may point into the range: after the call, any access
/// to it faults, or reaches whatever is mapped there next.
#[inline(always)]
pub unsafe fn munmap(addr: *mut c_void, len: usize) -> Result<()> {
    // SAFETY: the caller guarantees nothing still uses the range.
    unsafe { call2(Sysno::munmap, addr as usize, len) }.map(drop)
}

/// Writes the changes of a shared file mapping back to the file.
///
/// `addr` must be page aligned; `MS_SYNC | MS_ASYNC` together is `EINVAL`;
/// a range that is not fully mapped is `ENOMEM`.
///
/// # Safety
///
/// With [`MsFlags::INVALIDATE`] other mappings of the file may be
/// refreshed; the caller must not hold references whose contents that would
/// change. Otherwise `msync` changes no memory.
#[inline(always)]
pub unsafe fn msync(addr: *mut c_void, len: usize, flags: MsFlags) -> Result<()> {
    // SAFETY: the caller upholds msync's contract.
    unsafe { call3(Sysno::msync, addr as usize, len, int(flags.bits())) }.map(drop)
}

/// Gives the kernel advice about the use of `addr..addr + len`.
///
/// `addr` must be page aligned; unknown advice is `EINVAL`; an unmapped
/// range is `ENOMEM` (after the advice was applied to the mapped parts).
///
/// # Safety
///
/// Some advice changes what the memory holds: [`Advice::DONTNEED`] and
/// [`Advice::FREE`] make private anonymous pages read back as zeros,
/// [`Advice::REMOVE`] punches a hole in the backing file,
/// [`Advice::WIPEONFORK`] zeroes it in a child, [`Advice::GUARD_INSTALL`]
/// makes it fault, and [`Advice::HWPOISON`] / [`Advice::SOFT_OFFLINE`]
/// poison or offline real pages. The caller must own the range for those.
#[inline(always)]
pub unsafe fn madvise(addr: *mut c_void, len: usize, advice: Advice) -> Result<()> {
    // SAFETY: the caller upholds madvise's contract for this advice.
    unsafe { call3(Sysno::madvise, addr as usize, len, int(advice.raw())) }.map(drop)
}

/// Changes the protection of the pages of `addr..addr + len`.
///
/// `addr` must be page aligned; unknown bits are `EINVAL`; asking for more
/// access than the file was opened with is `EACCES`; an unmapped range is
/// `ENOMEM`.
///
/// # Safety
///
/// Removing access while references into the range live makes their use
/// fault; adding `EXEC` runs whatever bytes are there.
#[inline(always)]
pub unsafe fn mprotect(addr: *mut c_void, len: usize, prot: Prot) -> Result<()> {
    // SAFETY: the caller upholds mprotect's contract.
    unsafe { call3(Sysno::mprotect, addr as usize, len, int(prot.bits())) }.map(drop)
}

/// Grows, shrinks or moves the mapping at `old_addr`. `new_addr` is only
/// read with [`MremapFlags::FIXED`] (pass a null pointer otherwise).
///
/// Returns the mapping's address, which may have moved with
/// [`MremapFlags::MAYMOVE`].
///
/// # Safety
///
/// When the mapping moves or shrinks, every reference into the old range
/// dangles. With `FIXED`, whatever was mapped at `new_addr` is replaced.
#[inline(always)]
pub unsafe fn mremap(
    old_addr: *mut c_void,
    old_len: usize,
    new_len: usize,
    flags: MremapFlags,
    new_addr: *mut c_void,
) -> Result<*mut c_void> {
    // SAFETY: the caller upholds mremap's contract.
    let r = unsafe {
        call5(
            Sysno::mremap,
            old_addr as usize,
            old_len,
            new_len,
            int(flags.bits()),
            new_addr as usize,
        )
    };
    r.map(|a| a as *mut c_void)
}

/// Locks the pages of `addr..addr + len` in memory.
///
/// # Safety
///
/// `mlock` changes no memory contents, but it faults every page of the
/// range in: the range must be mapped readable, or the caller must accept
/// the error (`ENOMEM`).
#[inline(always)]
pub unsafe fn mlock(addr: *const c_void, len: usize) -> Result<()> {
    // SAFETY: mlock reads no memory of ours beyond faulting the range in.
    unsafe { call2(Sysno::mlock, addr as usize, len) }.map(drop)
}

/// Locks the pages of `addr..addr + len`, with [`MlockFlags::ONFAULT`]
/// only as they are faulted in. Unknown flags are `EINVAL`.
///
/// # Safety
///
/// As for [`mlock`].
#[inline(always)]
pub unsafe fn mlock2(addr: *const c_void, len: usize, flags: MlockFlags) -> Result<()> {
    // SAFETY: as for mlock.
    unsafe { call3(Sysno::mlock2, addr as usize, len, int(flags.bits())) }.map(drop)
}

/// Unlocks the pages of `addr..addr + len`.
///
/// # Safety
///
/// `munlock` changes no memory; it is `unsafe` only for symmetry with the
/// rest of the raw layer, which takes raw addresses.
#[inline(always)]
pub unsafe fn munlock(addr: *const c_void, len: usize) -> Result<()> {
    // SAFETY: munlock changes no memory.
    unsafe { call2(Sysno::munlock, addr as usize, len) }.map(drop)
}

/// Locks every page of the process (`MCL_CURRENT`), and with `MCL_FUTURE`
/// every page mapped later. Unknown or no flags are `EINVAL`.
///
/// # Safety
///
/// With `MCL_FUTURE`, later mappings and stack growth can fail with
/// `ENOMEM` or `SIGSEGV` when the lock limit is reached.
#[inline(always)]
pub unsafe fn mlockall(flags: MlockAllFlags) -> Result<()> {
    // SAFETY: the caller accepts mlockall's effect on later allocations.
    unsafe { call1(Sysno::mlockall, int(flags.bits())) }.map(drop)
}

/// Unlocks every page of the process.
///
/// # Safety
///
/// `munlockall` changes no memory; it is `unsafe` only for symmetry with
/// the rest of the raw layer.
#[inline(always)]
pub unsafe fn munlockall() -> Result<()> {
    // SAFETY: munlockall changes no memory.
    unsafe { call0(Sysno::munlockall) }.map(drop)
}

/// Reports which pages of `addr..addr + len` are resident: one byte per
/// page in `vec`, bit 0 set for a resident page.
///
/// `addr` must be page aligned (`EINVAL`); a range that is not fully mapped
/// is `ENOMEM`. When `vec` holds fewer bytes than the range has pages
/// (`len` rounded up to the page size), the call returns `EINVAL` without
/// issuing the syscall, so the kernel never writes past `vec`.
///
/// # Safety
///
/// `mincore` only writes to `vec`, which the borrow guarantees; it is
/// `unsafe` because it takes a raw address like the rest of the raw layer.
#[inline(always)]
pub unsafe fn mincore(addr: *mut c_void, len: usize, vec: &mut [u8]) -> Result<()> {
    // Where the architecture has one page size this is a constant and the
    // check folds to a shift; elsewhere the cached aux vector value (an
    // unknown one falls back to the smallest page Linux has, which asks for
    // the most bytes and so can only err on the safe side).
    let page = sys::page::at_most();
    // A power of two, so ceil(len / page) needs no division.
    let mask = page.wrapping_sub(1);
    let pages = (len >> page.trailing_zeros()).wrapping_add(usize::from(len & mask != 0));
    if vec.len() < pages {
        return Err(Errno::EINVAL);
    }
    // SAFETY: vec holds at least one byte per page of the range.
    unsafe {
        call3(
            Sysno::mincore,
            addr as usize,
            len,
            vec.as_mut_ptr() as usize,
        )
    }
    .map(drop)
}
