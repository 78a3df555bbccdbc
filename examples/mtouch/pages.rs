//! What is done to one file's pages: counted with `cachestat(2)` (Linux
//! 6.5+), or else mapped window by window and counted with `mincore`; for
//! `-t`/`-l` brought in (and locked); `-e` drops them from the page cache
//! first.

use crate::args::Mode;
use crate::report::Chart;
use mmap_native::{
    cachestat, mincore, Advice, Cachestat, CachestatRange, Errno, MmapOptions, MmapRaw,
};
use std::fs::File;
use std::os::fd::AsRawFd;

/// How a file's pages were counted.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// One `cachestat` call per file, per `-v` bar cell, or before and
    /// after `-t`/`-e`: the page cache's own counts.
    Cachestat,
    /// `mmap` of each window and `mincore`, one byte per page.
    Mincore,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Cachestat => "cachestat",
            Method::Mincore => "mincore",
        }
    }
}

/// cachestat's counts beyond the resident pages (after `-t`/`-e`, what is
/// left then), as fincore shows them.
#[derive(Clone, Copy, Default)]
pub struct Extra {
    pub dirty: u64,
    pub writeback: u64,
    pub evicted: u64,
    pub recently_evicted: u64,
}

impl Extra {
    fn of(c: &Cachestat) -> Extra {
        Extra {
            dirty: c.nr_dirty,
            writeback: c.nr_writeback,
            evicted: c.nr_evicted,
            recently_evicted: c.nr_recently_evicted,
        }
    }

    pub fn add(&mut self, o: &Extra) {
        self.dirty += o.dirty;
        self.writeback += o.writeback;
        self.evicted += o.evicted;
        self.recently_evicted += o.recently_evicted;
    }
}

/// One file's pages.
pub struct Counts {
    pub pages: u64,
    /// Resident when counted (for `-e`, after the eviction; for `-t`,
    /// before the touch).
    pub resident: u64,
    /// What the report says is resident: after `-t` or `-l`, all of them.
    pub shown: u64,
    pub method: Method,
    /// With cachestat: its other counts, at the end.
    pub extra: Option<Extra>,
    /// With cachestat, for `-t` and `-e`: the pages resident before and
    /// after, as the page cache counts them.
    pub effect: Option<(u64, u64)>,
    /// `-v` with cachestat after `-t`: the bar as measured after.
    pub after_bar: Option<String>,
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
    /// cachestat is still to be tried: not `--mincore`, and no ENOSYS yet.
    cachestat: bool,
}

