//! The safe layer: an `MmapOptions` builder and owning maps (`Mmap`,
//! `MmapMut`, `MmapRaw`) that unmap on drop, named after memmap2's.

mod fd;
mod inner;
mod maps;
#[cfg(test)]
mod tests;

pub use fd::MapFd;
pub use maps::{Mmap, MmapMut, MmapRaw};

use crate::consts as c;
use crate::{Errno, MapFlags, Prot, Result};
use inner::Inner;

/// A builder for a memory map: length, offset and `MAP_*` options, then one
/// of the `map*` constructors.
///
/// # Offsets
///
/// Any offset works, page aligned or not: the map starts at the page below
/// it and hides the difference, as memmap2 does. The slice begins exactly
/// at `offset`.
///
/// # Length
///
/// Without [`len`](Self::len), a file map covers the file from `offset` to
/// its end, read from the kernel with `statx(2)` when mapping (so Linux
/// 4.11 or later; give a length on older kernels). An empty
/// file, `offset` at the end of the file, or `len(0)` all give an empty map:
/// no `mmap` call, no error, and an empty (never dangling) slice. An
/// anonymous map without `len` is empty too.
///
/// # Errors
///
/// Each checked before anything is mapped, with the errno the kernel uses
/// for the same mistake; nothing is left mapped after an error:
///
/// - `offset + len` beyond `u64::MAX`: `EOVERFLOW`;
/// - a length over `isize::MAX`, or one that overflows once the page delta
///   is added and it is rounded up to whole pages: `ENOMEM`;
/// - without `len`, an `offset` past the end of the file: `EINVAL`, and a
///   descriptor that is not a regular file (pipe, socket, directory,
///   device; their sizes mean nothing here): `ENODEV`;
/// - extra flags ([`flags`](Self::flags)) that would change the map's type
///   or place: `EINVAL`;
/// - then whatever `statx(2)` and `mmap(2)` answer (`EBADF`, `EACCES` for a
///   protection the descriptor does not allow, `ENODEV` for a pipe with a `len`, ...).
///
/// # Why mapping a file is `unsafe`
///
/// A map hands out `&[u8]` (or `&mut [u8]`) over pages the kernel shares
/// with the file, and Rust promises that those bytes do not change while
/// borrowed. Nothing stops another process (or another map in this one)
/// from writing to the file, which changes the bytes under the borrow, or
/// from truncating it, after which reading the pages past the new end
/// raises `SIGBUS` and kills the process. The `map*` constructors for files
/// are therefore `unsafe`: the caller promises the file stays as it is.
/// Anonymous memory ([`map_anon`](Self::map_anon)) has no such hazard and
/// is safe, and so is [`map_raw`](Self::map_raw), which only hands out raw
/// pointers.
///
/// ```
/// use mmap_native::MmapOptions;
///
/// let mut map = MmapOptions::new().len(3 * mmap_native::page_size()).map_anon()?;
/// map[..5].copy_from_slice(b"hello");
/// let map = map.make_read_only()?;
/// assert_eq!(&map[..5], b"hello");
/// # Ok::<(), mmap_native::Errno>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MmapOptions {
    offset: u64,
    len: Option<usize>,
    flags: MapFlags,
}

impl Default for MmapOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// The huge page size field of the `MAP_*` flags (`MAP_HUGE_MASK` at
/// `MAP_HUGE_SHIFT`).
const HUGE_SIZE_FIELD: MapFlags = MapFlags::huge_page_size(c::MAP_HUGE_MASK as u8);

/// Extra flags the safe layer refuses: the map type (shared, private,
/// shared-validate, droppable) is the constructor's choice, `MAP_FIXED`
/// would replace memory someone else owns, and `MAP_FIXED_NOREPLACE` /
/// `MAP_ANONYMOUS` make no sense without an address or with a file.
const REFUSED: MapFlags = MapFlags::from_bits_retain(c::MAP_TYPE)
    .union(MapFlags::FIXED)
    .union(MapFlags::FIXED_NOREPLACE)
    .union(MapFlags::ANONYMOUS);

impl MmapOptions {
    /// Options for a map of the whole file (or an empty anonymous map),
    /// at offset 0, with no extra flags.
    pub const fn new() -> Self {
        MmapOptions {
            offset: 0,
            len: None,
            flags: MapFlags::empty(),
        }
    }

    /// Where in the file the map starts, in bytes; need not be page
    /// aligned. Ignored by [`map_anon`](Self::map_anon).
    pub fn offset(&mut self, offset: u64) -> &mut Self {
        self.offset = offset;
        self
    }

    /// How many bytes to map. Without it, a file map reaches to the end of
    /// the file. With it, the file's size is not checked (the file may be
    /// meant to grow): pages of the map wholly past the end of the file
    /// raise `SIGBUS` when touched, so the `unsafe` constructors require
    /// the file to be long enough (see the `# Safety` of
    /// [`map`](Self::map)).
    pub fn len(&mut self, len: usize) -> &mut Self {
        self.len = Some(len);
        self
    }

