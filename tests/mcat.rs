//! `examples/mcat.rs` as a user runs it: its output must be the file, byte
//! for byte, and its errors must read like cat's.
//!
//! Cargo gives integration tests no path to an example (`CARGO_BIN_EXE_*`
//! is for binaries only), so the test finds the example that `cargo test`
//! built next to it: `<target dir>/<profile>/examples/mcat`, the profile
//! directory being the parent of this test's `deps/`. That works for every
//! `--target` and profile. Under qemu-user (`MMAP_NATIVE_QEMU`, set by
//! `qemu/qemu-run`) the example is a foreign binary the host may not run
//! by itself, so it is started through the same `qemu/qemu-run`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

fn mcat_path() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in <profile>/deps/");
    let bin = profile_dir.join("examples").join("mcat");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/mcat.rs");
    let built = std::fs::metadata(&bin).and_then(|m| m.modified());
    let Ok(built) = built else {
        panic!(
            "{} does not exist. `cargo test` builds the examples, but a run \
             limited to some tests (`cargo test --test mcat`) does not: run \
             `cargo build --example mcat` with the same --target and profile \
             first.",
            bin.display()
        );
    };
    let changed = std::fs::metadata(&src).and_then(|m| m.modified()).unwrap();
    assert!(
        built >= changed,
        "{} is older than {}: rebuild it (`cargo build --example mcat`) so \
         this test does not check a stale program",
        bin.display(),
        src.display()
    );
    bin
}

fn mcat(args: &[&str]) -> Output {
    let bin = mcat_path();
    let mut cmd = match std::env::var("MMAP_NATIVE_QEMU") {
        Ok(arch) => {
            let runner = Path::new(env!("CARGO_MANIFEST_DIR")).join("qemu/qemu-run");
            let mut c = Command::new(runner);
            c.arg(arch).arg(&bin);
            // That log records the programs qemu/test itself started.
            c.env_remove("MMAP_NATIVE_QEMU_LOG");
            c
        }
        Err(_) => Command::new(&bin),
    };
    cmd.args(args).stdin(Stdio::null());
    match cmd.output() {
        Ok(out) => out,
        Err(e) if e.raw_os_error() == Some(libc::ENOEXEC) => panic!(
            "{} is a binary this host cannot run ({e}); cross-target runs \
             must go through qemu/qemu-run, which sets MMAP_NATIVE_QEMU so \
             this test starts mcat under qemu too",
            bin.display()
        ),
        Err(e) => panic!("running {}: {e}", bin.display()),
    }
}

struct Temp(PathBuf);

impl Temp {
    fn new(data: &[u8]) -> Temp {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "mmap-native-mcat-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, data).unwrap();
        Temp(path)
    }

    fn arg(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 4099) as u8).collect()
}

fn assert_success(out: &Output, what: &str) {
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{what}: {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn output_is_the_file_byte_for_byte() {
    let p = mmap_native::page_size();
    for len in [0, 1, p, p + 1, 10 << 20] {
        let data = pattern(len);
        let f = Temp::new(&data);
        let out = mcat(&[f.arg()]);
        assert_success(&out, &format!("{len} bytes"));
        // Not assert_eq! on 10 MiB: say where it differs instead.
        assert_eq!(out.stdout.len(), len, "{len} bytes: output length");
        let first = out.stdout.iter().zip(&data).position(|(a, b)| a != b);
        assert_eq!(first, None, "{len} bytes: first differing byte");
    }
}

#[test]
fn offsets_lengths_and_advice() {
    let p = mmap_native::page_size();
    let data = pattern(3 * p + 17);
    let f = Temp::new(&data);
    for off in [1, p - 1, p, p + 1] {
        let o = off.to_string();
        let out = mcat(&["--offset", &o, "--advise", "sequential", f.arg()]);
        assert_success(&out, &format!("--offset {off}"));
        assert!(out.stdout == data[off..], "--offset {off}");
        let out = mcat(&["--offset", &o, "--len=100", "--advise=willneed", f.arg()]);
        assert_success(&out, &format!("--offset {off} --len 100"));
        assert!(
            out.stdout == data[off..off + 100],
            "--offset {off} --len 100"
        );
    }
    // Two files, one after the other, like cat.
    let g = Temp::new(b"tail");
    let out = mcat(&["--", f.arg(), g.arg()]);
    assert_success(&out, "two files");
    assert!(out.stdout == [&data[..], b"tail"].concat());
}

#[test]
fn errors_name_the_file_and_go_on() {
    let f = Temp::new(b"still printed\n");
    let missing = std::env::temp_dir().join("mmap-native-mcat-no-such-file");
    let missing = missing.to_str().unwrap();
    let out = mcat(&[missing, f.arg()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(out.stdout, b"still printed\n");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("mcat: {missing}: No such file or directory (ENOENT)\n")
    );

    // An offset past the end of the file: the crate's EINVAL, said so.
    let out = mcat(&["--offset", "1000", f.arg()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("mcat: {}: mmap: Invalid argument (EINVAL)\n", f.arg())
    );

    // Advice that may change contents is refused by the safe layer, so
    // mcat does not offer it; usage errors exit with 2.
    let out = mcat(&["--advise", "dontneed", f.arg()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown advice 'dontneed'"));
    let out = mcat(&[]);
    assert_eq!(out.status.code(), Some(2));
}
