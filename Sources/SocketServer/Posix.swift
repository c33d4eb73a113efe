// Thin wrappers over the Glibc calls the transport makes: errors, socket options, the clock.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A system call that failed while starting the server.
public struct SocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done, e.g. `"bind 0.0.0.0:8080"`.
    public var operation: String
    /// The `errno` it left (0 when the failure was not a system call, e.g. a bad host).
    public var code: Int32

    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }

    public var description: String {
        code == 0 ? "\(operation) failed" : "\(operation) failed: \(Posix.describe(code)) (errno \(code))"
    }
}

/// Namespace for the system calls used by the transport.
enum Posix {
    /// `strerror` as a String.
    static func describe(_ code: Int32) -> String {
        guard let message = strerror(code) else { return "error \(code)" }
        return String(cString: message)
    }

    /// Writing to a peer that has gone must return EPIPE, never kill the process.
    /// (Every send also passes MSG_NOSIGNAL; this covers any other write path.)
    static func ignoreSIGPIPE() {
        _ = signal(SIGPIPE, SIG_IGN)
    }

    /// Disables Nagle's algorithm, so a small response leaves at once.
    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// O_NONBLOCK and FD_CLOEXEC on an accepted socket (accept(2) does not inherit them).
    static func setNonBlockingCloexec(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    /// Sets an integer socket option, throwing on failure.
    static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32, what: String) throws {
        var value = value
        if setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            throw SocketError(operation: what, code: errno)
        }
    }

    /// `send` with MSG_NOSIGNAL, retried on EINTR. Returns the byte count or -1 (errno set).
    @inline(__always)
    static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        while true {
            let n = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }

    static var socketStream: Int32 { Int32(SOCK_STREAM.rawValue) }
    static var nonBlockingCloexec: Int32 { Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue) }
}

/// CLOCK_MONOTONIC in nanoseconds: the instants `ConnectionLifecycle` is driven with.
enum MonotonicClock {
    @inline(__always)
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// A Duration as whole nanoseconds, saturating; negative durations are 0.
    static func nanoseconds(_ d: Duration) -> UInt64 {
        let (seconds, attoseconds) = d.components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        let (sum, overflow2) = whole.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        return overflow2 ? .max : sum
    }
}
