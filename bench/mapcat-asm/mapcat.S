/* mapcat FILE: maps FILE read-only and writes it to stdout, in x86_64 asm.
   The same program as bench/mapcat-nolibc (Rust) and bench/mapcat-c (C):
   exit 0 when the whole file was written, 1 when a call failed, 2 without
   a FILE argument. No libc; `bench/run` assembles it with `as` and links
   it with `ld -static -s --build-id=none -z noseparate-code`. */
        .intel_syntax noprefix
        .text
        .globl _start
_start:
        mov     edi, 2
        cmp     qword ptr [rsp], 2      /* argc */
        jb      exit
        mov     rsi, [rsp + 16]         /* argv[1] */
        mov     edi, -100               /* AT_FDCWD */
        xor     edx, edx                /* O_RDONLY */
        mov     eax, 257                /* openat */
        syscall
        test    eax, eax
        js      fail
        mov     r8d, eax                /* fd, mmap's 5th argument */
        mov     edi, eax
        xor     esi, esi
        mov     edx, 2                  /* SEEK_END */
        mov     eax, 8                  /* lseek */
        syscall
        test    rax, rax
        js      fail
        jz      done
        mov     rbx, rax                /* len */
        xor     edi, edi
        mov     rsi, rax
        mov     edx, 1                  /* PROT_READ */
        mov     r10d, 2                 /* MAP_PRIVATE */
        xor     r9d, r9d
        mov     eax, 9                  /* mmap */
        syscall
        cmp     rax, -4095
        jae     fail
        mov     rsi, rax                /* next byte to write */
write:
        mov     rdx, rbx
        mov     edi, 1                  /* stdout */
        mov     eax, 1                  /* write */
        syscall
        cmp     rax, -4                 /* EINTR: again */
        je      write
        test    rax, rax
        jle     fail
        add     rsi, rax
        sub     rbx, rax
        jnz     write
done:
        xor     edi, edi
        jmp     exit
fail:
        mov     edi, 1
exit:
        mov     eax, 231                /* exit_group */
        syscall
        .section .note.GNU-stack, "", @progbits
