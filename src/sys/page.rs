//! The page-size cache, below the raw API so that both `mincore` (raw) and
//! `page_size` (public, `src/page.rs`) read it without calling each other.
//!
//! Filled by the first of: a value handed in by startup code ([`set`]);
//! `prctl(PR_GET_AUXV)` (Linux 6.4); `/proc/self/auxv`, read with
//! `openat`/`read`/`close`. Later reads make no syscall.

use super::{close, openat, prctl_get_auxv, read, AT_FDCWD, O_RDONLY_CLOEXEC};
use crate::arch::FIXED_PAGE_SIZE;
use crate::{Errno, Result};
use core::mem::{size_of, size_of_val, MaybeUninit};
use core::sync::atomic::{AtomicUsize, Ordering};

static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);

/// The smallest page size Linux has on any architecture.
pub(crate) const MIN_PAGE_SIZE: usize = 4096;
pub(crate) const AT_NULL: usize = 0;
pub(crate) const AT_PAGESZ: usize = 6;
/// Aux vector words read at most; real vectors hold about 25 pairs, and
/// `AT_PAGESZ` comes early.
const AUXV_WORDS: usize = 128;

/// The cached page size, or the kernel's answer, then cached.
#[inline]
pub(crate) fn get() -> Result<usize> {
    match PAGE_SIZE.load(Ordering::Relaxed) {
        0 => load(),
        p => Ok(p),
    }
}

/// Caches `p` if it is a page size (a power of two of at least 4096);
/// `EINVAL` otherwise, and nothing cached.
pub(crate) fn set(p: usize) -> Result<usize> {
    let p = valid(p)?;
    PAGE_SIZE.store(p, Ordering::Relaxed);
    Ok(p)
}

/// A page size no larger than the real one, for bounds that must not come
/// out too small (`mincore`'s vector length): the architecture's only page
/// size where it has one, so a constant; else the cached value, or 4096 when
/// no source answers (the smallest page asks for the most bytes, so it can
/// only err on the safe side).
#[inline(always)]
pub(crate) fn at_most() -> usize {
    match FIXED_PAGE_SIZE {
        0 => get().unwrap_or(MIN_PAGE_SIZE),
        fixed => fixed,
    }
}

#[cold]
fn load() -> Result<usize> {
    let p = from_prctl().or_else(|_| from_proc())?;
    PAGE_SIZE.store(p, Ordering::Relaxed);
    Ok(p)
}

fn valid(p: usize) -> Result<usize> {
    if p.is_power_of_two() && p >= MIN_PAGE_SIZE {
        Ok(p)
    } else {
        Err(Errno::EINVAL)
    }
}

fn find(words: &[usize]) -> Result<usize> {
    // Slice patterns, not chunks_exact: its iterator is a struct that a
    // debug build copies with memcpy.
    let mut rest = words;
    while let [key, val, tail @ ..] = rest {
        match *key {
            AT_NULL => break,
            AT_PAGESZ => return valid(*val),
            _ => rest = tail,
        }
    }
    Err(Errno::EINVAL)
}

/// An aux vector buffer. Not zeroed, nor filled by an array repeat (either
/// is a `memset` call, which a program without libc has no one to answer):
/// only the words the kernel wrote are read, through [`words`].
type Buf = MaybeUninit<[usize; AUXV_WORDS]>;

fn bytes(buf: &mut Buf) -> &mut [MaybeUninit<u8>] {
    // SAFETY: the same memory, as bytes; MaybeUninit<u8> has no invalid
    // values and alignment 1.
    unsafe { core::slice::from_raw_parts_mut(buf.as_mut_ptr().cast(), size_of_val(buf)) }
}

/// The whole words among the first `filled` bytes of `buf`.
///
/// # Safety
///
/// The first `filled` bytes of `buf` were written (by the kernel).
unsafe fn words(buf: &Buf, filled: usize) -> &[usize] {
    // A word is a power of two bytes: the shift is the division.
    let n = filled.min(size_of_val(buf)) >> size_of::<usize>().trailing_zeros();
    // SAFETY: n words fit in buf, and the caller vouches that they were
    // written.
    unsafe { core::slice::from_raw_parts(buf.as_ptr().cast(), n) }
}

fn from_prctl() -> Result<usize> {
    let mut buf = Buf::uninit();
    // It returns the full size, which may exceed what it copied: `words`
    // caps it at the buffer.
    let n = prctl_get_auxv(bytes(&mut buf))?;
    // SAFETY: the kernel copied min(n, size of buf) bytes.
    find(unsafe { words(&buf, n) })
}

