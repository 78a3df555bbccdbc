//! Helpers shared by the integration tests: the emulator and guest of this
//! run and the table of emulator differences (`quirks`), temporary files,
//! `/proc/self/maps`, example programs, forked children, and the fuzzers'
//! pieces.
#![allow(dead_code)]

pub mod quirks;

use quirks::{Guest, Quirk, Version};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

// ---- the emulator and the guest ---------------------------------------------

/// The emulator a test program runs under, from `MMAP_NATIVE_QEMU`, which
/// only the test runner sets: `<version> <program> [<args>...]`.
#[derive(Debug)]
pub struct Emulator {
    pub version: Version,
    /// The command prefix that runs another guest binary of this target
    /// under the same emulator with the same settings.
    pub command: Vec<String>,
}

/// None natively. A value that is not `<version> <program> [<args>...]`
/// stops the test: running as if native would assert the wrong answers.
pub fn emulator() -> Option<&'static Emulator> {
    static E: OnceLock<Option<Emulator>> = OnceLock::new();
    E.get_or_init(|| {
        let v = std::env::var("MMAP_NATIVE_QEMU").ok()?;
        let mut words = v.split(' ');
        let version = words.next().and_then(Version::parse);
        let command: Vec<String> = words.map(str::to_owned).collect();
        match version {
            Some(version) if !command.is_empty() && command.iter().all(|w| !w.is_empty()) => {
                Some(Emulator { version, command })
            }
            _ => panic!(
                "MMAP_NATIVE_QEMU={v:?} is not `<version> <program> [<args>...]` \
                 (e.g. `10.0.2 /usr/bin/qemu-aarch64 -L /usr/aarch64-linux-gnu`); \
                 qemu/test sets it"
            ),
        }
    })
    .as_ref()
}

/// This program as a guest: what the table's entries are matched against
/// (and the tests' one 32-bit check, `bits`).
pub fn guest() -> Guest {
    Guest {
        arch: std::env::consts::ARCH,
        bits: usize::BITS,
        big_endian: cfg!(target_endian = "big"),
        page_size: page(),
    }
}

impl Quirk {
    /// Whether this run is under an emulator that has this difference.
    pub fn applies(&self) -> bool {
        emulator().is_some_and(|e| self.applies_to(e.version, &guest()))
    }

    /// The kernel's answer, or the emulator's where the entry applies.
    pub fn pick<T>(&self, kernel: T, qemu: T) -> T {
        if self.applies() {
            qemu
        } else {
            kernel
        }
    }
}

/// Whether the C library answers for a missing mlock2 itself: glibc's
/// ports whose oldest supported kernel predates mlock2 (4.4) turn its
/// ENOSYS into EINVAL for non-zero flags and call mlock for none; the
/// riscv64 port (5.4 and later) and musl pass the ENOSYS on.
pub const C_LIBRARY_EMULATES_MLOCK2: bool =
    cfg!(all(target_env = "gnu", not(target_arch = "riscv64")));

/// How many rounds a randomized test runs by default: `native`, or
/// `emulated` under an emulator, where every call costs 10 to 20 times
/// more. Only the amount of work differs; no expected answer does.
pub fn rounds(native: u64, emulated: u64) -> u64 {
    if emulator().is_some() {
        emulated
    } else {
        native
    }
}

/// Where the run is, for the harness-less tests' output.
pub fn describe_run() -> String {
    match emulator() {
        Some(e) => format!("under qemu {} ({})", e.version, e.command.join(" ")),
        None => "natively".into(),
    }
}

/// The release of the running kernel as (major, minor): for answers that
/// changed with a kernel version (`PR_GET_AUXV` in 6.4, guard regions in
/// 6.13). Under qemu-user it is the host's.
pub fn kernel_version() -> (u32, u32) {
    let r = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let mut it = r
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse().unwrap());
    (it.next().unwrap(), it.next().unwrap())
}

pub fn page() -> usize {
    mmap_native::page_size()
}

