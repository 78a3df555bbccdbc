//! mtouch's `-i`/`-I` matcher (`examples/mtouch/glob.rs`) against the C
//! library's `fnmatch(pattern, name, 0)`, which is what `vmtouch` calls.
//!
//! Two parts:
//! - fixed cases: the hard corners of glibc's rules, each with glibc's
//!   answer written down; on a glibc target the C library is asked too, so
//!   the table cannot drift from what glibc does;
//! - a differential run: `CASES` seeded random patterns and names over an
//!   alphabet of the bytes and pieces that glibc treats specially (`[`,
//!   `]`, `\`, `!`, `^`, `-`, `*`, `?`, `/`, `.`, `[:alpha:]`-style classes,
//!   `[=x=]`, `[.x.]`, non-ASCII bytes), every answer compared with
//!   `libc::fnmatch`; any difference fails, and the first ones are printed.
//!
//! The matcher follows glibc, so the differential run needs glibc's
//! `fnmatch`: on musl targets, whose `fnmatch` follows other rules, it is
//! not built and the output says so; the fixed cases run everywhere.
//!
//! No libtest harness: `main` first removes `POSIXLY_CORRECT` from the
//! environment, before any thread exists, since glibc reads it (once) to
//! decide whether `^` negates, and mtouch's rule is glibc's default.

#[path = "../examples/mtouch/glob.rs"]
mod glob;

use std::time::Instant;

/// Random cases compared with the C library, on every glibc target
/// (natively and under qemu-user).
#[cfg(not(target_env = "musl"))]
const CASES: u64 = 1_000_000;

/// Which C library answers here.
const LIBC: &str = if cfg!(target_env = "musl") {
    "musl"
} else {
    "glibc"
};

/// The C library's answer: `fnmatch(pattern, name, 0) == 0`.
fn c_fnmatch(pattern: &[u8], name: &[u8]) -> bool {
    assert!(!pattern.contains(&0) && !name.contains(&0));
    let mut p = pattern.to_vec();
    let mut s = name.to_vec();
    c_fnmatch_in(&mut p, &mut s)
}

/// [`c_fnmatch`] on buffers it may extend by the C strings' NUL (and then
/// takes off again): no allocation per case in the million-case loop.
/// The bytes must hold no NUL: the fixed cases hold none, nor do
/// [`PIECES`] and [`NAME_BYTES`] (checked in `main`).
fn c_fnmatch_in(pattern: &mut Vec<u8>, name: &mut Vec<u8>) -> bool {
    pattern.push(0);
    name.push(0);
    // SAFETY: two NUL-terminated byte strings; fnmatch only reads them.
    let r = unsafe { libc::fnmatch(pattern.as_ptr().cast(), name.as_ptr().cast(), 0) };
    pattern.pop();
    name.pop();
    assert!(
        r == 0 || r == libc::FNM_NOMATCH,
        "fnmatch({}, {}) returned {r}",
        show(pattern),
        show(name)
    );
    r == 0
}

/// A byte string as Rust would write it (the start of a long one).
fn show(b: &[u8]) -> String {
    if b.len() > 64 {
        return format!("b\"{}\"... ({} bytes)", b[..32].escape_ascii(), b.len());
    }
    format!("b\"{}\"", b.escape_ascii())
}

