//! Typed flags over the kernel's constants. Every type keeps unknown bits
//! (`from_bits_retain`), so a flag from a newer kernel still passes through.

use crate::consts as c;
use core::ffi::c_int;

bitflags::bitflags! {
    /// Memory protection (`PROT_*`), for `mmap` and `mprotect`.
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Prot: c_int {
        /// `PROT_READ`
        const READ = c::PROT_READ;
        /// `PROT_WRITE`
        const WRITE = c::PROT_WRITE;
        /// `PROT_EXEC`
        const EXEC = c::PROT_EXEC;
        /// `PROT_SEM`
        const SEM = c::PROT_SEM;
        /// `PROT_GROWSDOWN` (`mprotect` only)
        const GROWSDOWN = c::PROT_GROWSDOWN;
        /// `PROT_GROWSUP` (`mprotect` only)
        const GROWSUP = c::PROT_GROWSUP;
        /// `PROT_BTI` (aarch64 only)
        #[cfg(target_arch = "aarch64")]
        const BTI = c::PROT_BTI;
        /// `PROT_MTE` (aarch64 only)
        #[cfg(target_arch = "aarch64")]
        const MTE = c::PROT_MTE;
        // Unknown bits are kept, not truncated.
        const _ = !0;
    }
}

impl Prot {
    /// `PROT_NONE`: no access (the empty set).
    pub const NONE: Self = Self::empty();
}

bitflags::bitflags! {
    /// `mmap` flags (`MAP_*`). The huge page size is a number inside the
    /// flags, not a bit: see [`MapFlags::huge_page_size`] and the
    /// `MapFlags::HUGE_*` constants.
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MapFlags: c_int {
        /// `MAP_SHARED`
        const SHARED = c::MAP_SHARED;
        /// `MAP_PRIVATE`
        const PRIVATE = c::MAP_PRIVATE;
        /// `MAP_SHARED_VALIDATE`
        const SHARED_VALIDATE = c::MAP_SHARED_VALIDATE;
        /// `MAP_DROPPABLE` (Linux 6.11)
        const DROPPABLE = c::MAP_DROPPABLE;
        /// `MAP_FIXED`
        const FIXED = c::MAP_FIXED;
        /// `MAP_ANONYMOUS`
        const ANONYMOUS = c::MAP_ANONYMOUS;
        /// `MAP_FILE` (zero: ignored)
        const FILE = c::MAP_FILE;
        /// `MAP_32BIT` (x86_64 only)
        #[cfg(target_arch = "x86_64")]
        const _32BIT = c::MAP_32BIT;
        /// `MAP_ABOVE4G` (x86_64 only)
        #[cfg(target_arch = "x86_64")]
        const ABOVE4G = c::MAP_ABOVE4G;
        /// `MAP_GROWSDOWN`
        const GROWSDOWN = c::MAP_GROWSDOWN;
        /// `MAP_DENYWRITE` (ignored by the kernel)
        const DENYWRITE = c::MAP_DENYWRITE;
        /// `MAP_EXECUTABLE` (ignored by the kernel)
        const EXECUTABLE = c::MAP_EXECUTABLE;
        /// `MAP_LOCKED`
        const LOCKED = c::MAP_LOCKED;
        /// `MAP_NORESERVE`
        const NORESERVE = c::MAP_NORESERVE;
        /// `MAP_POPULATE`
        const POPULATE = c::MAP_POPULATE;
        /// `MAP_NONBLOCK`
        const NONBLOCK = c::MAP_NONBLOCK;
        /// `MAP_STACK`
        const STACK = c::MAP_STACK;
        /// `MAP_HUGETLB`
        const HUGETLB = c::MAP_HUGETLB;
        /// `MAP_SYNC`
        const SYNC = c::MAP_SYNC;
        /// `MAP_FIXED_NOREPLACE`
        const FIXED_NOREPLACE = c::MAP_FIXED_NOREPLACE;
        /// `MAP_UNINITIALIZED`
        const UNINITIALIZED = c::MAP_UNINITIALIZED;
        // Unknown bits are kept, not truncated.
        const _ = !0;
    }
}

