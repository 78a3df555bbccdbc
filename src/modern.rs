//! The memory calls Linux added after 5.x, in the raw API's style: one thin
//! function each, numbers from `Sysno`, errors from the one decoder (the
//! gates of `src/sys/`), and `unsafe` exactly where a call can break memory
//! safety. What a kernel or an emulator lacks answers `ENOSYS`, as the
//! kernel itself does: cachestat before 6.5, mseal before 6.10,
//! process_madvise before 5.10, memfd_secret where it is not configured, and
//! all of those and the pkey calls under qemu-user 7.2 and 10.

use crate::sys::{self, call1, call2, call3, call4, call5, int};
use crate::{c_void, Advice, MfdFlags, PkeyAccess, Prot, Result, Seals};
use core::ffi::CStr;
use syscalls::Sysno;

/// The range of a file [`cachestat`] looks at: `len` bytes from byte `off`.
/// A `len` of 0 means "to the end of the file", as the kernel's
/// `struct cachestat_range` says.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct CachestatRange {
    /// The first byte.
    pub off: u64,
    /// How many bytes; 0: to the end of the file.
    pub len: u64,
}

/// What [`cachestat`] counts, in pages of the range (`struct cachestat`).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Cachestat {
    /// Pages in the page cache.
    pub nr_cache: u64,
    /// Of those, dirty pages (written, not yet written back).
    pub nr_dirty: u64,
    /// Pages being written back now.
    pub nr_writeback: u64,
    /// Pages evicted from the page cache that the kernel still remembers
    /// (shadow entries). A drop by `POSIX_FADV_DONTNEED` leaves none.
    pub nr_evicted: u64,
    /// Of those, pages evicted recently enough to count as a refault.
    pub nr_recently_evicted: u64,
}

/// `cachestat(2)` (Linux 6.5): how much of the range `range` of the file
/// `fd` is in the page cache, and how much of it is dirty, being written
/// back, or was evicted. One call answers for the whole range, whatever its
/// size: no mapping, no per-page walk (unlike [`crate::mincore`]).
///
/// `flags` must be 0 (`EINVAL` otherwise). A `fd` that is not open is
/// `EBADF`; a hugetlbfs file is `EOPNOTSUPP`; a kernel before 6.5 (or one
/// built without it, or qemu-user) answers `ENOSYS`. Unlike `mincore`,
/// it answers for the page cache itself, also for a file this process may
/// not write.
///
/// Safe: the kernel reads `range` and writes `cstat`, both borrowed for the
/// call, and changes no memory of the process.
#[inline(always)]
pub fn cachestat(fd: i32, range: &CachestatRange, cstat: &mut Cachestat, flags: u32) -> Result<()> {
    // SAFETY: the kernel reads one struct cachestat_range from `range` and
    // writes one struct cachestat (5 u64, the same layout) into `cstat`.
    unsafe {
        call4(
            Sysno::cachestat,
            int(fd),
            range as *const CachestatRange as usize,
            cstat as *mut Cachestat as usize,
            flags as usize,
        )
    }
    .map(drop)
}

/// `mseal(2)` (Linux 6.10): seals the mappings of `addr..addr + len`, so
/// that they can never again be unmapped, moved, shrunk or grown, mapped
/// over, have their protection changed, or (if not writable) be discarded
/// by `madvise`: each of those answers `EPERM`, for the life of the
/// process. `flags` must be 0.
///
/// `addr` must be page aligned, and every page of the range mapped
/// (`ENOMEM` otherwise, and nothing is sealed); a kernel before 6.10, a
/// 32-bit kernel (mseal is 64-bit only; a 32-bit process on a 64-bit kernel
/// has it: measured on i686) or qemu-user answers `ENOSYS`.
/// Measured on 6.18: an `mprotect` of a range that starts before a sealed
/// page changes the pages before it, then answers `EPERM`.
///
/// # Safety
///
/// The range's owner must never need to change it again: whatever code
/// maps, unmaps or protects that memory later fails with `EPERM`, and code
/// that takes such a call's success for granted (an allocator that reuses
/// an address range it "unmapped", a `Drop` that frees) is then wrong about
/// the memory. Seal only memory that you own for the rest of the process.
#[inline(always)]
pub unsafe fn mseal(addr: *mut c_void, len: usize, flags: usize) -> Result<()> {
    // SAFETY: the caller owns the range for good.
    unsafe { call3(Sysno::mseal, addr as usize, len, flags) }.map(drop)
}

