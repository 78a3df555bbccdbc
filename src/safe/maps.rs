//! The owning maps. All three wrap an [`Inner`]; they differ only in what
//! access they give out and which protection changes they allow.

use super::inner::Inner;
use super::{MapFd, MmapOptions};
use crate::{Advice, Errno, MsFlags, Prot, Result};
use core::fmt;
use core::ops::{Deref, DerefMut};
use core::slice;

/// The methods every map has, documented once.
macro_rules! common_methods {
    () => {
        /// The length of the map in bytes (what was asked for, not rounded
        /// to pages).
        #[inline]
        pub fn len(&self) -> usize {
            self.inner.len()
        }

        /// Whether the map is empty (an empty file, or a length of 0). An
        /// empty map owns no memory; every method on it succeeds and does
        /// nothing.
        #[inline]
        pub fn is_empty(&self) -> bool {
            self.inner.len() == 0
        }

        /// Writes the map's changes back to the file and waits for it
        /// (`msync(MS_SYNC)`). Nothing to do, but harmless, for a private
        /// or anonymous map.
        ///
        /// # Errors
        ///
        /// `msync(2)`'s, such as `EIO` when writing back fails.
        pub fn flush(&self) -> Result<()> {
            self.inner.flush(MsFlags::SYNC)
        }

        /// Starts writing the map's changes back to the file and returns
        /// (`msync(MS_ASYNC)`).
        ///
        /// # Errors
        ///
        /// `msync(2)`'s.
        pub fn flush_async(&self) -> Result<()> {
            self.inner.flush(MsFlags::ASYNC)
        }

        /// Like [`flush`](Self::flush) for the bytes `offset..offset + len`
        /// of the map only. Any alignment works: the range is widened to
        /// the pages that hold it.
        ///
        /// # Errors
        ///
        /// `ENOMEM` if the range does not lie inside the map (the kernel's
        /// answer for an unmapped range), checked before any syscall;
        /// otherwise `msync(2)`'s. An empty range inside the map is `Ok`.
        pub fn flush_range(&self, offset: usize, len: usize) -> Result<()> {
            self.inner.flush_range(offset, len, MsFlags::SYNC)
        }

        /// Like [`flush_async`](Self::flush_async) for the bytes
        /// `offset..offset + len` only; errors as for
        /// [`flush_range`](Self::flush_range).
        ///
        /// # Errors
        ///
        /// As for [`flush_range`](Self::flush_range).
        pub fn flush_async_range(&self, offset: usize, len: usize) -> Result<()> {
            self.inner.flush_range(offset, len, MsFlags::ASYNC)
        }

        /// Advises the kernel how the whole map will be used
        /// (`madvise(2)`), for advice that leaves its contents alone
        /// ([`Advice::SEQUENTIAL`], [`Advice::WILLNEED`], ...).
        ///
        /// # Errors
        ///
        /// `EINVAL`, before any syscall, for advice that can change what
        /// the memory holds ([`Advice::may_change_contents`]: `DONTNEED`,
        /// `FREE`, `REMOVE`, ..., and any advice this crate does not know);
        /// use [`unchecked_advise`](Self::unchecked_advise) for those.
        /// Otherwise `madvise(2)`'s (`EINVAL` also for advice the kernel
        /// does not support).
        pub fn advise(&self, advice: Advice) -> Result<()> {
            self.inner.advise_range(advice, 0, self.inner.len())
        }

        /// Like [`advise`](Self::advise) for the bytes `offset..offset +
        /// len` only, widened to the pages that hold them.
        ///
        /// # Errors
        ///
        /// `ENOMEM` if the range does not lie inside the map; otherwise as
        /// for [`advise`](Self::advise).
        pub fn advise_range(&self, advice: Advice, offset: usize, len: usize) -> Result<()> {
            self.inner.advise_range(advice, offset, len)
        }

        /// Gives the kernel any advice for the whole map, including advice
        /// that changes its contents.
        ///
        /// # Errors
        ///
        /// `madvise(2)`'s.
        ///
        /// # Safety
        ///
        /// The caller accepts what the advice does to the memory (for
        /// example [`Advice::DONTNEED`] makes a private map read back as
        /// the file's contents or zeros, [`Advice::REMOVE`] punches a hole
        /// in the file), and no reference into the map may be live whose
        /// contents that would change. Never pass [`Advice::HWPOISON`] or
        /// [`Advice::SOFT_OFFLINE`] for memory you care about.
        pub unsafe fn unchecked_advise(&self, advice: Advice) -> Result<()> {
            // SAFETY: the caller's contract, passed on.
            unsafe {
                self.inner
                    .unchecked_advise_range(advice, 0, self.inner.len())
            }
        }

        /// Like [`unchecked_advise`](Self::unchecked_advise) for the bytes
        /// `offset..offset + len` only, widened to the pages that hold
        /// them.
        ///
        /// # Errors
        ///
        /// `ENOMEM` if the range does not lie inside the map; otherwise
        /// `madvise(2)`'s.
        ///
        /// # Safety
        ///
        /// As for [`unchecked_advise`](Self::unchecked_advise), for every
        /// page the range touches (including the bytes that share its first
        /// and last page).
        pub unsafe fn unchecked_advise_range(
            &self,
            advice: Advice,
            offset: usize,
            len: usize,
        ) -> Result<()> {
            // SAFETY: the caller's contract, passed on.
            unsafe { self.inner.unchecked_advise_range(advice, offset, len) }
        }

        /// Locks the map's pages in memory (`mlock(2)`), so they are never
        /// swapped out; dropping the map unlocks them.
        ///
        /// # Errors
        ///
        /// `mlock(2)`'s: `ENOMEM` or `EPERM` over `RLIMIT_MEMLOCK`.
        pub fn lock(&self) -> Result<()> {
            self.inner.lock()
        }

        /// Unlocks the map's pages (`munlock(2)`).
        ///
        /// # Errors
        ///
        /// `munlock(2)`'s.
        pub fn unlock(&self) -> Result<()> {
            self.inner.unlock()
        }
    };
}

