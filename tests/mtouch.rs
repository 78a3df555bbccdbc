//! `examples/mtouch.rs` against `vmtouch` and util-linux `fincore`: the same
//! resident-page counts for the same files, after a fresh read, after
//! `mtouch -e` and after `mtouch -t`; `vmtouch`'s output layout; clear
//! errors; `-l` until SIGTERM.
//!
//! The tools are installed from Debian when missing (`apt-get install
//! vmtouch util-linux-extra`, as root). The files live on a disk file
//! system (eviction does nothing on tmpfs): the system temp dir, else the
//! target dir. Freshly written pages are dirty and no eviction drops them,
//! so the test `sync`s first, as vmtouch users do.
//!
//! Under qemu-user (`MMAP_NATIVE_QEMU`, set by `qemu/qemu-run`) mtouch is
//! started through `qemu/qemu-run` as in `tests/mcat.rs`, and its counts
//! are checked against this test's own `mincore` (which qemu passes
//! through); `vmtouch` and `fincore` are host x86_64 programs, and exec
//! from inside a qemu-user guest goes to the host kernel, which runs them
//! natively, so they are compared too when the page sizes agree.

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

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn qemu() -> Option<String> {
    std::env::var("MMAP_NATIVE_QEMU").ok()
}

fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent()
        .and_then(Path::parent)
        .expect("the test binary lives in <profile>/deps/")
        .to_path_buf()
}

fn mtouch_path() -> PathBuf {
    let bin = profile_dir().join("examples").join("mtouch");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/mtouch/main.rs");
    let Ok(built) = std::fs::metadata(&bin).and_then(|m| m.modified()) else {
        panic!(
            "{} does not exist. `cargo test` builds the examples, but a run \
             limited to some tests (`cargo test --test mtouch`) does not: run \
             `cargo build --example mtouch` with the same --target and profile \
             first.",
            bin.display()
        );
    };
    let changed = std::fs::metadata(&src).and_then(|m| m.modified()).unwrap();
    assert!(
        built >= changed,
        "{} is older than {}: rebuild it (`cargo build --example mtouch`)",
        bin.display(),
        src.display()
    );
    bin
}

/// The command that runs mtouch here: directly, or under qemu-user.
fn mtouch_cmd(prefix: &[&str]) -> Command {
    let bin = mtouch_path();
    let mut parts: Vec<std::ffi::OsString> = prefix.iter().map(Into::into).collect();
    if let Some(arch) = qemu() {
        parts.push(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("qemu/qemu-run")
                .into(),
        );
        parts.push(arch.into());
    }
    parts.push(bin.into());
    let mut c = Command::new(&parts[0]);
    c.args(&parts[1..]).env_remove("MMAP_NATIVE_QEMU_LOG");
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

/// vmtouch and fincore, installed from Debian if missing. Panics with what
/// to do when they cannot be.
fn host_tools() {
    static DONE: Mutex<bool> = Mutex::new(false);
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if *done {
        return;
    }
    let missing = || {
        [("vmtouch", "vmtouch"), ("fincore", "util-linux-extra")]
            .into_iter()
            .filter(|(t, _)| !runnable(t, "--version"))
            .map(|(_, p)| p)
            .collect::<Vec<_>>()
    };
    let pkgs = missing();
    if !pkgs.is_empty() {
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let apt = Path::new("/usr/bin/apt-get").exists();
        assert!(
            root && apt,
            "mtouch's test compares with {pkgs:?}, which are missing, and cannot \
             install them (needs root and apt-get). Install them: \
             apt-get install -y vmtouch util-linux-extra"
        );
        eprintln!("installing {pkgs:?} with apt-get");
        let ok = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
                 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                 --no-install-recommends {}",
                pkgs.join(" ")
            ))
            .status()
            .is_ok_and(|s| s.success());
        let still = missing();
        assert!(
            ok && still.is_empty(),
            "apt-get install {pkgs:?} failed (still missing: {still:?}); \
             install them by hand: apt-get install -y vmtouch util-linux-extra"
        );
    }
    *done = true;
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

fn fs_type(p: &Path) -> i64 {
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    // SAFETY: a zeroed statfs is valid; statfs writes it.
    let mut s: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: c is a valid C string, s a valid out pointer.
    let r = unsafe { libc::statfs(c.as_ptr(), &mut s) };
    assert_eq!(r, 0, "statfs {}", p.display());
    #[allow(clippy::unnecessary_cast)]
    let t = s.f_type as i64;
    t
}

