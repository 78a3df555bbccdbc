//! Under Miri (`cfg(miri)`), on any architecture: the syscalls of the crate,
//! answered by the C functions Miri emulates instead of the syscall
//! instruction, which Miri cannot interpret (it runs no inline assembly).
//! Nothing here is linked: Miri intercepts the `extern "C"` declarations
//! below by name, and real builds never compile this file.
//!
//! Each call is answered in the raw convention of the other architecture
//! files, a result or `-errno` (the C functions' `-1` and `errno` are turned
//! into that here), so the one decoder in `src/sys` stays the only one. The
//! constant table, the fixed page size and the syscall numbers stay the
//! interpreted target's own (`arch/mod.rs`).
//!
//! What Miri emulates, read from its shims (`src/shims/unix/mem.rs`,
//! `unix/linux/mem.rs`, `unix/fs.rs`, `unix/foreign_items.rs`,
//! `unix/linux/foreign_items.rs`; nightly 2026-05-19), and so what works:
//!
//! - `mmap`: only fresh anonymous memory, `PROT_READ | PROT_WRITE`,
//!   `MAP_PRIVATE | MAP_ANONYMOUS` and no other flag, offset 0 (what
//!   `MmapOptions::map_anon` asks for). Miri allocates it, zeroed and
//!   aligned to its page size. Any other form (a file, another protection,
//!   `MAP_SHARED`, `MAP_FIXED*`, `MAP_POPULATE`, `MAP_NORESERVE`, ...) would
//!   stop Miri ("unsupported operation"), so it is `ENOSYS` here.
//! - `munmap`: Miri frees an allocation; the range must be one whole
//!   mapping from `mmap` or `mremap` (Miri reports anything else as
//!   undefined behaviour, the partial or foreign deallocation it is in Rust).
//! - `mremap`: only with `MREMAP_MAYMOVE` alone: Miri reallocates, so the
//!   mapping always moves, keeping its contents, the new bytes zero. Without
//!   it Miri answers `EINVAL`, which would claim the arguments were wrong:
//!   an in-place resize, `MREMAP_FIXED` and `MREMAP_DONTUNMAP` are `ENOSYS`.
//! - `openat` relative to the working directory or of an absolute path,
//!   with an access mode and at most `O_CLOEXEC` (Miri's `open`), `read`,
//!   `close`, and `statx` of a descriptor (`AT_EMPTY_PATH`), a path relative
//!   to the working directory or an absolute one: Miri's, which touch the
//!   host's files and so need `-Zmiri-disable-isolation` (under isolation,
//!   Miri stops and says so).
//! - `prctl(PR_GET_AUXV)`: Miri has no aux vector; its one fact that the
//!   crate reads there, the page size, is `sysconf(_SC_PAGESIZE)`, the size
//!   Miri's `mmap` aligns to (4 KiB, or `-Zmiri-force-page-size`). The answer
//!   is that vector of one entry, `AT_PAGESZ`, so `page_size()` is Miri's.
//!   (`/proc/self/auxv` would be the interpreter's own, the host's, file.)
//! - Every other call and number answers `ENOSYS`: `madvise`, `mprotect`,
//!   `msync`, the `mlock` family, `mincore`, other `prctl` options, and any
//!   call the crate adds that is not taught here.

use super::native::consts::{MAP_ANONYMOUS, MAP_PRIVATE, MREMAP_MAYMOVE, PROT_READ, PROT_WRITE};
use crate::sys::page::{AT_NULL, AT_PAGESZ};
use crate::sys::{AT_EMPTY_PATH, AT_FDCWD, O_RDONLY_CLOEXEC, PR_GET_AUXV, STATX_WORDS};
use core::ffi::{c_char, c_int, c_uint};
use core::mem::{size_of, size_of_val};
use core::ptr;
use syscalls::{Errno, Sysno};

/// The C functions Miri emulates, with the types its shims check.
mod c {
    use core::ffi::{c_char, c_int, c_long, c_uint, c_void};

    extern "C" {
        pub fn mmap(
            addr: *mut c_void,
            len: usize,
            prot: c_int,
            flags: c_int,
            fd: c_int,
            off: isize,
        ) -> *mut c_void;
        pub fn munmap(addr: *mut c_void, len: usize) -> c_int;
        pub fn mremap(old: *mut c_void, old_len: usize, new_len: usize, flags: c_int, ...)
            -> *mut c_void;
        pub fn open(path: *const c_char, flags: c_int, ...) -> c_int;
        pub fn read(fd: c_int, buf: *mut c_void, count: usize) -> isize;
        pub fn close(fd: c_int) -> c_int;
        pub fn statx(
            dirfd: c_int,
            path: *const c_char,
            flags: c_int,
            mask: c_uint,
            buf: *mut c_void,
        ) -> c_int;
        pub fn sysconf(name: c_int) -> c_long;
        pub fn __errno_location() -> *mut c_int;
    }
}