/// `memfd_create(2)` (Linux 3.17): an anonymous file in memory, named
/// `name` (for `/proc/self/fd` only; at most 249 bytes, else `EINVAL`).
/// Returns its descriptor, which the caller closes. With
/// [`MfdFlags::ALLOW_SEALING`] it takes seals ([`fcntl_add_seals`]); with
/// [`MfdFlags::HUGETLB`] and a size ([`MfdFlags::huge_page_size`]) it is
/// backed by huge pages. Unknown flags are `EINVAL`.
///
/// Safe: it creates a descriptor and touches no memory.
#[inline(always)]
pub fn memfd_create(name: &CStr, flags: MfdFlags) -> Result<i32> {
    // SAFETY: the kernel reads the NUL-terminated name.
    let fd = unsafe {
        call2(
            Sysno::memfd_create,
            name.as_ptr() as usize,
            int(flags.bits()),
        )
    }?;
    Ok(fd as i32)
}

/// `memfd_secret(2)` (Linux 5.14): a memory file whose pages are removed
/// from the kernel's own direct map, for secrets. Returns its descriptor;
/// give it a size with [`ftruncate`], then map it `MAP_SHARED`. `flags` is
/// 0 or `O_CLOEXEC`. A kernel booted without `secretmem.enable` (before
/// 6.5 the default) or qemu-user answers `ENOSYS`.
///
/// On arm (32-bit) and powerpc64 the kernel has no such call (no syscall
/// number): there this function answers `ENOSYS` without a syscall, like a
/// kernel without it would.
///
/// Safe: it creates a descriptor and touches no memory.
#[inline(always)]
pub fn memfd_secret(flags: u32) -> Result<i32> {
    #[cfg(not(any(target_arch = "arm", target_arch = "powerpc64")))]
    {
        // SAFETY: the call only reads its flags.
        let fd = unsafe { call1(Sysno::memfd_secret, flags as usize) }?;
        Ok(fd as i32)
    }
    #[cfg(any(target_arch = "arm", target_arch = "powerpc64"))]
    {
        let _ = flags;
        Err(crate::Errno::ENOSYS)
    }
}

/// One range of memory for [`process_madvise`] (`struct iovec`).
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct IoVec {
    /// The first byte.
    pub base: *mut c_void,
    /// How many bytes.
    pub len: usize,
}

/// `process_madvise(2)` (Linux 5.10): gives `advice` for the ranges `iov`
/// of the process behind the pidfd `pidfd`. Returns how many bytes were
/// advised (all of them, or those before the range that failed). `flags`
/// must be 0; more than `IOV_MAX` (1024) ranges is `EINVAL`; a bad pidfd
/// `EBADF`; advice the kernel does not take from another process
/// (anything but `MADV_COLD`, `MADV_PAGEOUT`, `MADV_WILLNEED` and
/// `MADV_COLLAPSE`) `EINVAL`. qemu-user answers `ENOSYS`.
///
/// # Safety
///
/// On the process's own pidfd the kernel takes any advice (measured on
/// 6.18: `MADV_DONTNEED` included), with [`crate::madvise`]'s contract for
/// each range: an advice that discards contents must not reach memory that
/// is still in use. On another process, the caller takes on that process's
/// memory being advised.
#[inline(always)]
pub unsafe fn process_madvise(
    pidfd: i32,
    iov: &[IoVec],
    advice: Advice,
    flags: u32,
) -> Result<usize> {
    // SAFETY: the kernel reads iov.len() iovecs from iov; the caller
    // upholds the advice's contract for each range.
    unsafe {
        call5(
            Sysno::process_madvise,
            int(pidfd),
            iov.as_ptr() as usize,
            iov.len(),
            int(advice.raw()),
            flags as usize,
        )
    }
}

