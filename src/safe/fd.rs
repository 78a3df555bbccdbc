//! What can be mapped (a file descriptor, raw or borrowed), and its length.

use crate::sys::statx;
use crate::{Errno, Result};

/// A file to map: anything that can lend its file descriptor for the
/// duration of the `map*` call.
///
/// Implemented for a raw descriptor (`i32`), and with the `std` feature
/// for `&T` where `T: AsFd` (`&File`, `&OwnedFd`, ...) and for
/// `BorrowedFd`. The mapping does not keep the descriptor: it may be closed
/// right after the call, as with `mmap(2)` itself.
///
/// Implement it for your own descriptor type in `no_std` code; an invalid
/// descriptor is only an error (`EBADF`) from the kernel, never unsound.
///
/// ```
/// # #[cfg(feature = "std")] {
/// use mmap_native::MmapOptions;
/// use std::os::fd::AsRawFd;
///
/// let file = std::fs::File::open("Cargo.toml")?;
/// // SAFETY: nothing changes or truncates Cargo.toml while it is mapped.
/// let by_ref = unsafe { MmapOptions::new().map(&file) }?;
/// // SAFETY: as above.
/// let by_raw = unsafe { MmapOptions::new().map(file.as_raw_fd()) }?;
/// assert_eq!(&by_ref[..], &by_raw[..]);
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(
    not(feature = "std"),
    diagnostic::on_unimplemented(
        message = "`{Self}` is not a descriptor mmap-native can map without its `std` feature",
        label = "not a raw descriptor (`i32`)",
        note = "`&File`, `File`, `BorrowedFd` and `&OwnedFd` need the `std` feature: \
                `mmap-native = {{ version = \"0.1\", features = [\"std\"] }}`, \
                or pass `file.as_raw_fd()`"
    )
)]
#[cfg_attr(
    feature = "std",
    diagnostic::on_unimplemented(
        message = "`{Self}` is not a descriptor mmap-native can map",
        note = "a raw descriptor (`i32`), `&File`, `File`, `BorrowedFd` and `&OwnedFd` map"
    )
)]
pub trait MapFd {
    /// The descriptor, borrowed for the duration of one call.
    fn map_fd(&self) -> i32;
}

impl MapFd for i32 {
    #[inline]
    fn map_fd(&self) -> i32 {
        *self
    }
}

#[cfg(feature = "std")]
impl<T: std::os::fd::AsFd + ?Sized> MapFd for &T {
    #[inline]
    fn map_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.as_fd().as_raw_fd()
    }
}

#[cfg(feature = "std")]
impl MapFd for std::os::fd::BorrowedFd<'_> {
    #[inline]
    fn map_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.as_raw_fd()
    }
}

const STATX_TYPE: u32 = 0x1;
const STATX_SIZE: u32 = 0x200;
const S_IFMT: u16 = 0o170_000;
const S_IFREG: u16 = 0o100_000;

/// The size of the regular file behind `fd`, from `statx(fd, "",
/// AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE)`: no libc, and no
/// per-architecture `struct stat`.
///
/// # Errors
///
/// `statx(2)`'s: `EBADF` for a bad descriptor, `ENOSYS` before Linux 4.11.
/// `ENODEV` for anything but a regular file (a pipe, socket, directory or
/// device): its size says nothing about what could be mapped, and an empty
/// map would silently show nothing; `ENODEV` is what `mmap(2)` answers for
/// most of them, and a device can still be mapped with an explicit length.
/// `ENODATA` if the kernel did not report type and size.
pub(crate) fn file_len(fd: i32) -> Result<u64> {
    let st = statx(fd, STATX_TYPE | STATX_SIZE)?;
    if st.mask & (STATX_TYPE | STATX_SIZE) != STATX_TYPE | STATX_SIZE {
        return Err(Errno::ENODATA);
    }
    if st.mode & S_IFMT != S_IFREG {
        return Err(Errno::ENODEV);
    }
    Ok(st.size)
}
