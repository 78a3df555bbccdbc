//! `-i` and `-I` patterns: what glibc's `fnmatch(pattern, name, 0)` answers
//! in the C locale, which is what `vmtouch` asks (flags 0, no `setlocale`).
//!
//! The rules, as glibc 2.36 applies them (`posix/fnmatch_loop.c`):
//!
//! - `*` matches any run of bytes, `?` any one byte, `/` and a leading `.`
//!   included (no `FNM_PATHNAME`, no `FNM_PERIOD`).
//! - `\x` matches `x`; a trailing `\` matches nothing.
//! - `[...]` matches one byte. `!` or `^` first negates. The first member
//!   may be `]` (a plain member there). `a-z` is a range of byte values;
//!   `-` first, last, or right after a range is a plain member. `\x`
//!   inside is `x`, also as a range end. `[:alpha:]` and the other eleven
//!   C-locale classes are classes (ASCII only); `[=x=]` and `[.x.]` are the
//!   byte `x`.
//! - A `[` without its `]` is a plain `[`, and the pattern goes on after it.
//! - Some malformed brackets match nothing at all: an unknown class name
//!   (`[[:foo:]]`), a `[.` without `.]` or naming more than one byte, a
//!   range with no end (`[a-`), a trailing `\` inside. After a member has
//!   matched, glibc skips the rest of the bracket, and that skip is stricter
//!   about `[=`: `[a[=b]` matches `b` (the `[=` read as plain bytes) but not
//!   `a`.
//!
//! Not followed: `POSIXLY_CORRECT`, which makes glibc take `^` as a plain
//! member; here `^` always negates, as glibc does by default.
//!
//! Pure code, no crate or libc use: `tests/glob.rs` includes this file and
//! compares it with the C library's `fnmatch`.

/// glibc's `CHAR_CLASS_MAX_LENGTH` (`CHARCLASS_NAME_MAX`, 2048): a class
/// name this long makes the pattern match nothing.
const CLASS_NAME_MAX: usize = 2048;

