/// The CPU's prefetch hint: start loading the cache line at an address, with no fault and no effect on
/// results, so that lookups into tables larger than the cache overlap instead of waiting one after another.
/// It is LLVM's `llvm.prefetch` intrinsic, which the compiler turns into one instruction (`prefetcht0` on
/// x86-64, `prfm` on ARM) inline; a C helper would be an out-of-line call costing more than the hint saves.
enum Prefetch {
    @inline(__always)
    static func load(_ address: UnsafeRawPointer) {
        llvmPrefetch(address, 0, 3, 1)
    }
}

/// `llvm.prefetch(address, rw: 0 read, locality: 3 keep in every cache level, cache type: 1 data)`.
@_silgen_name("llvm.prefetch.p0")
private func llvmPrefetch(_ address: UnsafeRawPointer, _ rw: Int32, _ locality: Int32, _ cacheType: Int32)