fn from_proc() -> Result<usize> {
    let fd = openat(AT_FDCWD, c"/proc/self/auxv", O_RDONLY_CLOEXEC)?;
    let mut buf = Buf::uninit();
    let b = bytes(&mut buf);
    let mut filled = 0usize;
    let result = loop {
        match read(fd, b.get_mut(filled..).unwrap_or_default()) {
            Err(Errno::EINTR) => continue,
            Err(e) => break Err(e),
            Ok(0) => break Ok(()),
            Ok(n) => {
                // The kernel returns at most what was asked for.
                filled = filled.saturating_add(n).min(b.len());
                if filled == b.len() {
                    break Ok(());
                }
            }
        }
    };
    // SAFETY: closing the descriptor opened above, used nowhere else.
    let _ = unsafe { close(fd) };
    result?;
    // SAFETY: read wrote the first `filled` bytes.
    find(unsafe { words(&buf, filled) })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
pub(crate) mod tests {
    use super::*;
    extern crate std;
    use std::sync::{RwLock, RwLockReadGuard};

    /// The cache is the process's: the test that hands in other page sizes
    /// holds this for writing, the unit tests that read the cached size or
    /// map with it for reading. (The empty maps of src/safe need no lock:
    /// they hold for any page size up to 64 KiB, the largest handed in.)
    static CACHE: RwLock<()> = RwLock::new(());

    pub(crate) fn cache_unchanged() -> RwLockReadGuard<'static, ()> {
        CACHE.read().unwrap_or_else(|e| e.into_inner())
    }

    #[test]
    fn kernel_sources_agree() {
        let _g = cache_unchanged();
        let p = crate::try_page_size().unwrap();
        assert!(p.is_power_of_two() && p >= MIN_PAGE_SIZE);
        assert_eq!(PAGE_SIZE.load(Ordering::Relaxed), p);
        // prctl(PR_GET_AUXV) is Linux 6.4+, and qemu-user 7.2 says EINVAL.
        if let Ok(q) = from_prctl() {
            assert_eq!(q, p);
        }
        assert_eq!(
            at_most(),
            if FIXED_PAGE_SIZE == 0 {
                p
            } else {
                FIXED_PAGE_SIZE
            }
        );
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "reads /proc/self/auxv, which under Miri is the interpreter's own file \
                  (the host's word size, byte order and page size), not the machine Miri emulates"
    )]
    fn proc_self_auxv_agrees() {
        let _g = cache_unchanged();
        assert_eq!(from_proc().unwrap(), crate::try_page_size().unwrap());
    }

    #[test]
    fn startup_code_hands_in() {
        let _g = CACHE.write().unwrap_or_else(|e| e.into_inner());
        let p = crate::try_page_size().unwrap();
        let auxv = [3, 0x1234, AT_PAGESZ, 16384, 25, 0x5678, AT_NULL, 0];
        // SAFETY: a well-formed vector ending with AT_NULL.
        let r = unsafe { crate::init_page_size_from_auxv(auxv.as_ptr()) };
        assert_eq!(r, Ok(16384));
        assert_eq!(crate::page_size(), 16384);
        // envp: two strings, the null, then the aux vector.
        let env: [usize; 7] = [0x1000, 0x2000, 0, AT_PAGESZ, 65536, AT_NULL, 0];
        // SAFETY: a null-terminated array followed by an aux vector.
        let r = unsafe { crate::init_page_size_from_envp(env.as_ptr().cast::<*const u8>()) };
        assert_eq!(r, Ok(65536));
        assert_eq!(crate::page_size(), 65536);
        // A vector without a usable AT_PAGESZ changes nothing.
        for bad in [
            [AT_PAGESZ, 4097, AT_NULL, 0],
            [AT_PAGESZ, 0, AT_NULL, 0],
            [7, 1, AT_NULL, 0],
        ] {
            // SAFETY: well-formed, ending with AT_NULL.
            let r = unsafe { crate::init_page_size_from_auxv(bad.as_ptr()) };
            assert_eq!(r, Err(Errno::EINVAL));
        }
        assert_eq!(crate::page_size(), 65536);
        PAGE_SIZE.store(p, Ordering::Relaxed);
    }

    #[test]
    fn find_reads_pairs_up_to_at_null() {
        assert_eq!(find(&[AT_PAGESZ, 8192, AT_NULL, 0]), Ok(8192));
        assert_eq!(find(&[AT_NULL, 0, AT_PAGESZ, 8192]), Err(Errno::EINVAL));
        assert_eq!(find(&[1, 2, AT_PAGESZ]), Err(Errno::EINVAL));
        assert_eq!(find(&[]), Err(Errno::EINVAL));
    }

    #[test]
    fn words_are_whole_and_capped() {
        let mut all = [0; AUXV_WORDS];
        for (i, w) in all.iter_mut().enumerate() {
            *w = i;
        }
        let buf = Buf::new(all);
        let w = size_of::<usize>();
        // SAFETY: every word is initialised.
        unsafe {
            assert_eq!(words(&buf, 0), &[] as &[usize]);
            assert_eq!(words(&buf, w - 1), &[] as &[usize]);
            assert_eq!(words(&buf, 2 * w + 1), &[0, 1]);
            assert_eq!(words(&buf, usize::MAX).len(), AUXV_WORDS);
        }
    }
}
