//! The `mtouch` example against `vmtouch` and util-linux `fincore`: the
//! same resident-page counts for the same files, after a fresh read, after
//! `mtouch -e` and after `mtouch -t`; `vmtouch`'s output layout; clear
//! errors; `-l` until SIGTERM.
//!
//! `vmtouch` and `fincore` must be installed (`qemu/test` installs them;
//! Debian packages `vmtouch` and `util-linux-extra`); `cargo test` installs
//! nothing. The files live on a disk file system (eviction does nothing on
//! tmpfs): the system temp dir, else the target dir. Freshly written pages
//! are dirty and no eviction drops them, so the test `sync`s first, as
//! vmtouch users do.
//!
//! Nothing here depends on how much page cache the machine keeps: the
//! tools are compared with each other and with this test's own `mincore`,
//! counted before and after them (reclaim may take pages meanwhile, and
//! then every count lies between the two); that `-t` brings every page in
//! is proved on the small files, touching again if reclaim took one before
//! the count.
//!
//! Under an emulator mtouch runs under it (`common::example`); `vmtouch`
//! and `fincore` are host programs, and an exec from a qemu-user guest goes
//! to the host kernel, which runs them natively, so they are compared there
//! too.

mod common;
use common::quirks::{MINCORE_HOST_PAGES, MODERN_CALLS_ENOSYS};

use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;

/// One test at a time: they all look at the page cache, and the big one
/// fills it with gigabytes.
static SERIAL: Mutex<()> = Mutex::new(());

/// Every test starts here: one at a time, and only where mtouch can run.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    can_run_here();
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// mtouch gives `mincore` one byte per page; where qemu writes one per
/// host page (MINCORE_HOST_PAGES), it would write past mtouch's vectors.
fn can_run_here() {
    assert!(
        !MINCORE_HOST_PAGES.applies(),
        "mtouch cannot run where MINCORE_HOST_PAGES applies (qemu -p 65536 writes 16 bytes \
         per page into mincore's vector): run this test at the host's page size"
    );
}

/// The command that runs mtouch here, after `prefix` (e.g. setpriv).
fn mtouch_cmd(prefix: &[&str]) -> Command {
    let m = common::example("mtouch");
    let mut c = match prefix.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(m.get_program()).args(m.get_args());
            c
        }
        None => m,
    };
    c.stdin(Stdio::null());
    c
}

fn run(mut cmd: Command) -> Output {
    match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("running {cmd:?}: {e}"),
    }
}

fn mtouch(args: &[&str]) -> Output {
    let mut c = mtouch_cmd(&[]);
    c.args(args);
    run(c)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

// ---- vmtouch and fincore --------------------------------------------------

fn runnable(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// vmtouch and fincore must be there: a clear failure says how to get them.
fn host_tools() {
    let missing: Vec<&str> = [("vmtouch", "vmtouch"), ("fincore", "util-linux-extra")]
        .into_iter()
        .filter(|(t, _)| !runnable(t, "--version"))
        .map(|(_, p)| p)
        .collect();
    assert!(
        missing.is_empty(),
        "mtouch's test compares with vmtouch and fincore, and {missing:?} (Debian packages) \
         are missing: run qemu/test, which installs them, or \
         apt-get install -y vmtouch util-linux-extra"
    );
}

/// `R/T` from a `Resident Pages: R/T  ...` line (vmtouch's layout).
fn resident_line(out: &str) -> Option<(u64, u64)> {
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("Resident Pages:"))?;
    let rt = line.split_whitespace().nth(2)?;
    let (r, t) = rt.split_once('/')?;
    Some((r.parse().ok()?, t.parse().ok()?))
}

fn vmtouch_count(path: &Path) -> (u64, u64) {
    let out = run({
        let mut c = Command::new("vmtouch");
        c.arg(path);
        c
    });
    resident_line(&text(&out.stdout))
        .unwrap_or_else(|| panic!("vmtouch {}: {}", path.display(), text(&out.stdout)))
}

fn fincore_count(path: &Path) -> u64 {
    let out = run({
        let mut c = Command::new("fincore");
        c.args(["--noheadings", "--raw", "--output", "PAGES"])
            .arg(path);
        c
    });
    let s = text(&out.stdout);
    s.trim()
        .parse()
        .unwrap_or_else(|_| panic!("fincore {}: '{s}' {}", path.display(), text(&out.stderr)))
}

fn mtouch_count(path: &Path, extra: &[&str]) -> (u64, u64) {
    let mut args: Vec<&str> = extra.to_vec();
    args.push(path.to_str().unwrap());
    let out = mtouch(&args);
    assert!(
        out.status.success(),
        "mtouch {args:?}: {}",
        text(&out.stderr)
    );
    resident_line(&text(&out.stdout))
        .unwrap_or_else(|| panic!("mtouch {args:?}: {}", text(&out.stdout)))
}

/// This test's own count, through the crate: map, mincore, count bit 0.
fn own_count(path: &Path) -> (u64, u64) {
    let f = std::fs::File::open(path).unwrap();
    let size = f.metadata().unwrap().len();
    let page = mmap_native::page_size() as u64;
    let window = 1u64 << 28;
    let (mut r, mut t) = (0, 0);
    let mut off = 0;
    while off < size {
        let len = (size - off).min(window) as usize;
        let m = mmap_native::MmapOptions::new()
            .offset(off)
            .len(len)
            .map_raw_read_only(f.as_raw_fd())
            .unwrap();
        let mut vec = vec![0u8; len.div_ceil(page as usize)];
        // SAFETY: our map, page aligned, len bytes.
        unsafe { mmap_native::mincore(m.as_ptr() as *mut _, len, &mut vec) }.unwrap();
        r += vec.iter().filter(|&&b| b & 1 != 0).count() as u64;
        t += vec.len() as u64;
        off += len as u64;
    }
    (r, t)
}

// ---- the tree ---------------------------------------------------------------

/// A directory on a disk file system, removed on drop.
struct Tree(PathBuf);

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent()
        .and_then(Path::parent)
        .expect("the test binary lives in <profile>/deps/")
        .to_path_buf()
}

