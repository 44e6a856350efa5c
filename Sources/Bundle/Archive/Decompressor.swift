import CZlib
import CZstd

/// One compressed stream (a single gzip member or a single zstd frame) decoded in steps. The caller
/// learns exactly where the stream ends, so whatever follows it (trailing bytes, a second member or
/// frame, a skippable frame) can be refused.
protocol Decompressor: AnyObject {
    /// Decodes from `input` into `output`; returns the bytes consumed and produced, and whether the
    /// stream ended.
    func step(_ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer) throws(BundleError) -> (consumed: Int, produced: Int, ended: Bool)
}

extension Decompressor {
    /// Decodes from `input[range]` into `output[start...]`.
    func step(_ input: [UInt8], _ range: Range<Int>, into output: inout [UInt8], at start: Int) throws(BundleError) -> (consumed: Int, produced: Int, ended: Bool) {
        let result = input.withUnsafeBytes { inRaw in
            output.withUnsafeMutableBytes { outRaw in
                Result { () throws(BundleError) in
                    try step(UnsafeRawBufferPointer(rebasing: inRaw[range]), UnsafeMutableRawBufferPointer(rebasing: outRaw[start...]))
                }
            }
        }
        return try result.get()
    }
}

/// Owns a zlib inflater for one gzip member (proj_inflate_init_gzip / inflate / inflateEnd).
final class GzipDecompressor: Decompressor {
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws(BundleError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard proj_inflate_init_gzip(stream) == Z_OK else {
            stream.deallocate()
            throw .invalid(entry: nil, reason: "cannot start a gzip decoder (out of memory)")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    func step(_ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer) throws(BundleError) -> (consumed: Int, produced: Int, ended: Bool) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        let rc = inflate(stream, Z_NO_FLUSH)
        let consumed = input.count - Int(stream.pointee.avail_in)
        let produced = output.count - Int(stream.pointee.avail_out)
        switch rc {
        case Z_STREAM_END: return (consumed, produced, true)
        case Z_OK, Z_BUF_ERROR: return (consumed, produced, false)
        default:
            let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(rc)"
            throw .invalid(entry: nil, reason: "the gzip stream is damaged: \(message)")
        }
    }
}

/// Owns a zstd decoding stream for one frame (ZSTD_createDStream / ZSTD_decompressStream / ZSTD_freeDStream),
/// its window bounded to 128 MiB.
final class ZstdDecompressor: Decompressor {
    private let stream: OpaquePointer

    init() throws(BundleError) {
        guard let s = ZSTD_createDStream() else { throw .invalid(entry: nil, reason: "cannot start a zstd decoder (out of memory)") }
        stream = s
        _ = ZSTD_DCtx_setParameter(s, ZSTD_d_windowLogMax, 27)
    }

    deinit { ZSTD_freeDStream(stream) }

    func step(_ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer) throws(BundleError) -> (consumed: Int, produced: Int, ended: Bool) {
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let rc = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
        if ZSTD_isError(rc) != 0 {
            throw .invalid(entry: nil, reason: "the zstd stream is damaged: \(String(cString: ZSTD_getErrorName(rc)))")
        }
        return (inBuffer.pos, outBuffer.pos, rc == 0)
    }
}