/// The safe `remap` of `Mmap` and `MmapMut` and its unchecked twin.
macro_rules! remap_methods {
    () => {
        /// Resizes the map with `mremap(2)`, keeping its contents; with
        /// `may_move` the kernel may move it to find room. Shrinking always
        /// works this way; growing only for a private anonymous map (from
        /// [`MmapOptions::map_anon`]), whose new bytes are zeros.
        ///
        /// `&mut self` is what makes this safe: no borrow of the old bytes
        /// can outlive a shrink or a move.
        ///
        /// # Errors
        ///
        /// - `EINVAL` for growing any other map (its new bytes might lie
        ///   past the end of its file: see
        ///   [`unchecked_remap`](Self::unchecked_remap)), for a `new_len`
        ///   of 0, and for resizing an empty map (it has nothing to
        ///   resize). The same length is a no-op.
        /// - `ENOMEM` for a `new_len` over `isize::MAX` (checked), or when
        ///   the map cannot grow in place and `may_move` is false.
        pub fn remap(&mut self, new_len: usize, may_move: bool) -> Result<()> {
            if self.inner.growth_needs_backing(new_len) {
                return Err(Errno::EINVAL);
            }
            // SAFETY: &mut self rules out live borrows, and the check above
            // leaves only shrinking or zero-filled growth.
            unsafe { self.inner.remap(new_len, may_move) }
        }

        /// Like [`remap`](Self::remap), and also grows file maps.
        ///
        /// # Errors
        ///
        /// As for [`remap`](Self::remap), without the first `EINVAL`.
        ///
        /// # Safety
        ///
        /// The bytes the map gains must have backing: for a file map, the
        /// file must reach at least to the map's offset plus `new_len`, and
        /// keep doing so (touching a page past its end raises `SIGBUS`).
        /// The contract of the constructor (see [`MmapOptions::map`])
        /// extends to the new bytes.
        pub unsafe fn unchecked_remap(&mut self, new_len: usize, may_move: bool) -> Result<()> {
            // SAFETY: &mut self rules out live borrows; the caller
            // guarantees the new bytes' backing.
            unsafe { self.inner.remap(new_len, may_move) }
        }
    };
}

