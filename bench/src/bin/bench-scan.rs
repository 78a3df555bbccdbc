//! File scan throughput: the sum of a file as little-endian u64 words,
//! through mmap-native's `Mmap` (plain, `populate()`, `Advice::SEQUENTIAL`,
//! `Advice::POPULATE_READ`), through memmap2 in the same four modes, through
//! `std::fs::read`, and through `read()` in 1 MiB chunks (into a page-aligned
//! buffer and into a plain heap `Vec`); plus the same sum over a buffer
//! already in memory (the ceiling). Page cache warm.
//!
//! Each measurement is the whole job (open, map, advise, sum, unmap, close);
//! rounds are interleaved (every method once per round, the order rotating),
//! and every method must produce the same sum.
//!
//! ```text
//! bench-scan FILE [ROUNDS]          TSV on stdout: method, median GB/s, min, max, ratios
//! bench-scan FILE ROUNDS METHOD      one method ROUNDS times (for a profiler)
//! ```
//!
//! `FILE` is created (pseudo-random words) when it is missing or has the
//! wrong size; its size is `BENCH_SCAN_BYTES` (default 1 GiB; suffixes K,
//! M, G).

use std::fs::File;
use std::hint::black_box;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::time::Instant;

const CHUNK: usize = 1 << 20;

/// The sum under test: wrapping u64 adds over the aligned middle, the
/// unaligned edges byte-assembled. One function for every method.
#[inline(never)]
fn sum(bytes: &[u8]) -> u64 {
    // SAFETY: u64 has no invalid bit patterns.
    let (head, mid, tail) = unsafe { bytes.align_to::<u64>() };
    let mut acc = [0u64; 8];
    let mut it = mid.chunks_exact(8);
    for c in &mut it {
        for k in 0..8 {
            acc[k] = acc[k].wrapping_add(u64::from_le(c[k]));
        }
    }
    let mut s = acc.iter().fold(0u64, |a, &b| a.wrapping_add(b));
    for &w in it.remainder() {
        s = s.wrapping_add(u64::from_le(w));
    }
    // Edges: only when the buffer is not 8-aligned or not a multiple of 8.
    s.wrapping_add(edge(head)).wrapping_add(edge(tail))
}

#[cold]
fn edge(b: &[u8]) -> u64 {
    // Byte-wise, so a split word does not count as a whole one; the
    // callers keep chunk boundaries at multiples of 8 from the file start,
    // so edges only occur at the very end of an odd-sized file.
    b.iter().fold(0u64, |a, &x| a.wrapping_add(x as u64))
}

fn die(what: &str, e: impl std::fmt::Display) -> ! {
    eprintln!("bench-scan: {what}: {e}");
    std::process::exit(1)
}

fn parse_size(s: &str) -> u64 {
    let s = s.trim();
    let (num, mul) = match s.chars().last() {
        Some('K' | 'k') => (&s[..s.len() - 1], 1u64 << 10),
        Some('M' | 'm') => (&s[..s.len() - 1], 1 << 20),
        Some('G' | 'g') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>()
        .unwrap_or_else(|e| die("BENCH_SCAN_BYTES", e))
        * mul
}

/// Creates `path` with `size` bytes of xorshift words, unless it already
/// has that size.
fn ensure_file(path: &str, size: u64) {
    if std::fs::metadata(path)
        .map(|m| m.len() == size)
        .unwrap_or(false)
    {
        return;
    }
    eprintln!("bench-scan: writing {size} bytes to {path}");
    let mut f = File::create(path).unwrap_or_else(|e| die(path, e));
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut buf = vec![0u8; CHUNK];
    let mut left = size;
    use std::io::Write;
    while left > 0 {
        for w in buf.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            w.copy_from_slice(&x.to_le_bytes());
        }
        let n = left.min(CHUNK as u64) as usize;
        f.write_all(&buf[..n]).unwrap_or_else(|e| die(path, e));
        left -= n as u64;
    }
    f.sync_all().ok();
}

/// The fraction of the file's pages in the page cache (mincore on a map).
fn resident(f: &File, len: usize) -> f64 {
    if len == 0 {
        return 1.0;
    }
    // SAFETY: a read-only private map, only handed to mincore.
    let m = unsafe { memmap2::Mmap::map(f) }.unwrap_or_else(|e| die("map", e));
    let pages = len.div_ceil(4096);
    let mut v = vec![0u8; pages];
    // SAFETY: v holds a byte per 4 KiB page (this machine's page size).
    let r = unsafe { libc::mincore(m.as_ptr() as *mut _, len, v.as_mut_ptr()) };
    if r != 0 {
        die("mincore", std::io::Error::last_os_error());
    }
    v.iter().filter(|&&b| b & 1 != 0).count() as f64 / pages as f64
}

