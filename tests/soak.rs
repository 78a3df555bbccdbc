//! Soak: 100,000 map/unmap cycles of the safe layer, error paths included,
//! after which the process must hold exactly the mappings and descriptors it
//! started with. Prints the counts before and after.
//!
//! Runs without the test harness, on one thread, with allocations from a
//! static arena, so `/proc/self/maps` and `/proc/self/fd` are exact.

mod common;
use common::{page, qemu, TempFile};

use mmap_native::{Advice, Errno, MapFlags, MmapMut, MmapOptions, MmapRaw};

#[global_allocator]
static A: common::Bump = common::Bump;

fn maps() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .count()
}

fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn main() {
    let cycles: usize =
        std::env::var("MMAP_NATIVE_SOAK_CYCLES").map_or(100_000, |s| s.parse().unwrap());
    let p = page();
    let data: Vec<u8> = (0..3 * p + 17).map(|i| i as u8).collect();
    let file = TempFile::new(&data);
    let ro = TempFile::with_mode(&data, false);
    let fd = file.fd();
    // Warm up what std and the C library set up once (and keep).
    let _ = (maps(), fds());
    let (maps0, fds0) = (maps(), fds());
    let start = std::time::Instant::now();
    let mut errors = 0usize;
    let mark = common::bump_mark();
    for i in 0..cycles {
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
                m.remap(1, false).unwrap();
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
                errors += 1;
            }
            7 => {
                let e = MmapOptions::new()
                    .len(usize::MAX - 1)
                    .map_anon()
                    .unwrap_err();
                assert_eq!(e, Errno::ENOMEM);
                let e = unsafe { MmapOptions::new().offset(u64::MAX - 1).len(4).map(fd) };
                assert_eq!(e.unwrap_err(), Errno::EOVERFLOW);
                errors += 2;
            }
            8 => {
                let e = unsafe { MmapOptions::new().map(1_000_000) }.unwrap_err();
                assert_eq!(e, Errno::EBADF);
                errors += 1;
            }
            9 => {
                let m = MmapOptions::new().len(len).map_anon().unwrap();
                assert_eq!(m.flush_range(len, 1), Err(Errno::ENOMEM));
                assert_eq!(m.advise(Advice::DONTNEED), Err(Errno::EINVAL));
                m.advise(Advice::SEQUENTIAL).unwrap();
                errors += 2;
            }
            10 => {
                // A read-only descriptor cannot become writable: EACCES, and
                // the map is unmapped on the way out.
                let m = unsafe { MmapOptions::new().map(ro.fd()) }.unwrap();
                assert_eq!(m.make_mut().unwrap_err(), Errno::EACCES);
                errors += 1;
            }
            11 => {
                let e = unsafe { MmapOptions::new().map_mut(ro.fd()) }.unwrap_err();
                assert_eq!(e, Errno::EACCES);
                let e = MmapOptions::new()
                    .len(p)
                    .huge(Some(63))
                    .map_anon()
                    .unwrap_err();
                // The kernel has no 2^63-byte huge page size: EINVAL.
                // qemu-user 7.2 answers EINVAL or ENOMEM, from one call to
                // the next (it depends on where its host mapping would go).
                let qemu_ok = qemu() && e == Errno::ENOMEM;
                assert!(e == Errno::EINVAL || qemu_ok, "{e:?}");
                errors += 2;
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
                errors += 1;
            }
            _ => {
                let m = MmapOptions::new().len(len).map_anon().unwrap();
                let m = m.make_read_only().unwrap();
                let mut m = m.make_mut().unwrap();
                m[0] = 1;
                if !qemu() {
                    m.lock().unwrap();
                    m.unlock().unwrap();
                }
            }
        }
        // SAFETY: nothing this cycle allocated is still alive.
        unsafe { common::bump_reset(mark) };
    }
    let (maps1, fds1) = (maps(), fds());
    println!(
        "soak: {cycles} map/unmap cycles ({errors} error paths) in {:.1}s; \
         /proc/self/maps lines {maps0} -> {maps1}, open fds {fds0} -> {fds1}",
        start.elapsed().as_secs_f64()
    );
    let ok = maps0 == maps1 && fds0 == fds1;
    println!(
        "\ntest result: {}. {} passed; {} failed; 0 ignored; 0 measured; 0 filtered out\n",
        if ok { "ok" } else { "FAILED" },
        ok as u8,
        !ok as u8
    );
    std::process::exit(if ok { 0 } else { 1 });
}
