//! The one owner of a mapping's address arithmetic. `Mmap`, `MmapMut` and
//! `MmapRaw` are thin wrappers around [`Inner`]; all checked arithmetic and
//! every syscall of the safe layer live here, so there is one place to get
//! the page delta right.

use crate::{c_void, Advice, Errno, MapFlags, MremapFlags, MsFlags, Prot, Result};
use core::mem::size_of;
use core::ptr::{self, NonNull};

/// A live mapping (or an empty one, which owns nothing).
///
/// The kernel maps whole pages from a page-aligned file offset; the user
/// asked for `len` bytes from an offset that may sit `delta` bytes into its
/// page. So the mapping itself starts at `ptr - delta` and spans
/// `delta + len` bytes (the kernel rounds that up to whole pages). The
/// mapping starts on a page boundary, so `delta` is the low bits of `ptr`
/// ([`Inner::delta`]) and needs no field.
///
/// Small on purpose (three words on 64-bit targets, 12 bytes on 32-bit
/// ones): every map type wraps one and moves it by value, and a larger move
/// becomes a call to `memcpy` (in debug builds, and at `opt-level = "z"`),
/// which a program without libc has no one to answer.
pub(crate) struct Inner {
    /// The first byte the user sees. [`EMPTY`] (never dereferenced, never
    /// passed to the kernel) when `len == 0`.
    ptr: NonNull<u8>,
    len: usize,
    /// log2 of the page size the map was made with, so that all its
    /// arithmetic agrees with itself even if the crate's cached page size is
    /// replaced later (`init_page_size_from_auxv`). 0 (a "page" of 1) for
    /// an empty map.
    page_shift: u8,
    /// A private anonymous mapping: growing it only ever adds zeroed pages,
    /// never bytes without backing, so a safe `remap` may grow it.
    anon: bool,
}

// The size that keeps moves of a map out of `memcpy` (see `Inner`); 32
// bytes already became a call at `opt-level = "z"` on riscv64.
const _: () = assert!(size_of::<Result<Inner>>() <= 3 * size_of::<usize>());

/// Aligned as a page of every size Linux has on the supported architectures
/// (4 KiB, and 16 and 64 KiB on aarch64, 64 KiB on powerpc64).
#[repr(align(65536))]
struct LargestPage;

/// The pointer of every empty map: not null, and page aligned everywhere,
/// as memmap2's is (it maps one real byte for an empty map); so any slice
/// of any element type over it is well aligned. No memory is there, and
/// none is needed: an empty map never dereferences it and never passes it
/// to the kernel.
pub(crate) const EMPTY: NonNull<u8> = NonNull::<LargestPage>::dangling().cast();

/// Invariants kept by every constructor and by `remap`, relied on by all
/// the unchecked arithmetic below: `len <= isize::MAX`, and `delta + len`
/// rounded up to whole pages neither overflows nor exceeds `isize::MAX`.
/// A length that breaks them is `ENOMEM`, the kernel's own answer to a
/// length it cannot fit. Returns that rounded length.
fn region_len(delta: usize, len: usize, page: usize) -> Result<usize> {
    let total = delta.checked_add(len).ok_or(Errno::ENOMEM)?;
    // `page` is a power of two (checked where it is read), so never 0.
    let mask = page.wrapping_sub(1);
    let rounded = total.checked_add(mask).ok_or(Errno::ENOMEM)? & !mask;
    if len > isize::MAX as usize || rounded > isize::MAX as usize {
        return Err(Errno::ENOMEM);
    }
    Ok(rounded)
}

/// The user's first byte, `delta` bytes into a mapping the kernel just
/// made at `base`; checks what [`Inner::delta`] relies on.
///
/// `EINVAL` when `base` is not on a boundary of `page`: the kernel always
/// aligns to the system's page size, so `page` is not it (startup code
/// handed in a larger one with `init_page_size_from_auxv`), and the map's
/// arithmetic would be wrong. `ENOMEM` for a null pointer, which needs the
/// kernel to map page 0 with `delta` 0 (it never does without `MAP_FIXED`).
/// The caller unmaps `base` on either error.
pub(crate) fn first_byte(base: *mut c_void, delta: usize, page: usize) -> Result<NonNull<u8>> {
    if base as usize & page.wrapping_sub(1) != 0 {
        return Err(Errno::EINVAL);
    }
    NonNull::new(base.cast::<u8>().wrapping_add(delta)).ok_or(Errno::ENOMEM)
}