/// A read-only memory map of a file (or of memory made read-only), that
/// dereferences to `&[u8]` and unmaps itself on drop.
///
/// Made by [`MmapOptions::map`], [`MmapOptions::map_exec`],
/// [`MmapOptions::map_copy_read_only`], [`Mmap::map`], or
/// [`MmapMut::make_read_only`]. Writing through it is impossible: the pages
/// are mapped without `PROT_WRITE`.
///
/// ```
/// use mmap_native::{Advice, MmapOptions};
/// use std::os::fd::AsRawFd;
///
/// let file = std::fs::File::open("Cargo.toml").unwrap();
/// // An unaligned offset is fine.
/// // SAFETY: nothing changes or truncates Cargo.toml while it is mapped.
/// let map = unsafe { MmapOptions::new().offset(1).map(file.as_raw_fd()) }?;
/// map.advise(Advice::SEQUENTIAL)?;
/// assert!(map.starts_with(b"package]"));
/// assert_eq!(map.len() as u64, file.metadata().unwrap().len() - 1);
/// # Ok::<(), mmap_native::Errno>(())
/// ```
pub struct Mmap {
    inner: Inner,
}

impl Mmap {
    pub(crate) fn from_inner(inner: Inner) -> Self {
        Mmap { inner }
    }

    /// Maps a whole file read-only: `MmapOptions::new().map(file)`.
    ///
    /// # Errors
    ///
    /// See [`MmapOptions`].
    ///
    /// # Safety
    ///
    /// As for [`MmapOptions::map`].
    pub unsafe fn map<F: MapFd>(file: F) -> Result<Mmap> {
        // SAFETY: the caller's contract, passed on.
        unsafe { MmapOptions::new().map(file) }
    }

    /// The address of the first byte.
    ///
    /// For an empty map, which owns no memory: a dangling pointer, not null
    /// and aligned to 64 KiB, so page aligned on every supported
    /// architecture (as memmap2's empty maps are) and well aligned for a
    /// slice of any type. Nothing is there: this crate never dereferences it
    /// or passes it to the kernel, and neither may the caller.
    #[inline]
    pub fn as_ptr(&self) -> *const u8 {
        self.inner.ptr()
    }

    common_methods!();
    remap_methods!();

    /// Makes the map writable (`mprotect(PROT_READ | PROT_WRITE)`). A
    /// shared file map needs a descriptor that was open for writing; a
    /// private one becomes copy-on-write.
    ///
    /// # Errors
    ///
    /// `mprotect(2)`'s: `EACCES` for a shared map of a file not opened for
    /// writing. On error the map is dropped, and so unmapped: nothing
    /// leaks.
    pub fn make_mut(self) -> Result<MmapMut> {
        // SAFETY: self is consumed, so no reference into it is live.
        unsafe { self.inner.protect(Prot::READ | Prot::WRITE) }?;
        Ok(MmapMut::from_inner(self.inner))
    }

    /// Makes the map executable (`mprotect(PROT_READ | PROT_EXEC)`).
    /// Running the bytes is still up to `unsafe` code.
    ///
    /// # Errors
    ///
    /// `mprotect(2)`'s (`EACCES` on a `noexec` file system). On error the
    /// map is dropped, and so unmapped.
    pub fn make_exec(self) -> Result<Mmap> {
        // SAFETY: self is consumed, so no reference into it is live.
        unsafe { self.inner.protect(Prot::READ | Prot::EXEC) }?;
        Ok(self)
    }
}

impl Deref for Mmap {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        // SAFETY: ptr..ptr + len is mapped readable for as long as self
        // lives (or ptr is dangling and len 0); len <= isize::MAX. That no
        // one changes it is the constructor's contract.
        unsafe { slice::from_raw_parts(self.inner.ptr(), self.inner.len()) }
    }
}

