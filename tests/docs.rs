//! The documentation against what it documents: the `consts` module's
//! table of what differs per architecture is the one the arch files give,
//! and the README has no link that breaks on the crate registry.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const TABLE: &str = "arch/consts.md";

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The architectures of `arch/mod.rs`'s one list, in its order, as
/// (name, file); the Miri line is not an architecture.
fn architectures() -> Vec<(String, String)> {
    let src = read("arch/mod.rs");
    let list = &src[src.find("architectures! {").expect("arch/mod.rs: the list")..];
    let flat: String = list.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.split(';')
        .filter_map(|entry| {
            let entry = entry.trim();
            let name = entry.split('"').nth(1)?;
            let file = entry.split("=> \"").nth(1)?.split('"').next()?;
            (name != "Miri").then(|| (name.to_owned(), file.to_owned()))
        })
        .collect()
}

/// The `pub const NAME: c_int = VALUE;` lines of `src` (within its
/// `pub mod consts` block when `block` is set), as NAME -> VALUE.
fn constants(src: &str, block: bool) -> BTreeMap<String, String> {
    let src = if block {
        let at = src
            .find("pub mod consts {")
            .expect("a `pub mod consts` block");
        &src[at..]
    } else {
        src
    };
    src.lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("pub const ")?;
            let (name, rest) = rest.split_once(':')?;
            let value = rest.split_once('=')?.1.trim().trim_end_matches(';');
            Some((name.trim().to_owned(), value.to_owned()))
        })
        .collect()
}

/// The table: each architecture, and what its file adds to or changes in
/// the asm-generic values of `arch/generic.rs`.
fn render() -> String {
    let generic = constants(&read("arch/generic.rs"), false);
    let mut t = String::from(
        "| architecture | file | what differs from the asm-generic values |\n|---|---|---|\n",
    );
    for (name, file) in architectures() {
        let own = constants(&read(&format!("arch/{file}")), true);
        let cells: Vec<String> = own
            .iter()
            .map(|(k, v)| match generic.get(k) {
                Some(g) => format!("`{k}` = `{v}` (generic `{g}`)"),
                None => format!("`{k}` = `{v}` (its own)"),
            })
            .collect();
        let cell = if cells.is_empty() {
            "nothing: the generic values".to_owned()
        } else {
            cells.join(", ")
        };
        writeln!(t, "| {name} | `arch/{file}` | {cell} |").unwrap();
    }
    t
}

#[test]
#[cfg_attr(
    miri,
    ignore = "text work on the arch files, no call of the crate: nothing for Miri to check"
)]
fn consts_table_is_the_arch_files() {
    assert!(
        read(TABLE) == render(),
        "{TABLE} is not what the arch files give; write it with \
         `cargo test --test docs -- --ignored write_consts_table`"
    );
}

/// Not a check: writes the table that the `consts` module's docs include.
#[test]
#[ignore = "writes arch/consts.md: run it after changing an arch file's constants"]
fn write_consts_table() {
    std::fs::write(format!("{ROOT}/{TABLE}"), render()).unwrap();
}

/// A relative link in the README points into the source tree, which the
/// crate registry does not have: every link there is absolute or an
/// anchor.
#[test]
#[cfg_attr(miri, ignore = "text work on README.md: nothing for Miri to check")]
fn readme_links_work_on_the_registry() {
    let text = read("README.md");
    let relative: Vec<&str> = text
        .match_indices("](")
        .map(|(i, _)| &text[i + 2..])
        .map(|rest| &rest[..rest.find(')').unwrap_or(rest.len())])
        .filter(|url| !url.starts_with('#') && !url.contains("://"))
        .collect();
    assert!(
        relative.is_empty(),
        "relative links in README.md: {relative:?}"
    );
}

/// The seed's example (`examples/seed.rs`), as the README shows it: the
/// package's name from the first 50 bytes of Cargo.toml, and a clear
/// failure where there is none or no file.
#[test]
#[cfg_attr(miri, ignore = "starts a program: not emulated by Miri")]
fn seed_example_finds_the_package_name() {
    let run = |arg: &str| {
        let out = common::example("seed").arg(arg).output().unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let (code, out, err) = run(&format!("{ROOT}/Cargo.toml"));
    assert_eq!((code, err.as_str()), (Some(0), ""), "{out}");
    assert!(out.starts_with("first 50 bytes: \"[package]\\nname = \\\"mmap-native\\\""));
    assert!(out.ends_with("\npackage: mmap-native\n"), "{out}");

    let (code, _, err) = run(&format!("{ROOT}/README.md"));
    assert_eq!(code, Some(1));
    assert!(err.starts_with("seed: no `name = \"...\"` line in the first 50 bytes"));
    let (code, out, err) = run("/nonexistent/Cargo.toml");
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert!(err.starts_with("seed: /nonexistent/Cargo.toml: "), "{err}");
}
