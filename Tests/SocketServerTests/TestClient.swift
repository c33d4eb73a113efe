// A small blocking HTTP/1.1 client over raw sockets, for talking to the server under test.
// Every read has a timeout (SO_RCVTIMEO), so a test can never hang on the network.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct TestClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One parsed response.
struct TestResponse {
    var status: Int
    var reason: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    /// First value of a header, case-insensitive.
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A blocking TCP connection to 127.0.0.1.
/// `@unchecked Sendable`: each test uses a client from one thread at a time (possibly a
/// Dispatch thread via `blocking`), never concurrently.
final class TestClient: @unchecked Sendable {
    let fd: Int32
    private var pending: [UInt8] = []
    private var closed = false

    /// Connects to 127.0.0.1:`port`; reads time out after `timeout`.
    init(port: Int, timeout: Duration = .seconds(3)) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestClientError("socket: errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let code = errno
            Glibc.close(fd)
            throw TestClientError("connect: errno \(code)")
        }
        setReadTimeout(timeout)
    }

    deinit { close() }

    func setReadTimeout(_ timeout: Duration) {
        let (seconds, attos) = timeout.components
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int(attos / 1_000_000_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    /// Closes with SO_LINGER 0: the peer sees a reset, not a FIN.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        try bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TestClientError("send: errno \(errno)")
                }
                offset += n
            }
        }
    }

    /// Reads more bytes into `pending`. Returns false at EOF or reset; throws on timeout.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 {
            pending.append(contentsOf: chunk[0..<n])
            return true
        }
        return try endOfStream(n)
    }

    /// For a recv result <= 0: false at EOF or reset; throws on timeout or other errors.
    private func endOfStream(_ n: Int) throws -> Bool {
        if n == 0 { return false }
        let code = errno
        if code == EAGAIN || code == EWOULDBLOCK { throw TestClientError("read timed out") }
        if code == ECONNRESET { return false }
        throw TestClientError("recv: errno \(code)")
    }

    /// Reads a body of `length` bytes: what is already buffered, then straight from the
    /// socket into the result (large bodies are not copied around).
    private func readBody(_ length: Int) throws -> [UInt8] {
        let buffered = min(length, pending.count)
        var failure: (any Error)?
        let body = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            pending.withUnsafeBufferPointer { pendingBytes in
                _ = buffer.initialize(from: pendingBytes[0..<buffered])
            }
            count = buffered
            while count < length {
                let n = recv(fd, buffer.baseAddress! + count, length - count, 0)
                if n > 0 {
                    count += n
                    continue
                }
                do {
                    _ = try endOfStream(n)
                    failure = TestClientError("connection closed inside a body (\(count)/\(length))")
                } catch {
                    failure = error
                }
                buffer.baseAddress!.advanced(by: count).initialize(repeating: 0, count: length - count)
                count = length
            }
        }
        pending.removeFirst(buffered)
        if let failure { throw failure }
        return body
    }

    /// Reads one response (a 1xx counts as one). Bodies are framed by Content-Length only;
    /// `bodyless` is for the response to a HEAD request.
    func readResponse(bodyless: Bool = false) throws -> TestResponse {
        var headEnd: Int?
        while headEnd == nil {
            headEnd = findHeadEnd()
            if headEnd == nil {
                guard try fill() else { throw TestClientError("connection closed before a response head") }
            }
        }
        let head = String(decoding: pending[0..<headEnd!], as: UTF8.self)
        pending.removeFirst(headEnd! + 4)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2).map(String.init)
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else {
            throw TestClientError("bad status line: \(statusLine)")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw TestClientError("bad header line: \(line)") }
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...].drop { $0 == " " })
            headers.append((name, value))
        }
        var response = TestResponse(status: status, reason: parts.count > 2 ? parts[2] : "", headers: headers, body: [])
        if status >= 200, !bodyless, let length = response.header("Content-Length").flatMap(Int.init) {
            response.body = try readBody(length)
        }
        return response
    }

    /// Sends a request and reads its response.
    func exchange(_ request: String) throws -> TestResponse {
        try send(request)
        return try readResponse()
    }

    /// True if the server closes the connection (EOF or reset) within `timeout` without
    /// sending anything more; false if it stays open that long. Bytes received are an error.
    func waitForClose(timeout: Duration) throws -> Bool {
        setReadTimeout(timeout)
        defer { setReadTimeout(.seconds(3)) }
        do {
            if try fill() {
                throw TestClientError("unexpected bytes: \(String(decoding: pending, as: UTF8.self))")
            }
            return true
        } catch let error as TestClientError where error.description == "read timed out" {
            return false
        }
    }

    private func findHeadEnd() -> Int? {
        guard pending.count >= 4 else { return nil }
        for i in 0...(pending.count - 4)
        where pending[i] == 13 && pending[i + 1] == 10 && pending[i + 2] == 13 && pending[i + 3] == 10 {
            return i
        }
        return nil
    }
}

