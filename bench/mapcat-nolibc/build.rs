//! Hands rust-lld the program's linker script (`link.ld`), unless
//! `MAPCAT_NO_LINK_SCRIPT` is set (bench/run builds that variant too, to
//! show what the script is worth).
fn main() {
    println!("cargo:rerun-if-changed=link.ld");
    println!("cargo:rerun-if-env-changed=MAPCAT_NO_LINK_SCRIPT");
    if std::env::var_os("MAPCAT_NO_LINK_SCRIPT").is_none() {
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
        println!("cargo:rustc-link-arg-bins=-T{dir}/link.ld");
    }
}