    /// `MAP_POPULATE`: fault the whole map in now (read ahead for a file),
    /// so later accesses do not fault.
    pub fn populate(&mut self) -> &mut Self {
        self.flags |= MapFlags::POPULATE;
        self
    }

    /// `MAP_HUGETLB`: back the map with huge pages, of `2^page_bits` bytes,
    /// or of the system's default huge page size with `None`. Calling it
    /// again replaces the size.
    ///
    /// Huge pages must be reserved (`/proc/sys/vm/nr_hugepages`), the file
    /// must live on `hugetlbfs`, and offset and length must suit the huge
    /// page size; otherwise mapping fails (`ENOMEM`, `EINVAL`).
    pub fn huge(&mut self, page_bits: Option<u8>) -> &mut Self {
        self.flags = self.flags.difference(HUGE_SIZE_FIELD) | MapFlags::HUGETLB;
        if let Some(bits) = page_bits {
            self.flags |= MapFlags::huge_page_size(bits);
        }
        self
    }

    /// `MAP_STACK`: the map is meant as a thread stack (no huge pages).
    pub fn stack(&mut self) -> &mut Self {
        self.flags |= MapFlags::STACK;
        self
    }

    /// `MAP_NORESERVE`: reserve no swap space for the map.
    pub fn no_reserve(&mut self) -> &mut Self {
        self.flags |= MapFlags::NORESERVE;
        self
    }

    /// `MAP_LOCKED`: lock the map's pages in memory, like
    /// [`Mmap::lock`] (subject to `RLIMIT_MEMLOCK`).
    pub fn locked(&mut self) -> &mut Self {
        self.flags |= MapFlags::LOCKED;
        self
    }

    /// Any other `MAP_*` flags, added to those above (for example
    /// [`MapFlags::NONBLOCK`] or a newer kernel's flag).
    ///
    /// The map type bits (`MAP_SHARED`, `MAP_PRIVATE`,
    /// `MAP_SHARED_VALIDATE`, `MAP_DROPPABLE`) belong to the constructor,
    /// and `MAP_FIXED`, `MAP_FIXED_NOREPLACE` and `MAP_ANONYMOUS` would
    /// break the map's ownership: with any of them the `map*` call fails
    /// with `EINVAL`.
    pub fn flags(&mut self, extra: MapFlags) -> &mut Self {
        self.flags |= extra;
        self
    }

    /// The flags to pass for a map of type `kind`, after the check above.
    fn map_flags(&self, kind: MapFlags) -> Result<MapFlags> {
        if self.flags.intersects(REFUSED) {
            return Err(Errno::EINVAL);
        }
        Ok(self.flags | kind)
    }

    /// Maps the file with `prot` and map type `kind`.
    ///
    /// # Safety
    ///
    /// The caller takes on the file's contract (see [`map`](Self::map)) for
    /// the kind of access `prot` gives.
    unsafe fn map_file(&self, fd: i32, prot: Prot, kind: MapFlags) -> Result<Inner> {
        let flags = self.map_flags(kind)?;
        let len = match self.len {
            Some(len) => len,
            None => {
                let size = fd::file_len(fd)?;
                let rest = size.checked_sub(self.offset).ok_or(Errno::EINVAL)?;
                usize::try_from(rest).map_err(|_| Errno::ENOMEM)?
            }
        };
        // SAFETY: map_flags refused MAP_FIXED; the caller takes on the
        // file's contract.
        unsafe { Inner::map(len, prot, flags, fd, self.offset) }
    }

    /// Maps the file read-only and shared: the map shows the file's pages.
    ///
    /// # Errors
    ///
    /// See [`MmapOptions`]; `EACCES` if the descriptor is not open for
    /// reading.
    ///
    /// # Safety
    ///
    /// While the map lives, nothing (no process, and no other map or write
    /// in this one) may change the mapped part of the file, or truncate the
    /// file below `offset + len`: a change breaks the promise of the
    /// `&[u8]` the map gives out, and touching a page past a truncated end
    /// raises `SIGBUS`. With an explicit [`len`](Self::len), the file must
    /// reach at least to `offset + len` for as long as the map lives: a
    /// `&[u8]` may not cover pages that have no backing.
    pub unsafe fn map<F: MapFd>(&self, file: F) -> Result<Mmap> {
        // SAFETY: the caller's contract, passed on.
        let inner = unsafe { self.map_file(file.map_fd(), Prot::READ, MapFlags::SHARED) }?;
        Ok(Mmap::from_inner(inner))
    }

