#include <zlib.h>

/// inflateInit2 is a macro: this starts an inflater that reads one gzip member (RFC 1952) and no other format.
static inline int proj_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 16 + MAX_WBITS);
}
