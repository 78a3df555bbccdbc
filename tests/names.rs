//! File names that are not UTF-8, through the example programs: Linux
//! takes any bytes but `/` and NUL, and so must the tools.
//!
//! - `mtouch --json -v`: two files whose names differ only in bytes that
//!   are not UTF-8 get two different `"path"` strings; `python3 -m
//!   json.tool` parses the output; and Python's `surrogateescape` turns
//!   each string back into the exact bytes of the name.
//! - `mcat`: such a name is an ordinary argument (it used to panic, exit
//!   101); the file is printed byte for byte, and a missing one is named
//!   with its own bytes, as `cat` names it.

mod common;
use common::example;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn run(mut cmd: Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh directory in the temp dir, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let d =
            std::env::temp_dir().join(format!("mmap-native-names-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir(&d).unwrap();
        Dir(d)
    }

    fn file(&self, name: &[u8], data: &[u8]) -> PathBuf {
        let p = self.0.join(OsStr::from_bytes(name));
        std::fs::write(&p, data).unwrap();
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs python3 with `script` and `stdin`; its standard output.
fn python(script: &str, stdin: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("this test needs python3 (apt-get install python3): {e}"));
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python3 -c {script:?}: {:?}\n{}",
        out.status,
        text(&out.stderr)
    );
    out.stdout
}

#[test]
#[cfg_attr(miri, ignore = "runs an example program: Miri cannot start processes")]
fn mtouch_json_keeps_names_apart() {
    let d = Dir::new("json");
    let names: [&[u8]; 5] = [
        b"name\xff",
        b"name\xfe",
        // Invalid sequences of several bytes, and a truncated one at the end.
        b"\xe2\x82 and \xf0\x9f\x98",
        b"\xc3\xa9t\xc3\xa9 (valid UTF-8)",
        b"quote\" back\\slash\nnewline",
    ];
    for n in names {
        d.file(n, b"some bytes");
    }
    let mut cmd = example("mtouch");
    cmd.args(["--json", "-v"]).arg(&d.0);
    let out = run(cmd);
    assert!(out.status.success(), "mtouch: {}", text(&out.stderr));

    // Valid JSON.
    let mut tool = Command::new("python3");
    tool.args(["-m", "json.tool"]);
    let mut child = tool
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &out.stdout).unwrap();
    let parsed = child.wait_with_output().unwrap();
    assert!(
        parsed.status.success(),
        "python3 -m json.tool rejects mtouch's output: {}\n{}",
        text(&parsed.stderr),
        text(&out.stdout)
    );

    // Each path back to bytes, one hex line each.
    let hex = python(
        "import json, sys\n\
         for f in json.load(sys.stdin)['files_detail']:\n\
         \x20   print(f['path'].encode('utf-8', 'surrogateescape').hex())",
        &out.stdout,
    );
    let mut got: Vec<Vec<u8>> = text(&hex)
        .lines()
        .map(|l| {
            (0..l.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&l[i..i + 2], 16).unwrap())
                .collect()
        })
        .collect();
    got.sort();
    let got: Vec<String> = got.iter().map(|p| p.escape_ascii().to_string()).collect();
    let mut want: Vec<Vec<u8>> = names
        .iter()
        .map(|n| {
            d.0.join(OsStr::from_bytes(n))
                .as_os_str()
                .as_bytes()
                .to_vec()
        })
        .collect();
    want.sort();
    let want: Vec<String> = want.iter().map(|p| p.escape_ascii().to_string()).collect();
    assert_eq!(got, want, "the paths, decoded: {}", text(&out.stdout));

    // The two names that differ only in an invalid byte: two strings.
    let s = text(&out.stdout);
    assert!(s.contains("name\\udcff\""), "{s}");
    assert!(s.contains("name\\udcfe\""), "{s}");
}

#[test]
#[cfg_attr(miri, ignore = "runs an example program: Miri cannot start processes")]
fn mcat_takes_any_file_name() {
    let d = Dir::new("mcat");
    let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
    let odd = d.file(b"caf\xe9 \xff", &data);
    let good = d.file(b"after", b"still printed\n");
    let missing = d.0.join(OsStr::from_bytes(b"gone \xfe"));

    let mut cmd = example("mcat");
    cmd.arg(&odd);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    assert!(out.stdout == data, "mcat's output is not the file");

    // A missing one: named with its own bytes; the next file still comes.
    let mut cmd = example("mcat");
    cmd.arg(&missing).arg(&good);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(out.stdout, b"still printed\n");
    let want = [
        b"mcat: ",
        missing.as_os_str().as_bytes(),
        b": No such file or directory (ENOENT)\n",
    ]
    .concat();
    assert!(
        out.stderr == want,
        "stderr {:?}, want {:?}",
        out.stderr.escape_ascii().to_string(),
        want.escape_ascii().to_string()
    );

    // After `--`, and as an option's value: a usage error, not a panic.
    let mut cmd = example("mcat");
    cmd.arg("--").arg(&odd);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout == data);
    let mut cmd = example("mcat");
    cmd.arg("--offset")
        .arg(OsStr::from_bytes(b"1\xff"))
        .arg(&odd);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).starts_with("mcat: --offset: not a number in range: '1\u{fffd}'\n"),
        "{}",
        text(&out.stderr)
    );
}