type Method = (&'static str, Box<dyn Fn(&str) -> u64>);

fn methods(ceiling_buf: std::rc::Rc<Vec<u8>>) -> Vec<Method> {
    use mmap_native::{Advice, MmapOptions};
    let open = |p: &str| File::open(p).unwrap_or_else(|e| die(p, e));
    let mut v: Vec<Method> = Vec::new();
    // ---- mmap-native ----
    v.push((
        "Mmap",
        Box::new(move |p| {
            let f = open(p);
            // SAFETY: nothing writes the file during the benchmark.
            let m = unsafe { MmapOptions::new().map(&f) }.unwrap_or_else(|e| die("Mmap", e));
            sum(&m)
        }),
    ));
    v.push((
        "Mmap populate()",
        Box::new(move |p| {
            let f = open(p);
            // SAFETY: as above.
            let m =
                unsafe { MmapOptions::new().populate().map(&f) }.unwrap_or_else(|e| die("Mmap", e));
            sum(&m)
        }),
    ));
    v.push((
        "Mmap SEQUENTIAL",
        Box::new(move |p| {
            let f = open(p);
            // SAFETY: as above.
            let m = unsafe { MmapOptions::new().map(&f) }.unwrap_or_else(|e| die("Mmap", e));
            m.advise(Advice::SEQUENTIAL)
                .unwrap_or_else(|e| die("advise", e));
            sum(&m)
        }),
    ));
    v.push((
        "Mmap POPULATE_READ",
        Box::new(move |p| {
            let f = open(p);
            // SAFETY: as above.
            let m = unsafe { MmapOptions::new().map(&f) }.unwrap_or_else(|e| die("Mmap", e));
            m.advise(Advice::POPULATE_READ)
                .unwrap_or_else(|e| die("advise", e));
            sum(&m)
        }),
    ));
    // ---- memmap2, the same four modes ----
    v.push((
        "memmap2",
        Box::new(move |p| {
            let f = open(p);
            // SAFETY: as above.
            let m = unsafe { memmap2::MmapOptions::new().map(&f) }
                .unwrap_or_else(|e| die("memmap2", e));
            sum(&m)
        }),
    ));
    v.push((
        "memmap2 populate()",
        Box::new(move |p| {
            let f = open(p);
            // SAFETY: as above.
            let m = unsafe { memmap2::MmapOptions::new().populate().map(&f) }
                .unwrap_or_else(|e| die("memmap2", e));
            sum(&m)
        }),
    ));
    v.push((
        "memmap2 Sequential",
        Box::new(move |p| {
            let f = open(p);
            // SAFETY: as above.
            let m = unsafe { memmap2::MmapOptions::new().map(&f) }
                .unwrap_or_else(|e| die("memmap2", e));
            m.advise(memmap2::Advice::Sequential)
                .unwrap_or_else(|e| die("advise", e));
            sum(&m)
        }),
    ));
    v.push((
        "memmap2 PopulateRead",
        Box::new(move |p| {
            let f = open(p);
            // SAFETY: as above.
            let m = unsafe { memmap2::MmapOptions::new().map(&f) }
                .unwrap_or_else(|e| die("memmap2", e));
            m.advise(memmap2::Advice::PopulateRead)
                .unwrap_or_else(|e| die("advise", e));
            sum(&m)
        }),
    ));
    // ---- copying reads ----
    v.push((
        "std::fs::read",
        Box::new(move |p| {
            let b = std::fs::read(p).unwrap_or_else(|e| die(p, e));
            sum(&b)
        }),
    ));
    v.push((
        "read() 1 MiB, page-aligned buf",
        Box::new(move |p| {
            let f = open(p);
            // A page-aligned 1 MiB buffer of its own (anonymous map), faulted
            // in by the first read and reused.
            let mut buf =
                mmap_native::MmapMut::map_anon(CHUNK).unwrap_or_else(|e| die("map_anon", e));
            read_sum(&f, &mut buf)
        }),
    ));
    v.push((
        "read() 1 MiB, heap Vec",
        Box::new(move |p| {
            let f = open(p);
            let mut buf = vec![0u8; CHUNK];
            read_sum(&f, &mut buf)
        }),
    ));
    // ---- the ceiling ----
    v.push((
        "in-memory buffer (ceiling)",
        Box::new(move |_| sum(&ceiling_buf)),
    ));
    v
}

/// read() into `buf` until EOF, summing each chunk.
fn read_sum(f: &File, buf: &mut [u8]) -> u64 {
    let mut s = 0u64;
    let mut r = f;
    loop {
        // Fill the whole chunk (a short read only at EOF in practice), so
        // chunk boundaries stay at multiples of 8 from the file start.
        let mut filled = 0;
        while filled < buf.len() {
            match r.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => die("read", e),
            }
        }
        if filled == 0 {
            return s;
        }
        s = s.wrapping_add(sum(&buf[..filled]));
        if filled < buf.len() {
            return s;
        }
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: bench-scan FILE [ROUNDS]   (size from BENCH_SCAN_BYTES, default 1G)");
        std::process::exit(2)
    };
    let rounds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(7);
    let size = std::env::var("BENCH_SCAN_BYTES")
        .map(|s| parse_size(&s))
        .unwrap_or(1 << 30);
    ensure_file(path, size);

    // Warm the page cache (read it all once) and build the ceiling's buffer.
    let mut f = File::open(path).unwrap_or_else(|e| die(path, e));
    let mut mem = Vec::with_capacity(size as usize);
    f.read_to_end(&mut mem).unwrap_or_else(|e| die(path, e));
    let res = resident(&f, size as usize);
    let _ = f.as_raw_fd();
    let expect = sum(&mem);
    let ms = methods(std::rc::Rc::new(mem));

    // `bench-scan FILE ROUNDS METHOD`: run one method ROUNDS times and print
    // its GB/s, for a profiler (`perf record bench-scan FILE 20 Mmap`).
    if let Some(only) = args.get(3) {
        let (_, m) = ms.iter().find(|(n, _)| n == only).unwrap_or_else(|| {
            die(
                only,
                format!(
                    "no such method; one of: {:?}",
                    ms.iter().map(|m| m.0).collect::<Vec<_>>()
                ),
            )
        });
        for _ in 0..rounds {
            let t = Instant::now();
            let s = m(path);
            let dt = t.elapsed().as_secs_f64();
            if s != expect {
                die(only, "wrong sum");
            }
            println!("{only}\t{:.2}", size as f64 / dt / 1e9);
        }
        return;
    }

    // Warm-up round, checking every method's sum.
    for (name, m) in &ms {
        let s = m(path);
        if s != expect {
            die(name, format!("sum {s:#x}, expected {expect:#x}"));
        }
    }
    let mut gbs: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); ms.len()];
    for r in 0..rounds {
        for k in 0..ms.len() {
            let j = (k + r) % ms.len();
            let t = Instant::now();
            let s = black_box((ms[j].1)(black_box(path)));
            let dt = t.elapsed().as_secs_f64();
            if s != expect {
                die(ms[j].0, "wrong sum");
            }
            gbs[j].push(size as f64 / dt / 1e9);
        }
    }
    let med: Vec<f64> = gbs.iter().map(|v| median(&mut v.clone())).collect();
    let idx = |n: &str| ms.iter().position(|(m, _)| *m == n).unwrap();
    let ceiling = med[idx("in-memory buffer (ceiling)")];
    // Each Mmap mode is compared with memmap2 in the same mode; the others
    // with plain memmap2.
    let peer = |name: &str| -> usize {
        match name {
            "Mmap" => idx("memmap2"),
            "Mmap populate()" => idx("memmap2 populate()"),
            "Mmap SEQUENTIAL" => idx("memmap2 Sequential"),
            "Mmap POPULATE_READ" => idx("memmap2 PopulateRead"),
            _ => idx("memmap2"),
        }
    };
    println!(
        "# bytes={size} rounds={rounds} resident={:.1}%",
        res * 100.0
    );
    println!("method\tmedian_gbs\tmin_gbs\tmax_gbs\tpeer\tratio_peer\tratio_ceiling\tbest_ratio_peer\tbest_ratio_ceiling");
    let best: Vec<f64> = gbs
        .iter()
        .map(|v| v.iter().cloned().fold(0.0, f64::max))
        .collect();
    let best_ceiling = best[idx("in-memory buffer (ceiling)")];
    for (j, (name, _)) in ms.iter().enumerate() {
        let p = peer(name);
        // Paired per-round ratio to the peer: slow drift hits both alike.
        let mut pr: Vec<f64> = gbs[j].iter().zip(&gbs[p]).map(|(a, b)| a / b).collect();
        let rp = median(&mut pr);
        let min = gbs[j].iter().cloned().fold(f64::INFINITY, f64::min);
        let max = gbs[j].iter().cloned().fold(0.0, f64::max);
        println!(
            "{name}\t{:.2}\t{min:.2}\t{max:.2}\t{}\t{rp:.3}\t{:.3}\t{:.3}\t{:.3}",
            med[j],
            ms[p].0,
            med[j] / ceiling,
            best[j] / best[p],
            best[j] / best_ceiling
        );
    }
}