impl MapFlags {
    /// The huge page size field: `log2` of the size in bytes, shifted by
    /// `MAP_HUGE_SHIFT` (for example `21` for 2 MiB). Use it together with
    /// [`MapFlags::HUGETLB`]. A `log2` above `MAP_HUGE_MASK` (63) is masked,
    /// as the kernel's own field is 6 bits wide.
    pub const fn huge_page_size(log2: u8) -> Self {
        Self::from_bits_retain(((log2 as c_int) & c::MAP_HUGE_MASK) << c::MAP_HUGE_SHIFT)
    }
    /// `MAP_HUGE_16KB`
    pub const HUGE_16KB: Self = Self::from_bits_retain(c::MAP_HUGE_16KB);
    /// `MAP_HUGE_64KB`
    pub const HUGE_64KB: Self = Self::from_bits_retain(c::MAP_HUGE_64KB);
    /// `MAP_HUGE_512KB`
    pub const HUGE_512KB: Self = Self::from_bits_retain(c::MAP_HUGE_512KB);
    /// `MAP_HUGE_1MB`
    pub const HUGE_1MB: Self = Self::from_bits_retain(c::MAP_HUGE_1MB);
    /// `MAP_HUGE_2MB`
    pub const HUGE_2MB: Self = Self::from_bits_retain(c::MAP_HUGE_2MB);
    /// `MAP_HUGE_8MB`
    pub const HUGE_8MB: Self = Self::from_bits_retain(c::MAP_HUGE_8MB);
    /// `MAP_HUGE_16MB`
    pub const HUGE_16MB: Self = Self::from_bits_retain(c::MAP_HUGE_16MB);
    /// `MAP_HUGE_32MB`
    pub const HUGE_32MB: Self = Self::from_bits_retain(c::MAP_HUGE_32MB);
    /// `MAP_HUGE_256MB`
    pub const HUGE_256MB: Self = Self::from_bits_retain(c::MAP_HUGE_256MB);
    /// `MAP_HUGE_512MB`
    pub const HUGE_512MB: Self = Self::from_bits_retain(c::MAP_HUGE_512MB);
    /// `MAP_HUGE_1GB`
    pub const HUGE_1GB: Self = Self::from_bits_retain(c::MAP_HUGE_1GB);
    /// `MAP_HUGE_2GB`
    pub const HUGE_2GB: Self = Self::from_bits_retain(c::MAP_HUGE_2GB);
    /// `MAP_HUGE_16GB`
    pub const HUGE_16GB: Self = Self::from_bits_retain(c::MAP_HUGE_16GB);
}

bitflags::bitflags! {
    /// `msync` flags (`MS_*`).
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MsFlags: c_int {
        /// `MS_ASYNC`
        const ASYNC = c::MS_ASYNC;
        /// `MS_INVALIDATE`
        const INVALIDATE = c::MS_INVALIDATE;
        /// `MS_SYNC`
        const SYNC = c::MS_SYNC;
        // Unknown bits are kept, not truncated.
        const _ = !0;
    }
}

bitflags::bitflags! {
    /// `mlock2` flags (`MLOCK_*`).
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MlockFlags: c_int {
        /// `MLOCK_ONFAULT`
        const ONFAULT = c::MLOCK_ONFAULT;
        // Unknown bits are kept, not truncated.
        const _ = !0;
    }
}

bitflags::bitflags! {
    /// `mlockall` flags (`MCL_*`).
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MlockAllFlags: c_int {
        /// `MCL_CURRENT`
        const CURRENT = c::MCL_CURRENT;
        /// `MCL_FUTURE`
        const FUTURE = c::MCL_FUTURE;
        /// `MCL_ONFAULT`
        const ONFAULT = c::MCL_ONFAULT;
        // Unknown bits are kept, not truncated.
        const _ = !0;
    }
}

bitflags::bitflags! {
    /// `mremap` flags (`MREMAP_*`).
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MremapFlags: c_int {
        /// `MREMAP_MAYMOVE`
        const MAYMOVE = c::MREMAP_MAYMOVE;
        /// `MREMAP_FIXED`
        const FIXED = c::MREMAP_FIXED;
        /// `MREMAP_DONTUNMAP`
        const DONTUNMAP = c::MREMAP_DONTUNMAP;
        // Unknown bits are kept, not truncated.
        const _ = !0;
    }
}

/// `madvise` advice (`MADV_*`). Not a bit set: one value per call.
///
/// A newtype rather than an enum so that any value, including one from a
/// kernel newer than this crate, can be passed with [`Advice::from_raw`].
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Advice(c_int);

impl Advice {
    /// Any advice value, known to this crate or not.
    pub const fn from_raw(raw: c_int) -> Self {
        Self(raw)
    }
    /// The raw value passed to the kernel.
    pub const fn raw(self) -> c_int {
        self.0
    }
    /// Whether this advice can change what the memory holds (or is unknown,
    /// and so might): `DONTNEED`, `DONTNEED_LOCKED`, `FREE`, `REMOVE`,
    /// `WIPEONFORK`, `GUARD_INSTALL`, `HWPOISON`, `SOFT_OFFLINE` and every
    /// value this crate does not know. The safe layer only takes the others
    /// without `unsafe`.
    pub const fn may_change_contents(self) -> bool {
        !matches!(
            self.0,
            c::MADV_NORMAL
                | c::MADV_RANDOM
                | c::MADV_SEQUENTIAL
                | c::MADV_WILLNEED
                | c::MADV_DONTFORK
                | c::MADV_DOFORK
                | c::MADV_MERGEABLE
                | c::MADV_UNMERGEABLE
                | c::MADV_HUGEPAGE
                | c::MADV_NOHUGEPAGE
                | c::MADV_DONTDUMP
                | c::MADV_DODUMP
                | c::MADV_KEEPONFORK
                | c::MADV_COLD
                | c::MADV_PAGEOUT
                | c::MADV_POPULATE_READ
                | c::MADV_POPULATE_WRITE
                | c::MADV_COLLAPSE
                | c::MADV_GUARD_REMOVE
        )
    }