/// Whether a TCP connection to 127.0.0.1:`port` is refused right now.
func connectionRefused(port: Int) -> Bool {
    do {
        let client = try TestClient(port: port, timeout: .milliseconds(500))
        client.close()
        return false
    } catch {
        return true
    }
}

/// Open fds of this process that are TCP sockets with `port` as local or remote port
/// (server-side sockets and the test's own clients). Read from /proc/self/fd and
/// /proc/net/tcp{,6}, so sockets of unrelated code running in parallel are not counted.
func socketFDs(port: Int) -> Int {
    let ours = tcpSocketInodes { local, remote in local == port || remote == port }
    return openSockets().values.filter { ours.contains($0) }.count
}

/// Inodes of the TCP sockets in /proc/net/tcp{,6} whose ports satisfy `include`.
/// A socket that was reset or fully closed is no longer listed, even if an fd still holds it.
func tcpSocketInodes(_ include: (_ local: Int?, _ remote: Int?) -> Bool) -> Set<String> {
    var inodes = Set<String>()
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        guard let text = readTextFile(table) else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9 else { continue }
            let local = fields[1].split(separator: ":").last.flatMap { Int($0, radix: 16) }
            let remote = fields[2].split(separator: ":").last.flatMap { Int($0, radix: 16) }
            if include(local, remote) { inodes.insert(String(fields[9])) }
        }
    }
    return inodes
}

/// Inodes of every UNIX and UDP socket on the machine.
func nonTCPSocketInodes() -> Set<String> {
    var inodes = Set<String>()
    for (table, column) in [("/proc/net/unix", 6), ("/proc/net/udp", 9), ("/proc/net/udp6", 9)] {
        guard let text = readTextFile(table) else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            if fields.count > column { inodes.insert(String(fields[column])) }
        }
    }
    return inodes
}

/// The open fds that are sockets, with their inode.
func openSockets() -> [Int32: String] {
    var sockets: [Int32: String] = [:]
    for fd in openFDs() {
        let target = fdTarget(fd)
        if target.hasPrefix("socket:[") { sockets[fd] = String(target.dropFirst(8).dropLast()) }
    }
    return sockets
}

/// Socket fds opened since `before` that do not belong to a live TCP connection on a port
/// other than `port`: sockets of this server or its clients, including ones already reset
/// (which /proc/net/tcp no longer lists). Unrelated suites' live sockets are left out.
func socketsLeft(since before: [Int32: String], port: Int) -> [Int32] {
    // Sockets of other suites running in parallel: TCP on other ports, and any UNIX or UDP
    // socket (libcurl's wake-up socket pairs, for one) — the transport opens neither.
    let others = tcpSocketInodes { local, remote in local != port && remote != port }.union(nonTCPSocketInodes())
    return openSockets().filter { fd, inode in before[fd] != inode && !others.contains(inode) }.map(\.key)
}

func fdTarget(_ fd: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    let n = readlink("/proc/self/fd/\(fd)", &buffer, 255)
    guard n > 0 else { return "" }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The numbers in /proc/self/fd.
func openFDs() -> [Int32] {
    guard let dir = opendir("/proc/self/fd") else { return [] }
    defer { closedir(dir) }
    var fds: [Int32] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if let fd = Int32(name) { fds.append(fd) }
    }
    return fds
}

func readTextFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { Glibc.close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return String(decoding: out, as: UTF8.self)
}
