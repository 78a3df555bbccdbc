//! `mmap-native`: memory mapping for Linux with no libc.
//!
//! The crate issues `mmap`, `munmap`, `msync`, `madvise`, `mprotect`,
//! `mremap`, `mlock*` and `mincore` itself, through one short inline-asm
//! file per architecture, and works in `#![no_std]` programs that have no C
//! library at all (static tools, loaders, startup code).
//!
//! Layers, each only calling the ones below:
//!
//! 1. `arch/` (private): the syscall instruction and each architecture's
//!    constant table, published as [`consts`].
//! 2. The raw API at the crate root: [`mmap`], [`munmap`], [`msync`],
//!    [`madvise`], [`mprotect`], [`mremap`], [`mlock`], [`mlock2`],
//!    [`munlock`], [`mlockall`], [`munlockall`], [`mincore`]. Each is one
//!    `unsafe fn` that compiles to the argument moves, the syscall
//!    instruction and the error check, with typed flags ([`Prot`],
//!    [`MapFlags`], [`MsFlags`], [`Advice`], ...) and errors as [`Errno`].
//! 3. The page size ([`page_size`]), read from the aux vector.
//! 4. The safe layer: [`MmapOptions`] builds [`Mmap`] (`&[u8]`),
//!    [`MmapMut`] (`&mut [u8]`) and [`MmapRaw`] (pointers only), each
//!    unmapped when dropped. Mapping a file is `unsafe`: another process
//!    can change the file under a `&[u8]`, or truncate it, and then touching
//!    a page past the new end raises `SIGBUS`.
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
mod page;
mod raw;
mod safe;
mod sys;

pub mod consts {
    //! The kernel's constants for the target architecture, named exactly as
    //! in its `mman.h` headers (`PROT_READ`, `MAP_FIXED_NOREPLACE`,
    //! `MADV_COLLAPSE`, ...). The typed flags ([`crate::Prot`],
    //! [`crate::MapFlags`], ...) are built from these.
    pub use crate::arch::consts::*;
}

pub use core::ffi::c_void;
pub use flags::{Advice, MapFlags, MlockAllFlags, MlockFlags, MremapFlags, MsFlags, Prot};
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
