//! Unit tests of the safe layer's empty maps, of its page delta and of the
//! check behind it. The integration tests (`tests/safe.rs`, `tests/anon.rs`)
//! cover the rest.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

extern crate std;

use super::inner::{first_byte, Inner, EMPTY};
use super::*;
use crate::{c_void, Advice, Prot};
use core::mem::{align_of, size_of};
use std::os::fd::AsRawFd;

/// An empty regular file, removed when dropped.
struct EmptyFile {
    path: std::path::PathBuf,
    file: std::fs::File,
}

impl EmptyFile {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(std::format!(
            "mmap-native-unit-{}-{name}",
            std::process::id()
        ));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        EmptyFile { path, file }
    }
}

impl Drop for EmptyFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What memmap2's `map_empty_file` checks of an empty map's pointer, and
/// more: not null, aligned for `usize` (memmap2 0.9.12's check) and `u64`
/// (so `bytemuck::try_cast_slice::<u8, u64>` of an empty map succeeds, as
/// it does with memmap2), for `u128`, and page aligned (memmap2 maps one
/// real page-aligned byte for an empty map).
fn assert_empty_and_aligned(ptr: *const u8, len: usize) {
    assert_eq!(len, 0);
    assert!(!ptr.is_null());
    assert_eq!(ptr.align_offset(size_of::<usize>()), 0);
    assert_eq!(ptr.align_offset(align_of::<u64>()), 0);
    assert_eq!(ptr.align_offset(align_of::<u128>()), 0);
    assert_eq!(ptr as usize % crate::page_size(), 0);
    assert_eq!(ptr as usize % 65536, 0);
    // An empty slice of any of those types over it is valid.
    // SAFETY: not null, aligned, and zero elements.
    let words = unsafe { core::slice::from_raw_parts(ptr.cast::<u64>(), 0) };
    assert!(words.is_empty());
}

// memmap2's test/map.rs `map_empty_file`, ported: "mapping" a 0-length file
// derefs to an empty slice, through the read-only and the writable map.
#[test]
fn map_empty_file() {
    let f = EmptyFile::new("map_empty_file");
    let fd = f.file.as_raw_fd();
    // SAFETY: the file is ours, empty, and nothing changes it.
    let mmap = unsafe { Mmap::map(fd) }.unwrap();
    assert!(mmap.is_empty());
    assert_eq!(mmap.as_ptr().align_offset(size_of::<usize>()), 0);
    assert_empty_and_aligned(mmap.as_ptr(), mmap.len());
    assert!(mmap.is_empty() && mmap[..].is_empty());
    // SAFETY: as above.
    let mut mmap = unsafe { MmapMut::map_mut(fd) }.unwrap();
    assert!(mmap.is_empty());
    assert_eq!(mmap.as_ptr().align_offset(size_of::<usize>()), 0);
    assert_empty_and_aligned(mmap.as_mut_ptr(), mmap.len());
}

// Every other way to an empty map gives the same pointer, and no call on
// one touches it.
#[test]
fn every_empty_map_is_aligned() {
    let f = EmptyFile::new("every_empty_map");
    let fd = f.file.as_raw_fd();
    let o = MmapOptions::new();
    // SAFETY: (each file map) the file is ours, empty, and unchanged.
    unsafe {
        for m in [
            o.map_exec(fd).unwrap(),
            o.map_copy_read_only(fd).unwrap(),
            MmapOptions::new().len(0).map(fd).unwrap(),
        ] {
            assert_empty_and_aligned(m.as_ptr(), m.len());
        }
        assert_empty_and_aligned(o.map_copy(fd).unwrap().as_ptr(), 0);
    }
    for m in [o.map_raw(fd).unwrap(), o.map_raw_read_only(fd).unwrap()] {
        assert_empty_and_aligned(m.as_ptr(), m.len());
        assert_eq!(m.as_mut_ptr().cast_const(), m.as_ptr());
    }
    // memmap2's `map_anon_zero_len`.
    let mut anon = MmapOptions::new().map_anon().unwrap();
    assert!(anon.is_empty());
    assert_empty_and_aligned(anon.as_ptr(), anon.len());
    assert_eq!(anon.as_ptr(), EMPTY.as_ptr().cast_const());
    // Nothing to do, and nothing done: Ok, and still empty.
    anon.flush().unwrap();
    anon.flush_async_range(0, 0).unwrap();
    anon.advise(Advice::WILLNEED).unwrap();
    anon.lock().unwrap();
    anon.unlock().unwrap();
    assert_eq!(anon.remap(4096, true), Err(Errno::EINVAL));
    let anon = anon.make_read_only().unwrap();
    assert_empty_and_aligned(anon.as_ptr(), anon.len());
    let raw = MmapRaw::from(anon);
    assert_empty_and_aligned(raw.as_ptr(), raw.len());
}

