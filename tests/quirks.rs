//! The table of emulator differences itself (`tests/common/quirks.rs`):
//! the README shows exactly it, every entry is asserted where it says, and
//! its versions and guests mean what they say.

mod common;
use common::quirks::{self, Guest, Guests, Quirk, Version, Versions, ALL};

const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
const BEGIN: &str = "<!-- quirks: generated from tests/common/quirks.rs; \
                     cargo test --test quirks -- --ignored write_readme_table -->\n";
const END: &str = "<!-- /quirks -->\n";

/// The README's text before the table, the table, and the text after.
fn readme_parts() -> (String, String, String) {
    let text = std::fs::read_to_string(README).unwrap();
    let (Some(a), Some(b)) = (text.find(BEGIN), text.find(END)) else {
        panic!("README.md has no table between {BEGIN:?} and {END:?}");
    };
    let table = &text[a + BEGIN.len()..b];
    (
        text[..a + BEGIN.len()].to_owned(),
        table.to_owned(),
        text[b..].to_owned(),
    )
}

#[test]
#[cfg_attr(
    miri,
    ignore = "text work on README.md and the test sources, no call of the crate: nothing for Miri to check, and 2.5 minutes under it"
)]
fn readme_table_is_the_quirks_table() {
    let (_, table, _) = readme_parts();
    assert!(
        table == quirks::render_markdown(),
        "README.md's table of qemu differences is not the one tests/common/quirks.rs \
         renders; write it with `cargo test --test quirks -- --ignored write_readme_table`"
    );
}

/// Not a check: writes the table into the README.
#[test]
#[ignore = "writes README.md: run it after changing tests/common/quirks.rs"]
fn write_readme_table() {
    let (head, _, tail) = readme_parts();
    std::fs::write(README, head + &quirks::render_markdown() + &tail).unwrap();
}

/// A function's text in a rustfmt-formatted file, its comments left out:
/// from `fn name` to the first line that closes a block at its indentation.
fn body_of(src: &str, func: &str) -> Option<String> {
    let start = ["(", "<"]
        .iter()
        .find_map(|open| src.find(&format!("fn {func}{open}")))?;
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let indent = &src[line_start..start];
    let indent: String = indent.chars().take_while(|c| *c == ' ').collect();
    let close = format!("\n{indent}}}\n");
    let end = src[start..].find(&close)? + start;
    let code = src[start..end]
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    Some(code)
}

#[test]
#[cfg_attr(
    miri,
    ignore = "text work on README.md and the test sources, no call of the crate: nothing for Miri to check, and 2.5 minutes under it"
)]
fn every_entry_is_asserted_where_it_says() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests");
    let mut wrong = Vec::new();
    for q in ALL {
        assert!(!q.asserted.is_empty(), "{} names no test", q.name);
        for (file, func) in q.asserted {
            let src = std::fs::read_to_string(format!("{dir}/{file}"))
                .unwrap_or_else(|e| panic!("{}: tests/{file}: {e}", q.name));
            match body_of(&src, func) {
                None => wrong.push(format!("{}: no fn {func} in tests/{file}", q.name)),
                Some(body) if !body.contains(q.name) => wrong.push(format!(
                    "{}: tests/{file} fn {func} does not ask for it",
                    q.name
                )),
                Some(_) => {}
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn names_are_unique_and_cells_fit_a_table() {
    for (i, q) in ALL.iter().enumerate() {
        assert!(
            ALL[..i].iter().all(|o| o.name != q.name),
            "{} twice",
            q.name
        );
        assert!(!q.when.is_empty(), "{} applies nowhere", q.name);
        for cell in [q.call, q.kernel, q.qemu] {
            assert!(
                !cell.contains('|') && !cell.contains('\n'),
                "{}: {cell}",
                q.name
            );
        }
    }
}

#[test]
fn versions_parse_and_bound_as_documented() {
    assert_eq!(Version::parse("7.2.22"), Some(Version(7, 2, 22)));
    assert_eq!(Version::parse("10.0.2"), Some(Version(10, 0, 2)));
    assert_eq!(Version::parse("8.2"), Some(Version(8, 2, 0)));
    for bad in ["", "7", "7.x.1", "7.2.22.1", "aarch64", " 7.2.22"] {
        assert_eq!(Version::parse(bad), None, "{bad:?}");
    }
    let (v7, v8, v9, v10) = (
        Version(7, 2, 22),
        Version(8, 2, 2),
        Version(9, 2, 1),
        Version(10, 0, 2),
    );
    // Between two measured versions, as the older one.
    let fixed = Versions::FixedBy(v7, v10);
    assert!(fixed.contains(v7) && fixed.contains(v8) && fixed.contains(v9));
    assert!(!fixed.contains(v10) && !fixed.contains(Version(11, 0, 0)));
    let new = Versions::NewBy(v7, v10);
    assert!(!new.contains(v7) && !new.contains(v9));
    assert!(new.contains(v10) && new.contains(Version(10, 1, 0)));
    let before = Versions::Before(Version(8, 1, 0));
    assert!(before.contains(v7) && before.contains(Version(8, 0, 5)));
    assert!(!before.contains(Version(8, 1, 0)) && !before.contains(v8));
    assert!(Versions::All.contains(v7) && Versions::All.contains(v10));
}

#[test]
fn guests_match_as_documented() {
    let arm = Guest {
        arch: "arm",
        bits: 32,
        big_endian: false,
        page_size: 4096,
    };
    let s390x = Guest {
        arch: "s390x",
        bits: 64,
        big_endian: true,
        page_size: 4096,
    };
    let big = Guest {
        arch: "aarch64",
        bits: 64,
        big_endian: false,
        page_size: 65536,
    };
    assert!(Guests::Bits(32).contains(&arm) && !Guests::Bits(32).contains(&s390x));
    assert!(Guests::BigEndian.contains(&s390x) && !Guests::BigEndian.contains(&arm));
    assert!(Guests::PageSize(65536).contains(&big) && !Guests::PageSize(65536).contains(&arm));
    assert!(Guests::Arch("arm").contains(&arm) && !Guests::Arch("arm").contains(&big));
    let q: &Quirk = &quirks::MREMAP_NEW_LEN0_ENOMEM;
    assert!(q.applies_to(Version(7, 2, 22), &arm) && !q.applies_to(Version(10, 0, 2), &arm));
    assert!(q.applies_to(Version(10, 0, 2), &s390x));
    // Natively no entry applies; this test does not know where it runs, so
    // it only checks that asking is consistent.
    for q in ALL {
        assert_eq!(q.applies(), q.pick(false, true));
    }
}
