//! The asm-generic values (`include/uapi/asm-generic/mman-common.h`,
//! `asm-generic/mman.h`, `linux/mman.h`). Every architecture's constant
//! table starts from these (all seven re-export them) and overrides or adds
//! its own, as Linux's `arch/*/include/uapi/asm/mman.h` do: arm, riscv64
//! and s390x add nothing, x86_64, x86 and aarch64 add flags of their own,
//! and powerpc64 gives `MAP_LOCKED`, `MAP_NORESERVE` and the `MCL_*` flags
//! other values and adds three of its own.

use core::ffi::c_int;

/// Page can be read.
pub const PROT_READ: c_int = 0x1;
/// Page can be written.
pub const PROT_WRITE: c_int = 0x2;
/// Page can be executed.
pub const PROT_EXEC: c_int = 0x4;
/// Page may be used for atomic operations (no effect on most architectures).
pub const PROT_SEM: c_int = 0x8;
/// Page cannot be accessed.
pub const PROT_NONE: c_int = 0x0;
/// `mprotect` flag: extend the change to the start of a grows-down mapping.
pub const PROT_GROWSDOWN: c_int = 0x0100_0000;
/// `mprotect` flag: extend the change to the end of a grows-up mapping.
pub const PROT_GROWSUP: c_int = 0x0200_0000;

/// Share changes with other mappings of the same object.
pub const MAP_SHARED: c_int = 0x01;
/// Changes are private (copy-on-write).
pub const MAP_PRIVATE: c_int = 0x02;
/// Like `MAP_SHARED`, but the kernel rejects unknown flags (`EOPNOTSUPP`).
pub const MAP_SHARED_VALIDATE: c_int = 0x03;
/// Mask for the mapping type (`SHARED`, `PRIVATE`, `SHARED_VALIDATE`, `DROPPABLE`).
pub const MAP_TYPE: c_int = 0x0f;
/// Zero-fill pages the kernel may drop under memory pressure (Linux 6.11).
pub const MAP_DROPPABLE: c_int = 0x08;
/// Interpret `addr` exactly, replacing whatever was mapped there.
pub const MAP_FIXED: c_int = 0x10;
/// Not backed by a file; the contents are zero.
pub const MAP_ANONYMOUS: c_int = 0x20;
/// Compatibility flag: ignored.
pub const MAP_FILE: c_int = 0;
/// The mapping grows down, like a stack.
pub const MAP_GROWSDOWN: c_int = 0x0100;
/// Ignored (historically: deny writes to the file).
pub const MAP_DENYWRITE: c_int = 0x0800;
/// Ignored (historically: mark as executable).
pub const MAP_EXECUTABLE: c_int = 0x1000;
/// Lock the pages of the mapping, as `mlock` does.
pub const MAP_LOCKED: c_int = 0x2000;
/// Do not reserve swap space for the mapping.
pub const MAP_NORESERVE: c_int = 0x4000;
/// Populate (prefault) the page tables.
pub const MAP_POPULATE: c_int = 0x8000;
/// With `MAP_POPULATE`: do not block on I/O.
pub const MAP_NONBLOCK: c_int = 0x1_0000;
/// The mapping is suitable for a thread stack.
pub const MAP_STACK: c_int = 0x2_0000;
/// Back the mapping with huge pages.
pub const MAP_HUGETLB: c_int = 0x4_0000;
/// Synchronous page faults for DAX files (needs `MAP_SHARED_VALIDATE`).
pub const MAP_SYNC: c_int = 0x8_0000;
/// Like `MAP_FIXED`, but fail with `EEXIST` instead of replacing a mapping.
pub const MAP_FIXED_NOREPLACE: c_int = 0x10_0000;
/// Do not clear anonymous pages (only on kernels built for it).
pub const MAP_UNINITIALIZED: c_int = 0x400_0000;

