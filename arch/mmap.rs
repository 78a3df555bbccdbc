//! The three ways Linux architectures take `mmap`'s arguments, written once.
//! Each is an arm of `mmap_form!`, and the line of the target in
//! `arch/mod.rs` expands its own, so a form is compiled only where its
//! syscall exists (there is no mmap2 on 64-bit architectures, no mmap on
//! arm). Each defines `arch::mmap`, which returns the raw result for the one
//! decoder in `src/sys/`.

macro_rules! mmap_form {
    // `mmap` in six registers, the file offset in bytes (64-bit
    // architectures).
    (bytes) => {
        /// # Safety
        ///
        /// The caller upholds mmap's contract (see `crate::mmap`).
        #[inline(always)]
        pub(crate) unsafe fn mmap(
            addr: usize,
            len: usize,
            prot: usize,
            flags: usize,
            fd: usize,
            off: u64,
        ) -> usize {
            // SAFETY: the caller upholds mmap's contract.
            unsafe {
                imp::syscall6(
                    syscalls::Sysno::mmap as usize,
                    addr,
                    len,
                    prot,
                    flags,
                    fd,
                    off as usize,
                )
            }
        }
    };

    // `mmap2`: the file offset in 4096-byte units, whatever the page size
    // (i686, armv7). An offset that is not a multiple of 4096, or whose unit
    // count does not fit 32 bits (16 TiB and up), is EINVAL before any
    // syscall, as musl and glibc answer (truncating it would map the wrong
    // bytes).
    (units) => {
        /// # Safety
        ///
        /// The caller upholds mmap's contract (see `crate::mmap`).
        #[inline(always)]
        pub(crate) unsafe fn mmap(
            addr: usize,
            len: usize,
            prot: usize,
            flags: usize,
            fd: usize,
            off: u64,
        ) -> usize {
            if off % 4096 != 0 || off >> 12 > u32::MAX as u64 {
                return (syscalls::Errno::EINVAL.into_raw() as isize).wrapping_neg() as usize;
            }
            // SAFETY: the caller upholds mmap's contract; the unit count fits.
            unsafe {
                imp::syscall6(
                    syscalls::Sysno::mmap2 as usize,
                    addr,
                    len,
                    prot,
                    flags,
                    fd,
                    (off >> 12) as usize,
                )
            }
        }
    };

    // The old `mmap`: one pointer to a block of the six arguments (s390x,
    // which has no other).
    (block) => {
        /// # Safety
        ///
        /// The caller upholds mmap's contract (see `crate::mmap`).
        #[inline(always)]
        pub(crate) unsafe fn mmap(
            addr: usize,
            len: usize,
            prot: usize,
            flags: usize,
            fd: usize,
            off: u64,
        ) -> usize {
            let block: [usize; 6] = [addr, len, prot, flags, fd, off as usize];
            // SAFETY: the caller upholds mmap's contract; the kernel reads the
            // six words of `block`, which lives until the call returns.
            unsafe { imp::syscall1(syscalls::Sysno::mmap as usize, block.as_ptr() as usize) }
        }
    };
}
