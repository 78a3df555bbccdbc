//! `mmap-native`: memory mapping for Linux with no libc.
//!
//! The crate issues `mmap`, `munmap`, `msync`, `madvise`, `mprotect`,
//! `mremap`, `mlock*` and `mincore` itself, through one short inline-asm
//! file per architecture, and works in `#![no_std]` programs that have no C
//! library at all (static tools, loaders, startup code).
//!
//! Layers, each calling only the ones below it, with no loop and none
//! skipped:
//!
//! 1. `arch/` (private), the only place with `asm!`: one file per
//!    architecture with its syscall instruction (`syscall0..syscall6`) and
//!    its constant table, published as [`consts`]. `arch/mod.rs` holds the
//!    one list of supported architectures and picks the file and the form
//!    of `mmap`'s arguments (bytes, 4096-byte units for `mmap2`, or the
//!    s390x block; `arch/mmap.rs`). Under Miri, `arch/miri.rs` stands in
//!    for the syscall instruction (see [Under Miri](#under-miri)).
//! 2. `src/sys/` (private), the only caller of `arch`: the one decoder of
//!    raw returns (`-4095..=-1` is an [`Errno`]), the gates every syscall of
//!    the crate goes through, the crate's own private syscalls (`openat`,
//!    `read`, `close`, `prctl(PR_GET_AUXV)`, `statx`), and the page-size
//!    cache with its kernel sources.
//! 3. The raw API at the crate root: [`mmap`], [`munmap`], [`msync`],
//!    [`madvise`], [`mprotect`], [`mremap`], [`mlock`], [`mlock2`],
//!    [`munlock`], [`mlockall`], [`munlockall`], [`mincore`], and the newer
//!    [`cachestat`], [`mseal`], [`memfd_create`], [`memfd_secret`],
//!    [`process_madvise`], [`pkey_alloc`], [`pkey_free`], [`pkey_mprotect`]
//!    (with the memfd's [`fcntl_add_seals`], [`fcntl_get_seals`] and
//!    [`ftruncate`]). Each is one
//!    `unsafe fn` that compiles to the argument moves, the syscall
//!    instruction and the error check, with typed flags ([`Prot`],
//!    [`MapFlags`], [`MsFlags`], [`Advice`], ...) and errors as [`Errno`].
//!    Beside it, the page size ([`page_size`], [`try_page_size`], and
//!    [`init_page_size_from_auxv`] / [`init_page_size_from_envp`] for
//!    startup code), read from the aux vector; it and `mincore` share the
//!    cache in `sys`, so neither calls the other.
//! 4. The safe layer: [`MmapOptions`] builds [`Mmap`] (`&[u8]`),
//!    [`MmapMut`] (`&mut [u8]`) and [`MmapRaw`] (pointers only), each
//!    unmapped when dropped, on top of the raw API, the page size, and
//!    `sys`'s `statx` for a file's length. Mapping a file is `unsafe`:
//!    another process can change the file under a `&[u8]`, or truncate it,
//!    and then touching a page past the new end raises `SIGBUS`.
//!
//! # Without libc
//!
//! A program with no C library has nothing to supply for this crate: the
//! raw calls, the page size (from the kernel or handed in) and the safe
//! layer's constructors, methods and `Drop` call none of `memcpy`,
//! `memset`, `memmove` and `memcmp`. `qemu/freestanding` builds two such
//! programs (own `_start`, no crt, linked by rust-lld alone) on all seven
//! targets and checks it in debug and release builds (measured also at
//! `opt-level` 1, 2 and 3, and without LTO): none of the four defined, and
//! nothing undefined. What is left is the toolchain's, and a `#![no_std]`
//! program that only adds two numbers asks the same: a build without LTO
//! (a debug build) needs `rust_eh_personality`, because core is
//! precompiled with unwinding (an empty function does: nothing unwinds
//! under `panic = "abort"`); arm objects name `__aeabi_unwind_cpp_pr0` and
//! `pr1`, which the link leaves undefined and nothing calls; and a powerpc64
//! build without LTO needs `memcpy` for core's own formatting code, which
//! core's one `.toc` section keeps linked. Formatting (`Debug` of a map,
//! `Display` of an [`Errno`]) is `core::fmt`, whose needs are core's and
//! were not measured.
//!
//! ```
//! use core::ptr;
//! use mmap_native::{mmap, munmap, MapFlags, Prot};
//!
//! // SAFETY: a fresh anonymous mapping at an address the kernel picks.
//! let p = unsafe {
//!     mmap(ptr::null_mut(), 4096, Prot::READ | Prot::WRITE,
//!          MapFlags::PRIVATE | MapFlags::ANONYMOUS, -1, 0)
//! }?;
//! // SAFETY: the mapping is 4096 bytes, readable and writable, and ours.
//! unsafe {
//!     *p.cast::<u8>() = 42;
//!     assert_eq!(*p.cast::<u8>(), 42);
//!     munmap(p, 4096)?;
//! }
//! # Ok::<(), mmap_native::Errno>(())
//! ```
//!
//! # Under Miri
//!
//! Code that maps memory through this crate runs under Miri, which checks
//! it for undefined behaviour: `cargo +nightly miri test`, with no flag for
//! anonymous maps. Miri runs no inline assembly, so under `cfg(miri)` the
//! crate makes its calls through the C functions Miri emulates
//! (`arch/miri.rs`; nothing is linked, real builds are unchanged), with the
//! target's own constants. What Miri emulates works; every other call
//! answers `Err(`[`Errno::ENOSYS`]`)`, never a Miri abort:
//!
//! - [`mmap`]: fresh private anonymous memory, `PROT_READ | PROT_WRITE`,
//!   no other flag, offset 0 (what [`MmapOptions::map_anon`] asks for).
//!   Files, other protections and other flags: `ENOSYS`.
//! - [`munmap`]: one whole mapping from `mmap` or `mremap`, as `Drop`
//!   unmaps; Miri reports any other range as undefined behaviour.
//! - [`mremap`]: with [`MremapFlags::MAYMOVE`] alone (`remap(len, true)`);
//!   Miri reallocates, so the map always moves. In place
//!   (`remap(len, false)`), `FIXED`, `DONTUNMAP`: `ENOSYS`.
//! - [`page_size`]: Miri's (`sysconf(_SC_PAGESIZE)`), which the backend
//!   gives as `prctl(PR_GET_AUXV)`'s `AT_PAGESZ`.
//! - `statx`, `openat`, `read`, `close`: Miri's, which need
//!   `-Zmiri-disable-isolation`; so an empty file gives an empty map, and a
//!   non-empty one is `ENOSYS` at `mmap`.
//! - [`mprotect`], [`madvise`], [`msync`], the `mlock` family, [`mincore`]
//!   and any other call: `ENOSYS`. So `make_read_only`, `make_mut`,
//!   `make_exec`, `flush`, `advise` and `lock` of a non-empty map return
//!   `Err(ENOSYS)` (the first three drop the map, as on any error).
//!
//! Flags (`MIRIFLAGS`): `-Zmiri-disable-isolation` for files;
//! `-Zmiri-permissive-provenance` to silence Miri's warning about the
//! backend turning a syscall's integer arguments back into pointers
//! (`ptr::with_exposed_provenance`), which is also why
//! `-Zmiri-strict-provenance` cannot work here; `-Zmiri-tree-borrows`
//! works as well as the default Stacked Borrows.
#![no_std]
#![deny(missing_docs, unsafe_op_in_unsafe_fn)]
// No panic paths and no unchecked arithmetic in the library: every overflow
// is an Errno or is proved impossible where it is written (wrapping_*).
#![deny(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
#![warn(clippy::undocumented_unsafe_blocks)]

