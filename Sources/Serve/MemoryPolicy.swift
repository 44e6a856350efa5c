/// glibc's allocator, set for a long-running server: large blocks (request bodies, row arrays) are mapped
/// and unmapped on their own, so a burst of large requests does not leave the heap grown; two arenas
/// rather than one per thread; free memory at the heap's top goes back to the system past 256 KiB.
/// Called once, before any thread starts.
public enum MemoryPolicy {
    public static func apply() {
        #if os(Linux)
        // <malloc.h>'s parameter numbers; Glibc's module does not export that header.
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3, arenaMax: Int32 = -8
        _ = mallopt(arenaMax, 2)
        _ = mallopt(mmapThreshold, 256 << 10)
        _ = mallopt(trimThreshold, 256 << 10)
        #endif
    }

    /// Gives the memory freed so far back to the system: loading a model parses its files into trees and
    /// arrays that are freed once the model's tables are built, and glibc would otherwise keep those pages.
    /// Called once the model is loaded.
    public static func releaseFree() {
        #if os(Linux)
        _ = malloc_trim(0)
        #endif
    }
}

#if os(Linux)
@_silgen_name("mallopt")
private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32

@_silgen_name("malloc_trim")
private func malloc_trim(_ pad: Int) -> Int32
#endif