    /// `MADV_NORMAL`
    pub const NORMAL: Self = Self(c::MADV_NORMAL);
    /// `MADV_RANDOM`
    pub const RANDOM: Self = Self(c::MADV_RANDOM);
    /// `MADV_SEQUENTIAL`
    pub const SEQUENTIAL: Self = Self(c::MADV_SEQUENTIAL);
    /// `MADV_WILLNEED`
    pub const WILLNEED: Self = Self(c::MADV_WILLNEED);
    /// `MADV_DONTNEED`
    pub const DONTNEED: Self = Self(c::MADV_DONTNEED);
    /// `MADV_FREE`
    pub const FREE: Self = Self(c::MADV_FREE);
    /// `MADV_REMOVE`
    pub const REMOVE: Self = Self(c::MADV_REMOVE);
    /// `MADV_DONTFORK`
    pub const DONTFORK: Self = Self(c::MADV_DONTFORK);
    /// `MADV_DOFORK`
    pub const DOFORK: Self = Self(c::MADV_DOFORK);
    /// `MADV_MERGEABLE`
    pub const MERGEABLE: Self = Self(c::MADV_MERGEABLE);
    /// `MADV_UNMERGEABLE`
    pub const UNMERGEABLE: Self = Self(c::MADV_UNMERGEABLE);
    /// `MADV_HUGEPAGE`
    pub const HUGEPAGE: Self = Self(c::MADV_HUGEPAGE);
    /// `MADV_NOHUGEPAGE`
    pub const NOHUGEPAGE: Self = Self(c::MADV_NOHUGEPAGE);
    /// `MADV_DONTDUMP`
    pub const DONTDUMP: Self = Self(c::MADV_DONTDUMP);
    /// `MADV_DODUMP`
    pub const DODUMP: Self = Self(c::MADV_DODUMP);
    /// `MADV_WIPEONFORK`
    pub const WIPEONFORK: Self = Self(c::MADV_WIPEONFORK);
    /// `MADV_KEEPONFORK`
    pub const KEEPONFORK: Self = Self(c::MADV_KEEPONFORK);
    /// `MADV_COLD`
    pub const COLD: Self = Self(c::MADV_COLD);
    /// `MADV_PAGEOUT`
    pub const PAGEOUT: Self = Self(c::MADV_PAGEOUT);
    /// `MADV_POPULATE_READ`
    pub const POPULATE_READ: Self = Self(c::MADV_POPULATE_READ);
    /// `MADV_POPULATE_WRITE`
    pub const POPULATE_WRITE: Self = Self(c::MADV_POPULATE_WRITE);
    /// `MADV_DONTNEED_LOCKED`
    pub const DONTNEED_LOCKED: Self = Self(c::MADV_DONTNEED_LOCKED);
    /// `MADV_COLLAPSE`
    pub const COLLAPSE: Self = Self(c::MADV_COLLAPSE);
    /// `MADV_HWPOISON`: never issue it on memory you care about (see
    /// [`crate::consts::MADV_HWPOISON`]).
    pub const HWPOISON: Self = Self(c::MADV_HWPOISON);
    /// `MADV_SOFT_OFFLINE`: never issue it on memory you care about.
    pub const SOFT_OFFLINE: Self = Self(c::MADV_SOFT_OFFLINE);
    /// `MADV_GUARD_INSTALL` (Linux 6.13)
    pub const GUARD_INSTALL: Self = Self(c::MADV_GUARD_INSTALL);
    /// `MADV_GUARD_REMOVE` (Linux 6.13)
    pub const GUARD_REMOVE: Self = Self(c::MADV_GUARD_REMOVE);
}

bitflags::bitflags! {
    /// `memfd_create` flags (`MFD_*`). The huge page size is a number
    /// inside the flags, as for [`MapFlags`]: see
    /// [`MfdFlags::huge_page_size`] and the `MfdFlags::HUGE_*` constants.
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MfdFlags: c_int {
        /// `MFD_CLOEXEC`
        const CLOEXEC = c::MFD_CLOEXEC;
        /// `MFD_ALLOW_SEALING`
        const ALLOW_SEALING = c::MFD_ALLOW_SEALING;
        /// `MFD_HUGETLB`
        const HUGETLB = c::MFD_HUGETLB;
        /// `MFD_NOEXEC_SEAL` (Linux 6.3)
        const NOEXEC_SEAL = c::MFD_NOEXEC_SEAL;
        /// `MFD_EXEC` (Linux 6.3)
        const EXEC = c::MFD_EXEC;
        // Unknown bits are kept, not truncated.
        const _ = !0;
    }
}