/// tmpfs and ramfs keep every page in memory: eviction does nothing there.
fn memory_fs(p: &Path) -> bool {
    matches!(fs_type(p), 0x0102_1994 | 0x8584_58f6)
}

fn tree(name: &str) -> Tree {
    let candidates = [std::env::temp_dir(), profile_dir()];
    let base = candidates
        .iter()
        .find(|p| !memory_fs(p))
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

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 4099) as u8).collect()
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

/// The files of the awkward-sizes tree, relative to its root.
struct Awkward {
    tree: Tree,
    files: Vec<PathBuf>,
}

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
        std::fs::write(&path, pattern(len)).unwrap();
        files.push(path);
    }
    // Sparse: data at two places, holes elsewhere. qemu-user 7.2 cuts a
    // 32-bit guest's mmap2 offsets to 32 bits, so there it stays under 4 GiB.
    let sparse_len: u64 = if qemu().is_some() && usize::BITS == 32 {
        eprintln!("32-bit guest under qemu-user 7.2: sparse file of 3 GiB, not 5 GiB");
        3 << 30
    } else {
        5 << 30
    };
    let path = t.0.join("sparse");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(sparse_len).unwrap();
    f.write_all_at(&pattern(1 << 20), (1 << 30) + 12345)
        .unwrap();
    f.write_all_at(b"end", sparse_len - 3).unwrap();
    drop(f);
    files.push(path);
    sync();
    Awkward { tree: t, files }
}

/// Whether host vmtouch/fincore can be compared here: natively always;
/// under qemu if they run from inside the guest and count pages of the
/// same size as the guest's.
fn compare_host(a: &Awkward) -> bool {
    if qemu().is_none() {
        host_tools();
        return true;
    }
    if !runnable("vmtouch", "--version") || !runnable("fincore", "--version") {
        eprintln!("under qemu: host vmtouch/fincore not runnable from the guest; own mincore only");
        return false;
    }
    let same = vmtouch_count(&a.files[5]).1 == own_count(&a.files[5]).1;
    if !same {
        eprintln!("under qemu: guest page size differs from the host's; own mincore only");
    }
    same
}

/// Every tool's (resident, total) for every file, compared; retried a few
/// times when they disagree (another process can change the page cache
/// between two runs), then asserted. Returns the agreed counts.
fn agree(a: &Awkward, host: bool, phase: &str) -> Vec<(u64, u64)> {
    let mut last = String::new();
    for _attempt in 0..4 {
        let mut counts = Vec::new();
        let mut ok = true;
        last.clear();
        for f in &a.files {
            let own = own_count(f);
            let mt = mtouch_count(f, &[]);
            let win = mtouch_count(f, &["--window", "1M"]);
            let mut line = format!(
                "{}: own {own:?} mtouch {mt:?} window-1M {win:?}",
                f.display()
            );
            ok &= mt == own && win == own;
            if host {
                let vm = vmtouch_count(f);
                let fc = fincore_count(f);
                line += &format!(" vmtouch {vm:?} fincore {fc}");
                ok &= vm == own && fc == own.0;
            }
            eprintln!("  [{phase}] {line}");
            last += &line;
            last.push('\n');
            counts.push(own);
        }
        // The whole tree at once: the totals of the per-file counts.
        let (r, t) = counts.iter().fold((0, 0), |(r, t), &(a, b)| (r + a, t + b));
        let whole = mtouch_count(&a.tree.0, &[]);
        ok &= whole == (r, t);
        if host {
            ok &= vmtouch_count(&a.tree.0) == (r, t);
        }
        if ok {
            return counts;
        }
        last += &format!("tree: mtouch {whole:?}, files sum to {:?}\n", (r, t));
    }
    panic!("[{phase}] the tools disagree:\n{last}");
}