/// (pattern, name, glibc's answer). Each was asked of glibc 2.36.
fn fixed() -> Vec<(Vec<u8>, Vec<u8>, bool)> {
    let mut t: Vec<(Vec<u8>, Vec<u8>, bool)> = [
        // The case: `\]` is a member, `*` and `b` plain members.
        (&b"[\\]*b]"[..], &b"]"[..], true),
        (b"[\\]*b]", b"*", true),
        (b"[\\]*b]", b"\\", false),
        (b"[\\]]", b"]", true),
        (b"[\\\\]", b"\\", true),
        (b"[a\\-z]", b"-", true),
        (b"[a\\-z]", b"m", false),
        (b"[a-\\z]", b"m", true),
        // `]` first is a member; `!` and `^` negate.
        (b"[]a]", b"]", true),
        (b"[!]a]", b"]", false),
        (b"[!]a]", b"b", true),
        (b"[^a]", b"b", true),
        (b"[^a]", b"a", false),
        (b"[]-a]", b"^", true),
        // `-` first, last, or after a range is a member.
        (b"[-a]", b"-", true),
        (b"[a-]", b"-", true),
        (b"[a-c-e]", b"-", true),
        (b"[a-c-e]", b"d", false),
        (b"[z-a]", b"m", false),
        // Unterminated: a plain `[`, the rest goes on.
        (b"[", b"[", true),
        (b"[a", b"[a", true),
        (b"[a", b"a", false),
        (b"[!", b"[!", true),
        (b"a[b", b"a[b", true),
        (b"[a-", b"a", false),
        (b"[a-", b"[a-", false),
        // Escapes outside, and a trailing `\`.
        (b"\\*", b"*", true),
        (b"\\*", b"a", false),
        (b"a\\", b"a\\", false),
        (b"a\\", b"a", false),
        (b"\\", b"\\", false),
        (b"*\\", b"\\", false),
        (b"[\\", b"[\\", false),
        (b"[a\\", b"a", false),
        // Classes (C locale: ASCII only); unknown names match nothing.
        (b"[[:alpha:]]", b"q", true),
        (b"[[:alpha:]]", b"\xe9", false),
        (b"[[:space:]]", b"\x0b", true),
        (b"[[:punct:]]", b"~", true),
        (b"[[:foo:]]", b"f", false),
        (b"[[:foo:]a]", b"a", false),
        (b"[a[:foo:]]", b"a", true),
        (b"[[::]]", b":", false),
        (b"[[:alpha]", b":", true),
        (b"[[:Alpha:]]", b"A", false),
        (b"[[:Alpha:]]", b"A]", true),
        (b"[[:z:]]", b"z", false),
        (b"[![:digit:]]", b"5", false),
        // [=x=] and [.x.]: one byte; the skip after a match is stricter.
        (b"[[=a=]]", b"a", true),
        (b"[[=a]", b"=", true),
        (b"[a[=b]", b"b", true),
        (b"[a[=b]", b"a", false),
        // Such a no-match at one place lets a `*` before it try the next.
        (b"*[a[=b]", b"ab", true),
        (b"*[a[=b]", b"ba", false),
        (b"[[.a.]]", b"a", true),
        (b"[[.ab.]]", b"a", false),
        (b"[[.a.]-c]", b"b", true),
        (b"[[.a.]-]", b"a", false),
        (b"[[.a.]-]", b"-", true),
        (b"[a-[.c.]]", b"b", true),
        (b"[[.a]", b"a", false),
        (b"[a[.b]", b"a", false),
        // Ranges are byte values.
        (b"[\x80-\xff]", b"\xc3", true),
        (b"[!\x80-\xff]", b"a", true),
        // No FNM_PATHNAME, no FNM_PERIOD.
        (b"*", b".hidden", true),
        (b"a?b", b"a/b", true),
        (b"a[/]b", b"a/b", true),
        (b"*a*b*", b"xxaybz", true),
        (b"*a*b", b"ab", true),
        (b"*?*?", b"a", false),
    ]
    .iter()
    .map(|(p, s, m)| (p.to_vec(), s.to_vec(), *m))
    .collect();
    // glibc's class-name limit: 2047 letters are a name (unknown: no
    // match); at 2048, matching stops, where a shorter run that ends in a
    // non-letter would have left `[` a plain member.
    for (letters, matches) in [(2047, true), (2048, false)] {
        let mut p = b"[[:".to_vec();
        p.resize(3 + letters, b'a');
        p.extend_from_slice(b"X]");
        t.push((p, b"[".to_vec(), matches));
    }
    t
}

/// splitmix64: a fixed seed gives the same cases on every run and target.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// In `0..n`, by multiplying (no 64-bit division, which 32-bit
    /// targets do in software, slowly under an emulator).
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len())]
    }
}

/// The pieces patterns are made of, weighted toward glibc's special cases.
const PIECES: &[&[u8]] = &[
    b"[",
    b"[",
    b"[",
    b"]",
    b"]",
    b"\\",
    b"\\",
    b"!",
    b"^",
    b"-",
    b"-",
    b"*",
    b"*",
    b"?",
    b"/",
    b".",
    b":",
    b"=",
    b"a",
    b"b",
    b"c",
    b"z",
    b"A",
    b"0",
    b" ",
    b"\x0b",
    b"\x7f",
    b"\x80",
    b"\xc3",
    b"\xff",
    b"[:alpha:]",
    b"[:digit:]",
    b"[:upper:]",
    b"[:space:]",
    b"[:punct:]",
    b"[:print:]",
    b"[:xdigit:]",
    b"[:foo:]",
    b"[::]",
    b"[:",
    b":]",
    b"[=a=]",
    b"[==]",
    b"[=",
    b"=]",
    b"[.a.]",
    b"[.-.]",
    b"[.ab.]",
    b"[.",
    b".]",
    b"[!",
    b"[^",
    b"[]",
    b"a-z",
    b"z-a",
    b"\x80-\xff",
    b"\\]",
    b"\\[",
];

