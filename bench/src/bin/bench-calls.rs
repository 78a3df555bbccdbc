//! Per-call cost of the memory-mapping system calls, side by side:
//! mmap-native (`crate`), glibc through the `libc` crate (`libc`; musl when
//! built for a musl target), rustix 1.x with its linux_raw backend
//! (`rustix`), and hand-written inline asm (`asm`, the floor).
//!
//! Every loop does the same work and checks every result the same way (an
//! error goes to one cold `fail` that exits), so the instruction counts
//! compare like with like. `asm-nocheck` is the floor without the error
//! check, for reference.
//!
//! Modes:
//!
//! ```text
//! bench-calls wall [ROUNDS]              interleaved wall-time rounds, TSV on stdout
//! bench-calls run IMPL CALL N            run one loop N times (for callgrind)
//! bench-calls list                       the IMPL CALL pairs that exist
//! ```
//!
//! Each loop is an `#[inline(never)]`, `#[no_mangle]` function named
//! `bench_loop_<impl>_<call>` with the call under test inlined inside it,
//! so `valgrind --tool=callgrind --toggle-collect=bench_loop_*` counts
//! exactly the loop.

use std::ffi::c_void;
use std::hint::black_box;
use std::time::Instant;

const PAGE: usize = 4096;
const MINCORE_PAGES: usize = 16;

/// What the loops work on: one anonymous page, one page of a shared file
/// mapping, and a 16-page anonymous mapping for mincore.
#[derive(Clone, Copy)]
pub struct Ctx {
    anon: *mut c_void,
    shared: *mut c_void,
    big: *mut c_void,
}

#[cold]
#[inline(never)]
fn fail(what: &str) -> ! {
    eprintln!(
        "bench-calls: {what} failed: {}",
        std::io::Error::last_os_error()
    );
    std::process::exit(1)
}

/// One loop function per implementation and call.
macro_rules! loops {
    ($($name:ident => |$ctx:ident| $body:block)*) => {
        $(
            #[no_mangle]
            #[inline(never)]
            pub fn $name(n: u64, $ctx: Ctx) {
                let mut i = 0;
                while i < n {
                    $body
                    i += 1;
                }
            }
        )*
    };
}

// ---- the empty loop: what the counter and branch cost alone ------------
#[no_mangle]
#[inline(never)]
pub fn bench_loop_empty(n: u64, _ctx: Ctx) {
    let mut i = 0;
    while i < n {
        // SAFETY: an empty asm statement, there only so the loop stays.
        unsafe { core::arch::asm!("", options(nomem, nostack, preserves_flags)) };
        i += 1;
    }
}

// ---- mmap-native -----------------------------------------------------------
mod crate_impl {
    use super::*;
    use mmap_native::{madvise, mincore, mmap, mprotect, msync, munmap};
    use mmap_native::{Advice, MapFlags, MsFlags, Prot};

    loops! {
        bench_loop_crate_mmap => |c| {
            let _ = c;
            // SAFETY: a fresh anonymous page, unmapped right away.
            let p = match unsafe {
                mmap(core::ptr::null_mut(), PAGE, Prot::READ | Prot::WRITE,
                     MapFlags::PRIVATE | MapFlags::ANONYMOUS, -1, 0)
            } { Ok(p) => p, Err(_) => fail("mmap") };
            // SAFETY: the page just mapped, used by nothing.
            if unsafe { munmap(p, PAGE) }.is_err() { fail("munmap") }
        }
        bench_loop_crate_madvise => |c| {
            // SAFETY: NORMAL advice on our own page changes nothing.
            if unsafe { madvise(c.anon, PAGE, Advice::NORMAL) }.is_err() { fail("madvise") }
        }
        bench_loop_crate_mprotect => |c| {
            // SAFETY: nothing reads or writes the page during the loop.
            if unsafe { mprotect(c.anon, PAGE, Prot::READ) }.is_err() { fail("mprotect") }
            // SAFETY: as above.
            if unsafe { mprotect(c.anon, PAGE, Prot::READ | Prot::WRITE) }.is_err() { fail("mprotect") }
        }
        bench_loop_crate_msync => |c| {
            // SAFETY: MS_ASYNC changes no memory.
            if unsafe { msync(c.shared, PAGE, MsFlags::ASYNC) }.is_err() { fail("msync") }
        }
        bench_loop_crate_mincore => |c| {
            let mut v = [0u8; MINCORE_PAGES];
            // SAFETY: 16 mapped pages, 16 bytes of vector.
            if unsafe { mincore(c.big, MINCORE_PAGES * PAGE, &mut v) }.is_err() { fail("mincore") }
            black_box(&v);
        }
    }
}

// ---- glibc (or musl) through the libc crate ---------------------------------
mod libc_impl {
    use super::*;