impl MfdFlags {
    /// The huge page size field: `log2` of the size in bytes, shifted by
    /// `MFD_HUGE_SHIFT`, masked to its 6 bits as the kernel's field is. Use
    /// it together with [`MfdFlags::HUGETLB`].
    pub const fn huge_page_size(log2: u8) -> Self {
        Self::from_bits_retain(((log2 as c_int) & c::MFD_HUGE_MASK) << c::MFD_HUGE_SHIFT)
    }
    /// `MFD_HUGE_64KB`
    pub const HUGE_64KB: Self = Self::from_bits_retain(c::MFD_HUGE_64KB);
    /// `MFD_HUGE_512KB`
    pub const HUGE_512KB: Self = Self::from_bits_retain(c::MFD_HUGE_512KB);
    /// `MFD_HUGE_1MB`
    pub const HUGE_1MB: Self = Self::from_bits_retain(c::MFD_HUGE_1MB);
    /// `MFD_HUGE_2MB`
    pub const HUGE_2MB: Self = Self::from_bits_retain(c::MFD_HUGE_2MB);
    /// `MFD_HUGE_8MB`
    pub const HUGE_8MB: Self = Self::from_bits_retain(c::MFD_HUGE_8MB);
    /// `MFD_HUGE_16MB`
    pub const HUGE_16MB: Self = Self::from_bits_retain(c::MFD_HUGE_16MB);
    /// `MFD_HUGE_32MB`
    pub const HUGE_32MB: Self = Self::from_bits_retain(c::MFD_HUGE_32MB);
    /// `MFD_HUGE_256MB`
    pub const HUGE_256MB: Self = Self::from_bits_retain(c::MFD_HUGE_256MB);
    /// `MFD_HUGE_512MB`
    pub const HUGE_512MB: Self = Self::from_bits_retain(c::MFD_HUGE_512MB);
    /// `MFD_HUGE_1GB`
    pub const HUGE_1GB: Self = Self::from_bits_retain(c::MFD_HUGE_1GB);
    /// `MFD_HUGE_2GB`
    pub const HUGE_2GB: Self = Self::from_bits_retain(c::MFD_HUGE_2GB);
    /// `MFD_HUGE_16GB`
    pub const HUGE_16GB: Self = Self::from_bits_retain(c::MFD_HUGE_16GB);
}

bitflags::bitflags! {
    /// A protection key's access rights (`PKEY_DISABLE_*`), for
    /// `pkey_alloc`.
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct PkeyAccess: c_int {
        /// `PKEY_DISABLE_ACCESS`
        const DISABLE_ACCESS = c::PKEY_DISABLE_ACCESS;
        /// `PKEY_DISABLE_WRITE`
        const DISABLE_WRITE = c::PKEY_DISABLE_WRITE;
        /// `PKEY_DISABLE_EXECUTE` (powerpc64 and aarch64 only)
        #[cfg(any(target_arch = "powerpc64", target_arch = "aarch64"))]
        const DISABLE_EXECUTE = c::PKEY_DISABLE_EXECUTE;
        /// `PKEY_DISABLE_READ` (aarch64 only)
        #[cfg(target_arch = "aarch64")]
        const DISABLE_READ = c::PKEY_DISABLE_READ;
        // Unknown bits are kept, not truncated.
        const _ = !0;
    }
}

bitflags::bitflags! {
    /// A memfd's seals (`F_SEAL_*`), as `fcntl(F_ADD_SEALS)` takes them and
    /// `fcntl(F_GET_SEALS)` answers.
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Seals: c_int {
        /// `F_SEAL_SEAL`
        const SEAL = c::F_SEAL_SEAL;
        /// `F_SEAL_SHRINK`
        const SHRINK = c::F_SEAL_SHRINK;
        /// `F_SEAL_GROW`
        const GROW = c::F_SEAL_GROW;
        /// `F_SEAL_WRITE`
        const WRITE = c::F_SEAL_WRITE;
        /// `F_SEAL_FUTURE_WRITE` (Linux 5.1)
        const FUTURE_WRITE = c::F_SEAL_FUTURE_WRITE;
        /// `F_SEAL_EXEC` (Linux 6.3)
        const EXEC = c::F_SEAL_EXEC;
        // Unknown bits are kept, not truncated.
        const _ = !0;
    }
}
