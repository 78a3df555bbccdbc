//! `-i` and `-I` patterns.

/// `fnmatch(pattern, name, 0)` for `*`, `?`, `[...]` (with `!` or `^` and
/// ranges) and `\` escapes.
pub fn fnmatch(p: &[u8], s: &[u8]) -> bool {
    // Classic backtracking over the last `*`.
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        let step = match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
                continue;
            }
            Some(b'?') => Some(1),
            Some(b'[') => class(&p[pi..], s[si]),
            Some(b'\\') if pi + 1 < p.len() => (p[pi + 1] == s[si]).then_some(2),
            Some(&c) => (c == s[si]).then_some(1),
            None => None,
        };
        match step {
            Some(n) => {
                pi += n;
                si += 1;
            }
            None => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Matches `c` against the bracket expression at the start of `p`; the
/// pattern bytes it spans if it matches. An unclosed `[` is a plain `[`.
fn class(p: &[u8], c: u8) -> Option<usize> {
    let negate = matches!(p.get(1), Some(b'!' | b'^'));
    let mut i = if negate { 2 } else { 1 };
    let mut hit = false;
    let mut first = true;
    loop {
        let Some(&lo) = p.get(i) else {
            return (c == b'[').then_some(1);
        };
        if lo == b']' && !first {
            break;
        }
        first = false;
        if p.get(i + 1) == Some(&b'-') && p.get(i + 2).is_some_and(|&h| h != b']') {
            hit |= (lo..=p[i + 2]).contains(&c);
            i += 3;
        } else {
            hit |= lo == c;
            i += 1;
        }
    }
    (hit != negate).then_some(i + 1)
}