/// `pkey_alloc(2)` (Linux 4.9): a new memory protection key, its rights
/// for this thread set to `access`. `flags` must be 0. A CPU without
/// protection keys (no PKU on x86_64) answers `EINVAL` (`ENOSPC` for later
/// calls: measured on 6.18); all keys in use is `ENOSPC`; qemu-user
/// answers `ENOSYS`.
///
/// Safe: a new key guards no page until [`pkey_mprotect`] tags one.
#[inline(always)]
pub fn pkey_alloc(flags: u32, access: PkeyAccess) -> Result<i32> {
    // SAFETY: the call reads only its scalar arguments.
    let k = unsafe { call2(Sysno::pkey_alloc, flags as usize, int(access.bits())) }?;
    Ok(k as i32)
}

/// `pkey_free(2)`: gives the key `pkey` back. A key not allocated is
/// `EINVAL`.
///
/// # Safety
///
/// Pages still tagged with the key keep it; a later [`pkey_alloc`] may hand
/// out the same key with other rights, which then apply to those pages:
/// no page may still be tagged with `pkey`, or its owner must expect that.
#[inline(always)]
pub unsafe fn pkey_free(pkey: i32) -> Result<()> {
    // SAFETY: the caller has no page tagged with pkey left that matters.
    unsafe { call1(Sysno::pkey_free, int(pkey)) }.map(drop)
}

/// `pkey_mprotect(2)`: [`crate::mprotect`] that also tags the pages of
/// `addr..addr + len` with the key `pkey` (-1: the default key). A key not
/// allocated is `EINVAL`; otherwise the errors are mprotect's.
///
/// # Safety
///
/// As for [`crate::mprotect`]: no reference may point into the range that
/// the new protection (or the key's rights) would make a fault.
#[inline(always)]
pub unsafe fn pkey_mprotect(addr: *mut c_void, len: usize, prot: Prot, pkey: i32) -> Result<()> {
    // SAFETY: the caller upholds mprotect's contract.
    unsafe {
        call4(
            Sysno::pkey_mprotect,
            addr as usize,
            len,
            int(prot.bits()),
            int(pkey),
        )
    }
    .map(drop)
}

/// `fcntl(fd, F_ADD_SEALS, seals)` (Linux 3.17): adds `seals` to the
/// memfd `fd`, which must have been made with
/// [`MfdFlags::ALLOW_SEALING`] (`EPERM` otherwise, and once
/// [`Seals::SEAL`] is set). [`Seals::WRITE`] while a writable shared map
/// of the file exists is `EBUSY`. Not a memfd (or a file system without
/// seals): `EINVAL`.
///
/// Safe: it changes what later calls on the file may do, not memory.
#[inline(always)]
pub fn fcntl_add_seals(fd: i32, seals: Seals) -> Result<()> {
    sys::add_seals(fd, seals.bits())
}

/// `fcntl(fd, F_GET_SEALS)`: the seals of the file `fd` (`EINVAL` for a
/// file that cannot take seals).
#[inline(always)]
pub fn fcntl_get_seals(fd: i32) -> Result<Seals> {
    sys::get_seals(fd).map(Seals::from_bits_retain)
}

/// `ftruncate(fd, len)`: sets the size of the file `fd` (for a memfd, how
/// much it holds). A file sealed against growing or shrinking answers
/// `EPERM` for that change.
///
/// Safe for this process's Rust code only as far as its maps of the file
/// go: pages of a shared map past a new, smaller end raise `SIGBUS` when
/// touched. The crate's safe maps of a file are `unsafe` to make for that
/// reason (see [`crate::MmapOptions::map`]).
#[inline(always)]
pub fn ftruncate(fd: i32, len: u64) -> Result<()> {
    sys::ftruncate(fd, len)
}
