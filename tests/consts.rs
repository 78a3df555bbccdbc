//! Every constant against an independent source for the target being built:
//! the `libc` crate, and where `libc` lacks one, the target's own kernel
//! headers through its C compiler.

use core::ffi::c_int;
use mmap_native::consts as c;
use mmap_native::{
    Advice, MapFlags, MfdFlags, MlockAllFlags, MlockFlags, MremapFlags, MsFlags, PkeyAccess, Prot,
    Seals,
};

macro_rules! same_as_libc {
    ($($name:ident),* $(,)?) => {
        // libc types a few of these as c_uint (MLOCK_ONFAULT); the kernel's are int.
        $( #[allow(clippy::unnecessary_cast)]
           { assert_eq!(c::$name, libc::$name as c_int, stringify!($name)); } )*
    };
}

#[test]
fn constants_match_libc() {
    same_as_libc!(
        PROT_READ,
        PROT_WRITE,
        PROT_EXEC,
        PROT_NONE,
        PROT_GROWSDOWN,
        PROT_GROWSUP,
        MAP_SHARED,
        MAP_PRIVATE,
        MAP_SHARED_VALIDATE,
        MAP_TYPE,
        MAP_DROPPABLE,
        MAP_FIXED,
        MAP_ANONYMOUS,
        MAP_FILE,
        MAP_GROWSDOWN,
        MAP_DENYWRITE,
        MAP_EXECUTABLE,
        MAP_LOCKED,
        MAP_NORESERVE,
        MAP_POPULATE,
        MAP_NONBLOCK,
        MAP_STACK,
        MAP_HUGETLB,
        MAP_SYNC,
        MAP_FIXED_NOREPLACE,
        MAP_HUGE_SHIFT,
        MAP_HUGE_MASK,
        MAP_HUGE_64KB,
        MAP_HUGE_512KB,
        MAP_HUGE_1MB,
        MAP_HUGE_2MB,
        MAP_HUGE_8MB,
        MAP_HUGE_16MB,
        MAP_HUGE_32MB,
        MAP_HUGE_256MB,
        MAP_HUGE_512MB,
        MAP_HUGE_1GB,
        MAP_HUGE_2GB,
        MAP_HUGE_16GB,
        MLOCK_ONFAULT,
        MCL_CURRENT,
        MCL_FUTURE,
        MCL_ONFAULT,
        MS_ASYNC,
        MS_INVALIDATE,
        MS_SYNC,
        MADV_NORMAL,
        MADV_RANDOM,
        MADV_SEQUENTIAL,
        MADV_WILLNEED,
        MADV_DONTNEED,
        MADV_FREE,
        MADV_REMOVE,
        MADV_DONTFORK,
        MADV_DOFORK,
        MADV_MERGEABLE,
        MADV_UNMERGEABLE,
        MADV_HUGEPAGE,
        MADV_NOHUGEPAGE,
        MADV_DONTDUMP,
        MADV_DODUMP,
        MADV_WIPEONFORK,
        MADV_KEEPONFORK,
        MADV_COLD,
        MADV_PAGEOUT,
        MADV_POPULATE_READ,
        MADV_POPULATE_WRITE,
        MADV_DONTNEED_LOCKED,
        MADV_HWPOISON,
        MADV_SOFT_OFFLINE,
        MREMAP_MAYMOVE,
        MREMAP_FIXED,
        MREMAP_DONTUNMAP,
    );
    // memfd_create's flags and the seals (linux/memfd.h, linux/fcntl.h).
    same_as_libc!(
        MFD_CLOEXEC,
        MFD_ALLOW_SEALING,
        MFD_HUGETLB,
        MFD_NOEXEC_SEAL,
        MFD_EXEC,
        MFD_HUGE_SHIFT,
        MFD_HUGE_MASK,
        MFD_HUGE_64KB,
        MFD_HUGE_512KB,
        MFD_HUGE_1MB,
        MFD_HUGE_2MB,
        MFD_HUGE_8MB,
        MFD_HUGE_16MB,
        MFD_HUGE_32MB,
        MFD_HUGE_256MB,
        MFD_HUGE_512MB,
        MFD_HUGE_1GB,
        MFD_HUGE_2GB,
        MFD_HUGE_16GB,
        F_ADD_SEALS,
        F_GET_SEALS,
        F_SEAL_SEAL,
        F_SEAL_SHRINK,
        F_SEAL_GROW,
        F_SEAL_WRITE,
        F_SEAL_FUTURE_WRITE,
        F_SEAL_EXEC,
    );
    // libc has MADV_COLLAPSE for glibc targets only.
    #[cfg(target_env = "gnu")]
    same_as_libc!(MADV_COLLAPSE);
    #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
    same_as_libc!(MAP_32BIT);
    #[cfg(all(target_arch = "aarch64", target_env = "gnu"))]
    same_as_libc!(PROT_BTI, PROT_MTE);
}

