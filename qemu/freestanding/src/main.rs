//! A freestanding smoke program: no libc, no crt, its own `_start`.
//!
//! Everything it maps, it maps through `mmap-native`; the other calls it
//! needs (write, openat, lseek, ftruncate, pread64, unlinkat, close,
//! exit_group) go through `syscalls::raw`, so the only asm here is `_start`.
//! It reports each step on stdout (`ok <step>` or `FAIL <step>`), stops at
//! the first failure with the errno as exit status (1: a wrong value read
//! back), and exits 0 only when every step passed.
//!
//! Usage: `freestanding [FILE]` maps FILE (default: itself, `argv[0]`) and
//! checks that it starts with the ELF magic.
#![no_std]
#![no_main]

use core::ptr::null_mut;
use mmap_native::{
    c_void, madvise, mmap, mprotect, mremap, msync, munmap, Advice, MapFlags, MremapFlags, MsFlags,
    Prot,
};
use syscalls::raw::{syscall1, syscall3, syscall4};
use syscalls::{Errno, Sysno};

// The kernel starts a static program at `_start` with the stack pointer on
// argc, then argv[], NULL, envp[], NULL, auxv. Hand that address to `start`.
#[cfg(target_arch = "x86_64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "xor ebp, ebp",
    "mov rdi, rsp",
    "and rsp, -16",
    "call {entry}",
    "ud2",
    entry = sym start,
);

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "mov x29, xzr",
    "mov x30, xzr",
    "mov x0, sp",
    "bl {entry}",
    "udf #0",
    entry = sym start,
);

#[cfg(target_arch = "riscv64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "mv fp, zero",
    "mv ra, zero",
    "mv a0, sp",
    "andi sp, sp, -16",
    "call {entry}",
    "unimp",
    entry = sym start,
);

// i386 cdecl: the argument goes on the stack, which is 16-byte aligned at
// the call.
#[cfg(target_arch = "x86")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "xor ebp, ebp",
    "mov eax, esp",
    "and esp, -16",
    "sub esp, 12",
    "push eax",
    "call {entry}",
    "ud2",
    entry = sym start,
);

// ARM or Thumb alike: no `bic` on sp in Thumb, so through r1.
#[cfg(target_arch = "arm")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "mov r0, sp",
    "bic r1, r0, #15",
    "mov sp, r1",
    "mov r1, #0",
    "mov lr, r1",
    "bl {entry}",
    "udf #0",
    entry = sym start,
);

// The callee may store registers in the 160 bytes above its stack pointer;
// the back chain word at 0(%r15) is zeroed, ending the chain.
#[cfg(target_arch = "s390x")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "lgr %r2, %r15",
    "aghi %r15, -160",
    "xc 0(8,%r15), 0(%r15)",
    "brasl %r14, {entry}",
    ".word 0",
    entry = sym start,
);

// ELFv2: r2 must hold the TOC pointer, computed from our own address; a
// 32-byte minimal frame with a zero back chain below the aligned stack.
#[cfg(target_arch = "powerpc64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "bcl 20, 31, 2f",
    "2: mflr 12",
    "addis 2, 12, (.TOC. - 2b)@ha",
    "addi 2, 2, (.TOC. - 2b)@l",
    "mr 3, 1",
    "clrrdi 1, 1, 4",
    "li 0, 0",
    "stdu 0, -32(1)",
    "mtlr 0",
    "bl {entry}",
    "trap",
    entry = sym start,
);

const AT_FDCWD: usize = -100isize as usize;
const O_RDONLY: usize = 0;
const O_RDWR: usize = 2;
const O_CREAT: usize = 0o100;
const O_EXCL: usize = 0o200;
const O_CLOEXEC: usize = 0o2_000_000;
const SEEK_END: usize = 2;
/// `\x7fELF`, read as a native-endian word (s390x is big-endian).
const ELF_MAGIC: u32 = u32::from_ne_bytes(*b"\x7fELF");

/// A step's result: the errno of a failed call, or 0 for a wrong value
/// read back.
type Step<T = ()> = Result<T, Errno>;

fn write(s: &[u8]) {
    // SAFETY: writes s to stdout; the kernel only reads s.
    unsafe { syscall3(Sysno::write as usize, 1, s.as_ptr() as usize, s.len()) };
}

fn exit(code: usize) -> ! {
    // SAFETY: ends the process; exit_group does not return.
    unsafe {
        syscall1(Sysno::exit_group as usize, code);
        core::hint::unreachable_unchecked()
    }
}

