// The reusable buffer a connection reads into.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A heap buffer reused for every read of one connection. It is 64 KiB normally and 256 KiB
/// while a large chunked body is arriving (fewer syscalls and wakeups per megabyte, and still
/// small enough to stay in cache while the parser copies it into the request body; a
/// Content-Length body is read straight into the request instead, see
/// `RequestParser.readBody`). Pages untouched by reads are never committed, so idle
/// connections cost little resident memory.
///
/// Not copyable in spirit: the owner calls `deallocate()` exactly once.
struct ReadBuffer {
    static let standardSize = 64 * 1024
    static let largeSize = 256 * 1024

    private var storage: UnsafeMutableRawBufferPointer

    init() {
        storage = .allocate(byteCount: Self.standardSize, alignment: 16)
    }

    /// Current size in bytes: a read that fills it may have more behind it.
    var capacity: Int { storage.count }

    var isLarge: Bool { storage.count == Self.largeSize }

    /// One `read(2)`: the byte count, 0 at end of stream, or -1 with errno set.
    @inline(__always)
    func read(from fd: Int32) -> Int {
        Glibc.read(fd, storage.baseAddress, storage.count)
    }

    /// The first `count` bytes of the last read.
    @inline(__always)
    func bytes(_ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[0..<count])
    }

    /// Switches to the large size (contents are not kept: call between reads).
    mutating func enlarge() {
        guard !isLarge else { return }
        storage.deallocate()
        storage = .allocate(byteCount: Self.largeSize, alignment: 16)
    }

    /// Back to the standard size.
    mutating func shrink() {
        guard isLarge else { return }
        storage.deallocate()
        storage = .allocate(byteCount: Self.standardSize, alignment: 16)
    }

    mutating func deallocate() {
        storage.deallocate()
        storage = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    }
}