/// The bytes names are made of.
const NAME_BYTES: &[u8] = b"[]\\!^-*?/.:=abczA0 \t\x0b\x7f\x80\xc3\xff\x01";

fn pattern(rng: &mut Rng, p: &mut Vec<u8>) {
    p.clear();
    for _ in 0..rng.below(9) {
        let piece: &&[u8] = rng.pick(PIECES);
        p.extend_from_slice(piece);
    }
}

/// A name that often matches: the pattern's own bytes with some replaced,
/// dropped or added; or random bytes.
fn name(rng: &mut Rng, p: &[u8], s: &mut Vec<u8>) {
    s.clear();
    if rng.below(3) == 0 {
        for _ in 0..rng.below(7) {
            s.push(*rng.pick(NAME_BYTES));
        }
        return;
    }
    for &b in p {
        match rng.below(8) {
            0 => {}
            1 => s.push(*rng.pick(NAME_BYTES)),
            2 => {
                s.push(b);
                s.push(*rng.pick(NAME_BYTES));
            }
            _ => s.push(b),
        }
    }
}

fn main() {
    // Before any other thread exists (see the top of the file).
    std::env::remove_var("POSIXLY_CORRECT");
    let (mut passed, mut failed) = (0u32, 0u32);

    let cases = fixed();
    assert!(
        cases
            .iter()
            .all(|(p, s, _)| !p.contains(&0) && !s.contains(&0))
            && PIECES.iter().all(|p| !p.contains(&0))
            && !NAME_BYTES.contains(&0),
        "C strings hold no NUL"
    );
    let mut wrong = 0;
    for (p, s, want) in &cases {
        let got = glob::fnmatch(p, s);
        let mut line = String::new();
        if got != *want {
            line += &format!(" mtouch says {got}, the table {want}");
        }
        if LIBC == "glibc" {
            let c = c_fnmatch(p, s);
            if c != *want {
                line += &format!(" glibc says {c}, the table {want}");
            }
        }
        if !line.is_empty() {
            wrong += 1;
            println!("  fixed {} against {}:{line}", show(p), show(s));
        }
    }
    let checked_by = if LIBC == "glibc" {
        "mtouch's glob and glibc"
    } else {
        "mtouch's glob (musl's fnmatch not asked: other rules)"
    };
    println!(
        "glob fixed cases: {} cases, {wrong} wrong ({checked_by})",
        cases.len()
    );
    if wrong == 0 {
        passed += 1;
    } else {
        failed += 1;
    }

    #[cfg(not(target_env = "musl"))]
    {
        let start = Instant::now();
        let mut rng = Rng(0x6d74_6f75_6368_676c);
        let (mut differ, mut matched) = (0u64, 0u64);
        let (mut p, mut s) = (Vec::new(), Vec::new());
        for _ in 0..CASES {
            pattern(&mut rng, &mut p);
            name(&mut rng, &p, &mut s);
            let ours = glob::fnmatch(&p, &s);
            let theirs = c_fnmatch_in(&mut p, &mut s);
            matched += u64::from(theirs);
            if ours != theirs {
                differ += 1;
                if differ <= 20 {
                    println!(
                        "  differs: {} against {}: mtouch {ours}, glibc {theirs}",
                        show(&p),
                        show(&s)
                    );
                }
            }
        }
        println!(
            "glob against glibc fnmatch(..., 0): {CASES} cases ({matched} matching), \
             {differ} differences, {:.2} s",
            start.elapsed().as_secs_f64()
        );
        // A generator that never (or always) matched would test little.
        let balanced = matched > CASES / 20 && matched < CASES - CASES / 20;
        if !balanced {
            println!("  the cases are lopsided: {matched} of {CASES} match");
        }
        if differ == 0 && balanced {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    #[cfg(target_env = "musl")]
    {
        let _ = (Instant::now(), pattern, name, Rng(0).next(), c_fnmatch_in);
        println!(
            "glob against the C library: not run on musl, whose fnmatch is not \
             the glibc one mtouch follows; the gnu targets run it"
        );
    }

    println!("mmap-native-test: {passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}