impl Inner {
    /// An empty map: no syscall, nothing to unmap, and the page-aligned
    /// [`EMPTY`] pointer so that an empty slice over it is valid.
    pub(crate) const fn empty() -> Self {
        Inner {
            ptr: EMPTY,
            len: 0,
            page_shift: 0,
            anon: false,
        }
    }

    /// Maps `len` bytes of `fd` from `offset` (any offset: the mapping
    /// starts at the page below it). `len == 0` maps nothing.
    ///
    /// Errors, checked before any syscall: `offset + len` past `u64::MAX` is
    /// `EOVERFLOW` (the kernel's answer to a range past the largest file
    /// offset); a `len` over `isize::MAX`, or one that overflows once the
    /// page delta is added and it is rounded up to whole pages, is
    /// `ENOMEM`. Then the page size (see [`crate::try_page_size`]) and
    /// `mmap(2)`'s own errors.
    ///
    /// # Safety
    ///
    /// `flags` must not hold `MAP_FIXED` (it would replace memory someone
    /// else owns); the map type bits in it are the caller's choice. For a
    /// file mapping the caller takes on the file's contract: see
    /// `MmapOptions::map`.
    pub(crate) unsafe fn map(
        len: usize,
        prot: Prot,
        flags: MapFlags,
        fd: i32,
        offset: u64,
    ) -> Result<Self> {
        if len == 0 {
            return Ok(Self::empty());
        }
        let len64 = u64::try_from(len).map_err(|_| Errno::ENOMEM)?;
        offset.checked_add(len64).ok_or(Errno::EOVERFLOW)?;
        if len > isize::MAX as usize {
            return Err(Errno::ENOMEM);
        }
        let page = crate::try_page_size()?;
        // The page size is a power of two that fits in usize: the remainder
        // is a mask (a 64-bit `%` would be a call into compiler_builtins on
        // 32-bit targets, with unwind tables that want a personality
        // routine), and it fits in usize too.
        let delta = (offset & (page as u64).wrapping_sub(1)) as usize;
        let mapped = region_len(delta, len, page)?;
        // SAFETY: no MAP_FIXED (the caller's contract), so the kernel picks
        // a fresh range and no existing memory is touched.
        let base = unsafe {
            crate::mmap(
                ptr::null_mut(),
                mapped,
                prot,
                flags,
                fd,
                // delta is offset's remainder, so no wrap.
                offset.wrapping_sub(delta as u64),
            )
        }?;
        let ptr = match first_byte(base, delta, page) {
            Ok(ptr) => ptr,
            Err(e) => {
                // SAFETY: the mapping is ours and nothing refers to it yet.
                let _ = unsafe { crate::munmap(base, mapped) };
                return Err(e);
            }
        };
        Ok(Inner {
            ptr,
            len,
            // A power of two below 2^64: the shift fits a byte.
            page_shift: page.trailing_zeros() as u8,
            anon: flags.contains(MapFlags::ANONYMOUS)
                && flags.bits() & crate::consts::MAP_TYPE == crate::consts::MAP_PRIVATE,
        })
    }

    #[inline]
    pub(crate) fn ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The page size the map was made with (1 for an empty map).
    fn page(&self) -> usize {
        // page_shift came from a usize's trailing zeros: below its width.
        1usize.wrapping_shl(u32::from(self.page_shift))
    }

    /// Bytes from the page-aligned start of the mapping to `ptr`: below
    /// the page size, 0 for an empty map. The low bits of `ptr`, because
    /// the mapping starts on a boundary of `page` (checked by [`first_byte`]
    /// whenever the kernel hands out a mapping).
    fn delta(&self) -> usize {
        self.ptr.as_ptr() as usize & self.page().wrapping_sub(1)
    }

