// The listening socket: socket + options + bind + listen.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A bound, listening, non-blocking TCP socket. The `Acceptor` takes ownership of `fd`
/// and closes it when it stops.
struct ListeningSocket {
    let fd: Int32
    /// The bound port (the ephemeral one when 0 was asked for).
    let port: Int

    /// Opens a socket for `host:port` with SO_REUSEADDR (and, for IPv6, dual-stack
    /// IPV6_V6ONLY=0), binds and listens. On failure nothing stays open.
    init(host: String, port: Int, backlog: Int) throws {
        let address = try SocketAddress.resolve(host: host, port: port)
        let fd = socket(address.family, Posix.socketStream | Posix.nonBlockingCloexec, 0)
        guard fd >= 0 else { throw SocketError(operation: "socket", code: errno) }
        do {
            try Posix.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1, what: "setsockopt SO_REUSEADDR")
            if case .v6 = address {
                try Posix.setOption(fd, level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 0, what: "setsockopt IPV6_V6ONLY")
            }
            let bound = address.withSockAddr { bind(fd, $0, $1) }
            guard bound == 0 else { throw SocketError(operation: "bind \(host):\(port)", code: errno) }
            guard listen(fd, Int32(clamping: max(backlog, 1))) == 0 else {
                throw SocketError(operation: "listen", code: errno)
            }
            self.port = try SocketAddress.boundPort(of: fd)
            self.fd = fd
        } catch {
            close(fd)
            throw error
        }
    }
}
