//! The page size, from the aux vector's `AT_PAGESZ`, with no libc.
//!
//! Sources, in order: a value handed in by startup code
//! ([`init_page_size_from_auxv`], [`init_page_size_from_envp`]);
//! `prctl(PR_GET_AUXV)` (Linux 6.4); `/proc/self/auxv`, read with raw
//! `openat`/`read`/`close`. The first answer is cached in an atomic, so
//! later calls make no syscall.

use crate::arch::{syscall1, syscall3, syscall4, syscall5};
use crate::raw::ret;
use crate::{Errno, Result};
use core::mem::size_of;
use core::sync::atomic::{AtomicUsize, Ordering};
use syscalls::Sysno;

static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);

const AT_NULL: usize = 0;
const AT_PAGESZ: usize = 6;
const PR_GET_AUXV: usize = 0x4155_5856;
const AT_FDCWD: isize = -100;
const O_RDONLY_CLOEXEC: usize = 0o2_000_000;
/// The smallest page size Linux has on any architecture.
const MIN_PAGE_SIZE: usize = 4096;
/// Aux vector words read at most; real vectors hold about 25 pairs, and
/// `AT_PAGESZ` comes early.
const AUXV_WORDS: usize = 128;

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
    match PAGE_SIZE.load(Ordering::Relaxed) {
        0 => load_page_size(),
        p => Ok(p),
    }
}

#[cold]
fn load_page_size() -> Result<usize> {
    let p = from_prctl().or_else(|_| from_proc())?;
    PAGE_SIZE.store(p, Ordering::Relaxed);
    Ok(p)
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
            AT_PAGESZ => {
                let v = valid(val)?;
                PAGE_SIZE.store(v, Ordering::Relaxed);
                return Ok(v);
            }
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

fn valid(p: usize) -> Result<usize> {
    if p.is_power_of_two() && p >= MIN_PAGE_SIZE {
        Ok(p)
    } else {
        Err(Errno::EINVAL)
    }
}

fn find(words: &[usize]) -> Result<usize> {
    for pair in words.chunks_exact(2) {
        if let [key, val] = *pair {
            match key {
                AT_NULL => break,
                AT_PAGESZ => return valid(val),
                _ => {}
            }
        }
    }
    Err(Errno::EINVAL)
}

fn from_prctl() -> Result<usize> {
    let mut buf = [0usize; AUXV_WORDS];
    // SAFETY: the kernel writes at most `size_of_val(&buf)` bytes into buf.
    let n = ret(unsafe {
        syscall5(
            Sysno::prctl as usize,
            PR_GET_AUXV,
            buf.as_mut_ptr() as usize,
            core::mem::size_of_val(&buf),
            0,
            0,
        )
    })?;
    // It returns the full size, which may exceed what it copied.
    let words = n
        .min(core::mem::size_of_val(&buf))
        .checked_div(size_of::<usize>())
        .unwrap_or(0);
    find(buf.get(..words).unwrap_or(&buf))
}

fn from_proc() -> Result<usize> {
    // SAFETY: a NUL-terminated path; the call reads nothing else of ours.
    let fd = ret(unsafe {
        syscall4(
            Sysno::openat as usize,
            AT_FDCWD as usize,
            c"/proc/self/auxv".as_ptr() as usize,
            O_RDONLY_CLOEXEC,
            0,
        )
    })?;
    let mut buf = [0usize; AUXV_WORDS];
    let cap = core::mem::size_of_val(&buf);
    let mut filled = 0usize;
    let result = loop {
        // SAFETY: the kernel writes at most `cap - filled` bytes, inside buf.
        let r = ret(unsafe {
            syscall3(
                Sysno::read as usize,
                fd,
                buf.as_mut_ptr().cast::<u8>().add(filled) as usize,
                cap.saturating_sub(filled),
            )
        });
        match r {
            Err(Errno::EINTR) => continue,
            Err(e) => break Err(e),
            Ok(0) => break Ok(()),
            Ok(n) => {
                // The kernel returns at most what was asked for.
                filled = filled.saturating_add(n).min(cap);
                if filled == cap {
                    break Ok(());
                }
            }
        }
    };
    // SAFETY: closing the descriptor we opened above, used nowhere else.
    let _ = unsafe { syscall1(Sysno::close as usize, fd) };
    result?;
    find(
        buf.get(..filled.checked_div(size_of::<usize>()).unwrap_or(0))
            .unwrap_or(&buf),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    // One test, because it sets the cache that the others would read; the
    // lib test binary has no other reader of the page size.
    #[test]
    fn kernel_sources_then_startup_code_hand_in() {
        let p = try_page_size().unwrap();
        assert!(p.is_power_of_two() && p >= MIN_PAGE_SIZE);
        assert_eq!(PAGE_SIZE.load(Ordering::Relaxed), p);
        assert_eq!(from_proc().unwrap(), p);
        // prctl(PR_GET_AUXV) is Linux 6.4+, and qemu-user 7.2 says EINVAL.
        if let Ok(q) = from_prctl() {
            assert_eq!(q, p);
        }

        let auxv = [3, 0x1234, AT_PAGESZ, 16384, 25, 0x5678, AT_NULL, 0];
        // SAFETY: a well-formed vector ending with AT_NULL.
        let r = unsafe { init_page_size_from_auxv(auxv.as_ptr()) };
        assert_eq!(r, Ok(16384));
        assert_eq!(page_size(), 16384);
        // envp: two strings, the null, then the aux vector.
        let env: [usize; 7] = [0x1000, 0x2000, 0, AT_PAGESZ, 65536, AT_NULL, 0];
        // SAFETY: a null-terminated array followed by an aux vector.
        let r = unsafe { init_page_size_from_envp(env.as_ptr().cast::<*const u8>()) };
        assert_eq!(r, Ok(65536));
        assert_eq!(page_size(), 65536);
        // A vector without a usable AT_PAGESZ changes nothing.
        for bad in [
            [AT_PAGESZ, 4097, AT_NULL, 0],
            [AT_PAGESZ, 0, AT_NULL, 0],
            [7, 1, AT_NULL, 0],
        ] {
            // SAFETY: well-formed, ending with AT_NULL.
            let r = unsafe { init_page_size_from_auxv(bad.as_ptr()) };
            assert_eq!(r, Err(Errno::EINVAL));
        }
        assert_eq!(page_size(), 65536);
        PAGE_SIZE.store(p, Ordering::Relaxed);
    }

    #[test]
    fn find_reads_pairs_up_to_at_null() {
        assert_eq!(find(&[AT_PAGESZ, 8192, AT_NULL, 0]), Ok(8192));
        assert_eq!(find(&[AT_NULL, 0, AT_PAGESZ, 8192]), Err(Errno::EINVAL));
        assert_eq!(find(&[1, 2, AT_PAGESZ]), Err(Errno::EINVAL));
        assert_eq!(find(&[]), Err(Errno::EINVAL));
    }
}
