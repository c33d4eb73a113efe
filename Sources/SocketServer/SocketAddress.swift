// Turning the configured host string into a socket address.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An IPv4 or IPv6 address with a port, ready for `bind(2)`.
enum SocketAddress {
    case v4(sockaddr_in)
    case v6(sockaddr_in6)

    /// `AF_INET` or `AF_INET6`.
    var family: Int32 {
        switch self {
        case .v4: return AF_INET
        case .v6: return AF_INET6
        }
    }

    /// Resolves `host`: IPv4 and IPv6 literals are parsed directly, `"localhost"` means
    /// 127.0.0.1 (whatever /etc/hosts lists first), and any other name goes through
    /// `getaddrinfo`, taking its first IPv4 or IPv6 result.
    static func resolve(host: String, port: Int) throws -> SocketAddress {
        guard (0...65535).contains(port) else {
            throw SocketError(operation: "port \(port) is out of range; resolve", code: 0)
        }
        let netPort = in_port_t(UInt16(port).bigEndian)
        let name = host == "localhost" ? "127.0.0.1" : host

        var v4 = sockaddr_in()
        if inet_pton(AF_INET, name, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = netPort
            return .v4(v4)
        }
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET6, name, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = netPort
            return .v6(v6)
        }
        return try lookUp(name, port: netPort)
    }

    private static func lookUp(_ name: String, port: in_port_t) throws -> SocketAddress {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Posix.socketStream
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0, let first = list else {
            throw SocketError(operation: "resolve host \"\(name)\"", code: 0)
        }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            if info.pointee.ai_family == AF_INET, let raw = info.pointee.ai_addr {
                var v4 = UnsafeRawPointer(raw).loadUnaligned(as: sockaddr_in.self)
                v4.sin_port = port
                return .v4(v4)
            }
            if info.pointee.ai_family == AF_INET6, let raw = info.pointee.ai_addr {
                var v6 = UnsafeRawPointer(raw).loadUnaligned(as: sockaddr_in6.self)
                v6.sin6_port = port
                return .v6(v6)
            }
            entry = info.pointee.ai_next
        }
        throw SocketError(operation: "resolve host \"\(name)\" (no IPv4 or IPv6 address)", code: 0)
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch self {
        case .v4(var a):
            return withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6(var a):
            return withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }

    /// The port a bound socket got (for port 0), read with `getsockname`.
    static func boundPort(of fd: Int32) throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { throw SocketError(operation: "getsockname", code: errno) }
        let family = Int32(storage.ss_family)
        return withUnsafeBytes(of: &storage) { raw -> Int in
            if family == AF_INET6 {
                return Int(UInt16(bigEndian: raw.loadUnaligned(as: sockaddr_in6.self).sin6_port))
            }
            return Int(UInt16(bigEndian: raw.loadUnaligned(as: sockaddr_in.self).sin_port))
        }
    }
}
