//! Fuzzing the safe layer: random `MmapOptions` (offset, len, flags, kind
//! of map) on random files, every byte compared with `pread`, every error
//! an errno from the documented set, never a panic, and nothing left mapped.
//! Bounded and seeded for CI; longer:
//! `MMAP_NATIVE_FUZZ_SAFE_ITERS=1000000 MMAP_NATIVE_FUZZ_SEED=3 cargo test --release --test fuzz_safe`.

mod common;
use common::{page, Rng, TempFile};

use mmap_native::{Errno, MapFlags, MmapOptions};

#[test]
#[cfg_attr(
    miri,
    ignore = "maps files: under Miri only anonymous memory maps (ENOSYS)"
)]
fn random_options_read_what_pread_reads() {
    let iters: u64 = std::env::var("MMAP_NATIVE_FUZZ_SAFE_ITERS")
        .map_or(common::rounds(3000, 300), |s| s.parse().unwrap());
    let seed: u64 = std::env::var("MMAP_NATIVE_FUZZ_SEED").map_or(0x5afe, |s| s.parse().unwrap());
    let mut r = Rng::new(seed);
    let p = page() as u64;
    let (mut oks, mut errs) = (0u32, 0u32);
    for i in 0..iters {
        // A new file every 50 rounds, of an awkward size.
        let size = match r.below64(6) {
            0 => 0,
            1 => 1 + r.below64(16),
            2 => p - 1 + r.below64(3),
            _ => r.below64(5 * p),
        };
        let data: Vec<u8> = (0..size).map(|j| (j ^ (j >> 8) ^ i) as u8).collect();
        let f = TempFile::new(&data);
        for _ in 0..8 {
            let mut o = MmapOptions::new();
            // Offsets: inside, at the end, past it, and absurd.
            let off = match r.below64(8) {
                0 => size,
                1 => size + 1 + r.below64(p),
                2 => u64::MAX - r.below64(p),
                3 => r.below64(p).min(size),
                _ => r.below64(size + 1),
            };
            o.offset(off);
            let room = size.saturating_sub(off);
            // Lengths: none (to the end), within the file, zero, absurd.
            let len = match r.below64(7) {
                0 | 1 => None,
                2 => Some(0),
                3 => Some(usize::MAX - r.below64(p) as usize),
                4 => Some(isize::MAX as usize + 1),
                _ => Some(r.below64(room + 1) as usize),
            };
            if let Some(l) = len {
                o.len(l);
            }
            for flag in [MapFlags::POPULATE, MapFlags::NORESERVE, MapFlags::NONBLOCK] {
                if r.below64(4) == 0 {
                    o.flags(flag);
                }
            }
            if r.below64(20) == 0 {
                o.flags(MapFlags::FIXED);
            }
            if r.below64(30) == 0 {
                o.huge(Some(r.below64(64) as u8));
            }
            // The unsafe constructors' contract: an explicit len stays
            // within the file. Lengths past it are only given where the
            // crate must refuse them before mapping (overflow, > isize::MAX).
            let absurd =
                len.is_some_and(|l| l > isize::MAX as usize || off.checked_add(l as u64).is_none());
            let in_file = len.is_none_or(|l| (l as u64) <= room) || absurd;
            let kind = r.below64(4);
            let got: Result<Vec<u8>, Errno> = unsafe {
                match kind {
                    0 if in_file => o.map(f.fd()).map(|m| m.to_vec()),
                    1 if in_file => o.map_copy(f.fd()).map(|m| m.to_vec()),
                    2 if in_file => o.map_mut(f.fd()).map(|m| m.to_vec()),
                    _ => o.map_raw(f.fd()).map(|m| {
                        // Pointer access: only the bytes that exist.
                        let n = m.len().min(room as usize);
                        std::slice::from_raw_parts(m.as_ptr(), n).to_vec()
                    }),
                }
            };
            match got {
                Ok(bytes) => {
                    oks += 1;
                    // (An empty map makes no syscall, at any offset.)
                    let want = if bytes.is_empty() {
                        vec![]
                    } else {
                        f.pread(off, bytes.len())
                    };
                    assert_eq!(
                        bytes, want,
                        "offset {off} len {len:?} size {size} kind {kind}"
                    );
                    if let Some(l) = len {
                        if (l as u64) <= room {
                            assert_eq!(bytes.len(), l);
                        }
                    } else {
                        assert_eq!(bytes.len() as u64, room);
                    }
                }
                Err(e) => {
                    errs += 1;
                    let known = [Errno::EINVAL, Errno::ENOMEM, Errno::EOVERFLOW, Errno::EFBIG];
                    assert!(
                        known.contains(&e),
                        "offset {off} len {len:?} size {size} kind {kind}: unexpected {e:?}"
                    );
                }
            }
            assert_eq!(f.maps(), 0, "a map of the file outlived its owner");
        }
        let _ = i;
    }
    println!("safe-layer fuzz: {iters} files, {oks} maps compared with pread, {errs} refused");
}