    /// The page-aligned start of the mapping. `wrapping_sub` keeps the
    /// provenance of the mapping and cannot overflow: `ptr` is `delta`
    /// bytes into it.
    fn base(&self) -> *mut c_void {
        self.ptr.as_ptr().wrapping_sub(self.delta()).cast()
    }

    /// `n` rounded up to whole pages. The kernel rounds every length it is
    /// given the same way, so this changes nothing on Linux; but qemu-user
    /// with a guest page larger than the host's (`-p 65536`) mistracks a
    /// mapping resized to a partial page, so every length passed on is
    /// whole pages. Cannot overflow for the map's own lengths: see
    /// [`region_len`].
    fn whole_pages(&self, n: usize) -> usize {
        let mask = self.page().wrapping_sub(1);
        n.wrapping_add(mask) & !mask
    }

    /// The whole mapping, from its page-aligned start, for calls that act
    /// on all of it; `None` for an empty map, which owns no pages.
    fn whole(&self) -> Option<(*mut c_void, usize)> {
        (self.len != 0).then(|| {
            (
                self.base(),
                self.whole_pages(self.delta().wrapping_add(self.len)),
            )
        })
    }

    /// The page-aligned span that covers `offset..offset + len` of the
    /// user's bytes; `None` when there is nothing to do (`len == 0`).
    ///
    /// A range that does not lie inside the map is `ENOMEM`, the kernel's
    /// answer for a range that is not mapped: the check is ours because
    /// the kernel would accept a range that runs into a neighbouring
    /// mapping.
    fn span(&self, offset: usize, len: usize) -> Result<Option<(*mut c_void, usize)>> {
        let end = offset.checked_add(len).ok_or(Errno::ENOMEM)?;
        if end > self.len {
            return Err(Errno::ENOMEM);
        }
        if len == 0 {
            return Ok(None);
        }
        // Cannot overflow: end <= self.len, and delta + self.len rounded up
        // fits.
        let start = self.delta().wrapping_add(offset);
        let aligned = start & !self.page().wrapping_sub(1);
        Ok(Some((
            self.base().cast::<u8>().wrapping_add(aligned).cast(),
            self.whole_pages(self.delta().wrapping_add(end))
                .wrapping_sub(aligned),
        )))
    }

    pub(crate) fn flush(&self, flags: MsFlags) -> Result<()> {
        match self.whole() {
            // SAFETY: our own mapping; MS_SYNC / MS_ASYNC change no memory.
            Some((p, n)) => unsafe { crate::msync(p, n, flags) },
            None => Ok(()),
        }
    }

    pub(crate) fn flush_range(&self, offset: usize, len: usize, flags: MsFlags) -> Result<()> {
        match self.span(offset, len)? {
            // SAFETY: inside our own mapping; MS_SYNC / MS_ASYNC change no
            // memory.
            Some((p, n)) => unsafe { crate::msync(p, n, flags) },
            None => Ok(()),
        }
    }

    /// Advice that cannot change what the memory holds; anything else is
    /// `EINVAL` before any syscall.
    pub(crate) fn advise_range(&self, advice: Advice, offset: usize, len: usize) -> Result<()> {
        if advice.may_change_contents() {
            return Err(Errno::EINVAL);
        }
        // SAFETY: this advice leaves the contents as they are.
        unsafe { self.unchecked_advise_range(advice, offset, len) }
    }

    /// # Safety
    ///
    /// The caller accepts what `advice` does to the range's contents, and
    /// holds no reference whose contents that would change.
    pub(crate) unsafe fn unchecked_advise_range(
        &self,
        advice: Advice,
        offset: usize,
        len: usize,
    ) -> Result<()> {
        match self.span(offset, len)? {
            // SAFETY: inside our own mapping; the caller accepts the advice's
            // effect.
            Some((p, n)) => unsafe { crate::madvise(p, n, advice) },
            None => Ok(()),
        }
    }