fn tree(name: &str) -> Tree {
    let candidates = [std::env::temp_dir(), profile_dir()];
    let base = candidates
        .iter()
        .find(|p| !common::memory_fs(p))
        .unwrap_or_else(|| {
            panic!(
                "mtouch's test needs a disk file system (eviction does nothing on \
             tmpfs), and both {} and {} are in memory; set TMPDIR to a directory \
             on disk",
                candidates[0].display(),
                candidates[1].display()
            )
        });
    if base != &candidates[0] {
        eprintln!(
            "{} is tmpfs (eviction does nothing there): using {} instead",
            candidates[0].display(),
            base.display()
        );
    }
    let dir = base.join(format!("mtouch-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Tree(dir)
}

fn sync() {
    // SAFETY: sync has no preconditions.
    unsafe { libc::sync() };
}

fn drop_cache(path: &Path) {
    let f = std::fs::File::open(path).unwrap();
    // SAFETY: a valid fd; whole file.
    let r = unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    assert_eq!(r, 0);
}

// ---- the comparison ---------------------------------------------------------

/// The files of the awkward-sizes tree.
struct Awkward {
    tree: Tree,
    files: Vec<PathBuf>,
}

/// The small files, whose touch is proved page by page: at most this many
/// pages.
const SMALL: u64 = 16;

fn awkward() -> Awkward {
    let t = tree("awkward");
    let p = mmap_native::page_size();
    std::fs::create_dir(t.0.join("sub")).unwrap();
    let mut files = Vec::new();
    for (name, len) in [
        ("empty", 0),
        ("one", 1),
        ("page-1", p - 1),
        ("page", p),
        ("sub/page+1", p + 1),
        ("ten-mib", 10 << 20),
    ] {
        let path = t.0.join(name);
        std::fs::write(&path, common::pattern(len)).unwrap();
        files.push(path);
    }
    // Sparse, small: data in the first and the last page, holes between.
    let path = t.0.join("sub/holes");
    let f = std::fs::File::create(&path).unwrap();
    f.write_all_at(b"first", 0).unwrap();
    f.write_all_at(b"last", SMALL * p as u64 - 4).unwrap();
    files.push(path);
    // Sparse, large: data at two places, holes elsewhere; under 4 GiB where
    // the emulator cuts mmap2 offsets to 32 bits.
    let sparse_len: u64 = common::quirks::MMAP2_OFFSET_TRUNCATED.pick(5 << 30, 3 << 30);
    let path = t.0.join("sparse");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(sparse_len).unwrap();
    f.write_all_at(&common::pattern(1 << 20), (1 << 30) + 12345)
        .unwrap();
    f.write_all_at(b"end", sparse_len - 3).unwrap();
    drop(f);
    files.push(path);
    sync();
    Awkward { tree: t, files }
}

/// The index of the 10 MiB file in `Awkward::files`.
const TEN_MIB: usize = 5;

/// Every tool's (resident, total) for every file and for the whole tree,
/// each within this test's own counts taken before and after them: equal
/// when nothing changed the page cache meanwhile; else (reclaim taking
/// pages, read-ahead still bringing some) between the two. Tried again when
/// not (a change both ways at once), then asserted. Returns the own counts
/// taken after.
fn agree(a: &Awkward, phase: &str) -> Vec<(u64, u64)> {
    let within = |got: (u64, u64), x: (u64, u64), y: (u64, u64)| {
        got.1 == x.1 && x.0.min(y.0) <= got.0 && got.0 <= x.0.max(y.0)
    };
    let sum = |c: &[(u64, u64)]| c.iter().fold((0, 0), |(r, t), &(a, b)| (r + a, t + b));
    let mut last = String::new();
    for _attempt in 0..5 {
        let before: Vec<_> = a.files.iter().map(|f| own_count(f)).collect();
        let mut tools = Vec::new();
        for f in &a.files {
            let fc = fincore_count(f);
            tools.push([
                ("mtouch", mtouch_count(f, &[])),
                ("mtouch --mincore", mtouch_count(f, &["--mincore"])),
                (
                    "mtouch --window 1M",
                    mtouch_count(f, &["--window", "1M", "--mincore"]),
                ),
                ("vmtouch", vmtouch_count(f)),
                ("fincore", (fc, own_count(f).1)),
            ]);
        }
        let whole = [
            ("mtouch", mtouch_count(&a.tree.0, &[])),
            ("mtouch --mincore", mtouch_count(&a.tree.0, &["--mincore"])),
            ("vmtouch", vmtouch_count(&a.tree.0)),
        ];
        let after: Vec<_> = a.files.iter().map(|f| own_count(f)).collect();
        let mut ok = true;
        last.clear();
        for (i, f) in a.files.iter().enumerate() {
            let line = format!(
                "{}: own {:?} then {:?}, {:?}",
                f.display(),
                before[i],
                after[i],
                tools[i]
            );
            eprintln!("  [{phase}] {line}");
            ok &= tools[i]
                .iter()
                .all(|&(_, c)| within(c, before[i], after[i]));
            last += &line;
            last.push('\n');
        }
        let (b, e) = (sum(&before), sum(&after));
        eprintln!("  [{phase}] tree: own {b:?} then {e:?}, {whole:?}");
        ok &= whole.iter().all(|&(_, c)| within(c, b, e));
        if ok {
            return after;
        }
        last += &format!("tree: own {b:?} then {e:?}, {whole:?}\n");
    }
    panic!("[{phase}] the tools disagree:\n{last}");
}

#[test]
#[cfg_attr(miri, ignore = "runs an example program: Miri cannot start processes")]
fn counts_agree_with_vmtouch_and_fincore() {
    let _g = serial();
    host_tools();
    let a = awkward();
    let page = mmap_native::page_size() as u64;
    let tree = a.tree.0.to_str().unwrap();

    // A fresh read: nothing cached, then parts of some files read. Reclaim
    // may take what was read before the count: then read again.
    let read_at = |i: usize, off: u64, len: usize| {
        let f = std::fs::File::open(&a.files[i]).unwrap();
        let mut buf = vec![0; len];
        let _ = f.read_at(&mut buf, off).unwrap();
    };
    for f in &a.files {
        drop_cache(f);
    }
    let mut fresh = Vec::new();
    for _ in 0..5 {
        read_at(1, 0, 1);
        read_at(3, 0, page as usize);
        read_at(TEN_MIB, 0, 3 << 20);
        read_at(TEN_MIB, (7 << 20) + 100, 10);
        read_at(7, (1 << 30) + 12345, 256 << 10);
        read_at(7, 3 << 29, 1);
        fresh = agree(&a, "fresh read");
        if fresh[TEN_MIB].0 > 0 {
            break;
        }
    }
    let ten = fresh[TEN_MIB];
    assert!(
        ten.0 > 0 && ten.0 < ten.1,
        "ten-mib partly resident: {ten:?}"
    );
    let total: u64 = fresh.iter().map(|c| c.1).sum();

    // mtouch -e: everything gone (the files were synced: no dirty pages;
    // evicted again if read-ahead still in flight brought a page back).
    let mut report = String::new();
    for _ in 0..5 {
        let out = mtouch(&["-e", tree]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        report = text(&out.stdout);
        if resident_line(&report) == Some((0, total)) {
            break;
        }
    }
    assert!(
        report.contains(&format!("   Evicted Pages: {total} (")),
        "{report}"
    );
    assert_eq!(resident_line(&report), Some((0, total)), "{report}");
    let evicted = agree(&a, "after mtouch -e");
    assert!(evicted.iter().all(|c| c.0 == 0), "{evicted:?}");

    // mtouch -t: every page in, the holes of sparse files too. The tools
    // agree on what is resident now, whatever reclaim took since.
    let out = mtouch(&["-t", tree]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.contains(&format!("   Touched Pages: {total} (")),
        "{report}"
    );
    agree(&a, "after mtouch -t");
    // The touch itself, on the small files: every page resident, touched
    // again where reclaim took one before the count.
    for f in &a.files {
        let mut c = own_count(f);
        for _ in 0..5 {
            if c.0 == c.1 || c.1 > SMALL {
                break;
            }
            let out = mtouch(&["-t", f.to_str().unwrap()]);
            assert!(out.status.success(), "{}", text(&out.stderr));
            c = own_count(f);
        }
        if c.1 <= SMALL {
            assert_eq!(c.0, c.1, "{} after mtouch -t", f.display());
        }
    }

    // JSON says the same (its resident count is whatever reclaim left).
    let out = mtouch(&["--json", tree]);
    let json = text(&out.stdout);
    for field in [
        format!("\"files\": {},", a.files.len()),
        "\"directories\": 2,".to_string(),
        format!("\"total_pages\": {total},"),
        format!("\"page_size\": {page},"),
    ] {
        assert!(json.contains(&field), "{field} in {json}");
    }
    // Leave the page cache as we found it.
    let _ = mtouch(&["-e", tree]);
}

/// The method mtouch counts with here, as `-v` names it, and as `--json`
/// does: cachestat on Linux 6.5 or later, mincore under an emulator that
/// has no cachestat (MODERN_CALLS_ENOSYS) or on an older kernel.
fn method_here() -> (&'static str, &'static str) {
    if MODERN_CALLS_ENOSYS.applies() || common::kernel_version() < (6, 5) {
        ("mincore (cachestat not available)", "mincore")
    } else {
        ("cachestat", "cachestat")
    }
}

/// Lines of a report without the `Elapsed:` line (the one that differs).
fn without_elapsed(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.contains("Elapsed:")).collect()
}

#[test]
#[cfg_attr(miri, ignore = "runs an example program: Miri cannot start processes")]
fn output_layout_is_vmtouchs() {
    let _g = serial();
    host_tools();
    let t = tree("layout");
    let p = mmap_native::page_size();
    std::fs::create_dir(t.0.join("d")).unwrap();
    for (name, len) in [("a", 1), ("b", 3 * p), ("d/c", 200 * p + 5), ("e", 0)] {
        std::fs::write(t.0.join(name), common::pattern(len)).unwrap();
    }
    std::os::unix::fs::symlink("a", t.0.join("link")).unwrap();
    sync();
    drop_cache(&t.0.join("d/c"));
    let f = std::fs::File::open(t.0.join("d/c")).unwrap();
    f.read_at(&mut [0; 10], 50 * p as u64).unwrap();
    let dir = t.0.to_str().unwrap();
    for args in [
        vec![dir],
        vec!["-v", dir],
        vec!["-v", "-i", "[bc]", dir],
        vec!["-m", "8k", dir],
        vec!["-I", "?", dir],
        vec!["-f", dir],
        vec!["-h", dir],
    ] {
        let m = mtouch(&args);
        let v = run({
            let mut c = Command::new("vmtouch");
            c.args(&args);
            c
        });
        // -v adds one line, the method; the rest is vmtouch's, byte for byte.
        let ours = text(&m.stdout);
        let method = format!("          Method: {}", method_here().0);
        let (with, without): (Vec<&str>, Vec<&str>) = without_elapsed(&ours)
            .into_iter()
            .partition(|l| l.starts_with("          Method: "));
        let want: Vec<&str> = if args[0] == "-v" {
            vec![&method]
        } else {
            vec![]
        };
        assert_eq!(with, want, "{args:?}: {ours}");
        assert_eq!(
            without,
            without_elapsed(&text(&v.stdout)),
            "mtouch vs vmtouch {args:?}"
        );
        let elapsed = text(&m.stdout);
        let line = elapsed.lines().last().unwrap();
        assert!(
            line.starts_with("         Elapsed: ") && line.ends_with(" seconds"),
            "{line}"
        );
    }
}

#[test]
#[cfg_attr(miri, ignore = "runs an example program: Miri cannot start processes")]
fn errors_name_the_path_and_errno_and_the_walk_goes_on() {
    let _g = serial();
    let t = tree("errors");
    std::fs::write(t.0.join("good"), common::pattern(5000)).unwrap();
    let fifo = t.0.join("fifo");
    let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid path string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let missing = t.0.join("no-such-file");
    let dir = t.0.to_str().unwrap();
    let out = mtouch(&[missing.to_str().unwrap(), dir]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "mtouch: {}: No such file or directory (ENOENT)\n",
            missing.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "mtouch: {}: not a regular file (FIFO), skipped: No such device (ENODEV)\n",
            fifo.display()
        )),
        "{err}"
    );
    // The walk went on: the good file is counted.
    let report = text(&out.stdout);
    assert!(report.contains("           Files: 1\n"), "{report}");
    assert_eq!(resident_line(&report).map(|c| c.1), Some(2), "{report}");

    // Permission denied: root reads anything, so as root the case runs as
    // nobody through setpriv (util-linux), who must reach the tree and the
    // program.
    let secret = t.0.join("secret");
    std::fs::write(&secret, b"x").unwrap();
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let as_nobody = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ];
    if root {
        assert!(
            runnable("setpriv", "--version"),
            "as root the permission case runs as nobody through setpriv (util-linux): install it"
        );
        for p in [&t.0, &common::example_path("mtouch")] {
            let out = run({
                let mut c = Command::new(as_nobody[0]);
                c.args(&as_nobody[1..]).arg("test").arg("-r").arg(p);
                c
            });
            assert!(
                out.status.success(),
                "nobody cannot read {}: the permission case needs that (as root it runs as \
                 nobody); put the tree (TMPDIR) and the target dir where nobody can reach them",
                p.display()
            );
        }
    }
    let mut cmd = mtouch_cmd(if root { &as_nobody } else { &[] });
    cmd.arg(&secret).arg(t.0.join("good"));
    let out = run(cmd);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        err,
        format!("mtouch: {}: Permission denied (EACCES)\n", secret.display())
    );
    assert!(text(&out.stdout).contains("           Files: 2\n"));
}

