// Linux calls glibc declares only under _GNU_SOURCE, as plain functions Swift can import.
#ifndef PROJ_CLINUX_SHIM_H
#define PROJ_CLINUX_SHIM_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <unistd.h>

// Flushes the filesystem holding `fd` (one call for many files written without fsync).
static inline int proj_syncfs(int fd) { return syncfs(fd); }
#endif
