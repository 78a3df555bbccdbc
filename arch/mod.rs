//! The architecture layer, and the only place with `asm!`: one file per
//! architecture with its syscall instruction (`syscall0..syscall6`) and its
//! constant table, the asm-generic values those tables share
//! (`generic.rs`), and the three forms of `mmap`'s arguments (`mmap.rs`).
//! Only `src/sys/` calls into it (and `consts` is published as
//! `mmap_native::consts`).
//!
//! The list below is the one list of supported architectures: each line is
//! a `cfg`, the architecture's file, and the form of `mmap` it takes. The
//! first line whose `cfg` holds wins; with none, the build stops with a
//! `compile_error!` that names the supported ones. A new architecture is
//! one file and one line here.
//!
//! Above that list stands one line of another kind, which takes precedence
//! by design: under Miri (`cfg(miri)`), which interprets the program and
//! cannot run inline assembly, `miri.rs` stands in for the syscall
//! instruction and the form of `mmap` of whichever architecture's line
//! holds, by calling the C functions Miri emulates. That line still gives
//! the constant table and the fixed page size: the values are the target's
//! own under Miri too.

// The asm-generic values every constant table re-exports; powerpc64 gives
// some of them other values, which leaves the generic ones unused there.
#[cfg_attr(target_arch = "powerpc64", allow(dead_code))]
mod generic;
// The three mmap forms, as macro arms: the line of the target expands its
// own, so each form is compiled only where its syscall exists (and none
// under Miri, whose backend brings its own).
#[macro_use]
#[cfg_attr(miri, allow(unused_macros))]
mod mmap;

/// Expands to the chosen architecture's `mod native` and its `mmap`, each
/// line guarded by its `cfg` and by the negation of every line before it;
/// then `mod imp`, the syscall instruction: the architecture's own, or the
/// backend of the first line when its `cfg` holds, which also brings its own
/// `mmap`. The constant table is always the architecture's.
macro_rules! architectures {
    (
        $bname:literal if $bcfg:meta => $bfile:literal, instead of the syscall instruction;
        $($name:literal if $cfg:meta => $file:literal, mmap: $form:ident;)+
    ) => {
        architectures!(@ $bcfg [] $($name $cfg $file $form)+);
        #[cfg(not(any($($cfg),+)))]
        compile_error!(concat!(
            "mmap-native: unsupported architecture; supported are:",
            $("\n    ", $name),+
        ));
        #[cfg($bcfg)]
        #[path = $bfile]
        mod imp;
        #[cfg($bcfg)]
        pub(crate) use imp::mmap;
        #[cfg(not($bcfg))]
        use native as imp;
    };
    (@ $bcfg:meta [$($taken:meta),*] $name:literal $cfg:meta $file:literal $form:ident $($rest:tt)*) => {
        #[cfg(all($cfg, not(any($($taken),*))))]
        #[path = $file]
        #[allow(missing_docs, clippy::missing_safety_doc)]
        // Under the backend only its constant table is used.
        #[cfg_attr($bcfg, allow(dead_code))]
        mod native;
        #[cfg(all($cfg, not($bcfg), not(any($($taken),*))))]
        mmap_form!($form);
        architectures!(@ $bcfg [$($taken,)* $cfg] $($rest)*);
    };
    (@ $bcfg:meta [$($taken:meta),*]) => {};
}

architectures! {
    // Under Miri, on whichever architecture below it interprets: that
    // architecture's constant table, and instead of its syscall instruction
    // the C functions Miri emulates (arch/miri.rs).
    "Miri" if miri => "miri.rs", instead of the syscall instruction;
    "x86_64" if target_arch = "x86_64" => "x86_64.rs", mmap: bytes;
    "aarch64" if target_arch = "aarch64" => "aarch64.rs", mmap: bytes;
    "riscv64" if target_arch = "riscv64" => "riscv64.rs", mmap: bytes;
    "x86 (i686)" if target_arch = "x86" => "x86.rs", mmap: units;
    "arm (armv7 EABI)" if target_arch = "arm" => "arm.rs", mmap: units;
    "s390x" if target_arch = "s390x" => "s390x.rs", mmap: block;
    "powerpc64 little-endian (ELFv2)"
        if all(target_arch = "powerpc64", target_endian = "little") => "powerpc64.rs", mmap: bytes;
}

pub(crate) use imp::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5};
pub(crate) use native::{consts, FIXED_PAGE_SIZE};