/// Prints `<prefix><step>`; each step name ends with a newline.
#[inline(never)]
fn say(prefix: &[u8], step: &[u8]) {
    write(prefix);
    write(step);
}

/// Reports the running step as passed and names the next one.
#[inline(never)]
fn next(step: &mut &'static [u8], name: &'static [u8]) {
    say(b"ok ", step);
    *step = name;
}

fn check(ok: bool) -> Step {
    if ok {
        Ok(())
    } else {
        Err(Errno::new(0))
    }
}

fn sys(r: usize) -> Step<usize> {
    Errno::from_ret(r)
}

/// The byte written at offset `i` of a test range.
fn pattern(i: usize) -> u8 {
    (i * 7 + 3) as u8
}

/// Fills `p..p+len` with the pattern, through volatile stores so each one
/// really reaches the mapping.
///
/// # Safety
/// `p..p+len` must be mapped writable.
#[inline(never)]
unsafe fn fill(p: *mut c_void, len: usize) {
    for i in 0..len {
        // SAFETY: inside the writable range, as the caller guarantees.
        unsafe { p.cast::<u8>().add(i).write_volatile(pattern(i)) };
    }
}

/// Whether `p..p+len` holds the pattern (`zero`: holds zeros instead).
///
/// # Safety
/// `p..p+len` must be mapped readable.
#[inline(never)]
unsafe fn holds(p: *const c_void, len: usize, zero: bool) -> bool {
    (0..len).all(|i| {
        // SAFETY: inside the readable range, as the caller guarantees.
        let b = unsafe { p.cast::<u8>().add(i).read_volatile() };
        b == if zero { 0 } else { pattern(i) }
    })
}

