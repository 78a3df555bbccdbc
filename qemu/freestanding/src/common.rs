//! What both freestanding programs share: output, exit, the step protocol,
//! the test pattern, the entry point called by `_start`, the panic handler,
//! and the few symbols the toolchain (not mmap-native) asks for.

use mmap_native::c_void;
use syscalls::raw::{syscall1, syscall3, syscall4};
use syscalls::{Errno, Sysno};

/// A step's result: the errno of a failed call, or 0 for a wrong value
/// read back.
pub type Step<T = ()> = Result<T, Errno>;

pub fn write(s: &[u8]) {
    // SAFETY: writes s to stdout; the kernel only reads s.
    unsafe { syscall3(Sysno::write as usize, 1, s.as_ptr() as usize, s.len()) };
}

pub fn exit(code: usize) -> ! {
    // SAFETY: ends the process; exit_group does not return.
    unsafe {
        syscall1(Sysno::exit_group as usize, code);
        core::hint::unreachable_unchecked()
    }
}

/// Prints `<prefix><step>`; each step name ends with a newline.
#[inline(never)]
pub fn say(prefix: &[u8], step: &[u8]) {
    write(prefix);
    write(step);
}

/// Reports the running step as passed and names the next one.
#[inline(never)]
pub fn next(step: &mut &'static [u8], name: &'static [u8]) {
    say(b"ok ", step);
    *step = name;
}

pub fn check(ok: bool) -> Step {
    if ok {
        Ok(())
    } else {
        Err(Errno::new(0))
    }
}

pub fn sys(r: usize) -> Step<usize> {
    Errno::from_ret(r)
}

const AT_FDCWD: usize = -100isize as usize;
const O_RDONLY_CLOEXEC: usize = 0o2_000_000;

/// Opens the file to map read-only: `argv[1]`, else the program itself
/// (`argv[0]`).
///
/// # Safety
/// `argv` holds `argc` NUL-terminated strings (`argc` >= 1).
pub unsafe fn open_arg(argc: usize, argv: *const *const u8) -> Step<usize> {
    // SAFETY: one of the caller's strings; the kernel only reads it.
    sys(unsafe {
        let path = *argv.add(if argc > 1 { 1 } else { 0 });
        syscall4(
            Sysno::openat as usize,
            AT_FDCWD,
            path as usize,
            O_RDONLY_CLOEXEC,
            0,
        )
    })
}

/// The byte written at offset `i` of a test range.
pub fn pattern(i: usize) -> u8 {
    i.wrapping_mul(7).wrapping_add(3) as u8
}

/// Fills `p..p+len` with the pattern, through volatile stores so each one
/// really reaches the mapping (and no loop becomes a `memset`).
///
/// # Safety
/// `p..p+len` must be mapped writable.
#[inline(never)]
pub unsafe fn fill(p: *mut c_void, len: usize) {
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
pub unsafe fn holds(p: *const c_void, len: usize, zero: bool) -> bool {
    (0..len).all(|i| {
        // SAFETY: inside the readable range, as the caller guarantees.
        let b = unsafe { p.cast::<u8>().add(i).read_volatile() };
        b == if zero { 0 } else { pattern(i) }
    })
}

/// The Rust entry point, called once from `_start` with the initial stack
/// pointer. Exits 0 when every step passed; else reports the failed step
/// and exits with its errno (1: a wrong value read back).
pub unsafe extern "C" fn start(sp: *const usize) -> ! {
    let mut step: &'static [u8] = b"page-size\n";
    // SAFETY: sp is the kernel's initial stack, as _start passes it.
    match unsafe { crate::run(sp, &mut step) } {
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

// What the toolchain, not mmap-native, asks of a program without libc (a
// trivial no_std program that only adds two numbers asks the same). None
// of these is ever called: with panic = "abort" nothing unwinds.
//
// A build without LTO (the dev profile here) links core's precompiled
// (panic = "unwind") objects, whose unwind tables name the personality
// routine. Release, with LTO, drops the reference.
#[cfg(debug_assertions)]
#[no_mangle]
extern "C" fn rust_eh_personality() {}

// ARM EHABI: objects name the personality routines of their unwind tables
// (R_ARM_NONE markers; pr1 only in some builds, among them debug); the link
// succeeds without them, but leaves them undefined.
#[cfg(target_arch = "arm")]
#[no_mangle]
extern "C" fn __aeabi_unwind_cpp_pr0() {}
#[cfg(all(target_arch = "arm", debug_assertions))]
#[no_mangle]
extern "C" fn __aeabi_unwind_cpp_pr1() {}

// powerpc64 without LTO: core's precompiled object has one `.toc` section,
// which names core's formatting code (`Ipv4Addr`'s `Display`, ...); once
// any core function is linked (an overflow check's panic is enough), the
// whole table and that code stay, and it copies with `memcpy`. Neither this
// program nor mmap-native calls it (release, with LTO, and the other six
// targets link without one). Volatile byte stores keep it from being
// lowered to a call of itself.
/// # Safety
/// As C's `memcpy`: `n` bytes readable at `src`, writable at `dst`, apart.
#[cfg(all(target_arch = "powerpc64", debug_assertions))]
#[no_mangle]
unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    for i in 0..n {
        // SAFETY: inside both ranges, as the caller guarantees.
        unsafe { dst.add(i).write_volatile(src.add(i).read()) };
    }
    dst
}