/// `_SC_PAGESIZE`: the same on every Linux C library.
const SC_PAGESIZE: c_int = 30;
/// `O_ACCMODE`: the access mode bits of `open`'s flags.
const O_ACCMODE: c_int = 3;
const MUNMAP: usize = Sysno::munmap as usize;
const MREMAP: usize = Sysno::mremap as usize;
const OPENAT: usize = Sysno::openat as usize;
const READ: usize = Sysno::read as usize;
const CLOSE: usize = Sysno::close as usize;
const PRCTL: usize = Sysno::prctl as usize;
const STATX: usize = Sysno::statx as usize;

/// `-e`, as the kernel answers an error.
fn fail(e: Errno) -> usize {
    (e.into_raw() as isize).wrapping_neg() as usize
}

/// The C convention turned into the kernel's: `-1` is `-errno`.
fn from_c(r: isize) -> usize {
    if r == -1 {
        // SAFETY: Miri's __errno_location points at this thread's errno.
        fail(Errno::new(unsafe { *c::__errno_location() }))
    } else {
        r as usize
    }
}

/// A pointer the crate handed over as an integer (a syscall register).
/// Its provenance is the one the crate exposed when it cast the pointer, so
/// this needs Miri's default (permissive) provenance, not
/// `-Zmiri-strict-provenance`.
fn ptr<T>(a: usize) -> *mut T {
    ptr::with_exposed_provenance_mut(a)
}

/// Miri's page size (`sysconf(_SC_PAGESIZE)`), or `None` if it gave none.
fn page_size() -> Option<usize> {
    // SAFETY: sysconf reads no memory.
    let p = unsafe { c::sysconf(SC_PAGESIZE) };
    usize::try_from(p).ok().filter(|p| p.is_power_of_two())
}

/// `n` rounded up to whole pages, as the kernel rounds mremap's lengths
/// (Miri takes them as they are, and its munmap rounds up).
fn whole_pages(n: usize, page: usize) -> Option<usize> {
    let mask = page.wrapping_sub(1);
    n.checked_add(mask).map(|v| v & !mask)
}

/// `mmap`, in the place of the architecture's form (`arch/mmap.rs`):
/// Miri's, for fresh private anonymous memory only.
///
/// # Safety
///
/// The caller upholds mmap's contract (see `crate::mmap`).
pub unsafe fn mmap(addr: usize, len: usize, prot: usize, flags: usize, fd: usize, off: u64) -> usize {
    let _ = fd; // Linux ignores it for anonymous memory; Miri wants -1.
    // The C ints the sys layer sign-extended into registers.
    let (prot, flags) = (prot as c_int, flags as c_int);
    if prot != PROT_READ | PROT_WRITE || flags != MAP_PRIVATE | MAP_ANONYMOUS || off != 0 {
        return fail(Errno::ENOSYS);
    }
    // The kernel's answer for a length no address space holds; Miri would
    // round it and answer EINVAL.
    if len > isize::MAX as usize {
        return fail(Errno::ENOMEM);
    }
    // SAFETY: no MAP_FIXED: Miri allocates fresh memory; the address is a
    // hint, which Miri ignores.
    let p = unsafe {
        c::mmap(ptr::without_provenance_mut(addr), len, prot, flags, -1, 0)
    };
    if p.addr() == usize::MAX {
        from_c(-1)
    } else {
        p.expose_provenance()
    }
}

/// One syscall: Miri's C function where it emulates the call, else ENOSYS.
///
/// # Safety
///
/// The caller upholds the contract of syscall `n`.
unsafe fn call(n: usize, a: [usize; 6]) -> usize {
    let [a1, a2, a3, a4, a5, _] = a;
    match n {
        MUNMAP if a2 == 0 => fail(Errno::EINVAL),
        // SAFETY: the caller's contract; Miri checks the range is one
        // whole mapping.
        MUNMAP => from_c(unsafe { c::munmap(ptr(a1), a2) } as isize),
        MREMAP => mremap(a1, a2, a3, a4 as c_int),
        OPENAT => openat(a1 as c_int, a2, a3 as c_int),
        // SAFETY: the caller's contract: buf holds count writable bytes.
        READ => from_c(unsafe { c::read(a1 as c_int, ptr(a2), a3) }),
        // SAFETY: the caller gives up the descriptor.
        CLOSE => from_c(unsafe { c::close(a1 as c_int) } as isize),
        PRCTL if a1 as c_int == PR_GET_AUXV => get_auxv(a2, a3, a4, a5),
        // SAFETY: the caller's contract: a C string and 256 writable bytes.
        STATX => unsafe { statx(a1 as c_int, a2, a3 as c_int, a4 as c_uint, a5) },
        _ => fail(Errno::ENOSYS),
    }
}