/// Runs the steps in order; `step` names the one running, so that on an
/// error the caller can say which failed.
///
/// # Safety
/// `sp` is the kernel's initial stack: argc, argv[argc], NULL, envp..., NULL, auxv.
unsafe fn run(sp: *const usize, step: &mut &'static [u8]) -> Step {
    // SAFETY: argc and argv from the initial stack.
    let (argc, argv) = unsafe { (*sp, sp.add(1).cast::<*const u8>()) };

    // The first step, page-size, is named by the caller.
    // SAFETY: envp follows argv's NULL terminator, unchanged since exec.
    let ps = unsafe { mmap_native::init_page_size_from_envp(argv.add(argc + 1)) }?;

    // Map a file read-only (argv[1], else ourselves) and check the ELF magic.
    next(step, b"mmap-file-elf\n");
    // SAFETY: argv holds argc NUL-terminated strings; the calls only read them.
    let fd = sys(unsafe {
        let path = *argv.add(if argc > 1 { 1 } else { 0 });
        syscall4(
            Sysno::openat as usize,
            AT_FDCWD,
            path as usize,
            O_RDONLY | O_CLOEXEC,
            0,
        )
    })?;
    // SAFETY: lseek on our own descriptor.
    let len = sys(unsafe { syscall3(Sysno::lseek as usize, fd, 0, SEEK_END) })?;
    // SAFETY: a fresh private read-only mapping at an address the kernel
    // picks (len 0 would be EINVAL), so at least one page: 4 bytes can be
    // read; unmapped once read.
    unsafe {
        let f = mmap(null_mut(), len, Prot::READ, MapFlags::PRIVATE, fd as i32, 0)?;
        check(f.cast::<u32>().read_volatile() == ELF_MAGIC)?;
        munmap(f, len)?;
        syscall1(Sysno::close as usize, fd);
    }

    // Two private anonymous pages, written and read back.
    let rw = Prot::READ | Prot::WRITE;
    let len = 2 * ps;
    next(step, b"mmap-anon\n");
    // SAFETY (this block and the ones below): a fresh anonymous mapping at an
    // address the kernel picks, used only here through raw pointers.
    let p = unsafe {
        mmap(
            null_mut(),
            len,
            rw,
            MapFlags::PRIVATE | MapFlags::ANONYMOUS,
            -1,
            0,
        )
    }?;
    unsafe {
        fill(p, len);
        check(holds(p, len, false))?;
    }

    // DONTNEED drops private anonymous pages: the first reads back as zeros.
    next(step, b"madvise\n");
    unsafe {
        madvise(p, ps, Advice::DONTNEED)?;
        check(holds(p, ps, true) && holds(p.byte_add(ps), ps, false))?;
    }

    // Read-only, then writable again; the contents stay.
    next(step, b"mprotect\n");
    unsafe {
        mprotect(p, len, Prot::READ)?;
        check(holds(p.byte_add(ps), ps, false))?;
        mprotect(p, len, rw)?;
        fill(p, ps);
        check(holds(p, len, false))?;
    }

    // Grow to four pages (it may move): the old pages keep their bytes.
    next(step, b"mremap\n");
    let big = 4 * ps;
    let q = unsafe { mremap(p, len, big, MremapFlags::MAYMOVE, null_mut()) }?;
    unsafe {
        fill(q.byte_add(len), big - len);
        check(holds(q, len, false) && holds(q.byte_add(len), big - len, false))?;
    }

    next(step, b"munmap\n");
    unsafe { munmap(q, big) }?;

    // A new one-page file, mapped shared, written through the map, msynced,
    // and read back with pread64. The name, /tmp/mmap-native-fs.<pid> (the
    // pid in base 16, digits a..p), goes as soon as the file is open.
    next(step, b"msync-file\n");
    let mut name = *b"/tmp/mmap-native-fs.aaaaaaaa\0";
    // SAFETY: getpid reads no memory.
    let mut pid = unsafe { syscalls::raw::syscall0(Sysno::getpid as usize) };
    for c in name[20..28].iter_mut() {
        *c = b'a' + (pid & 15) as u8;
        pid >>= 4;
    }
    let path = name.as_ptr() as usize;
    let flags = O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC;
    // SAFETY: path is NUL-terminated; O_EXCL makes sure the file is ours.
    let fd = sys(unsafe { syscall4(Sysno::openat as usize, AT_FDCWD, path, flags, 0o600) })?;
    let mut buf = [0u8; 64];
    // SAFETY: unlinkat removes the file we just created; ftruncate and
    // pread64 work on our own descriptor, pread64 writes only into buf; the
    // shared mapping of our file is used only here.
    unsafe {
        syscall3(Sysno::unlinkat as usize, AT_FDCWD, path, 0);
        sys(syscalls::raw::syscall2(Sysno::ftruncate as usize, fd, ps))?;
        let m = mmap(null_mut(), ps, rw, MapFlags::SHARED, fd as i32, 0)?;
        fill(m, ps);
        msync(m, ps, MsFlags::SYNC)?;
        // Offset 0: one register on 64-bit targets; in every 32-bit form
        // (a low and a high word on i686, a pad and two words on arm EABI).
        #[cfg(target_pointer_width = "64")]
        let n = sys(syscall4(
            Sysno::pread64 as usize,
            fd,
            buf.as_mut_ptr() as usize,
            buf.len(),
            0,
        ))?;
        #[cfg(target_pointer_width = "32")]
        let n = sys(syscalls::raw::syscall6(
            Sysno::pread64 as usize,
            fd,
            buf.as_mut_ptr() as usize,
            buf.len(),
            0,
            0,
            0,
        ))?;
        check(n == buf.len() && holds(buf.as_ptr().cast(), n, false))?;
        munmap(m, ps)?;
        syscall1(Sysno::close as usize, fd);
    }
    next(step, b"");
    Ok(())
}

/// The Rust entry point, called once from `_start` with the initial stack
/// pointer. Exits 0 when every step passed; else reports the failed step
/// and exits with its errno (1: a wrong value read back).
unsafe extern "C" fn start(sp: *const usize) -> ! {
    let mut step: &'static [u8] = b"page-size\n";
    // SAFETY: sp is the kernel's initial stack, as _start passes it.
    match unsafe { run(sp, &mut step) } {
        Ok(()) => exit(0),
        Err(e) => {
            say(b"FAIL ", step);
            exit(e.into_raw().max(1) as usize)
        }
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    write(b"FAIL panic\n");
    exit(101)
}

// The compiler may lower copies and fills to calls of `memcpy` and `memset`
// (riscv64 does, for the arrays above); with no libc, the program brings
// them. Volatile byte stores keep them from being lowered to themselves.

/// # Safety
/// As C's `memcpy`: `n` bytes readable at `src`, writable at `dst`, apart.
#[no_mangle]
unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    for i in 0..n {
        // SAFETY: inside both ranges, as the caller guarantees.
        unsafe { dst.add(i).write_volatile(src.add(i).read()) };
    }
    dst
}

/// # Safety
/// As C's `memset`: `n` bytes writable at `dst`.
#[no_mangle]
unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
    for i in 0..n {
        // SAFETY: inside the range, as the caller guarantees.
        unsafe { dst.add(i).write_volatile(c as u8) };
    }
    dst
}
