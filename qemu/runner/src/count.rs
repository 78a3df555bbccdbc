//! Counting results from what test programs print.
//!
//! libtest programs are counted from libtest's own `test result:` lines.
//! Harness-less ones (`harness = false`) end with exactly one line
//! `mmap-native-test: <N> passed, <M> failed`. Until every harness-less
//! test prints it, a program without that line is counted from its
//! `test result:` line (today's harness-less tests imitate libtest's).

use crate::sys::Finished;

#[derive(Default, Debug, PartialEq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
    /// Why a failure was counted that no test reported.
    pub notes: Vec<String>,
}

impl Counts {
    pub fn fail(&mut self, note: String) {
        self.failed += 1;
        self.notes.push(note);
    }
}

/// A test program's counts from its output and how it ended. A program
/// that crashed, exited non-zero with no failed test, or ran no test at
/// all counts as one failure more.
pub fn test_program(output: &str, end: &Finished) -> Counts {
    let mut c = Counts::default();
    let own: Vec<(u64, u64)> = output.lines().filter_map(harnessless_line).collect();
    match own.as_slice() {
        [] => {
            for (p, f, i) in output.lines().filter_map(libtest_line) {
                c.passed += p;
                c.failed += f;
                c.ignored += i;
            }
        }
        [(p, f)] => {
            c.passed = *p;
            c.failed = *f;
        }
        [.., (p, f)] => {
            c.passed = *p;
            c.failed = *f;
            c.fail(format!(
                "printed {} `mmap-native-test:` lines, not one",
                own.len()
            ));
        }
    }
    if !end.success() && c.failed == 0 {
        c.fail(format!("it {} with no failed test counted", end.describe()));
    } else if c.passed == 0 && c.failed == 0 {
        c.fail("it ran no test".into());
    }
    c
}

/// `mmap-native-test: 12 passed, 0 failed`.
fn harnessless_line(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim_end().strip_prefix("mmap-native-test: ")?;
    let (p, rest) = rest.split_once(" passed, ")?;
    let f = rest.strip_suffix(" failed")?;
    Some((p.parse().ok()?, f.parse().ok()?))
}

/// `test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; ...`.
pub fn libtest_line(line: &str) -> Option<(u64, u64, u64)> {
    let rest = line.strip_prefix("test result: ")?;
    let (_, counts) = rest.split_once(". ")?;
    let mut found = (None, None, 0);
    for part in counts.split(';') {
        let mut w = part.split_whitespace();
        let (Some(n), Some(what)) = (w.next(), w.next()) else {
            continue;
        };
        let Ok(n) = n.parse::<u64>() else { continue };
        match what {
            "passed" => found.0 = Some(n),
            "failed" => found.1 = Some(n),
            "ignored" => found.2 = n,
            _ => {}
        }
    }
    Some((found.0?, found.1?, found.2))
}

/// The doc tests rustdoc compiled and ran (not `no_run`, `compile_fail`
/// or ignored ones), from its `test <file> - <item> (line N) ... ok` lines.
pub fn doc_tests_executed(output: &str) -> u64 {
    output
        .lines()
        .filter(|l| {
            l.starts_with("test ") && (l.ends_with(" ... ok") || l.ends_with(" ... FAILED"))
        })
        .filter(|l| !l.contains(") - compile"))
        .count() as u64
}

/// The freestanding program's steps: each `ok <step>` line is a pass; a
/// failed step, a crash, or no step at all is one failure.
pub fn freestanding(output: &str, end: &Finished) -> Counts {
    let mut c = Counts {
        passed: output.lines().filter(|l| l.starts_with("ok ")).count() as u64,
        ..Counts::default()
    };
    if !end.success() {
        let failed = output
            .lines()
            .find(|l| l.starts_with("FAIL "))
            .unwrap_or("no FAIL line");
        c.fail(format!("it {}: {failed}", end.describe()));
    } else if c.passed == 0 {
        c.fail("it reported no step".into());
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

    fn exit(code: i32) -> Finished {
        Finished::Exit(ExitStatus::from_raw(code << 8))
    }

    #[test]
    fn libtest_output() {
        let out =
            "running 3 tests\ntest a ... ok\n\ntest result: ok. 2 passed; 0 failed; 1 ignored; \
                   0 measured; 0 filtered out; finished in 0.01s\n";
        let c = test_program(out, &exit(0));
        assert_eq!((c.passed, c.failed, c.ignored), (2, 0, 1));
        assert!(c.notes.is_empty());
        let out =
            "test result: FAILED. 5 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out\n";
        let c = test_program(out, &exit(101));
        assert_eq!((c.passed, c.failed), (5, 2));
        assert!(c.notes.is_empty(), "failures were counted, no extra one");
    }

    #[test]
    fn harnessless_line_wins_over_the_imitation() {
        let out = "mmap-native-test: 40 passed, 1 failed\n\
                   test result: FAILED. 40 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\n";
        let c = test_program(out, &exit(1));
        assert_eq!((c.passed, c.failed), (40, 1));
        let c = test_program(
            "case 1 ok\nmmap-native-test: 7 passed, 0 failed\n",
            &exit(0),
        );
        assert_eq!((c.passed, c.failed), (7, 0));
        let twice = "mmap-native-test: 1 passed, 0 failed\nmmap-native-test: 2 passed, 0 failed\n";
        let c = test_program(twice, &exit(0));
        assert_eq!((c.passed, c.failed), (2, 1));
    }

    #[test]
    fn crashes_and_empty_runs_fail() {
        let c = test_program(
            "running 9 tests\n",
            &Finished::Exit(ExitStatus::from_raw(11)),
        );
        assert_eq!((c.passed, c.failed), (0, 1));
        assert!(c.notes[0].contains("signal 11"), "{:?}", c.notes);
        let c = test_program("test result: ok. 3 passed; 0 failed; 0 ignored\n", &exit(1));
        assert_eq!((c.passed, c.failed), (3, 1));
        let c = test_program(
            "running 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored\n",
            &exit(0),
        );
        assert_eq!((c.passed, c.failed), (0, 1));
        assert_eq!(c.notes, ["it ran no test"]);
        let c = test_program("", &Finished::TimedOut(std::time::Duration::from_secs(9)));
        assert_eq!(c.failed, 1);
    }

    #[test]
    fn doc_tests() {
        let out = "running 4 tests\n\
                   test src/lib.rs - (line 10) ... ok\n\
                   test src/safe/maps.rs - safe::maps::Mmap::map (line 227) ... ok\n\
                   test src/lib.rs - raw (line 40) - compile ... ok\n\
                   test src/lib.rs - x (line 50) - compile fail ... ok\n\
                   test src/lib.rs - y (line 60) ... ignored\n\
                   test src/lib.rs - z (line 70) ... FAILED\n";
        assert_eq!(doc_tests_executed(out), 3);
    }

    #[test]
    fn freestanding_steps() {
        let c = freestanding("ok page-size\nok map-self\n", &exit(0));
        assert_eq!((c.passed, c.failed), (2, 0));
        let c = freestanding("ok page-size\nFAIL map-self\n", &exit(22));
        assert_eq!((c.passed, c.failed), (1, 1));
        assert!(c.notes[0].contains("FAIL map-self"));
        let c = freestanding("", &exit(0));
        assert_eq!((c.passed, c.failed), (0, 1));
    }
}