// ---- room for an in-place shrink ---------------------------------------------

/// Pages after a map that a test mapped itself (`PROT_NONE`), so that an
/// in-place shrink under `MREMAP_SHRINK_WIPES_NEXT` wipes only them;
/// unmapped on drop.
pub struct Room(*mut core::ffi::c_void, usize);

impl Drop for Room {
    fn drop(&mut self) {
        // SAFETY: the test's own pages, which nothing refers to.
        unsafe { mmap_native::munmap(self.0, self.1) }.unwrap();
    }
}

/// `len` bytes at `at` as a `Room`, if nothing is mapped there
/// (`MAP_FIXED_NOREPLACE`; the crate answers `EEXIST` where qemu 7.2 takes
/// the address as a hint and maps elsewhere).
fn take(at: usize, len: usize) -> Option<Room> {
    use mmap_native::{MapFlags, Prot};
    let flags = MapFlags::PRIVATE | MapFlags::ANONYMOUS | MapFlags::FIXED_NOREPLACE;
    // SAFETY: MAP_FIXED_NOREPLACE maps only where nothing is mapped.
    match unsafe { mmap_native::mmap(at as *mut _, len, Prot::NONE, flags, -1, 0) } {
        Ok(r) => Some(Room(r, len)),
        Err(mmap_native::Errno::EEXIST) => None,
        Err(e) => panic!("MAP_FIXED_NOREPLACE of {len} bytes at {at:#x}: {e}"),
    }
}

/// A map from `make` that can shrink in place by `wipe` bytes (whole pages)
/// without qemu taking anyone else's memory: where
/// `MREMAP_SHRINK_WIPES_NEXT` applies, the `wipe` bytes after `end(&map)`
/// are the test's own, mapped `PROT_NONE`, and returned as the rooms to
/// keep until the shrink is done. Where the entry does not apply: the map,
/// and no room.
///
/// No address is asked for where something may be mapped: a room is mapped
/// first (qemu 7.2 hands out memory top down, so the map lands right below
/// it, or a grown map one old place lower, a gap taken too), or else right
/// after the map (qemu 10 hands it out bottom up). A map with someone
/// else's memory after it stays mapped while the next one is tried.
pub fn room_to_shrink<M>(
    wipe: usize,
    mut make: impl FnMut() -> M,
    end: impl Fn(&M) -> usize,
) -> (M, Vec<Room>) {
    use mmap_native::{MapFlags, Prot};
    if !quirks::MREMAP_SHRINK_WIPES_NEXT.applies() {
        return (make(), Vec::new());
    }
    let anon = MapFlags::PRIVATE | MapFlags::ANONYMOUS;
    let mut held = Vec::new();
    for _ in 0..16 {
        // SAFETY: a fresh mapping where the kernel (qemu) picks.
        let first =
            unsafe { mmap_native::mmap(core::ptr::null_mut(), wipe, Prot::NONE, anon, -1, 0) };
        let first = Room(first.unwrap(), wipe);
        let m = make();
        let (e, at) = (end(&m), first.0 as usize);
        if e == at {
            return (m, vec![first]);
        }
        if e < at && at - e < wipe {
            if let Some(gap) = take(e, at - e) {
                return (m, vec![gap, first]);
            }
        }
        drop(first);
        if let Some(after) = take(e, wipe) {
            return (m, vec![after]);
        }
        held.push(m);
    }
    panic!("16 maps in a row had someone else's memory after them: no room to shrink in place")
}

// ---- Miri ----------------------------------------------------------------------

/// The kernel's answer, or the crate's under Miri (`cargo miri test`): its
/// backend (`arch/miri.rs`) answers `ENOSYS` for every call Miri does not
/// emulate. A build setting (`cfg(miri)`), like the target, not a variable
/// of the environment.
pub fn kernel_or_miri<T>(kernel: T, miri: T) -> T {
    if cfg!(miri) {
        miri
    } else {
        kernel
    }
}

// ---- the summary line of the harness-less tests ------------------------------