#[test]
fn counts_agree_with_vmtouch_and_fincore() {
    let _g = serial();
    let a = awkward();
    let host = compare_host(&a);
    let page = mmap_native::page_size() as u64;

    // A fresh read: nothing cached, then parts of some files read.
    for f in &a.files {
        drop_cache(f);
    }
    let read_at = |i: usize, off: u64, len: usize| {
        let f = std::fs::File::open(&a.files[i]).unwrap();
        let mut buf = vec![0; len];
        let _ = f.read_at(&mut buf, off).unwrap();
    };
    read_at(1, 0, 1);
    read_at(3, 0, page as usize);
    read_at(5, 0, 3 << 20);
    read_at(5, (7 << 20) + 100, 10);
    read_at(6, (1 << 30) + 12345, 256 << 10);
    read_at(6, 3 << 29, 1);
    let fresh = agree(&a, host, "fresh read");
    assert!(
        fresh[5].0 > 0 && fresh[5].0 < fresh[5].1,
        "ten-mib partly resident"
    );

    // mtouch -e: everything gone (the files were synced: no dirty pages).
    let out = mtouch(&["-e", a.tree.0.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    let total: u64 = fresh.iter().map(|c| c.1).sum();
    assert!(
        report.contains(&format!("   Evicted Pages: {total} (")),
        "{report}"
    );
    assert_eq!(resident_line(&report), Some((0, total)), "{report}");
    let evicted = agree(&a, host, "after mtouch -e");
    assert!(evicted.iter().all(|c| c.0 == 0), "{evicted:?}");

    // mtouch -t: everything resident, the sparse file's holes too.
    let out = mtouch(&["-t", a.tree.0.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.contains(&format!("   Touched Pages: {total} (")),
        "{report}"
    );
    let touched = agree(&a, host, "after mtouch -t");
    // The 5 GiB of the sparse file are a lot of page cache: on a machine
    // shared with other work, reclaim can take some pages back between the
    // touch and the counts (seen: 0.5% of the sparse file, 1 page of the
    // 10 MiB one). The tools must agree on that exactly (above); the touch
    // itself must have brought in the small files whole and nearly all of
    // the large ones.
    for (f, c) in a.files.iter().zip(&touched) {
        if c.1 <= 16 {
            assert_eq!(c.0, c.1, "{}: {touched:?}", f.display());
        } else {
            assert!(c.0 * 100 >= c.1 * 98, "{}: {c:?}", f.display());
        }
    }

    // JSON says the same.
    let out = mtouch(&["--json", a.tree.0.to_str().unwrap()]);
    let json = text(&out.stdout);
    // (resident_pages as above: reclaim may have taken a little back)
    for field in [
        "\"files\": 7,".to_string(),
        "\"directories\": 2,".to_string(),
        format!("\"total_pages\": {total},"),
        format!("\"page_size\": {page},"),
    ] {
        assert!(json.contains(&field), "{field} in {json}");
    }
    // Leave the page cache as we found it.
    let _ = mtouch(&["-e", a.tree.0.to_str().unwrap()]);
}

/// Lines of a report without the `Elapsed:` line (the one that differs).
fn without_elapsed(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.contains("Elapsed:")).collect()
}

#[test]
fn output_layout_is_vmtouchs() {
    if qemu().is_some() {
        // The layout does not depend on the architecture; the counts
        // under qemu are checked above.
        return;
    }
    let _g = serial();
    host_tools();
    let t = tree("layout");
    let p = mmap_native::page_size();
    std::fs::create_dir(t.0.join("d")).unwrap();
    for (name, len) in [("a", 1), ("b", 3 * p), ("d/c", 200 * p + 5), ("e", 0)] {
        std::fs::write(t.0.join(name), pattern(len)).unwrap();
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
        assert_eq!(
            without_elapsed(&text(&m.stdout)),
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
fn errors_name_the_path_and_errno_and_the_walk_goes_on() {
    let _g = serial();
    let t = tree("errors");
    std::fs::write(t.0.join("good"), pattern(5000)).unwrap();
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
    // nobody through setpriv (util-linux), and is skipped, saying so, when
    // that cannot be done.
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
    if root && !runnable("setpriv", "--version") {
        eprintln!("as root without setpriv: the permission-denied case is not checked");
        return;
    }
    if root {
        // nobody must reach the tree and the binary.
        let mut ok = true;
        for p in [&t.0, &mtouch_path()] {
            let out = run({
                let mut c = Command::new(as_nobody[0]);
                c.args(&as_nobody[1..]).arg("test").arg("-r").arg(p);
                c
            });
            ok &= out.status.success();
        }
        if !ok {
            eprintln!("nobody cannot reach the test tree or mtouch: permission case not checked");
            return;
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
fn lock_holds_the_pages_until_sigterm() {
    let _g = serial();
    let t = tree("lock");
    let p = mmap_native::page_size();
    let file = t.0.join("locked");
    std::fs::write(&file, pattern(8 * p + 1)).unwrap();
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
    if qemu().is_none() {
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
        let vmlck = status
            .lines()
            .find_map(|l| l.strip_prefix("VmLck:"))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse::<usize>().ok())
            .unwrap();
        assert!(vmlck >= 9 * p / 1024, "VmLck {vmlck} kB");
    }
    // SAFETY: a plain kill of our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let status = child.wait().unwrap();
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(rest, "unlocked\n");
    let _ = std::io::stderr().flush();
}
