//! The system calls mtouch issues itself, beside the crate's: `fadvise64`
//! for `-e`, and the signal calls that let `-l` wait for SIGINT or SIGTERM
//! without a handler. Also the open flags, and the errno of a std error.

use mmap_native::Errno;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// `O_NOATIME` (the asm-generic value, shared by every architecture this
/// crate supports): looking must not change what it looks at.
const O_NOATIME: i32 = 0o1000000;
/// `O_NONBLOCK`: a file that turned into a FIFO after the walk saw it must
/// not hang the open.
const O_NONBLOCK: i32 = 0o4000;
/// `POSIX_FADV_DONTNEED`: 4 in asm-generic, 6 on s390x.
const POSIX_FADV_DONTNEED: usize = if cfg!(target_arch = "s390x") { 6 } else { 4 };

/// Opens a file to read, without updating its access time where allowed.
pub fn open_to_look(path: &Path) -> std::io::Result<File> {
    let open = |flags| OpenOptions::new().read(true).custom_flags(flags).open(path);
    match open(O_NOATIME | O_NONBLOCK) {
        // O_NOATIME needs the file's owner (or CAP_FOWNER).
        Err(e) if e.raw_os_error() == Some(Errno::EPERM.into_raw()) => open(O_NONBLOCK),
        r => r,
    }
}

/// The errno behind a std I/O error (EIO for the rare one without).
pub fn os_errno(e: &std::io::Error) -> Errno {
    Errno::new(e.raw_os_error().unwrap_or(Errno::EIO.into_raw()))
}

/// `posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)`: the whole file. Each
/// ABI has its own syscall and argument order; offset and length 0 make
/// the 64-bit halves all zero.
pub fn fadvise_dontneed(fd: i32) -> Result<(), Errno> {
    // SAFETY: fadvise only reads its scalar arguments.
    unsafe {
        #[cfg(target_pointer_width = "64")]
        syscalls::syscall!(syscalls::Sysno::fadvise64, fd, 0, 0, POSIX_FADV_DONTNEED)?;
        #[cfg(target_arch = "x86")]
        syscalls::syscall!(
            syscalls::Sysno::fadvise64_64,
            fd,
            0,
            0,
            0,
            0,
            POSIX_FADV_DONTNEED
        )?;
        // ARM EABI puts the advice second, so the 64-bit pairs are aligned.
        #[cfg(target_arch = "arm")]
        syscalls::syscall!(
            syscalls::Sysno::arm_fadvise64_64,
            fd,
            POSIX_FADV_DONTNEED,
            0,
            0,
            0,
            0
        )?;
    }
    Ok(())
}

/// The kernel's `sigset_t`: 64 bits on every Linux ABI here.
const SIGSET_SIZE: usize = 8;
const SIGINT: u64 = 2;
const SIGTERM: u64 = 15;
const STOP_SIGNALS: u64 = 1 << (SIGINT - 1) | 1 << (SIGTERM - 1);

/// Blocks SIGINT and SIGTERM, so they wait to be taken by [`take_signal`].
pub fn block_stop_signals() -> Result<(), Errno> {
    const SIG_BLOCK: usize = 0;
    let set = STOP_SIGNALS;
    // SAFETY: reads one sigset_t from `set`; no old set is written.
    unsafe {
        syscalls::syscall!(
            syscalls::Sysno::rt_sigprocmask,
            SIG_BLOCK,
            &set as *const u64,
            0,
            SIGSET_SIZE
        )?;
    }
    Ok(())
}

/// Takes a pending SIGINT or SIGTERM: waits for one with `wait`, else only
/// looks. Returns the signal, if one came.
pub fn take_signal(wait: bool) -> Option<u64> {
    let set = STOP_SIGNALS;
    // A zero `struct timespec` (two longs, on 32-bit the old time32 form).
    let zero = [0usize; 2];
    let timeout = if wait {
        core::ptr::null()
    } else {
        &zero as *const _
    };
    loop {
        // SAFETY: reads the set and the timeout; no siginfo is written.
        let r = unsafe {
            syscalls::syscall!(
                syscalls::Sysno::rt_sigtimedwait,
                &set as *const u64,
                0,
                timeout,
                SIGSET_SIZE
            )
        };
        match r {
            Ok(sig) => return Some(sig as u64),
            Err(Errno::EINTR) => continue,
            Err(_) => return None,
        }
    }
}
