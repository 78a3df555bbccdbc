//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::io::AsRawFd;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Set by `qemu/test` for runs under qemu-user (its value is the arch).
/// Tests that meet a known qemu-user difference assert qemu's answer
/// instead, and say so.
pub fn qemu() -> bool {
    std::env::var_os("MMAP_NATIVE_QEMU").is_some()
}

/// Under qemu-user on a 32-bit guest (qemu-arm; qemu-i386 would be the
/// same): qemu 7.2 reserves the whole guest address space on the host, and
/// so answers some calls on unmapped ranges differently again.
pub fn qemu32() -> bool {
    qemu() && cfg!(target_pointer_width = "32")
}

pub fn page() -> usize {
    mmap_native::page_size()
}

/// A fresh file in the temp dir holding `data`, removed on drop.
pub struct TempFile {
    pub path: PathBuf,
    pub file: File,
}

impl TempFile {
    pub fn new(data: &[u8]) -> TempFile {
        Self::with_mode(data, true)
    }
    pub fn with_mode(data: &[u8], writable: bool) -> TempFile {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "mmap-native-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let mut f = File::create(&path).unwrap();
        f.write_all(data).unwrap();
        drop(f);
        let file = OpenOptions::new()
            .read(true)
            .write(writable)
            .open(&path)
            .unwrap();
        TempFile { path, file }
    }
    pub fn fd(&self) -> i32 {
        self.file.as_raw_fd()
    }
    pub fn pread(&self, off: u64, len: usize) -> Vec<u8> {
        let mut buf = vec![0u8; len];
        let n = unsafe { libc::pread(self.fd(), buf.as_mut_ptr().cast(), len, off as libc::off_t) };
        assert!(n >= 0, "pread: {}", std::io::Error::last_os_error());
        buf.truncate(n as usize);
        buf
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The `/proc/self/maps` line that covers `addr`, if any.
pub fn maps_line(addr: usize) -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines()
        .find(|l| {
            let range = l.split_whitespace().next().unwrap();
            let (a, b) = range.split_once('-').unwrap();
            let a = usize::from_str_radix(a, 16).unwrap();
            let b = usize::from_str_radix(b, 16).unwrap();
            (a..b).contains(&addr)
        })
        .map(str::to_owned)
}

/// An address with nothing mapped in the page there, low in the address
/// space where the kernel's top-down allocator does not hand out memory, so
/// "unmapped range" tests cannot race with another test thread's mapping
/// (unmapping a just-freed address could hit a neighbour's new mapping).
/// 16 pages up, or where an executable is loaded there (armhf links at
/// 0x10000), 8 pages up: below `mmap_min_addr`, where nothing is mapped
/// either.
pub fn hole() -> *mut core::ffi::c_void {
    let addr = [16 * page(), 8 * page()]
        .into_iter()
        .find(|&a| maps_line(a).is_none())
        .expect("nothing unmapped at 16 or 8 pages up");
    addr as *mut core::ffi::c_void
}

/// A global allocator for the harness-less tests that count
/// `/proc/self/maps` lines: allocations come from a static arena and are
/// never returned, so the C library's allocator (musl's maps and unmaps as
/// it goes) cannot move the count. `bump_mark`/`bump_reset` let a loop give
/// back what one iteration allocated, once all of it is dropped.
pub struct Bump;
const ARENA: usize = 64 << 20;
static mut HEAP: [u8; ARENA] = [0; ARENA];
static NEXT: AtomicUsize = AtomicUsize::new(0);

unsafe impl std::alloc::GlobalAlloc for Bump {
    unsafe fn alloc(&self, l: std::alloc::Layout) -> *mut u8 {
        let base = std::ptr::addr_of_mut!(HEAP) as *mut u8;
        let mut cur = NEXT.load(Ordering::Relaxed);
        loop {
            let start = (base as usize + cur).next_multiple_of(l.align()) - base as usize;
            let end = start + l.size();
            if end > ARENA {
                return std::ptr::null_mut();
            }
            match NEXT.compare_exchange(cur, end, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return unsafe { base.add(start) },
                Err(c) => cur = c,
            }
        }
    }
    unsafe fn dealloc(&self, _: *mut u8, _: std::alloc::Layout) {}
}

pub fn bump_mark() -> usize {
    NEXT.load(Ordering::Relaxed)
}

/// # Safety
/// Everything allocated since `mark` must be dropped already.
pub unsafe fn bump_reset(mark: usize) {
    NEXT.store(mark, Ordering::Relaxed);
}

/// The fuzzers' generator: xorshift64*, seeded, so a run is repeatable.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn below64(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}
