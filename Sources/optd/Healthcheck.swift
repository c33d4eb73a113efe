import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `optd healthcheck`: GET /healthz on a local server; exit 0 when it answers 200. The
/// container's HEALTHCHECK, so the image needs no curl.
struct Healthcheck: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Exit 0 when the server on this machine answers GET /healthz with 200.")

    @Option(help: "Port of the server (OPTD_PORT).")
    var port: Int = Environment.int("OPTD_PORT") ?? 8080

    @Option(help: "Seconds to wait for the answer.")
    var timeout: Int = 3

    func run() throws {
        guard let status = Self.get(path: "/healthz", port: port, timeout: timeout) else {
            throw ExitCode(2)
        }
        guard status == 200 else { throw ExitCode(1) }
    }

    /// The status code of a GET to 127.0.0.1:port, or nil when nothing answered.
    static func get(path: String, port: Int, timeout: Int) -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n >= 12 else { return nil }
        // "HTTP/1.1 200 OK"
        return Int(String(decoding: buffer[9..<12], as: UTF8.self))
    }
}