#[test]
#[cfg_attr(miri, ignore = "runs an example program: Miri cannot start processes")]
fn lock_holds_the_pages_until_sigterm() {
    let _g = serial();
    let t = tree("lock");
    let p = mmap_native::page_size();
    let file = t.0.join("locked");
    std::fs::write(&file, common::pattern(8 * p + 1)).unwrap();
    sync();
    drop_cache(&file);
    let mut cmd = mtouch_cmd(&[]);
    cmd.arg("-l").arg(&file).stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, format!("LOCKED 9 pages ({}K)\n", 9 * p / 1024));
    assert_eq!(own_count(&file), (9, 9), "all pages resident while locked");
    // Under an emulator the child is the emulator, locking the same pages.
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let vmlck = status
        .lines()
        .find_map(|l| l.strip_prefix("VmLck:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse::<usize>().ok())
        .unwrap();
    assert!(vmlck >= 9 * p / 1024, "VmLck {vmlck} kB");
    // SAFETY: a plain kill of our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let status = child.wait().unwrap();
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(rest, "unlocked\n");
    let _ = std::io::stderr().flush();
}

/// The counts only cachestat gives, in `--json` and under `-c`, and the
/// effect of `-t` and `-e` as the page cache counts it before and after.
/// Whatever reclaim does meanwhile, the fields agree with each other;
/// `python3 -m json.tool` parses every object.
#[test]
#[cfg_attr(miri, ignore = "runs an example program: Miri cannot start processes")]
fn cache_stats_and_the_method_in_the_report() {
    let _g = serial();
    let t = tree("stats");
    let p = mmap_native::page_size();
    std::fs::write(t.0.join("a"), common::pattern(40 * p)).unwrap();
    std::fs::write(t.0.join("b"), common::pattern(3 * p + 1)).unwrap();
    std::fs::write(t.0.join("empty"), b"").unwrap();
    sync();
    let dir = t.0.to_str().unwrap();
    let (_, method) = method_here();
    let cachestat = method == "cachestat";

    let json_of = |args: &[&str]| -> serde_like::Object {
        let out = mtouch(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let s = text(&out.stdout);
        let mut py = Command::new("python3")
            .args(["-m", "json.tool"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("python3, for json.tool");
        py.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        assert!(
            py.wait().unwrap().success(),
            "{args:?}: json.tool refused {s}"
        );
        serde_like::Object(s)
    };
    for mode in [&[][..], &["-t"], &["-e"]] {
        let mut args = mode.to_vec();
        args.extend(["--json", "-v", dir]);
        let j = json_of(&args);
        assert_eq!(j.text("method"), Some(method.to_string()), "{args:?}");
        let total = j.num("total_pages").unwrap();
        assert_eq!(total, 40 + 4);
        let extra = [
            "dirty_pages",
            "writeback_pages",
            "evicted_pages",
            "recently_evicted_pages",
        ];
        for field in extra {
            assert_eq!(
                j.num(field).is_some(),
                cachestat,
                "{field} in {args:?}: {}",
                j.0
            );
        }
        // Per file too: 3 entries, each naming its method (null for the
        // empty file, which has no pages to count).
        assert_eq!(j.0.matches("\"method\": \"").count(), 1 + 2, "{}", j.0);
        assert_eq!(j.0.matches("\"method\": null").count(), 1, "{}", j.0);
        let before = j.num("resident_pages_before");
        let after = j.num("resident_pages_after");
        if cachestat && !mode.is_empty() {
            let (b, a) = (before.unwrap(), after.unwrap());
            assert!(b <= total && a <= total, "{}", j.0);
            if mode == ["-e"] {
                assert_eq!(Some(a), j.num("resident_pages"), "{}", j.0);
            }
        } else {
            assert_eq!((before, after), (None, None), "{args:?}: {}", j.0);
        }
    }

    // -c in the text report: the four counts, and the effect of -t.
    let out = mtouch(&["-t", "-c", dir]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    let lines = [
        "     Dirty Pages: ",
        " Writeback Pages: ",
        " Evicted Earlier: ",
        "Recently Evicted: ",
        "   Pages Read In: ",
    ];
    for l in lines {
        assert_eq!(report.contains(l), cachestat, "{l:?} in {report}");
    }
    if !cachestat {
        assert!(
            text(&out.stderr).contains("mtouch: -c: cachestat (Linux 6.5+) did not answer here"),
            "{}",
            text(&out.stderr)
        );
    }

    // -e of a file with dirty pages: those stay, and the advice says so,
    // if they are still dirty when counted (write-back may have cleaned
    // them by then: the report and the advice agree either way).
    let dirty = t.0.join("dirty");
    std::fs::write(&dirty, common::pattern(8 * p)).unwrap();
    let out = mtouch(&["-e", "--json", dirty.to_str().unwrap()]);
    let j = serde_like::Object(text(&out.stdout));
    let advice = text(&out.stderr).contains("dirty pages stay in the page cache");
    match (j.num("dirty_pages"), j.num("writeback_pages")) {
        (Some(d), Some(w)) => assert_eq!(advice, d + w > 0, "{} / {}", j.0, text(&out.stderr)),
        _ => assert!(!cachestat && !advice),
    }
    sync();
}

/// Just enough of a JSON object's top-level fields for the checks above
/// (python3 parses it for real).
mod serde_like {
    pub struct Object(pub String);

    impl Object {
        fn raw(&self, key: &str) -> Option<&str> {
            let at = self.0.find(&format!("\"{key}\": "))? + key.len() + 4;
            let rest = &self.0[at..];
            let end = rest.find([',', '}']).unwrap_or(rest.len());
            Some(rest[..end].trim())
        }

        pub fn num(&self, key: &str) -> Option<u64> {
            self.raw(key)?.parse().ok()
        }

        pub fn text(&self, key: &str) -> Option<String> {
            Some(self.raw(key)?.trim_matches('"').to_string())
        }
    }
}