impl AsRef<[u8]> for Mmap {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl fmt::Debug for Mmap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mmap")
            .field("ptr", &self.as_ptr())
            .field("len", &self.len())
            .finish()
    }
}

/// A writable memory map, that dereferences to `&mut [u8]` and unmaps
/// itself on drop: shared with a file ([`MmapOptions::map_mut`]), a private
/// copy of one ([`MmapOptions::map_copy`]), or anonymous memory
/// ([`MmapOptions::map_anon`], [`MmapMut::map_anon`]).
///
/// ```
/// use mmap_native::MmapMut;
///
/// let page = mmap_native::page_size();
/// let mut map = MmapMut::map_anon(page)?;
/// map[page - 1] = 7;
/// // Anonymous memory can grow safely; the kernel may move it.
/// map.remap(4 * page, true)?;
/// assert_eq!(map[page - 1], 7);
/// assert_eq!(map[4 * page - 1], 0);
/// # Ok::<(), mmap_native::Errno>(())
/// ```
pub struct MmapMut {
    inner: Inner,
}

impl MmapMut {
    pub(crate) fn from_inner(inner: Inner) -> Self {
        MmapMut { inner }
    }

    /// Maps a whole file readable and writable, shared:
    /// `MmapOptions::new().map_mut(file)`.
    ///
    /// # Errors
    ///
    /// See [`MmapOptions::map_mut`].
    ///
    /// # Safety
    ///
    /// As for [`MmapOptions::map_mut`].
    pub unsafe fn map_mut<F: MapFd>(file: F) -> Result<MmapMut> {
        // SAFETY: the caller's contract, passed on.
        unsafe { MmapOptions::new().map_mut(file) }
    }

    /// Maps `len` bytes of fresh zeroed private memory:
    /// `MmapOptions::new().len(len).map_anon()`.
    ///
    /// # Errors
    ///
    /// See [`MmapOptions::map_anon`].
    pub fn map_anon(len: usize) -> Result<MmapMut> {
        MmapOptions::new().len(len).map_anon()
    }

    /// The address of the first byte.
    ///
    /// For an empty map, which owns no memory: a dangling pointer, not null
    /// and aligned to 64 KiB, so page aligned on every supported
    /// architecture (as memmap2's empty maps are) and well aligned for a
    /// slice of any type. Nothing is there: this crate never dereferences it
    /// or passes it to the kernel, and neither may the caller.
    #[inline]
    pub fn as_ptr(&self) -> *const u8 {
        self.inner.ptr()
    }

    /// The address of the first byte, for writing.
    #[inline]
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.inner.ptr()
    }

    common_methods!();
    remap_methods!();

    /// Makes the map read-only (`mprotect(PROT_READ)`).
    ///
    /// # Errors
    ///
    /// `mprotect(2)`'s. On error the map is dropped, and so unmapped.
    pub fn make_read_only(self) -> Result<Mmap> {
        // SAFETY: self is consumed, so no reference into it is live.
        unsafe { self.inner.protect(Prot::READ) }?;
        Ok(Mmap::from_inner(self.inner))
    }

    /// Makes the map executable and read-only (`mprotect(PROT_READ |
    /// PROT_EXEC)`), for code written into it. Running the bytes is still
    /// up to `unsafe` code.
    ///
    /// # Errors
    ///
    /// `mprotect(2)`'s. On error the map is dropped, and so unmapped.
    pub fn make_exec(self) -> Result<Mmap> {
        // SAFETY: self is consumed, so no reference into it is live.
        unsafe { self.inner.protect(Prot::READ | Prot::EXEC) }?;
        Ok(Mmap::from_inner(self.inner))
    }
}

impl Deref for MmapMut {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        // SAFETY: ptr..ptr + len is mapped readable and writable for as
        // long as self lives (or ptr is dangling and len 0); len <=
        // isize::MAX. That no one else changes it is the constructor's
        // contract.
        unsafe { slice::from_raw_parts(self.inner.ptr(), self.inner.len()) }
    }
}

impl DerefMut for MmapMut {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in deref, and &mut self makes this the only borrow.
        unsafe { slice::from_raw_parts_mut(self.inner.ptr(), self.inner.len()) }
    }
}