    pub(crate) fn lock(&self) -> Result<()> {
        match self.whole() {
            // SAFETY: our own mapping, readable or not: mlock changes no
            // memory, and an unreadable one is only an error.
            Some((p, n)) => unsafe { crate::mlock(p, n) },
            None => Ok(()),
        }
    }

    pub(crate) fn unlock(&self) -> Result<()> {
        match self.whole() {
            // SAFETY: munlock changes no memory.
            Some((p, n)) => unsafe { crate::munlock(p, n) },
            None => Ok(()),
        }
    }

    /// # Safety
    ///
    /// No reference into the map may be used afterwards in a way the new
    /// protection forbids (callers consume the map, so none is live).
    pub(crate) unsafe fn protect(&self, prot: Prot) -> Result<()> {
        match self.whole() {
            // SAFETY: our own mapping; the caller guarantees no reference
            // outlives its old protection.
            Some((p, n)) => unsafe { crate::mprotect(p, n, prot) },
            None => Ok(()),
        }
    }

    /// Whether growing to `new_len` may expose bytes without backing (a
    /// file's end, a shared object's size): everything but shrinking and
    /// private anonymous memory.
    pub(crate) fn growth_needs_backing(&self, new_len: usize) -> bool {
        new_len > self.len && !self.anon
    }

    /// Resizes the map in place, or (with `may_move`) wherever the kernel
    /// finds room, keeping the contents and the page delta.
    ///
    /// The same length is a no-op. Resizing an empty map, or to 0, is
    /// `EINVAL` (there is nothing to resize, or nothing would remain — as
    /// `mremap(2)` says); an over-long `new_len` is `ENOMEM` as in
    /// [`Inner::map`]; then `mremap(2)`'s errors (`ENOMEM` when the map
    /// cannot grow in place and may not move).
    ///
    /// # Safety
    ///
    /// No reference into the map is live (callers take `&mut self`), and
    /// when the map grows, the bytes it gains have backing: see
    /// [`Inner::growth_needs_backing`].
    pub(crate) unsafe fn remap(&mut self, new_len: usize, may_move: bool) -> Result<()> {
        if new_len == self.len {
            return Ok(());
        }
        let Some((base, old)) = self.whole() else {
            return Err(Errno::EINVAL);
        };
        if new_len == 0 {
            return Err(Errno::EINVAL);
        }
        let delta = self.delta();
        let new = region_len(delta, new_len, self.page())?;
        let flags = if may_move {
            MremapFlags::MAYMOVE
        } else {
            MremapFlags::empty()
        };
        // SAFETY: our own mapping, with no reference into it (the caller's
        // contract); without MREMAP_FIXED the kernel picks any new place.
        let moved = unsafe { crate::mremap(base, old, new, flags, ptr::null_mut()) }?;
        // mremap keeps the page offset: the new base is page aligned, and
        // the user's bytes still start `delta` into it.
        match first_byte(moved, delta, self.page()) {
            Ok(p) => {
                self.ptr = p;
                self.len = new_len;
                Ok(())
            }
            Err(e) => {
                // Unreachable with the system's page size, as in `map`.
                // Give the pages back and leave an empty map rather than a
                // null slice or one whose delta is lost.
                // SAFETY: the mapping is ours and no reference into it is
                // live.
                let _ = unsafe { crate::munmap(moved, new) };
                // Fields, not `*self = ..`: that would run Drop on the old,
                // already moved address.
                self.ptr = EMPTY;
                self.len = 0;
                self.page_shift = 0;
                Err(e)
            }
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some((p, n)) = self.whole() {
            // SAFETY: our own mapping, and the owner is going away, so no
            // reference into it is left. An error cannot happen for a range
            // we mapped, and there is nothing useful to do with one here.
            let _ = unsafe { crate::munmap(p, n) };
        }
    }
}

// SAFETY: Inner is an owned mapping, like a Box<[u8]>: nothing about it is
// tied to the thread that created it.
unsafe impl Send for Inner {}
// SAFETY: the methods on `&Inner` only read through the pointer or make
// syscalls that change no memory (the content-changing ones are unsafe),
// so sharing it between threads is as sound as sharing a `&[u8]`.
unsafe impl Sync for Inner {}