    loops! {
        bench_loop_libc_mmap => |c| {
            let _ = c;
            // SAFETY: as for the crate's loop.
            let p = unsafe {
                libc::mmap(core::ptr::null_mut(), PAGE, libc::PROT_READ | libc::PROT_WRITE,
                           libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0)
            };
            if p == libc::MAP_FAILED { fail("mmap") }
            // SAFETY: as for the crate's loop.
            if unsafe { libc::munmap(p, PAGE) } != 0 { fail("munmap") }
        }
        bench_loop_libc_madvise => |c| {
            // SAFETY: as for the crate's loop.
            if unsafe { libc::madvise(c.anon, PAGE, libc::MADV_NORMAL) } != 0 { fail("madvise") }
        }
        bench_loop_libc_mprotect => |c| {
            // SAFETY: as for the crate's loop.
            if unsafe { libc::mprotect(c.anon, PAGE, libc::PROT_READ) } != 0 { fail("mprotect") }
            // SAFETY: as for the crate's loop.
            if unsafe { libc::mprotect(c.anon, PAGE, libc::PROT_READ | libc::PROT_WRITE) } != 0 { fail("mprotect") }
        }
        bench_loop_libc_msync => |c| {
            // SAFETY: as for the crate's loop.
            if unsafe { libc::msync(c.shared, PAGE, libc::MS_ASYNC) } != 0 { fail("msync") }
        }
        bench_loop_libc_mincore => |c| {
            let mut v = [0u8; MINCORE_PAGES];
            // SAFETY: as for the crate's loop.
            if unsafe { libc::mincore(c.big, MINCORE_PAGES * PAGE, v.as_mut_ptr()) } != 0 { fail("mincore") }
            black_box(&v);
        }
    }
}

// ---- rustix 1.x, linux_raw backend --------------------------------------------
mod rustix_impl {
    use super::*;
    use rustix::mm::{madvise, mmap_anonymous, mprotect, msync, munmap};
    use rustix::mm::{Advice, MapFlags, MprotectFlags, MsyncFlags, ProtFlags};

    loops! {
        bench_loop_rustix_mmap => |c| {
            let _ = c;
            // SAFETY: as for the crate's loop.
            let p = match unsafe {
                mmap_anonymous(core::ptr::null_mut(), PAGE, ProtFlags::READ | ProtFlags::WRITE,
                               MapFlags::PRIVATE)
            } { Ok(p) => p, Err(_) => fail("mmap") };
            // SAFETY: as for the crate's loop.
            if unsafe { munmap(p, PAGE) }.is_err() { fail("munmap") }
        }
        bench_loop_rustix_madvise => |c| {
            // SAFETY: as for the crate's loop.
            if unsafe { madvise(c.anon, PAGE, Advice::Normal) }.is_err() { fail("madvise") }
        }
        bench_loop_rustix_mprotect => |c| {
            // SAFETY: as for the crate's loop.
            if unsafe { mprotect(c.anon, PAGE, MprotectFlags::READ) }.is_err() { fail("mprotect") }
            // SAFETY: as for the crate's loop.
            if unsafe { mprotect(c.anon, PAGE, MprotectFlags::READ | MprotectFlags::WRITE) }.is_err() { fail("mprotect") }
        }
        bench_loop_rustix_msync => |c| {
            // SAFETY: as for the crate's loop.
            if unsafe { msync(c.shared, PAGE, MsyncFlags::ASYNC) }.is_err() { fail("msync") }
        }
        // rustix 1.x has no mincore.
    }
}

// ---- hand-written inline asm: the floor ------------------------------------
#[cfg(target_arch = "x86_64")]
mod asm_impl {
    use super::*;
    use core::arch::asm;

    /// A raw return in -4095..=-1 is an error.
    #[inline(always)]
    fn is_err(r: usize) -> bool {
        r > -4096isize as usize
    }

