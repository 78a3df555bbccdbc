//! `examples/mcat` as a user runs it: its output must be the file, byte
//! for byte, and its errors must read like cat's. The example is the one
//! `cargo test` built next to this test (`common::example`), started under
//! the emulator when the run has one.

mod common;
use common::{pattern, TempFile as Temp};

use std::process::Output;

fn mcat(args: &[&str]) -> Output {
    let mut cmd = common::example("mcat");
    cmd.args(args);
    match cmd.output() {
        Ok(out) => out,
        Err(e) => panic!("running {cmd:?}: {e}"),
    }
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
#[cfg_attr(miri, ignore = "runs an example program: Miri cannot start processes")]
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
#[cfg_attr(miri, ignore = "runs an example program: Miri cannot start processes")]
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
#[cfg_attr(miri, ignore = "runs an example program: Miri cannot start processes")]
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
