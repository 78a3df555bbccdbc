//! Soak: 100,000 map/unmap cycles of the safe layer, error paths included,
//! after which the process must hold exactly the mappings and descriptors it
//! started with. Prints the counts before and after.
//!
//! Runs without the test harness, on one thread, with allocations from a
//! static arena, so `/proc/self/maps` and `/proc/self/fd` are exact.

mod common;
use common::quirks::*;
use common::{page, TempFile};

use mmap_native::{Advice, Errno, MapFlags, MmapMut, MmapOptions, MmapRaw};

#[global_allocator]
static A: common::Bump = common::Bump;

/// What the cycles met, for the report.
#[derive(Default)]
struct Counts {
    errors: usize,
    /// Shrinking remaps left out where qemu's would wipe the next mapping.
    shrinks_avoided: usize,
    /// Impossible huge page maps left out where qemu's failure wipes memory.
    huge_avoided: usize,
}

struct Files {
    data: Vec<u8>,
    file: TempFile,
    ro: TempFile,
}

/// Cycle `i`: one map/unmap of the safe layer, or an error path; each must
/// leave nothing behind.
fn cycle(i: usize, f: &Files, c: &mut Counts) {
    let p = page();
    let (data, fd) = (&f.data, f.file.fd());
    let len = 1 + i.wrapping_mul(7919) % (3 * p);
    let off = (i.wrapping_mul(104_729) % (2 * p)) as u64;
    match i % 14 {
        0 => {
            let mut m = MmapOptions::new().len(len).map_anon().unwrap();
            assert_eq!(m[0], 0);
            m[len - 1] = 1;
        }
        1 => {
            let m = unsafe { MmapOptions::new().offset(off).map(fd) }.unwrap();
            assert_eq!(m[0], data[off as usize]);
        }
        2 => {
            let mut m = unsafe { MmapOptions::new().offset(off).len(p).map_mut(fd) }.unwrap();
            m[1] = data[off as usize + 1];
            m.flush_range(1, 1).unwrap();
        }
        3 => {
            let mut m = unsafe { MmapOptions::new().map_copy(fd) }.unwrap();
            m[0] ^= 0xff;
        }
        4 => {
            let mut m = MmapMut::map_anon(p).unwrap();
            m.remap(len + p, true).unwrap();
            // Where qemu's shrinking wipes the pages after the map, whoever
            // they belong to, the map is dropped whole instead.
            if MREMAP_SHRINK_WIPES_NEXT.applies() {
                c.shrinks_avoided += 1;
            } else {
                m.remap(1, false).unwrap();
            }
        }
        5 => {
            let r = MmapOptions::new().offset(off).map_raw(fd).unwrap();
            assert_eq!(unsafe { *r.as_ptr() }, data[off as usize]);
            drop(MmapRaw::from(
                unsafe { MmapOptions::new().map(fd) }.unwrap(),
            ));
        }
        // Error paths: each must leave nothing behind.
        6 => {
            let e = unsafe { MmapOptions::new().offset(1 << 40).map(fd) }.unwrap_err();
            assert_eq!(e, Errno::EINVAL);
            c.errors += 1;
        }
        7 => {
            let e = MmapOptions::new()
                .len(usize::MAX - 1)
                .map_anon()
                .unwrap_err();
            assert_eq!(e, Errno::ENOMEM);
            let e = unsafe { MmapOptions::new().offset(u64::MAX - 1).len(4).map(fd) };
            assert_eq!(e.unwrap_err(), Errno::EOVERFLOW);
            c.errors += 2;
        }
        8 => {
            let e = unsafe { MmapOptions::new().map(1_000_000) }.unwrap_err();
            assert_eq!(e, Errno::EBADF);
            c.errors += 1;
        }
        9 => {
            let m = MmapOptions::new().len(len).map_anon().unwrap();
            assert_eq!(m.flush_range(len, 1), Err(Errno::ENOMEM));
            assert_eq!(m.advise(Advice::DONTNEED), Err(Errno::EINVAL));
            m.advise(Advice::SEQUENTIAL).unwrap();
            c.errors += 2;
        }
        10 => {
            // A read-only descriptor cannot become writable: EACCES, and
            // the map is unmapped on the way out.
            let m = unsafe { MmapOptions::new().map(f.ro.fd()) }.unwrap();
            assert_eq!(m.make_mut().unwrap_err(), Errno::EACCES);
            c.errors += 1;
        }
        11 => {
            let e = unsafe { MmapOptions::new().map_mut(f.ro.fd()) }.unwrap_err();
            assert_eq!(e, Errno::EACCES);
            c.errors += 1;
            // Where qemu may answer ENOMEM and take memory with it, the
            // call is left out.
            if HUGETLB_FAILURE_WIPES_32.applies() {
                c.huge_avoided += 1;
                return;
            }
            let e = MmapOptions::new()
                .len(p)
                .huge(Some(63))
                .map_anon()
                .unwrap_err();
            // The kernel has no 2^63-byte huge page size: EINVAL.
            let want: &[Errno] = if HUGETLB_BAD_SIZE_ENOMEM.applies() {
                &[Errno::ENOMEM]
            } else {
                HUGETLB_BAD_SIZE_SOMETIMES_ENOMEM
                    .pick(&[Errno::EINVAL], &[Errno::EINVAL, Errno::ENOMEM])
            };
            assert!(want.contains(&e), "{e:?}, not one of {want:?}");
            c.errors += 1;
        }
        12 => {
            let e = MmapOptions::new()
                .len(p)
                .flags(MapFlags::FIXED)
                .map_anon()
                .unwrap_err();
            assert_eq!(e, Errno::EINVAL);
            let m = MmapOptions::new().len(0).map_anon().unwrap();
            assert!(m.is_empty());
            c.errors += 1;
        }
        _ => {
            let m = MmapOptions::new().len(len).map_anon().unwrap();
            let m = m.make_read_only().unwrap();
            let mut m = m.make_mut().unwrap();
            m[0] = 1;
            m.lock().unwrap();
            m.unlock().unwrap();
        }
    }
}

