//! The tree walk: which paths are taken (`-i`, `-I`, `-m`, `-f`, `-h`,
//! `-F`/`-X`), directories entered once each, and every regular file
//! handed to the [`Pager`], its counts to the [`Report`].

use crate::args::Mode;
use crate::glob::fnmatch;
use crate::pages::{Method, Pager};
use crate::report::Report;
use crate::sys::{open_to_look, os_errno, take_signal};
use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs::{FileType, Metadata};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

/// Which paths are taken.
pub struct Filter {
    /// `-f`: follow symbolic links.
    pub follow: bool,
    /// `-X`: enter other file systems.
    pub cross: bool,
    /// `-h`: count a file with several links once per link.
    pub hardlinks: bool,
    /// `-m`: skip files larger than this.
    pub max_size: u64,
    /// `-i`: skip names matching one of these.
    pub ignore: Vec<Vec<u8>>,
    /// `-I`: if any, take only files whose name matches one.
    pub only: Vec<Vec<u8>>,
}

/// The last component of a path, which `-i` and `-I` match.
fn name(path: &Path) -> &[u8] {
    let b = path.as_os_str().as_bytes();
    b.rsplit(|&c| c == b'/').next().unwrap_or(b)
}

impl Filter {
    /// `-i`: the name matches an ignore pattern.
    fn ignored(&self, path: &Path) -> bool {
        !self.ignore.is_empty() && self.ignore.iter().any(|p| fnmatch(p, name(path)))
    }

    /// `-I`: no filter, or the name matches one.
    fn wanted(&self, path: &Path) -> bool {
        self.only.is_empty() || self.only.iter().any(|p| fnmatch(p, name(path)))
    }
}

/// Where the walk has been.
#[derive(Default)]
struct Marks {
    /// (device, inode) of files and directories with several links, seen
    /// once already.
    seen: HashSet<(u64, u64)>,
    /// The (device, inode) of each directory being walked, for loops
    /// through followed symbolic links.
    ancestors: Vec<(u64, u64)>,
    /// The device of the path argument being walked.
    root_dev: u64,
}

pub struct Walker {
    filter: Filter,
    mode: Mode,
    marks: Marks,
    pub pager: Pager,
    pub report: Report,
    /// `-l`: a SIGINT or SIGTERM came during the walk.
    pub stopped: bool,
}

impl Walker {
    pub fn new(filter: Filter, mode: Mode, pager: Pager, report: Report) -> Walker {
        Walker {
            filter,
            mode,
            marks: Marks::default(),
            pager,
            report,
            stopped: false,
        }
    }

    /// One path argument.
    pub fn walk_arg(&mut self, path: &Path) {
        let meta = if self.filter.follow {
            std::fs::metadata(path)
        } else {
            std::fs::symlink_metadata(path)
        };
        // vmtouch drops a trailing slash, and so do the paths built below.
        let trimmed = path.as_os_str().as_bytes();
        let trimmed = match trimmed.strip_suffix(b"/") {
            Some(t) if !t.is_empty() => Path::new(OsStr::from_bytes(t)),
            _ => path,
        };
        if self.filter.ignored(trimmed) {
            return;
        }
        match meta {
            Ok(m) => {
                self.marks.root_dev = m.dev();
                self.visit(trimmed, m.file_type(), Some(m));
            }
            Err(e) => self.report.error(path, "", os_errno(&e)),
        }
    }