/// Shift of the log2 huge page size inside the `mmap` flags.
pub const MAP_HUGE_SHIFT: c_int = 26;
/// Mask of the log2 huge page size, after shifting by [`MAP_HUGE_SHIFT`].
pub const MAP_HUGE_MASK: c_int = 0x3f;
/// 16 KiB huge pages.
pub const MAP_HUGE_16KB: c_int = 14 << MAP_HUGE_SHIFT;
/// 64 KiB huge pages.
pub const MAP_HUGE_64KB: c_int = 16 << MAP_HUGE_SHIFT;
/// 512 KiB huge pages.
pub const MAP_HUGE_512KB: c_int = 19 << MAP_HUGE_SHIFT;
/// 1 MiB huge pages.
pub const MAP_HUGE_1MB: c_int = 20 << MAP_HUGE_SHIFT;
/// 2 MiB huge pages.
pub const MAP_HUGE_2MB: c_int = 21 << MAP_HUGE_SHIFT;
/// 8 MiB huge pages.
pub const MAP_HUGE_8MB: c_int = 23 << MAP_HUGE_SHIFT;
/// 16 MiB huge pages.
pub const MAP_HUGE_16MB: c_int = 24 << MAP_HUGE_SHIFT;
/// 32 MiB huge pages.
pub const MAP_HUGE_32MB: c_int = 25 << MAP_HUGE_SHIFT;
/// 256 MiB huge pages.
pub const MAP_HUGE_256MB: c_int = 28 << MAP_HUGE_SHIFT;
/// 512 MiB huge pages.
pub const MAP_HUGE_512MB: c_int = 29 << MAP_HUGE_SHIFT;
/// 1 GiB huge pages.
pub const MAP_HUGE_1GB: c_int = 30 << MAP_HUGE_SHIFT;
/// 2 GiB huge pages.
pub const MAP_HUGE_2GB: c_int = 31 << MAP_HUGE_SHIFT;
/// 16 GiB huge pages (the value is `34 << 26`, which wraps into the sign bit
/// of a C `int`, exactly as the kernel header's `(34U << 26)` does).
pub const MAP_HUGE_16GB: c_int = (34u32 << MAP_HUGE_SHIFT) as c_int;

/// `mlock2`: lock pages as they are faulted in, not all at once.
pub const MLOCK_ONFAULT: c_int = 0x01;

/// `mlockall`: lock all pages mapped now.
pub const MCL_CURRENT: c_int = 1;
/// `mlockall`: lock all pages mapped in the future.
pub const MCL_FUTURE: c_int = 2;
/// `mlockall`: lock pages as they are faulted in.
pub const MCL_ONFAULT: c_int = 4;

/// `msync`: schedule the write-back and return.
pub const MS_ASYNC: c_int = 1;
/// `msync`: invalidate other mappings of the same file.
pub const MS_INVALIDATE: c_int = 2;
/// `msync`: write back and wait for it.
pub const MS_SYNC: c_int = 4;

/// No special treatment.
pub const MADV_NORMAL: c_int = 0;
/// Expect random page references.
pub const MADV_RANDOM: c_int = 1;
/// Expect sequential page references.
pub const MADV_SEQUENTIAL: c_int = 2;
/// These pages will be needed soon.
pub const MADV_WILLNEED: c_int = 3;
/// These pages are not needed: private anonymous pages read back as zero.
pub const MADV_DONTNEED: c_int = 4;
/// The pages may be freed lazily (private anonymous memory).
pub const MADV_FREE: c_int = 8;
/// Free the pages and their backing store.
pub const MADV_REMOVE: c_int = 9;
/// Do not inherit the range across `fork`.
pub const MADV_DONTFORK: c_int = 10;
/// Undo `MADV_DONTFORK`.
pub const MADV_DOFORK: c_int = 11;
/// Candidate for kernel same-page merging.
pub const MADV_MERGEABLE: c_int = 12;
/// Undo `MADV_MERGEABLE`.
pub const MADV_UNMERGEABLE: c_int = 13;
/// Back with transparent huge pages.
pub const MADV_HUGEPAGE: c_int = 14;
/// Do not back with transparent huge pages.
pub const MADV_NOHUGEPAGE: c_int = 15;
/// Leave out of core dumps.
pub const MADV_DONTDUMP: c_int = 16;
/// Undo `MADV_DONTDUMP`.
pub const MADV_DODUMP: c_int = 17;
/// Zero the range in a child after `fork`.
pub const MADV_WIPEONFORK: c_int = 18;
/// Undo `MADV_WIPEONFORK`.
pub const MADV_KEEPONFORK: c_int = 19;
/// Deactivate the pages (reclaim them sooner).
pub const MADV_COLD: c_int = 20;
/// Reclaim the pages now.
pub const MADV_PAGEOUT: c_int = 21;
/// Prefault the page tables readable.
pub const MADV_POPULATE_READ: c_int = 22;
/// Prefault the page tables writable.
pub const MADV_POPULATE_WRITE: c_int = 23;
/// Like `MADV_DONTNEED`, but also on locked pages.
pub const MADV_DONTNEED_LOCKED: c_int = 24;
/// Collapse the range into transparent huge pages now.
pub const MADV_COLLAPSE: c_int = 25;
/// Poison the pages (memory-failure testing; root only). Never issue it on
/// memory you care about: on a kernel with memory-failure support it really
/// poisons the page.
pub const MADV_HWPOISON: c_int = 100;
/// Soft-offline the pages (memory-failure testing; root only). Never issue
/// it on memory you care about.
pub const MADV_SOFT_OFFLINE: c_int = 101;
/// Install guard regions that fault on access (Linux 6.13).
pub const MADV_GUARD_INSTALL: c_int = 102;
/// Remove guard regions (Linux 6.13).
pub const MADV_GUARD_REMOVE: c_int = 103;