impl Pager {
    pub fn new(mode: Mode, window: usize, cachestat: bool) -> Pager {
        Pager {
            mode,
            window,
            page: mmap_native::page_size(),
            vec: Vec::new(),
            populate: Populate::Unknown,
            locked: Vec::new(),
            cachestat,
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

    /// cachestat of `len` bytes of `file` from `off`, where it can answer.
    /// None: count with mincore instead (for this file on EPERM or
    /// EOPNOTSUPP, from now on for ENOSYS: a kernel before 6.5, or qemu).
    fn cachestat(&mut self, fd: i32, off: u64, len: u64) -> Option<Result<Cachestat, Errno>> {
        if !self.cachestat {
            return None;
        }
        let mut c = Cachestat::default();
        match cachestat(fd, &CachestatRange { off, len }, &mut c, 0) {
            Ok(()) => Some(Ok(c)),
            Err(Errno::ENOSYS) => {
                self.cachestat = false;
                None
            }
            Err(Errno::EPERM | Errno::EOPNOTSUPP) => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// The pages of the first `size` bytes of `file` in the page cache,
    /// by cachestat: None where it cannot answer (see above).
    pub fn cached(&mut self, file: &File, size: u64) -> Option<u64> {
        match self.cachestat(file.as_raw_fd(), 0, size) {
            Some(Ok(c)) => Some(c.nr_cache),
            _ => None,
        }
    }

    /// Counts with cachestat, one call per file or, for `-v`'s bar, one per
    /// cell of it: (resident, extra counts, the bar's cells).
    fn count_cached(
        &mut self,
        fd: i32,
        size: u64,
        chart: Option<&Chart>,
    ) -> Option<Result<(u64, Extra, String), Errno>> {
        let page = self.page as u64;
        let pages = size.div_ceil(page);
        let Some(chart) = chart else {
            return Some(
                self.cachestat(fd, 0, size)?
                    .map(|c| (c.nr_cache, Extra::of(&c), String::new())),
            );
        };
        let (mut resident, mut extra, mut bar) = (0, Extra::default(), String::new());
        let mut first = 0;
        while first < pages {
            let n = chart.per_cell().min(pages - first);
            let off = first * page;
            let len = (n * page).min(size - off);
            let c = match self.cachestat(fd, off, len)? {
                Ok(c) => c,
                Err(e) => return Some(Err(e)),
            };
            bar.push(Chart::cell_char(n, c.nr_cache));
            resident += c.nr_cache;
            extra.add(&Extra::of(&c));
            first += n;
        }
        Some(Ok((resident, extra, bar)))
    }

    /// Counts (and for `-t`/`-l` touches) the `size` bytes of `file`:
    /// with cachestat where it answers, else with mincore window by
    /// window. `chart` gets the `-v` bar. On a failure the counts so far
    /// come back with it.
    pub fn file(
        &mut self,
        file: &File,
        size: u64,
        chart: Option<&mut Chart>,
    ) -> (Counts, Option<Failure>) {
        let fd = file.as_raw_fd();
        let pages = size.div_ceil(self.page as u64);
        let before = match self.count_cached(fd, size, chart.as_deref()) {
            None => return self.file_by_mincore(file, size, chart),
            Some(Err(e)) => return (self.nothing(pages), Some(("cachestat", e))),
            Some(Ok(b)) => b,
        };
        let (resident, extra, bar) = before;
        // The same cells again after a touch, for the bar after.
        let again = chart.as_ref().map(|_| Chart::new(pages));
        if let Some(c) = chart {
            c.set(bar);
        }
        let mut counts = Counts {
            pages,
            resident,
            shown: resident,
            method: Method::Cachestat,
            extra: Some(extra),
            effect: None,
            after_bar: None,
        };
        if !matches!(self.mode, Mode::Touch | Mode::Lock) {
            return (counts, None);
        }
        counts.shown = pages;
        // A file all in the page cache has nothing to touch (-l still maps
        // and locks it). Otherwise each window is mapped and mincore says
        // which runs of pages to bring in: populating what is resident
        // already costs a page-table walk per page (measured: a warm -t of
        // /usr took twice as long that way).
        let all_in = resident == pages;
        let mut offset = 0u64;
        while offset < size && !(all_in && self.mode == Mode::Touch) {
            let len = (size - offset).min(self.window as u64) as usize;
            let map = match MmapOptions::new()
                .offset(offset)
                .len(len)
                .map_raw_read_only(fd)
            {
                Ok(m) => m,
                Err(e) => return (counts, Some(("mmap", e))),
            };
            let n = len.div_ceil(self.page);
            self.vec.clear();
            self.vec.resize(n, 0);
            if !all_in {
                // SAFETY: the map is ours, page aligned (offset is a
                // multiple of the window, itself of the page size), len
                // bytes, and vec has a byte per page.
                if let Err(e) = unsafe { mincore(map.as_ptr() as *mut _, len, &mut self.vec) } {
                    return (counts, Some(("mincore", e)));
                }
                if let Err(f) = self.touch(&map, n) {
                    return (counts, Some(f));
                }
            }
            if self.mode == Mode::Lock {
                if let Err(e) = map.lock() {
                    return (counts, Some(("mlock", e)));
                }
                self.locked.push(map);
            }
            offset += len as u64;
        }
        match self.count_cached(fd, size, again.as_ref()) {
            Some(Ok((after, extra, after_bar))) => {
                counts.extra = Some(extra);
                counts.effect = Some((resident, after));
                counts.after_bar = again.map(|_| after_bar);
                (counts, None)
            }
            Some(Err(e)) => (counts, Some(("cachestat", e))),
            // It answered a moment ago; keep what it said then.
            None => (counts, None),
        }
    }

    /// The counts of a file that failed before anything was counted.
    fn nothing(&self, pages: u64) -> Counts {
        Counts {
            pages,
            resident: 0,
            shown: 0,
            method: Method::Cachestat,
            extra: None,
            effect: None,
            after_bar: None,
        }
    }

    /// Counts (and for `-t`/`-l` touches) the `size` bytes of `file`,
    /// window by window, with mincore, feeding `chart`. On a failure the
    /// counts so far come back with it.
    fn file_by_mincore(
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
            method: Method::Mincore,
            extra: None,
            effect: None,
            after_bar: None,
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
