//! What is done to one file's pages: mapped window by window, counted with
//! `mincore`, and for `-t`/`-l` brought in (and locked); `-e` drops them
//! from the page cache first.

use crate::args::Mode;
use crate::report::Chart;
use mmap_native::{mincore, Advice, Errno, MmapOptions, MmapRaw};
use std::fs::File;
use std::os::fd::AsRawFd;

/// One file's pages.
pub struct Counts {
    pub pages: u64,
    /// Resident when counted (for `-e`, after the eviction).
    pub resident: u64,
    /// What the report says is resident: after `-t` or `-l`, all of them.
    pub shown: u64,
}

/// A step that failed, as the message names it (`mmap`), and its errno.
pub type Failure = (&'static str, Errno);

/// How `-t` brings pages in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Populate {
    /// Not yet tried.
    Unknown,
    /// `MADV_POPULATE_READ` works.
    Madvise,
    /// `MADV_WILLNEED` and a read per page.
    Read,
}

pub struct Pager {
    mode: Mode,
    /// Bytes mapped at a time, a multiple of the page size.
    window: usize,
    page: usize,
    /// `mincore`'s answer for the current window, one byte per page.
    vec: Vec<u8>,
    populate: Populate,
    /// `-l`: every window, locked, until the end.
    locked: Vec<MmapRaw>,
}

impl Pager {
    pub fn new(mode: Mode, window: usize) -> Pager {
        Pager {
            mode,
            window,
            page: mmap_native::page_size(),
            vec: Vec::new(),
            populate: Populate::Unknown,
            locked: Vec::new(),
        }
    }

    pub fn page(&self) -> usize {
        self.page
    }

    /// `-l`'s end: unlocks and unmaps every window.
    pub fn unlock(&mut self) {
        self.locked.clear();
    }

    /// `-e`: drops the file's pages from the page cache.
    pub fn evict(&self, file: &File) -> Result<(), Errno> {
        crate::sys::fadvise_dontneed(file.as_raw_fd())
    }

    /// Counts (and for `-t`/`-l` touches) the `size` bytes of `file`,
    /// window by window, feeding `chart`. On a failure the counts so far
    /// come back with it.
    pub fn file(
        &mut self,
        file: &File,
        size: u64,
        mut chart: Option<&mut Chart>,
    ) -> (Counts, Option<Failure>) {
        let fd = file.as_raw_fd();
        let (mut pages, mut resident) = (0u64, 0u64);
        let mut failure = None;
        let mut offset = 0u64;
        while offset < size {
            let len = (size - offset).min(self.window as u64) as usize;
            let map = match MmapOptions::new()
                .offset(offset)
                .len(len)
                .map_raw_read_only(fd)
            {
                Ok(m) => m,
                Err(e) => {
                    failure = Some(("mmap", e));
                    break;
                }
            };
            let n = len.div_ceil(self.page);
            if self.vec.len() < n {
                self.vec.resize(n, 0);
            }
            let vec = &mut self.vec[..n];
            // SAFETY: the map is ours, page aligned (offset is a multiple of
            // the window, itself a multiple of the page size), len bytes.
            if let Err(e) = unsafe { mincore(map.as_ptr() as *mut _, len, vec) } {
                failure = Some(("mincore", e));
                break;
            }
            let here = vec.iter().filter(|&&b| b & 1 != 0).count() as u64;
            if let Some(c) = chart.as_mut() {
                c.feed(vec);
            }
            pages += n as u64;
            resident += here;
            if matches!(self.mode, Mode::Touch | Mode::Lock) && here < n as u64 {
                if let Err(f) = self.touch(&map, n) {
                    failure = Some(f);
                    break;
                }
            }
            if self.mode == Mode::Lock {
                if let Err(e) = map.lock() {
                    failure = Some(("mlock", e));
                    break;
                }
                self.locked.push(map);
            }
            offset += len as u64;
        }
        let shown = match self.mode {
            Mode::Scan | Mode::Evict => resident,
            Mode::Touch | Mode::Lock => pages,
        };
        let counts = Counts {
            pages,
            resident,
            shown,
        };
        (counts, failure)
    }

    /// Brings the pages `mincore` left at 0 in `self.vec[..n]` into the
    /// page cache, run by run.
    fn touch(&mut self, map: &MmapRaw, n: usize) -> Result<(), Failure> {
        if self.populate == Populate::Unknown {
            self.populate = probe_populate();
        }
        let page = self.page;
        let base = map.as_ptr();
        let mut i = 0;
        while i < n {
            if self.vec[i] & 1 != 0 {
                i += 1;
                continue;
            }
            let start = i;
            while i < n && self.vec[i] & 1 == 0 {
                i += 1;
            }
            let (off, len) = (
                start * page,
                ((i - start) * page).min(map.len() - start * page),
            );
            // Read-ahead for the whole run first: the I/O goes out in large
            // requests at once, instead of one read-around per fault.
            // Advice that fails only costs speed.
            let _ = map.advise_range(Advice::WILLNEED, off, len);
            if self.populate == Populate::Madvise {
                match map.advise_range(Advice::POPULATE_READ, off, len) {
                    Ok(()) => continue,
                    // A kernel before 5.14: read instead, from now on.
                    Err(Errno::EINVAL) => self.populate = Populate::Read,
                    // EFAULT: the file shrank under the map.
                    Err(e) => return Err(("madvise(MADV_POPULATE_READ)", e)),
                }
            }
            // Fault each page in.
            let mut p = off;
            let mut junk = 0u8;
            while p < off + len {
                // SAFETY: p is inside the map, readable. If the file shrank
                // below p since it was mapped, this raises SIGBUS, as in
                // vmtouch; MADV_POPULATE_READ, where it works, reports
                // EFAULT instead.
                junk ^= unsafe { base.add(p).read_volatile() };
                p += page;
            }
            std::hint::black_box(junk);
        }
        Ok(())
    }
}

/// Whether `MADV_POPULATE_READ` can be trusted: a kernel answers EINVAL
/// to advice it does not know, but qemu-user answers 0 to any advice and
/// does nothing, which a nonsense advice value shows.
fn probe_populate() -> Populate {
    let Ok(m) = MmapOptions::new().len(mmap_native::page_size()).map_anon() else {
        return Populate::Read;
    };
    // SAFETY: no such advice exists, so nothing happens to the page.
    match unsafe { m.unchecked_advise(Advice::from_raw(0x4d54_4f55)) } {
        Err(Errno::EINVAL) => Populate::Madvise,
        _ => Populate::Read,
    }
}
