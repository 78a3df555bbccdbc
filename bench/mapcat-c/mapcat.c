/* mapcat FILE: maps FILE read-only and writes it to stdout. The same
   program as bench/mapcat-nolibc (Rust, no libc) and bench/mapcat-asm,
   here in C against a libc: `bench/run` builds it with
   `musl-gcc -static -Os -s`. Exit 0 when the whole file was written,
   1 when a call failed, 2 without a FILE argument. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0)
        return 1;
    off_t len = lseek(fd, 0, SEEK_END);
    if (len <= 0)
        return len < 0;
    const char *p = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return 1;
    size_t left = (size_t)len;
    while (left > 0) {
        ssize_t n = write(1, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 1;
        p += n;
        left -= (size_t)n;
    }
    return 0;
}