fn main() {
    let cycles: usize =
        std::env::var("MMAP_NATIVE_SOAK_CYCLES").map_or(100_000, |s| s.parse().unwrap());
    let p = page();
    let data: Vec<u8> = (0..3 * p + 17).map(|i| i as u8).collect();
    let files = Files {
        file: TempFile::new(&data),
        ro: TempFile::with_mode(&data, false),
        data,
    };
    // Warm up what std, the C library and tests/common set up once (and
    // keep): the bump allocator takes back what each cycle allocated.
    let run = common::describe_run();
    let _ = (common::maps_lines(), common::fds());
    let (maps0, fds0) = (common::maps_lines(), common::fds());
    let start = std::time::Instant::now();
    let mut counts = Counts::default();
    let mark = common::bump_mark();
    for i in 0..cycles {
        cycle(i, &files, &mut counts);
        // SAFETY: nothing this cycle allocated is still alive.
        unsafe { common::bump_reset(mark) };
    }
    let (maps1, fds1) = (common::maps_lines(), common::fds());
    println!(
        "soak, {}: {cycles} map/unmap cycles ({} error paths) in {:.1}s; \
         /proc/self/maps lines {maps0} -> {maps1}, open fds {fds0} -> {fds1}",
        run,
        counts.errors,
        start.elapsed().as_secs_f64()
    );
    if counts.shrinks_avoided > 0 {
        println!(
            "  {} shrinking remaps left out: MREMAP_SHRINK_WIPES_NEXT applies here",
            counts.shrinks_avoided
        );
    }
    if counts.huge_avoided > 0 {
        println!(
            "  {} maps of an impossible huge page size left out: HUGETLB_FAILURE_WIPES_32 \
             applies here",
            counts.huge_avoided
        );
    }
    let ok = maps0 == maps1 && fds0 == fds1;
    common::finish(usize::from(ok), usize::from(!ok));
}