fn mremap(old: usize, old_len: usize, new_len: usize, flags: c_int) -> usize {
    // Without MREMAP_MAYMOVE Miri cannot resize in place (it reallocates);
    // an old length of 0 duplicates a shared mapping, which Miri has not.
    let Some(page) = page_size().filter(|_| flags == MREMAP_MAYMOVE && old_len != 0) else {
        return fail(Errno::ENOSYS);
    };
    let (Some(old_len), Some(new_len)) = (whole_pages(old_len, page), whole_pages(new_len, page))
    else {
        return fail(Errno::EINVAL);
    };
    // SAFETY: the caller's contract; Miri checks the old range is one whole
    // mapping (a new length of 0 is its EINVAL, as the kernel's).
    let p = unsafe { c::mremap(ptr(old), old_len, new_len, flags) };
    if p.addr() == usize::MAX {
        from_c(-1)
    } else {
        p.expose_provenance()
    }
}

fn openat(dirfd: c_int, path: usize, flags: c_int) -> usize {
    if path == 0 {
        return fail(Errno::EFAULT);
    }
    // SAFETY: a non-null path is the caller's C string, at least its NUL.
    let absolute = unsafe { ptr::<c_char>(path).read() } == b'/' as c_char;
    let extra = flags & !(O_ACCMODE | O_RDONLY_CLOEXEC);
    if !(dirfd == AT_FDCWD || absolute) || extra != 0 || flags & O_ACCMODE == O_ACCMODE {
        return fail(Errno::ENOSYS);
    }
    // SAFETY: a C string; no O_CREAT, so no mode.
    from_c(unsafe { c::open(ptr(path), flags) } as isize)
}

/// `prctl(PR_GET_AUXV, buf, len, 0, 0)`: the one entry Miri has an answer
/// for, `AT_PAGESZ`, then `AT_NULL`; its full size, of which at most `len`
/// bytes are copied, as the kernel does.
fn get_auxv(buf: usize, len: usize, a4: usize, a5: usize) -> usize {
    if a4 != 0 || a5 != 0 {
        return fail(Errno::EINVAL);
    }
    let Some(page) = page_size() else {
        return fail(Errno::ENOSYS);
    };
    let auxv = [AT_PAGESZ, page, AT_NULL, 0];
    let n = len.min(size_of_val(&auxv));
    if n > 0 {
        if buf == 0 {
            return fail(Errno::EFAULT);
        }
        // SAFETY: the caller's contract: buf holds len writable bytes; n is
        // no more than len nor than auxv's size.
        unsafe { ptr::copy_nonoverlapping(auxv.as_ptr().cast::<u8>(), ptr(buf), n) };
    }
    size_of_val(&auxv)
}

/// # Safety
///
/// `path` is a C string, `buf` 256 writable bytes (or either null).
unsafe fn statx(dirfd: c_int, path: usize, flags: c_int, mask: c_uint, buf: usize) -> usize {
    if path != 0 {
        // SAFETY: a non-null path is the caller's C string, at least its NUL.
        let first = unsafe { ptr::<c_char>(path).read() };
        let empty = first == 0 && flags & AT_EMPTY_PATH != 0;
        if !(empty || dirfd == AT_FDCWD || first == b'/' as c_char) {
            return fail(Errno::ENOSYS);
        }
    }
    if buf != 0 {
        // The kernel writes all of struct statx, its padding as zeros;
        // Miri writes only the named fields.
        // SAFETY: buf holds the 256 bytes of struct statx.
        unsafe { ptr::write_bytes(ptr::<u8>(buf), 0, size_of::<[u64; STATX_WORDS]>()) };
    }
    // SAFETY: as above; Miri answers EFAULT for a null pointer.
    from_c(unsafe { c::statx(dirfd, ptr(path), flags, mask, ptr(buf)) } as isize)
}

#[inline]
pub unsafe fn syscall0(n: usize) -> usize {
    // SAFETY: the caller upholds the contract of syscall `n`.
    unsafe { call(n, [0; 6]) }
}

#[inline]
pub unsafe fn syscall1(n: usize, a1: usize) -> usize {
    // SAFETY: as above.
    unsafe { call(n, [a1, 0, 0, 0, 0, 0]) }
}

#[inline]
pub unsafe fn syscall2(n: usize, a1: usize, a2: usize) -> usize {
    // SAFETY: as above.
    unsafe { call(n, [a1, a2, 0, 0, 0, 0]) }
}

#[inline]
pub unsafe fn syscall3(n: usize, a1: usize, a2: usize, a3: usize) -> usize {
    // SAFETY: as above.
    unsafe { call(n, [a1, a2, a3, 0, 0, 0]) }
}

#[inline]
pub unsafe fn syscall4(n: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    // SAFETY: as above.
    unsafe { call(n, [a1, a2, a3, a4, 0, 0]) }
}

#[inline]
pub unsafe fn syscall5(n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> usize {
    // SAFETY: as above.
    unsafe { call(n, [a1, a2, a3, a4, a5, 0]) }
}