    /// One path whose type is known (from `d_type` during a walk, from a
    /// stat for an argument). Directories are stat'ed here (device for
    /// `-F`, inode for loops); regular files are opened straight away.
    fn visit(&mut self, path: &Path, ft: FileType, meta: Option<Metadata>) {
        if self.stopped {
            return;
        }
        if ft.is_symlink() {
            if !self.filter.follow {
                self.report
                    .notice(path, "not following symbolic link (-f follows)");
                return;
            }
            match std::fs::metadata(path) {
                Ok(m) => return self.visit(path, m.file_type(), Some(m)),
                Err(e) => return self.report.error(path, "stat", os_errno(&e)),
            }
        }
        if ft.is_file() {
            if self.filter.wanted(path) {
                self.file(path);
            }
            return;
        }
        if ft.is_dir() {
            let meta = match meta {
                Some(m) => m,
                None => match std::fs::symlink_metadata(path) {
                    Ok(m) => m,
                    Err(e) => return self.report.error(path, "stat", os_errno(&e)),
                },
            };
            return self.dir(path, &meta);
        }
        let kind = if ft.is_fifo() {
            "FIFO"
        } else if ft.is_socket() {
            "socket"
        } else if ft.is_char_device() {
            "character device"
        } else if ft.is_block_device() {
            "block device"
        } else {
            "unknown type"
        };
        // What mapping it would answer: files of these kinds have no
        // pages in the page cache to count.
        self.report.error(
            path,
            &format!("not a regular file ({kind}), skipped"),
            mmap_native::Errno::ENODEV,
        );
    }

    fn dir(&mut self, path: &Path, meta: &Metadata) {
        let id = (meta.dev(), meta.ino());
        if !self.filter.cross && meta.dev() != self.marks.root_dev {
            // Another file system mounted here: not entered.
            return;
        }
        if self.marks.ancestors.contains(&id) {
            self.report
                .notice(path, "symbolic link loop, not entered again");
            return;
        }
        if !self.filter.hardlinks && meta.nlink() > 1 && !self.marks.seen.insert(id) {
            // Seen already (a bind mount, or a link followed with -f).
            return;
        }
        self.report.totals.dirs += 1;
        let entries = match std::fs::read_dir(path) {
            Ok(d) => d,
            Err(e) => return self.report.error(path, "opendir", os_errno(&e)),
        };
        self.marks.ancestors.push(id);
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    self.report.error(path, "readdir", os_errno(&e));
                    break;
                }
            };
            let child = path.join(entry.file_name());
            if self.filter.ignored(&child) {
                continue;
            }
            // d_type where the file system gives it (no stat); std falls
            // back to lstat where it does not.
            match entry.file_type() {
                Ok(ft) => self.visit(&child, ft, None),
                Err(e) => self.report.error(&child, "stat", os_errno(&e)),
            }
            if self.stopped {
                break;
            }
        }
        self.marks.ancestors.pop();
    }

    fn file(&mut self, path: &Path) {
        if self.mode == Mode::Lock && take_signal(false).is_some() {
            self.stopped = true;
            return;
        }
        let file = match open_to_look(path) {
            Ok(f) => f,
            Err(e) => {
                self.report.totals.files += 1;
                return self.report.error(path, "", os_errno(&e));
            }
        };
        let meta = match file.metadata() {
            Ok(m) => m,
            Err(e) => {
                self.report.totals.files += 1;
                return self.report.error(path, "fstat", os_errno(&e));
            }
        };
        let id = (meta.dev(), meta.ino());
        if !self.filter.hardlinks && meta.nlink() > 1 && !self.marks.seen.insert(id) {
            return;
        }
        self.report.totals.files += 1;
        if !meta.is_file() {
            // It changed since the directory listed it.
            return self.report.error(
                path,
                "no longer a regular file, skipped",
                mmap_native::Errno::ENODEV,
            );
        }
        let size = meta.len();
        if size == 0 {
            self.report.detail(path, 0, 0, 0, None, None);
            return self.report.tick();
        }
        if size > self.filter.max_size {
            return self.report.notice(path, "larger than -m, skipped");
        }
        let mut before = None;
        if self.mode == Mode::Evict {
            self.report.evicting(path);
            before = self.pager.cached(&file, size);
            if let Err(e) = self.pager.evict(&file) {
                self.report.error(path, "posix_fadvise", e);
                return self.report.tick();
            }
        }
        let page = self.pager.page() as u64;
        let mut chart = self.report.chart(self.mode, size.div_ceil(page));
        let (mut counts, failure) = self.pager.file(&file, size, chart.as_mut());
        if let (Some(b), Method::Cachestat) = (before, counts.method) {
            counts.effect = Some((b, counts.resident));
        }
        if let Some((what, e)) = failure {
            self.report.error(path, what, e);
        }
        self.report.file_done(path, size, &counts, chart);
        self.report.tick();
    }
}
