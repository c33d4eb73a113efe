import Optimizers

/// What the application layer needs to know; the transport's settings live in
/// `SocketServer.ServerConfiguration`.
public struct ServiceConfiguration: Sendable {
    /// When set, every /v1 route needs `Authorization: Bearer <apiKey>`.
    public var apiKey: String?
    /// Bytes all sessions' parameters and state may hold (default 8 GiB).
    public var memoryBudgetBytes: Int
    /// Most sessions held at once (default 10,000).
    public var maxSessions: Int
    /// The OpenAPI document served at /openapi.yaml (the repo's openapi.yaml).
    public var openAPIDocument: [UInt8]?
    /// How steps run (instruction set, threads).
    public var engine: StepEngine
    /// Where sessions are kept across restarts; nil keeps them in memory only.
    public var dataDirectory: String?
    /// How often changed sessions are saved in the background (default 5 s).
    public var saveInterval: Duration
    /// Save every step and PATCH before acknowledging it.
    public var syncSteps: Bool

    public init(apiKey: String? = nil, memoryBudgetBytes: Int = 8 << 30, maxSessions: Int = 10_000,
                openAPIDocument: [UInt8]? = nil, engine: StepEngine = .automatic,
                dataDirectory: String? = nil, saveInterval: Duration = .seconds(5), syncSteps: Bool = false) {
        self.apiKey = apiKey
        self.memoryBudgetBytes = memoryBudgetBytes
        self.maxSessions = maxSessions
        self.openAPIDocument = openAPIDocument
        self.engine = engine
        self.dataDirectory = dataDirectory
        self.saveInterval = saveInterval
        self.syncSteps = syncSteps
    }
}
