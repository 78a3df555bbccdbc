//! The example Mmap::Native began with: map a file (`Cargo.toml` unless
//! one is named) read-only and shared, view its first 50 bytes as a byte
//! slice, and find the package's name in them.
//!
//! ```sh
//! cargo run --example seed            # prints: package: mmap-native
//! cargo run --example seed -- FILE
//! ```

use core::ptr;
use mmap_native::{mmap, munmap, MapFlags, Prot};
use std::ffi::OsString;
use std::os::fd::AsRawFd;
use std::process::ExitCode;

/// The value of the first `name = "..."` line in `head`.
fn package_name(head: &[u8]) -> Option<&[u8]> {
    head.split(|&b| b == b'\n').find_map(|line| {
        let rest = line.strip_prefix(b"name")?.trim_ascii_start();
        let quoted = rest.strip_prefix(b"=")?.trim_ascii();
        quoted.strip_prefix(b"\"")?.strip_suffix(b"\"")
    })
}

fn main() -> ExitCode {
    let path: OsString = std::env::args_os()
        .nth(1)
        .unwrap_or_else(|| "Cargo.toml".into());
    let shown = path.to_string_lossy().into_owned();
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("seed: {shown}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let size = file.metadata().map_or(0, |m| m.len());
    // A map must not reach past the file's last page, and mmap refuses a
    // length of 0 (EINVAL): at most 50 bytes, at least 1.
    let len = size.clamp(1, 50) as usize;
    // SAFETY: a new shared read-only mapping at an address the kernel
    // picks; the bytes are read below while nothing here changes the file.
    let p = match unsafe {
        mmap(
            ptr::null_mut(),
            len,
            Prot::READ,
            MapFlags::SHARED,
            file.as_raw_fd(),
            0,
        )
    } {
        Ok(p) => p,
        Err(e) => {
            eprintln!("seed: mmap {shown}: {e}");
            return ExitCode::FAILURE;
        }
    };
    // SAFETY: `len` readable bytes at `p`, within the file (at most its size).
    let head = unsafe { core::slice::from_raw_parts(p.cast::<u8>(), len.min(size as usize)) };
    println!(
        "first {} bytes: {:?}",
        head.len(),
        String::from_utf8_lossy(head)
    );
    let name = package_name(head).map(|n| String::from_utf8_lossy(n).into_owned());
    // SAFETY: the mapping made above; `head` is not used after this.
    if let Err(e) = unsafe { munmap(p, len) } {
        eprintln!("seed: munmap: {e}");
        return ExitCode::FAILURE;
    }
    match name {
        Some(n) => {
            println!("package: {n}");
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("seed: no `name = \"...\"` line in the first {len} bytes of {shown}");
            ExitCode::FAILURE
        }
    }
}
