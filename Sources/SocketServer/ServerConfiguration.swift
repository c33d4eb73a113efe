// Where to listen and how much to allow, with documented defaults.

import CPUFeatures
import HTTP1
#if canImport(Glibc)
import Glibc
#endif

/// Configuration of an `HTTPServer`. Every property has a default; `ServerConfiguration()`
/// listens on 0.0.0.0:8080.
public struct ServerConfiguration: Sendable {
    /// Address to bind: an IPv4 or IPv6 literal, or a host name. `"0.0.0.0"` (the default)
    /// is every IPv4 interface; `"::"` is every interface, IPv6 and (dual-stack) IPv4;
    /// `"localhost"` is 127.0.0.1.
    public var host: String
    /// TCP port; default 8080. 0 binds an ephemeral port, which `start()` returns.
    public var port: Int
    /// Parser limits (request-line, header and body sizes); default `HTTPLimits.default`.
    public var limits: HTTPLimits
    /// Idle, header and body timeouts; default `ConnectionLifecycle.Configuration()`
    /// (60 s idle, 10 s head, 10 s per 1 KiB of body). The idle timeout also bounds how long
    /// a response may make no write progress to a peer that does not read.
    public var lifecycle: ConnectionLifecycle.Configuration
    /// Most connections served at once; default 1024. A connection accepted beyond it gets a
    /// `503 Service Unavailable` problem document
    /// (`{"type":"/problems/too-many-connections",...}`) with `Connection: close`, written
    /// straight from the accept loop, and is closed at once; it never reaches the parser
    /// or the handler and does not hold a file descriptor afterwards.
    public var maxConnections: Int
    /// `listen(2)` backlog; default 512 (the kernel caps it at `net.core.somaxconn`).
    public var backlog: Int
    /// Event-loop threads the connections are spread over; default one per CPU the process
    /// may use (affinity and cgroup quota considered).
    public var eventLoops: Int

    public init(
        host: String = "0.0.0.0",
        port: Int = 8080,
        limits: HTTPLimits = .default,
        lifecycle: ConnectionLifecycle.Configuration = ConnectionLifecycle.Configuration(),
        maxConnections: Int = 1024,
        backlog: Int = 512,
        eventLoops: Int = Int(optd_available_cpus())
    ) {
        self.host = host
        self.port = port
        self.limits = limits
        self.lifecycle = lifecycle
        self.maxConnections = maxConnections
        self.backlog = backlog
        self.eventLoops = max(1, eventLoops)
    }
}
