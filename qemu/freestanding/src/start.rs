//! `_start` for a static program with no libc and no crt, one block per
//! architecture; shared by qemu/freestanding and bench/mapcat-nolibc (which
//! mounts this file with `#[path]`). Each block hands the initial stack
//! pointer (argc, argv[], NULL, envp[], NULL, auxv) to the program's
//! `unsafe extern "C" fn start(sp: *const usize) -> !` and does only what
//! the architecture's calling convention needs on top:
//!
//! - The kernel rounds the initial stack pointer down to 16 bytes on every
//!   architecture (`STACK_ROUND` in fs/binfmt_elf.c), which is what each
//!   ABI here asks for at a call, so no block aligns it again.
//! - No block zeroes the frame pointer or the return address: the kernel
//!   starts a process with them zeroed on x86_64, aarch64 and arm, and with
//!   panic = "abort" nothing walks the stack anyway.
//! - Nothing follows the call: `start` never returns.

#[cfg(target_arch = "x86_64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "mov rdi, rsp",
    "call {entry}",
    entry = sym crate::start,
);

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "mov x0, sp",
    "bl {entry}",
    entry = sym crate::start,
);

#[cfg(target_arch = "riscv64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "mv a0, sp",
    "call {entry}",
    entry = sym crate::start,
);

// i386 cdecl: the argument goes on the stack, and the stack is 16-byte
// aligned at the call (12 + the 4 of the argument).
#[cfg(target_arch = "x86")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "mov eax, esp",
    "sub esp, 12",
    "push eax",
    "call {entry}",
    entry = sym crate::start,
);

// ARM or Thumb alike.
#[cfg(target_arch = "arm")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "mov r0, sp",
    "bl {entry}",
    entry = sym crate::start,
);

// The callee may store registers in the 160 bytes above its stack pointer;
// the back chain word at 0(%r15) is zeroed, ending the chain.
#[cfg(target_arch = "s390x")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "lgr %r2, %r15",
    "aghi %r15, -160",
    "xc 0(8,%r15), 0(%r15)",
    "brasl %r14, {entry}",
    entry = sym crate::start,
);

// ELFv2: r2 must hold the TOC pointer, computed from our own address; a
// 32-byte minimal frame with a zero back chain, where the callee saves lr.
#[cfg(target_arch = "powerpc64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "bcl 20, 31, 2f",
    "2: mflr 12",
    "addis 2, 12, (.TOC. - 2b)@ha",
    "addi 2, 2, (.TOC. - 2b)@l",
    "mr 3, 1",
    "li 0, 0",
    "stdu 0, -32(1)",
    "bl {entry}",
    entry = sym crate::start,
);