// The check behind `Inner::delta`: the kernel's base must sit on a boundary
// of the map's page size, or the page size is not the system's.
#[test]
fn first_byte_checks_the_base() {
    // Addresses only, never dereferenced: no provenance needed.
    let at = core::ptr::without_provenance_mut::<c_void>;
    assert_eq!(
        first_byte(at(0x7000_0000), 5, 4096).map(|p| p.as_ptr() as usize),
        Ok(0x7000_0005)
    );
    assert_eq!(
        first_byte(at(0x7001_0000), 4095, 65536).map(|p| p.as_ptr() as usize),
        Ok(0x7001_0fff)
    );
    // 4 KiB aligned only: a handed-in 64 KiB page size is wrong here.
    assert_eq!(first_byte(at(0x7000_3000), 0, 65536), Err(Errno::EINVAL));
    assert_eq!(first_byte(at(0), 0, 4096), Err(Errno::ENOMEM));
}

// The page delta of an unaligned offset, on anonymous memory: its offset
// means nothing to the kernel, and rounded down it is 0, which Miri can map
// too (a file offset it cannot). The slice starts `delta` bytes into the
// mapping, remap keeps the delta wherever the mapping moves, and Drop
// unmaps from the page start with the whole length (under Miri, the
// deallocation of exactly the allocation its mmap made, or Miri stops).
#[test]
fn anonymous_memory_at_a_page_delta() {
    // Inner::map reads the cached page size: not while a test hands in
    // another.
    let _g = crate::sys::page::tests::cache_unchanged();
    let p = crate::page_size();
    let anon = MapFlags::PRIVATE | MapFlags::ANONYMOUS;
    // Slice comparisons, not byte loops: Miri runs them as one memcmp.
    let zeros = std::vec![0u8; 5 * p];
    for delta in [1, 5, p - 1] {
        let len = 2 * p + 3;
        // SAFETY: no MAP_FIXED, and no file.
        let inner = unsafe { Inner::map(len, Prot::READ | Prot::WRITE, anon, -1, delta as u64) };
        let mut m = MmapMut::from_inner(inner.unwrap());
        assert_eq!((m.len(), m.as_ptr().addr() % p), (len, delta));
        assert!(m[..] == zeros[..len]);
        m[0] = 1;
        m[len - 1] = 2;
        m.remap(5 * p, true).unwrap();
        assert_eq!(m.as_ptr().addr() % p, delta, "the delta survives a move");
        assert_eq!((m[0], m[len - 1]), (1, 2));
        assert!(m[len..] == zeros[len..5 * p]);
        // Down to the mapping's first page, then one byte into the next.
        m.remap(p - delta, true).unwrap();
        assert_eq!((m.len(), m[0]), (p - delta, 1));
        m.remap(p - delta + 1, true).unwrap();
        assert_eq!((m[0], m[p - delta]), (1, 0));
        assert_eq!(m.as_ptr().addr() % p, delta);
    }
}