/// What `libc` 0.2 lacks for these targets, checked against the target's
/// kernel headers (`<linux/mman.h>` and what it includes) with its C
/// compiler: PROT_SEM, MAP_UNINITIALIZED, MAP_HUGE_16KB, MADV_COLLAPSE (musl),
/// PKEY_DISABLE_ACCESS, PKEY_DISABLE_WRITE, and for aarch64 PKEY_DISABLE_EXECUTE
/// and PKEY_DISABLE_READ, for x86_64 and x86 MAP_ABOVE4G, for powerpc64
/// PROT_SAO, MAP_RENAME and PKEY_DISABLE_EXECUTE (and, a second time, the
/// values powerpc64 overrides: MAP_LOCKED, MAP_NORESERVE, MCL_*). Debian 12's headers (Linux
/// 6.1) predate MAP_DROPPABLE (6.11), MAP_ABOVE4G (6.5), MADV_GUARD_INSTALL
/// and MADV_GUARD_REMOVE (6.13) and the aarch64 POE keys (6.12): those are
/// checked when the headers have them and otherwise against Linux 6.18's
/// `include/uapi/asm-generic/mman-common.h` (MADV_GUARD_INSTALL 102,
/// MADV_GUARD_REMOVE 103), `include/uapi/linux/mman.h` (MAP_DROPPABLE 0x08,
/// also in `libc`), `arch/x86/include/uapi/asm/mman.h` (MAP_ABOVE4G 0x80) and
/// `arch/arm64/include/uapi/asm/mman.h` (PKEY_DISABLE_EXECUTE 0x4,
/// PKEY_DISABLE_READ 0x8), read by hand.
#[test]
#[cfg_attr(
    miri,
    ignore = "runs the target's C compiler on its kernel headers: Miri cannot start processes"
)]
fn constants_match_kernel_headers() {
    #[allow(unused_mut)] // only x86_64, x86, aarch64 and powerpc64 add their own
    let mut checks = vec![
        ("PROT_SEM", c::PROT_SEM),
        ("MAP_UNINITIALIZED", c::MAP_UNINITIALIZED),
        ("MAP_HUGE_16KB", c::MAP_HUGE_16KB),
        ("MADV_COLLAPSE", c::MADV_COLLAPSE),
        ("MADV_GUARD_INSTALL", c::MADV_GUARD_INSTALL),
        ("MADV_GUARD_REMOVE", c::MADV_GUARD_REMOVE),
        ("PKEY_DISABLE_ACCESS", c::PKEY_DISABLE_ACCESS),
        ("PKEY_DISABLE_WRITE", c::PKEY_DISABLE_WRITE),
        ("MAP_DROPPABLE", c::MAP_DROPPABLE),
    ];
    #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
    checks.push(("MAP_ABOVE4G", c::MAP_ABOVE4G));
    #[cfg(target_arch = "powerpc64")]
    checks.extend([
        ("PROT_SAO", c::PROT_SAO),
        ("MAP_RENAME", c::MAP_RENAME),
        ("MAP_LOCKED", c::MAP_LOCKED),
        ("MAP_NORESERVE", c::MAP_NORESERVE),
        ("MCL_CURRENT", c::MCL_CURRENT),
        ("MCL_FUTURE", c::MCL_FUTURE),
        ("MCL_ONFAULT", c::MCL_ONFAULT),
        ("PKEY_DISABLE_EXECUTE", c::PKEY_DISABLE_EXECUTE),
    ]);
    #[cfg(target_arch = "aarch64")]
    checks.extend([
        ("PKEY_DISABLE_EXECUTE", c::PKEY_DISABLE_EXECUTE),
        ("PKEY_DISABLE_READ", c::PKEY_DISABLE_READ),
        ("PROT_BTI", c::PROT_BTI),
        ("PROT_MTE", c::PROT_MTE),
    ]);
    let mut src = String::from("#include <linux/mman.h>\nconst char *missing[] = {\n");
    for (name, _) in &checks {
        src += &format!("#ifndef {name}\n\"{name}\",\n#endif\n");
    }
    src += "0};\n";
    for (name, v) in &checks {
        src += &format!(
            "#ifdef {name}\n_Static_assert(({name}) == ({v}), \"{name} is not {v}\");\n#endif\n"
        );
    }
    // The target's compiler (the headers differ per architecture).
    let cc = if cfg!(target_arch = "x86_64") {
        "cc".to_owned()
    } else if cfg!(target_arch = "x86") {
        "i686-linux-gnu-gcc".to_owned()
    } else if cfg!(target_arch = "arm") {
        "arm-linux-gnueabihf-gcc".to_owned()
    } else if cfg!(target_arch = "powerpc64") {
        "powerpc64le-linux-gnu-gcc".to_owned()
    } else {
        format!("{}-linux-gnu-gcc", std::env::consts::ARCH)
    };
    let dir = std::env::temp_dir().join(format!("mmap-native-hdr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("check.c");
    std::fs::write(&file, &src).unwrap();
    let out = std::process::Command::new(&cc)
        .args(["-fsyntax-only", "-E", "-dD"])
        .arg(&file)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("cannot run the target's C compiler `{cc}` ({e}); qemu/test installs it"),
    };
    assert!(
        out.status.success(),
        "{cc}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = std::process::Command::new(&cc)
        .arg("-fsyntax-only")
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        status.status.success(),
        "kernel headers disagree:\n{}",
        String::from_utf8_lossy(&status.stderr)
    );
    // Name the ones these headers did not have, so the run says what it did
    // not check this way.
    let pre = String::from_utf8_lossy(&out.stdout);
    let missing: Vec<_> = checks
        .iter()
        .filter(|(n, _)| !pre.contains(&format!("#define {n} ")))
        .map(|(n, _)| *n)
        .collect();
    println!("not in these kernel headers (checked against Linux 6.18 by hand): {missing:?}");
}

#[test]
fn typed_flags_are_the_constants() {
    assert_eq!(Prot::NONE.bits(), c::PROT_NONE);
    assert_eq!((Prot::READ | Prot::WRITE | Prot::EXEC).bits(), 7);
    assert_eq!(MapFlags::FIXED_NOREPLACE.bits(), libc::MAP_FIXED_NOREPLACE);
    assert_eq!(MapFlags::huge_page_size(21), MapFlags::HUGE_2MB);
    assert_eq!(MapFlags::huge_page_size(21).bits(), libc::MAP_HUGE_2MB);
    assert_eq!(MapFlags::huge_page_size(34).bits(), libc::MAP_HUGE_16GB);
    assert_eq!(MsFlags::SYNC.bits(), libc::MS_SYNC);
    assert_eq!(MlockFlags::ONFAULT.bits(), c::MLOCK_ONFAULT);
    assert_eq!(MlockAllFlags::ONFAULT.bits(), libc::MCL_ONFAULT);
    assert_eq!(MremapFlags::DONTUNMAP.bits(), libc::MREMAP_DONTUNMAP);
    assert_eq!(Advice::COLLAPSE.raw(), 25);
    assert_eq!(Advice::from_raw(1234).raw(), 1234);
    // Unknown bits survive, so a newer kernel's flag still reaches it.
    let unknown = MapFlags::from_bits_retain(1 << 30);
    assert_eq!((MapFlags::PRIVATE | unknown).bits(), 2 | 1 << 30);
    assert_eq!((!MsFlags::empty()).bits(), -1);
    assert!(Advice::DONTNEED.may_change_contents());
    assert!(Advice::from_raw(26).may_change_contents());
    assert!(!Advice::SEQUENTIAL.may_change_contents());
    assert_eq!(MfdFlags::huge_page_size(21), MfdFlags::HUGE_2MB);
    assert_eq!(
        MfdFlags::huge_page_size(34).bits(),
        libc::MFD_HUGE_16GB as c_int
    );
    assert_eq!(
        (MfdFlags::CLOEXEC | MfdFlags::ALLOW_SEALING).bits() as libc::c_uint,
        libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING
    );
    assert_eq!(Seals::WRITE.bits(), libc::F_SEAL_WRITE);
    assert_eq!(
        (Seals::SHRINK | Seals::GROW).bits(),
        libc::F_SEAL_SHRINK | libc::F_SEAL_GROW
    );
    assert_eq!(PkeyAccess::DISABLE_WRITE.bits(), c::PKEY_DISABLE_WRITE);
    assert_eq!(PkeyAccess::from_bits_retain(1 << 20).bits(), 1 << 20);
}
