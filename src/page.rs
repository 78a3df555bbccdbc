//! The page size, from the aux vector's `AT_PAGESZ`, with no libc.
//!
//! Sources, in order: a value handed in by startup code
//! ([`init_page_size_from_auxv`], [`init_page_size_from_envp`]);
//! `prctl(PR_GET_AUXV)` (Linux 6.4); `/proc/self/auxv`, read with raw
//! `openat`/`read`/`close`. The first answer is cached in an atomic, so
//! later calls make no syscall. The cache and the kernel sources live in
//! `src/sys/page.rs`, below the raw API, which reads it for `mincore`; this
//! file is their public face, and walks the vectors startup code hands in.

use crate::sys::page::{self as cache, AT_NULL, AT_PAGESZ, MIN_PAGE_SIZE};
use crate::{Errno, Result};

/// The page size of the running system, in bytes.
///
/// The first call asks the kernel (see [`try_page_size`]); later calls read
/// a cached atomic. It never panics: if every source fails (no
/// `PR_GET_AUXV` and no `/proc` mounted, and no value handed in by startup
/// code), it returns 4096, the smallest page size Linux has, without caching
/// it, so a later call can still find the real value. Code that must know
/// calls [`try_page_size`].
#[inline]
pub fn page_size() -> usize {
    try_page_size().unwrap_or(MIN_PAGE_SIZE)
}

/// The page size, or the error of the last source tried when none answers.
///
/// Under qemu-user this is the emulated target's page size (qemu serves
/// `/proc/self/auxv` for the guest), not the host's.
///
/// # Errors
///
/// The error of reading `/proc/self/auxv` (for example `ENOENT` when `/proc`
/// is not mounted), or `EINVAL` when the aux vector holds no usable
/// `AT_PAGESZ`.
#[inline]
pub fn try_page_size() -> Result<usize> {
    cache::get()
}

/// Hands in the aux vector that the kernel placed after `envp` on the
/// initial stack, and caches its `AT_PAGESZ`; later calls to [`page_size`]
/// make no syscall.
///
/// # Errors
///
/// `EINVAL` if the vector has no `AT_PAGESZ` or its value is not a power of
/// two of at least 4096; nothing is cached then.
///
/// The value is trusted otherwise: hand in the kernel's own vector. Should
/// it name a page larger than the system's, a safe-layer map whose mapping
/// the kernel did not happen to align to it fails with `EINVAL`, rather
/// than work out wrong ranges.
///
/// # Safety
///
/// `auxv` must point to a readable aux vector: pairs of words ending with an
/// `AT_NULL` (0) key.
pub unsafe fn init_page_size_from_auxv(auxv: *const usize) -> Result<usize> {
    let mut p = auxv;
    loop {
        // SAFETY: the caller guarantees readable pairs up to AT_NULL.
        let (key, val) = unsafe { (p.read(), p.add(1).read()) };
        match key {
            AT_NULL => return Err(Errno::EINVAL),
            AT_PAGESZ => return cache::set(val),
            // SAFETY: not at AT_NULL yet, so the next pair exists.
            _ => p = unsafe { p.add(2) },
        }
    }
}

/// Like [`init_page_size_from_auxv`], from the `envp` that `_start` finds on
/// the initial stack (after `argv`); the aux vector follows its terminating
/// null pointer.
///
/// # Errors
///
/// As for [`init_page_size_from_auxv`].
///
/// # Safety
///
/// `envp` must be the process's initial environment array, unchanged, with
/// the kernel's aux vector right after its null terminator.
pub unsafe fn init_page_size_from_envp(envp: *const *const u8) -> Result<usize> {
    let mut p = envp;
    // SAFETY: the caller guarantees a null-terminated array.
    while !unsafe { p.read() }.is_null() {
        // SAFETY: not at the terminator yet.
        p = unsafe { p.add(1) };
    }
    // SAFETY: the aux vector follows the terminator.
    unsafe { init_page_size_from_auxv(p.add(1).cast()) }
}