/// `mremap`: the kernel may move the mapping.
pub const MREMAP_MAYMOVE: c_int = 1;
/// `mremap`: move the mapping to `new_addr` (needs `MREMAP_MAYMOVE`).
pub const MREMAP_FIXED: c_int = 2;
/// `mremap`: move, and leave the old range mapped but empty (Linux 5.7).
pub const MREMAP_DONTUNMAP: c_int = 4;

/// Protection key: disable all access.
pub const PKEY_DISABLE_ACCESS: c_int = 0x1;
/// Protection key: disable writes.
pub const PKEY_DISABLE_WRITE: c_int = 0x2;

/// `memfd_create`: close the descriptor on `execve`.
pub const MFD_CLOEXEC: c_int = 0x1;
/// `memfd_create`: allow seals (`F_ADD_SEALS`) on the file.
pub const MFD_ALLOW_SEALING: c_int = 0x2;
/// `memfd_create`: back the file with huge pages (hugetlbfs).
pub const MFD_HUGETLB: c_int = 0x4;
/// `memfd_create`: not executable, sealed so for good (Linux 6.3).
pub const MFD_NOEXEC_SEAL: c_int = 0x8;
/// `memfd_create`: executable (Linux 6.3).
pub const MFD_EXEC: c_int = 0x10;
/// Shift of the log2 huge page size in `memfd_create`'s flags.
pub const MFD_HUGE_SHIFT: c_int = 26;
/// Mask of the log2 huge page size, after shifting by [`MFD_HUGE_SHIFT`].
pub const MFD_HUGE_MASK: c_int = 0x3f;
/// 64 KiB huge pages.
pub const MFD_HUGE_64KB: c_int = 16 << MFD_HUGE_SHIFT;
/// 512 KiB huge pages.
pub const MFD_HUGE_512KB: c_int = 19 << MFD_HUGE_SHIFT;
/// 1 MiB huge pages.
pub const MFD_HUGE_1MB: c_int = 20 << MFD_HUGE_SHIFT;
/// 2 MiB huge pages.
pub const MFD_HUGE_2MB: c_int = 21 << MFD_HUGE_SHIFT;
/// 8 MiB huge pages.
pub const MFD_HUGE_8MB: c_int = 23 << MFD_HUGE_SHIFT;
/// 16 MiB huge pages.
pub const MFD_HUGE_16MB: c_int = 24 << MFD_HUGE_SHIFT;
/// 32 MiB huge pages.
pub const MFD_HUGE_32MB: c_int = 25 << MFD_HUGE_SHIFT;
/// 256 MiB huge pages.
pub const MFD_HUGE_256MB: c_int = 28 << MFD_HUGE_SHIFT;
/// 512 MiB huge pages.
pub const MFD_HUGE_512MB: c_int = 29 << MFD_HUGE_SHIFT;
/// 1 GiB huge pages.
pub const MFD_HUGE_1GB: c_int = 30 << MFD_HUGE_SHIFT;
/// 2 GiB huge pages.
pub const MFD_HUGE_2GB: c_int = 31 << MFD_HUGE_SHIFT;
/// 16 GiB huge pages.
pub const MFD_HUGE_16GB: c_int = (34u32 << MFD_HUGE_SHIFT) as c_int;

/// `fcntl`: add seals to a memfd (`F_LINUX_SPECIFIC_BASE + 9`).
pub const F_ADD_SEALS: c_int = 1033;
/// `fcntl`: the seals of a memfd (`F_LINUX_SPECIFIC_BASE + 10`).
pub const F_GET_SEALS: c_int = 1034;
/// Seal: no more seals may be added.
pub const F_SEAL_SEAL: c_int = 0x1;
/// Seal: the file may not shrink.
pub const F_SEAL_SHRINK: c_int = 0x2;
/// Seal: the file may not grow.
pub const F_SEAL_GROW: c_int = 0x4;
/// Seal: the contents may not change (no writable shared map may exist).
pub const F_SEAL_WRITE: c_int = 0x8;
/// Seal: no new writable map or write; maps writable before stay so (Linux 5.1).
pub const F_SEAL_FUTURE_WRITE: c_int = 0x10;
/// Seal: the executable bits may not change (Linux 6.3).
pub const F_SEAL_EXEC: c_int = 0x20;