/// Prints the one line the test runner counts for a harness-less test
/// (`mmap-native-test: N passed, M failed`) and exits non-zero when any
/// failed.
pub fn finish(passed: usize, failed: usize) -> ! {
    println!("mmap-native-test: {passed} passed, {failed} failed");
    std::process::exit(if failed == 0 { 0 } else { 1 });
}

// ---- files --------------------------------------------------------------------

/// A fresh file in the temp dir holding `data`, removed on drop. Its path
/// is unique, so `/proc/self/maps` lines that name it are maps of it and
/// of nothing else, whatever other test threads map meanwhile.
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
    /// The path as a program argument.
    pub fn arg(&self) -> &str {
        self.path.to_str().unwrap()
    }
    pub fn pread(&self, off: u64, len: usize) -> Vec<u8> {
        let mut buf = vec![0u8; len];
        // SAFETY: buf has room for len bytes.
        let n = unsafe { libc::pread(self.fd(), buf.as_mut_ptr().cast(), len, off as libc::off_t) };
        assert!(n >= 0, "pread: {}", std::io::Error::last_os_error());
        buf.truncate(n as usize);
        buf
    }
    /// How many lines of `/proc/self/maps` map this file.
    pub fn maps(&self) -> usize {
        let name = self.arg();
        maps().iter().filter(|l| l.ends_with(name)).count()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Bytes that differ at every offset a page boundary could hide.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 4099) as u8).collect()
}

// ---- /proc/self ----------------------------------------------------------------

/// The lines of `/proc/self/maps`.
pub fn maps() -> Vec<String> {
    let text = std::fs::read_to_string("/proc/self/maps").unwrap();
    text.lines().map(str::to_owned).collect()
}

/// How many mappings `/proc/self/maps` lists.
pub fn maps_lines() -> usize {
    maps().len()
}

/// The start and end of a `/proc/self/maps` line's range.
pub fn maps_range(line: &str) -> (usize, usize) {
    let range = line.split_whitespace().next().unwrap();
    let (a, b) = range.split_once('-').unwrap();
    (
        usize::from_str_radix(a, 16).unwrap(),
        usize::from_str_radix(b, 16).unwrap(),
    )
}

/// The `/proc/self/maps` line that covers `addr`, if any.
pub fn maps_line(addr: usize) -> Option<String> {
    maps().into_iter().find(|l| {
        let (a, b) = maps_range(l);
        (a..b).contains(&addr)
    })
}

/// The `/proc/self/maps` lines that overlap `addr..addr + len`.
pub fn maps_lines_in(addr: usize, len: usize) -> Vec<String> {
    maps()
        .into_iter()
        .filter(|l| {
            let (a, b) = maps_range(l);
            a < addr + len && addr < b
        })
        .collect()
}

/// How many descriptors the process has open.
pub fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
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

// ---- example programs ------------------------------------------------------------

/// The command that runs example `name` as `cargo test` built it for this
/// target and profile: `<directory of this test>/../examples/<name>`,
/// under the emulator's command prefix when there is one.
pub fn example(name: &str) -> Command {
    let bin = example_path(name);
    let mut cmd = match emulator() {
        Some(e) => {
            let mut c = Command::new(&e.command[0]);
            c.args(&e.command[1..]).arg(&bin);
            c
        }
        None => Command::new(&bin),
    };
    cmd.stdin(std::process::Stdio::null());
    cmd
}

pub fn example_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let bin = exe
        .parent()
        .map(|deps| deps.join("../examples").join(name))
        .expect("the test binary lives in <profile>/deps/");
    assert!(
        bin.is_file(),
        "{} does not exist. `cargo test` builds every example, but a run limited to some \
         tests (`cargo test --test ...`) does not: run `cargo build --example {name}` with \
         the same --target and profile first.",
        bin.display()
    );
    bin
}