#[cfg(feature = "std")]
extern crate std;

#[cfg(not(target_os = "linux"))]
compile_error!("mmap-native supports Linux only");

// The syscall instruction and the constant table of the target; the list
// of supported architectures is there, once.
#[path = "../arch/mod.rs"]
mod arch;

mod flags;
mod modern;
mod page;
mod raw;
mod safe;
mod sys;

pub mod consts {
    //! The kernel's constants for the target architecture, named exactly as
    //! in its `mman.h` headers (`PROT_READ`, `MAP_FIXED_NOREPLACE`,
    //! `MADV_COLLAPSE`, ...). The typed flags ([`crate::Prot`],
    //! [`crate::MapFlags`], ...) are built from these.
    //!
    //! This page lists the target's table (docs.rs builds x86_64 by
    //! default and has a page per target). Every architecture starts from
    //! the asm-generic values (`asm-generic/mman-common.h`, `mman.h`) and
    //! adds or changes these, from its file in `arch/`; `tests/docs.rs`
    //! checks this table against the files:
    //!
    #![doc = include_str!("../arch/consts.md")]
    pub use crate::arch::consts::*;
}

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use core::ffi::c_void;
pub use flags::{
    Advice, MapFlags, MfdFlags, MlockAllFlags, MlockFlags, MremapFlags, MsFlags, PkeyAccess, Prot,
    Seals,
};
pub use modern::{
    cachestat, fcntl_add_seals, fcntl_get_seals, ftruncate, memfd_create, memfd_secret, mseal,
    pkey_alloc, pkey_free, pkey_mprotect, process_madvise, Cachestat, CachestatRange, IoVec,
};
pub use page::{init_page_size_from_auxv, init_page_size_from_envp, page_size, try_page_size};
pub use raw::{
    madvise, mincore, mlock, mlock2, mlockall, mmap, mprotect, mremap, msync, munlock, munlockall,
    munmap,
};
pub use safe::{MapFd, Mmap, MmapMut, MmapOptions, MmapRaw};
/// An error number from the kernel (`EINVAL`, `ENOMEM`, ...), with its name
/// and message available without `std`.
pub use syscalls::Errno;

/// The result of every call in this crate.
pub type Result<T> = core::result::Result<T, Errno>;