/// `fnmatch(pattern, name, 0) == 0` in glibc's C locale.
pub fn fnmatch(pattern: &[u8], name: &[u8]) -> bool {
    // Every element but `*` matches exactly one byte, so backtracking to
    // the last `*` finds a match whenever there is one.
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < name.len() {
        let next = match pattern.get(pi) {
            Some(b'*') => {
                pi += 1;
                star = Some((pi, si));
                continue;
            }
            Some(_) => element(pattern, pi, name[si]),
            None => None,
        };
        match (next, star) {
            (Some(n), _) => {
                pi = n;
                si += 1;
            }
            (None, Some((sp, ss))) => {
                pi = sp;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            (None, None) => return false,
        }
    }
    pattern[pi..].iter().all(|&c| c == b'*')
}

/// The byte at `i`, or 0 past the end: the C string's terminator, which
/// glibc's rules test for.
fn at(p: &[u8], i: usize) -> u8 {
    p.get(i).copied().unwrap_or(0)
}

/// Matches `c` against the element at `p[i]` (not `*`); where the pattern
/// goes on if it matches.
fn element(p: &[u8], i: usize, c: u8) -> Option<usize> {
    match p[i] {
        b'?' => Some(i + 1),
        // Trailing, at(i + 1) is 0, which no byte of a name is.
        b'\\' => (c != 0 && at(p, i + 1) == c).then_some(i + 2),
        b'[' => bracket(p, i + 1, c),
        b => (b == c).then_some(i + 1),
    }
}

/// How the walk over a bracket's members ended.
enum Members {
    /// A member matched; the index after it.
    Matched(usize),
    /// The closing `]` came first; the index after it.
    End(usize),
    /// The pattern ended first.
    Unterminated,
}

/// The bracket expression whose `[` is just before `p[start]`, against `c`.
fn bracket(p: &[u8], start: usize, c: u8) -> Option<usize> {
    let not = matches!(at(p, start), b'!' | b'^');
    let (found, end) = match members(p, start + usize::from(not), c)? {
        Members::Matched(rest) => match skip_rest(p, rest)? {
            Some(end) => (true, end),
            None => return (c == b'[').then_some(start),
        },
        Members::End(end) => (false, end),
        // A plain `[`; the pattern goes on right after it.
        Members::Unterminated => return (c == b'[').then_some(start),
    };
    (found != not).then_some(end)
}

/// Walks the members from `p[i]` (the first, after any `!`) until one
/// matches `c` or the bracket ends. `None`: no byte matches here (glibc's
/// `return FNM_NOMATCH`; an earlier `*` may still try further on).
fn members(p: &[u8], mut i: usize, c: u8) -> Option<Members> {
    // `m` is a member's first byte, `i` the index after it. The first
    // member is never the closing `]`: the test for it ends each turn.
    let mut m = at(p, i);
    i += 1;
    loop {
        // The member as one byte `lo`, and whether a range follows it.
        let (lo, ranged) = if m == b'\\' {
            if at(p, i) == 0 {
                return None;
            }
            i += 1;
            (at(p, i - 1), range_follows(p, i))
        } else if m == b'[' && at(p, i) == b':' {
            match class_member(p, i)? {
                Some((is, after)) => {
                    if is(c) {
                        return Some(Members::Matched(after));
                    }
                    (m, i) = (at(p, after), after + 1);
                    if m == b']' {
                        return Some(Members::End(i));
                    }
                    continue;
                }
                // Not a class: `[` is a member, and `:` the next one.
                None => (b'[', range_follows(p, i)),
            }
        } else if m == b'[' && at(p, i) == b'=' {
            let x = at(p, i + 1);
            if x != 0 && at(p, i + 2) == b'=' && at(p, i + 3) == b']' {
                if c == x {
                    return Some(Members::Matched(i + 4));
                }
                (m, i) = (at(p, i + 4), i + 5);
                if m == b']' {
                    return Some(Members::End(i));
                }
                continue;
            }
            (b'[', range_follows(p, i))
        } else if m == 0 {
            return Some(Members::Unterminated);
        } else if m == b'[' && at(p, i) == b'.' {
            let (x, after) = collating(p, i)?;
            i = after;
            // glibc's test for a symbol as a range start lacks the `]`
            // case: `[[.a.]-]` does not match `a` (nor `-`, then).
            (x, at(p, i) == b'-' && at(p, i + 1) != 0)
        } else {
            (m, range_follows(p, i))
        };
        if !ranged && c == lo {
            return Some(Members::Matched(i));
        }
        m = at(p, i);
        i += 1;
        if m == b'-' && at(p, i) != b']' {
            let mut hi = at(p, i);
            i += 1;
            if hi == b'[' && at(p, i) == b'.' {
                (hi, i) = collating(p, i)?;
            } else {
                if hi == b'\\' {
                    hi = at(p, i);
                    i += 1;
                }
                if hi == 0 {
                    return None;
                }
            }
            // Byte values: the C locale's collation order.
            if lo <= c && c <= hi {
                return Some(Members::Matched(i));
            }
            m = at(p, i);
            i += 1;
        }
        if m == b']' {
            return Some(Members::End(i));
        }
    }
}

/// After a plain member ending before `p[i]`: a range follows it.
fn range_follows(p: &[u8], i: usize) -> bool {
    at(p, i) == b'-' && !matches!(at(p, i + 1), 0 | b']')
}

/// A byte glibc takes into a class name: its test `c < 'a' || c >= 'z'`
/// ends one, so a `z` does too (no class name has one).
fn class_byte(c: u8) -> bool {
    (b'a'..=b'y').contains(&c)
}

/// `[:name:]` with `p[colon]` the `:`: the class test and the index after
/// `:]`; `Some(None)` if it is no class syntax (a plain `[`); `None` (no
/// byte matches) for an unknown or overlong name.
#[allow(clippy::type_complexity)]
fn class_member(p: &[u8], colon: usize) -> Option<Option<(fn(u8) -> bool, usize)>> {
    let mut j = colon;
    loop {
        if j - colon == CLASS_NAME_MAX {
            return None;
        }
        j += 1;
        let x = at(p, j);
        if x == b':' && at(p, j + 1) == b']' {
            break;
        }
        if !class_byte(x) {
            return Some(None);
        }
    }
    let is = class(&p[colon + 1..j])?;
    Some(Some((is, j + 2)))
}

/// A class of the C locale (ASCII only), by name.
fn class(name: &[u8]) -> Option<fn(u8) -> bool> {
    Some(match name {
        b"alnum" => |c: u8| c.is_ascii_alphanumeric(),
        b"alpha" => |c: u8| c.is_ascii_alphabetic(),
        b"blank" => |c: u8| c == b' ' || c == b'\t',
        b"cntrl" => |c: u8| c.is_ascii_control(),
        b"digit" => |c: u8| c.is_ascii_digit(),
        b"graph" => |c: u8| c.is_ascii_graphic(),
        b"lower" => |c: u8| c.is_ascii_lowercase(),
        b"print" => |c: u8| c == b' ' || c.is_ascii_graphic(),
        b"punct" => |c: u8| c.is_ascii_punctuation(),
        // C's isspace has \v, which is_ascii_whitespace lacks.
        b"space" => |c: u8| c == b' ' || (b'\t'..=b'\r').contains(&c),
        b"upper" => |c: u8| c.is_ascii_uppercase(),
        b"xdigit" => |c: u8| c.is_ascii_hexdigit(),
        _ => return None,
    })
}

/// `[.x.]` with `p[dot]` the first `.`: the byte `x` and the index after
/// `.]`. `None` (no byte matches): unclosed, or not one byte.
fn collating(p: &[u8], dot: usize) -> Option<(u8, usize)> {
    let mut j = dot;
    loop {
        j += 1;
        let x = at(p, j);
        if x == b'.' && at(p, j + 1) == b']' {
            break;
        }
        if x == 0 {
            return None;
        }
    }
    (j == dot + 2).then(|| (at(p, dot + 1), j + 2))
}

/// After a member matched, glibc skips to the closing `]` (the index after
/// it), reading `\x`, `[:name:]`, `[=x=]` and `[.xy.]` as units, and more
/// strictly than [`members`] does. `Some(None)`: the pattern ended first;
/// `None`: no byte matches.
fn skip_rest(p: &[u8], mut i: usize) -> Option<Option<usize>> {
    loop {
        let m = at(p, i);
        i += 1;
        match m {
            b']' => return Some(Some(i)),
            0 => return Some(None),
            b'\\' => {
                if at(p, i) == 0 {
                    return None;
                }
                i += 1;
            }
            b'[' if at(p, i) == b':' => {
                let colon = i;
                loop {
                    i += 1;
                    // This count includes the byte just read.
                    if i - colon == CLASS_NAME_MAX {
                        return None;
                    }
                    let x = at(p, i);
                    if x == b':' && at(p, i + 1) == b']' {
                        i += 2;
                        break;
                    }
                    if !class_byte(x) {
                        // Not a class: on from the `:`.
                        i = colon;
                        break;
                    }
                }
            }
            b'[' if at(p, i) == b'=' => {
                if at(p, i + 1) == 0 || at(p, i + 2) != b'=' || at(p, i + 3) != b']' {
                    return None;
                }
                i += 4;
            }
            b'[' if at(p, i) == b'.' => loop {
                i += 1;
                let x = at(p, i);
                if x == 0 {
                    return None;
                }
                if x == b'.' && at(p, i + 1) == b']' {
                    i += 2;
                    break;
                }
            },
            _ => {}
        }
    }
}