/// Whether `path` is on tmpfs or ramfs, which keep every page in memory.
pub fn memory_fs(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a zeroed statfs is valid; statfs writes it.
    let mut s: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: c is a valid C string, s a valid out pointer.
    let r = unsafe { libc::statfs(c.as_ptr(), &mut s) };
    assert_eq!(r, 0, "statfs {}", path.display());
    #[allow(clippy::unnecessary_cast)]
    let t = s.f_type as i64;
    matches!(t, 0x0102_1994 | 0x8584_58f6)
}

// ---- forked children -------------------------------------------------------------

/// How a forked child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Exited(i32),
    Killed(i32),
}

/// Runs `f` in a forked child, which exits with what `f` returns, and says
/// how the child ended: for calls that may kill the whole process (qemu
/// aborting on them), or that must not touch this one. `f` should only make
/// system calls: the child of a multithreaded process may not safely do
/// much more. The child writes no core file.
pub fn in_child(f: impl FnOnce() -> i32) -> Fate {
    // SAFETY: the child only runs `f` (system calls) and `_exit`s.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let no_core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: plain system calls, fine in a forked child.
        unsafe {
            libc::setrlimit(libc::RLIMIT_CORE, &no_core);
            libc::_exit(f())
        }
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    if libc::WIFSIGNALED(status) {
        Fate::Killed(libc::WTERMSIG(status))
    } else {
        Fate::Exited(libc::WEXITSTATUS(status))
    }
}

/// A call's answer as a child's exit status: 0 for success, else the errno.
pub fn exit_code<T>(r: mmap_native::Result<T>) -> i32 {
    match r {
        Ok(_) => 0,
        Err(e) => e.into_raw(),
    }
}

// ---- probing memory ----------------------------------------------------------------

/// Memory read and written through a pipe: the kernel (or qemu-user, which
/// checks the guest's own page flags) answers EFAULT where a plain access
/// would fault, on PROT_NONE pages, guard regions, or pages gone from under
/// the caller.
pub struct Pipe {
    r: i32,
    w: i32,
}

impl Pipe {
    pub fn new() -> Pipe {
        let mut fds = [0; 2];
        // SAFETY: fds has room for two descriptors.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // Large enough for one page of any size used here.
        // SAFETY: a plain fcntl on our own pipe.
        unsafe { libc::fcntl(fds[1], libc::F_SETPIPE_SZ, 1 << 20) };
        Pipe {
            r: fds[0],
            w: fds[1],
        }
    }
    /// The `len` bytes at `addr`, or None when they cannot all be read.
    pub fn read(&self, addr: *const core::ffi::c_void, len: usize) -> Option<Vec<u8>> {
        // SAFETY: the kernel reads addr..addr + len, or answers EFAULT.
        let n = unsafe { libc::write(self.w, addr, len) };
        if n < 0 {
            return None;
        }
        let mut buf = vec![0u8; n as usize];
        // SAFETY: buf has room for the n bytes in the pipe.
        assert_eq!(
            unsafe { libc::read(self.r, buf.as_mut_ptr().cast(), n as usize) },
            n
        );
        (n as usize == len).then_some(buf)
    }
    /// Writes `byte` at `addr`; false where that would fault.
    pub fn write(&self, addr: *mut core::ffi::c_void, byte: u8) -> bool {
        // SAFETY: one byte from our own array.
        assert_eq!(unsafe { libc::write(self.w, [byte].as_ptr().cast(), 1) }, 1);
        // SAFETY: the kernel writes the byte at addr, or answers EFAULT.
        if unsafe { libc::read(self.r, addr, 1) } == 1 {
            return true;
        }
        let mut drain = [0u8; 1];
        // SAFETY: one byte into our own array.
        assert_eq!(
            unsafe { libc::read(self.r, drain.as_mut_ptr().cast(), 1) },
            1
        );
        false
    }
}

impl Default for Pipe {
    fn default() -> Pipe {
        Pipe::new()
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        // SAFETY: closing our own descriptors.
        unsafe {
            libc::close(self.r);
            libc::close(self.w);
        }
    }
}

// ---- the harness-less tests' allocator -----------------------------------------------

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
