// Linux calls glibc declares only under _GNU_SOURCE, and compiler hints, as plain functions Swift can import.
#ifndef PROJ_CLINUX_SHIM_H
#define PROJ_CLINUX_SHIM_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <unistd.h>

// Asks the CPU to start loading the cache line at `p` (a hint: no fault, no effect on results), so that
// lookups into tables larger than the cache overlap instead of waiting one after another. Always inlined:
// a call per address would cost more than the hint saves.
__attribute__((always_inline)) static inline void proj_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

// Flushes the filesystem holding `fd` (one call for many files written without fsync).
static inline int proj_syncfs(int fd) { return syncfs(fd); }
#endif