    macro_rules! sys {
        ($n:expr $(, $reg:tt = $v:expr)*) => {{
            let r: usize;
            // SAFETY: each call site passes arguments valid for that syscall.
            unsafe {
                asm!("syscall", inlateout("rax") $n as usize => r,
                     $(in($reg) $v as usize,)*
                     lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags))
            };
            r
        }};
    }

    loops! {
        bench_loop_asm_mmap => |c| {
            let _ = c;
            let p = sys!(9, "rdi" = 0, "rsi" = PAGE, "rdx" = 3, "r10" = 0x22, "r8" = -1isize, "r9" = 0);
            if is_err(p) { fail("mmap") }
            if is_err(sys!(11, "rdi" = p, "rsi" = PAGE)) { fail("munmap") }
        }
        bench_loop_asm_madvise => |c| {
            if is_err(sys!(28, "rdi" = c.anon, "rsi" = PAGE, "rdx" = 0)) { fail("madvise") }
        }
        bench_loop_asm_mprotect => |c| {
            if is_err(sys!(10, "rdi" = c.anon, "rsi" = PAGE, "rdx" = 1)) { fail("mprotect") }
            if is_err(sys!(10, "rdi" = c.anon, "rsi" = PAGE, "rdx" = 3)) { fail("mprotect") }
        }
        bench_loop_asm_msync => |c| {
            if is_err(sys!(26, "rdi" = c.shared, "rsi" = PAGE, "rdx" = 1)) { fail("msync") }
        }
        bench_loop_asm_mincore => |c| {
            let mut v = [0u8; MINCORE_PAGES];
            if is_err(sys!(27, "rdi" = c.big, "rsi" = MINCORE_PAGES * PAGE, "rdx" = v.as_mut_ptr())) {
                fail("mincore")
            }
            black_box(&v);
        }
    }

    // The same calls with no error check at all: not a fair peer (a real
    // program checks), shown as the absolute minimum.
    loops! {
        bench_loop_asmnocheck_mmap => |c| {
            let _ = c;
            let p = sys!(9, "rdi" = 0, "rsi" = PAGE, "rdx" = 3, "r10" = 0x22, "r8" = -1isize, "r9" = 0);
            sys!(11, "rdi" = p, "rsi" = PAGE);
        }
        bench_loop_asmnocheck_madvise => |c| {
            sys!(28, "rdi" = c.anon, "rsi" = PAGE, "rdx" = 0);
        }
        bench_loop_asmnocheck_mprotect => |c| {
            sys!(10, "rdi" = c.anon, "rsi" = PAGE, "rdx" = 1);
            sys!(10, "rdi" = c.anon, "rsi" = PAGE, "rdx" = 3);
        }
        bench_loop_asmnocheck_msync => |c| {
            sys!(26, "rdi" = c.shared, "rsi" = PAGE, "rdx" = 1);
        }
        bench_loop_asmnocheck_mincore => |c| {
            let mut v = [0u8; MINCORE_PAGES];
            sys!(27, "rdi" = c.big, "rsi" = MINCORE_PAGES * PAGE, "rdx" = v.as_mut_ptr());
            black_box(&v);
        }
    }
}

type LoopFn = fn(u64, Ctx);

const CALLS: [&str; 5] = ["mmap", "madvise", "mprotect", "msync", "mincore"];
const IMPLS: [&str; 5] = ["crate", "libc", "rustix", "asm", "asmnocheck"];

fn lookup(imp: &str, call: &str) -> Option<LoopFn> {
    use asm_impl::*;
    use crate_impl::*;
    use libc_impl::*;
    use rustix_impl::*;
    Some(match (imp, call) {
        ("empty", _) => bench_loop_empty,
        ("crate", "mmap") => bench_loop_crate_mmap,
        ("crate", "madvise") => bench_loop_crate_madvise,
        ("crate", "mprotect") => bench_loop_crate_mprotect,
        ("crate", "msync") => bench_loop_crate_msync,
        ("crate", "mincore") => bench_loop_crate_mincore,
        ("libc", "mmap") => bench_loop_libc_mmap,
        ("libc", "madvise") => bench_loop_libc_madvise,
        ("libc", "mprotect") => bench_loop_libc_mprotect,
        ("libc", "msync") => bench_loop_libc_msync,
        ("libc", "mincore") => bench_loop_libc_mincore,
        ("rustix", "mmap") => bench_loop_rustix_mmap,
        ("rustix", "madvise") => bench_loop_rustix_madvise,
        ("rustix", "mprotect") => bench_loop_rustix_mprotect,
        ("rustix", "msync") => bench_loop_rustix_msync,
        ("asm", "mmap") => bench_loop_asm_mmap,
        ("asm", "madvise") => bench_loop_asm_madvise,
        ("asm", "mprotect") => bench_loop_asm_mprotect,
        ("asm", "msync") => bench_loop_asm_msync,
        ("asm", "mincore") => bench_loop_asm_mincore,
        ("asmnocheck", "mmap") => bench_loop_asmnocheck_mmap,
        ("asmnocheck", "madvise") => bench_loop_asmnocheck_madvise,
        ("asmnocheck", "mprotect") => bench_loop_asmnocheck_mprotect,
        ("asmnocheck", "msync") => bench_loop_asmnocheck_msync,
        ("asmnocheck", "mincore") => bench_loop_asmnocheck_mincore,
        _ => return None,
    })
}