    /// Maps the file readable and executable, shared.
    ///
    /// # Errors
    ///
    /// See [`MmapOptions`]; `EPERM` or `EACCES` on a `noexec` file system.
    ///
    /// # Safety
    ///
    /// As for [`map`](Self::map).
    pub unsafe fn map_exec<F: MapFd>(&self, file: F) -> Result<Mmap> {
        // SAFETY: the caller's contract, passed on.
        let inner =
            unsafe { self.map_file(file.map_fd(), Prot::READ | Prot::EXEC, MapFlags::SHARED) }?;
        Ok(Mmap::from_inner(inner))
    }

    /// Maps the file readable and writable, shared: writes reach the file
    /// (write them back with [`MmapMut::flush`]).
    ///
    /// # Errors
    ///
    /// See [`MmapOptions`]; `EACCES` if the descriptor is not open for both
    /// reading and writing.
    ///
    /// # Safety
    ///
    /// As for [`map`](Self::map): nothing else may change the mapped part
    /// of the file, or truncate it, while the map lives. (This map's own
    /// writes are fine: they go through its `&mut [u8]`.)
    pub unsafe fn map_mut<F: MapFd>(&self, file: F) -> Result<MmapMut> {
        // SAFETY: the caller's contract, passed on.
        let inner =
            unsafe { self.map_file(file.map_fd(), Prot::READ | Prot::WRITE, MapFlags::SHARED) }?;
        Ok(MmapMut::from_inner(inner))
    }

    /// Maps the file readable and writable, private (copy-on-write): writes
    /// stay in this process and never reach the file. The descriptor needs
    /// only read access.
    ///
    /// # Errors
    ///
    /// See [`MmapOptions`].
    ///
    /// # Safety
    ///
    /// As for [`map`](Self::map): until a page is written, it is the
    /// file's page, and changes to the file show through it.
    pub unsafe fn map_copy<F: MapFd>(&self, file: F) -> Result<MmapMut> {
        // SAFETY: the caller's contract, passed on.
        let inner =
            unsafe { self.map_file(file.map_fd(), Prot::READ | Prot::WRITE, MapFlags::PRIVATE) }?;
        Ok(MmapMut::from_inner(inner))
    }

    /// Maps the file read-only and private; [`Mmap::make_mut`] can later
    /// make it a copy-on-write [`MmapMut`] even from a read-only
    /// descriptor.
    ///
    /// # Errors
    ///
    /// See [`MmapOptions`].
    ///
    /// # Safety
    ///
    /// As for [`map_copy`](Self::map_copy).
    pub unsafe fn map_copy_read_only<F: MapFd>(&self, file: F) -> Result<Mmap> {
        // SAFETY: the caller's contract, passed on.
        let inner = unsafe { self.map_file(file.map_fd(), Prot::READ, MapFlags::PRIVATE) }?;
        Ok(Mmap::from_inner(inner))
    }

    /// Maps fresh zeroed memory, private to this process (and copied, not
    /// shared, into a forked child). Safe: no file can change under it.
    /// The offset is ignored; without [`len`](Self::len) the map is empty.
    ///
    /// # Errors
    ///
    /// The length errors of [`MmapOptions`]; `ENOMEM` when the memory is
    /// not there.
    pub fn map_anon(&self) -> Result<MmapMut> {
        let flags = self.map_flags(MapFlags::PRIVATE | MapFlags::ANONYMOUS)?;
        let len = self.len.unwrap_or(0);
        // SAFETY: map_flags refused MAP_FIXED, and anonymous memory has no
        // file whose changes could show through.
        let inner = unsafe { Inner::map(len, Prot::READ | Prot::WRITE, flags, -1, 0) }?;
        Ok(MmapMut::from_inner(inner))
    }

    /// Maps the file readable and writable, shared, for access through raw
    /// pointers only. Safe, because reading or writing through those
    /// pointers is `unsafe` and that is where the file's contract (see
    /// [`map`](Self::map)) must be kept.
    ///
    /// # Errors
    ///
    /// See [`MmapOptions`]; `EACCES` if the descriptor is not open for both
    /// reading and writing (use
    /// [`map_raw_read_only`](Self::map_raw_read_only) then).
    pub fn map_raw<F: MapFd>(&self, file: F) -> Result<MmapRaw> {
        // SAFETY: MmapRaw gives out only raw pointers; whoever dereferences
        // them takes on the file's contract.
        let inner =
            unsafe { self.map_file(file.map_fd(), Prot::READ | Prot::WRITE, MapFlags::SHARED) }?;
        Ok(MmapRaw::from_inner(inner))
    }

    /// Like [`map_raw`](Self::map_raw), read-only: writing through the
    /// pointers raises `SIGSEGV`.
    ///
    /// # Errors
    ///
    /// See [`MmapOptions`].
    pub fn map_raw_read_only<F: MapFd>(&self, file: F) -> Result<MmapRaw> {
        // SAFETY: as in map_raw.
        let inner = unsafe { self.map_file(file.map_fd(), Prot::READ, MapFlags::SHARED) }?;
        Ok(MmapRaw::from_inner(inner))
    }
}