impl AsRef<[u8]> for MmapMut {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl AsMut<[u8]> for MmapMut {
    #[inline]
    fn as_mut(&mut self) -> &mut [u8] {
        self
    }
}

impl fmt::Debug for MmapMut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MmapMut")
            .field("ptr", &self.as_ptr())
            .field("len", &self.len())
            .finish()
    }
}

/// A memory map reached only through raw pointers, that unmaps itself on
/// drop. For memory that others change (a file shared between processes,
/// memory written by a device) where `&[u8]` would promise too much.
///
/// Making one is safe ([`MmapOptions::map_raw`], [`MmapRaw::map_raw`], or
/// `From` an [`Mmap`] or [`MmapMut`]); every access through
/// [`as_ptr`](Self::as_ptr) / [`as_mut_ptr`](Self::as_mut_ptr) is `unsafe`,
/// and that is where the file's contract is kept.
///
/// ```
/// use mmap_native::MmapOptions;
/// use std::os::fd::AsRawFd;
///
/// let file = std::fs::File::open("Cargo.toml").unwrap();
/// let map = MmapOptions::new().len(9).map_raw_read_only(file.as_raw_fd())?;
/// // SAFETY: 9 mapped, readable bytes; nothing writes Cargo.toml meanwhile.
/// let head = unsafe { core::slice::from_raw_parts(map.as_ptr(), map.len()) };
/// assert_eq!(head, b"[package]");
/// # Ok::<(), mmap_native::Errno>(())
/// ```
pub struct MmapRaw {
    inner: Inner,
}

impl MmapRaw {
    pub(crate) fn from_inner(inner: Inner) -> Self {
        MmapRaw { inner }
    }

    /// Maps a whole file readable and writable, shared:
    /// `MmapOptions::new().map_raw(file)`.
    ///
    /// # Errors
    ///
    /// See [`MmapOptions::map_raw`].
    pub fn map_raw<F: MapFd>(file: F) -> Result<MmapRaw> {
        MmapOptions::new().map_raw(file)
    }

    /// The address of the first byte.
    ///
    /// For an empty map, which owns no memory: a dangling pointer, not null
    /// and aligned to 64 KiB, so page aligned on every supported
    /// architecture (as memmap2's empty maps are) and well aligned for a
    /// slice of any type. Nothing is there: this crate never dereferences it
    /// or passes it to the kernel, and neither may the caller.
    #[inline]
    pub fn as_ptr(&self) -> *const u8 {
        self.inner.ptr()
    }

    /// The address of the first byte, for writing (when the map is
    /// writable; writing to a read-only one raises `SIGSEGV`).
    #[inline]
    pub fn as_mut_ptr(&self) -> *mut u8 {
        self.inner.ptr()
    }

    common_methods!();

    /// Resizes the map with `mremap(2)`, keeping its contents; with
    /// `may_move` the kernel may move it to find room. Safe even for
    /// growth past the end of a file: only `unsafe` code reads through the
    /// pointers, and pointers taken before a shrink or a move dangle.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a `new_len` of 0 and for resizing an empty map (the
    /// same length is a no-op); `ENOMEM` for a `new_len` over `isize::MAX`,
    /// or when the map cannot grow in place and `may_move` is false.
    pub fn remap(&mut self, new_len: usize, may_move: bool) -> Result<()> {
        // SAFETY: MmapRaw gives out no references, only pointers whose use
        // is the unsafe code's business.
        unsafe { self.inner.remap(new_len, may_move) }
    }
}

impl From<Mmap> for MmapRaw {
    fn from(map: Mmap) -> Self {
        MmapRaw { inner: map.inner }
    }
}

impl From<MmapMut> for MmapRaw {
    fn from(map: MmapMut) -> Self {
        MmapRaw { inner: map.inner }
    }
}

impl fmt::Debug for MmapRaw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MmapRaw")
            .field("ptr", &self.as_ptr())
            .field("len", &self.len())
            .finish()
    }
}