/// Sets up the pages the loops work on (with libc: setup is not measured).
fn setup() -> Ctx {
    // SAFETY: plain calls on fresh memory and a fresh file.
    unsafe {
        let rw = libc::PROT_READ | libc::PROT_WRITE;
        let anon_flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
        let anon = libc::mmap(std::ptr::null_mut(), PAGE, rw, anon_flags, -1, 0);
        let big = libc::mmap(
            std::ptr::null_mut(),
            MINCORE_PAGES * PAGE,
            rw,
            anon_flags,
            -1,
            0,
        );
        if anon == libc::MAP_FAILED || big == libc::MAP_FAILED {
            fail("setup mmap")
        }
        // Touch every page so mincore has something to report.
        for i in 0..MINCORE_PAGES {
            big.cast::<u8>().add(i * PAGE).write_volatile(1);
        }
        anon.cast::<u8>().write_volatile(1);
        let dir = std::env::var("BENCH_TMPDIR")
            .unwrap_or_else(|_| std::env::temp_dir().display().to_string());
        let path = format!("{dir}/bench-calls-msync.{}", std::process::id());
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap_or_else(|_| fail("open msync file"));
        f.set_len(PAGE as u64).unwrap_or_else(|_| fail("set_len"));
        let _ = std::fs::remove_file(&path);
        use std::os::fd::AsRawFd;
        let shared = libc::mmap(
            std::ptr::null_mut(),
            PAGE,
            rw,
            libc::MAP_SHARED,
            f.as_raw_fd(),
            0,
        );
        if shared == libc::MAP_FAILED {
            fail("setup shared mmap")
        }
        shared.cast::<u8>().write_volatile(1);
        std::mem::forget(f);
        Ctx { anon, shared, big }
    }
}

/// Iterations per timed sample: about 0.3-0.6 ms each on a current x86_64,
/// short enough that on a busy machine many samples see no preemption.
fn iters(call: &str) -> u64 {
    match call {
        "mmap" | "mprotect" => 200,
        "mincore" => 500,
        _ => 2_000,
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Interleaved rounds: in each round every call runs every implementation
/// once (the order of the implementations rotates from round to round), so
/// slow drift of the machine hits all of them alike. Prints one TSV row per
/// call and implementation: ns per iteration as median, min, max, and the
/// median over rounds of the paired ratio to `libc` and to `asm`.
fn wall(rounds: usize) {
    let ctx = setup();
    let impls: Vec<&str> = IMPLS.to_vec();
    println!("call\timpl\titers\tmedian_ns\tmin_ns\tmax_ns\tratio_libc\tratio_asm");
    for call in CALLS {
        let n = iters(call);
        let present: Vec<(&str, LoopFn)> = impls
            .iter()
            .filter_map(|i| lookup(i, call).map(|f| (*i, f)))
            .collect();
        // Warm up each once.
        for (_, f) in &present {
            f(n / 10, ctx);
        }
        let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); present.len()];
        for r in 0..rounds {
            for k in 0..present.len() {
                let j = (k + r) % present.len();
                let (_, f) = present[j];
                let t = Instant::now();
                f(black_box(n), ctx);
                let ns = t.elapsed().as_nanos() as f64 / n as f64;
                samples[j].push(ns);
            }
        }
        let idx = |name: &str| present.iter().position(|(i, _)| *i == name);
        let (li, ai) = (idx("libc"), idx("asm"));
        for (j, (imp, _)) in present.iter().enumerate() {
            let ratio = |base: Option<usize>| -> f64 {
                match base {
                    Some(b) => {
                        let mut r: Vec<f64> = samples[j]
                            .iter()
                            .zip(&samples[b])
                            .map(|(x, y)| x / y)
                            .collect();
                        median(&mut r)
                    }
                    None => f64::NAN,
                }
            };
            let (rl, ra) = (ratio(li), ratio(ai));
            let mut s = samples[j].clone();
            let min = s.iter().cloned().fold(f64::INFINITY, f64::min);
            let max = s.iter().cloned().fold(0.0, f64::max);
            let med = median(&mut s);
            println!("{call}\t{imp}\t{n}\t{med:.1}\t{min:.1}\t{max:.1}\t{rl:.3}\t{ra:.3}");
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("wall") => {
            let rounds = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(201);
            wall(rounds);
        }
        Some("run") if args.len() == 5 => {
            let f = lookup(&args[2], &args[3]).unwrap_or_else(|| {
                eprintln!("bench-calls: no loop for {} {}", args[2], args[3]);
                std::process::exit(2)
            });
            let n: u64 = args[4].parse().expect("N");
            let ctx = setup();
            f(black_box(n), ctx);
        }
        Some("list") => {
            for call in CALLS {
                for imp in IMPLS {
                    if lookup(imp, call).is_some() {
                        println!("{imp} {call}");
                    }
                }
            }
        }
        _ => {
            eprintln!("usage: bench-calls wall [ROUNDS] | run IMPL CALL N | list");
            std::process::exit(2);
        }
    }
}
