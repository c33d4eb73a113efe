import HTTP1
import Logging
import Optimizers
import SocketServer
import Synchronization
import TensorJSON

#if canImport(Glibc)
import Glibc
#endif

/// The application: routes each request of the contract to its handler, checks the API key,
/// and records metrics and one log line per request. The transport calls `handle`; nothing
/// here knows about sockets.
public final class OptimizerService: HTTPHandler {
    let configuration: ServiceConfiguration
    let store: SessionStore
    let budget: MemoryBudget
    let metrics = Metrics()
    let logger: Logger
    private let draining = Atomic<Bool>(false)
    private let startedAt = Timestamp.now()

    private let saver = Mutex<Task<Void, Never>?>(nil)

    /// Without a data directory, sessions live in memory only.
    public convenience init(configuration: ServiceConfiguration, logger: Logger) {
        precondition(configuration.dataDirectory == nil, "a data directory is opened with init(opening:logger:)")
        self.init(configuration: configuration, logger: logger, persistence: nil)
    }

    /// Opens the data directory, loads every session in it (files that fail their checks are
    /// moved aside and logged), and starts saving changed sessions in the background.
    public convenience init(opening configuration: ServiceConfiguration, logger: Logger) async throws {
        guard let root = configuration.dataDirectory else {
            self.init(configuration: configuration, logger: logger, persistence: nil)
            return
        }
        let directory = try SessionDirectory(root: root)
        let persistence = Persistence(writer: SessionWriter(directory: directory), syncSteps: configuration.syncSteps,
                                      saveInterval: configuration.saveInterval)
        self.init(configuration: configuration, logger: logger, persistence: persistence)
        let snapshots = directory.loadAll { file, reason in
            logger.error("session file set aside", metadata: ["file": .string(file), "reason": .string(reason)])
        }
        await store.load(snapshots) { id, reason in
            logger.error("session not loaded", metadata: ["session.id": .string(id), "reason": .string(reason)])
        }
        let count = store.count
        logger.info("sessions loaded", metadata: ["count": .stringConvertible(count), "data_dir": .string(root)])
        startBackgroundSaves(every: configuration.saveInterval)
    }

    private init(configuration: ServiceConfiguration, logger: Logger, persistence: Persistence?) {
        self.configuration = configuration
        self.logger = logger
        budget = MemoryBudget(limitBytes: configuration.memoryBudgetBytes, maxSessions: configuration.maxSessions)
        store = SessionStore(budget: budget, engine: configuration.engine, persistence: persistence)
    }

    /// Starts a save pass every `interval` (measured from the start of the previous pass, so
    /// that a slow pass does not stretch the time a change waits for the disk).
    private func startBackgroundSaves(every interval: Duration) {
        let task = Task { [weak self] in
            let clock = ContinuousClock()
            var deadline = clock.now + interval
            while !Task.isCancelled {
                try? await Task.sleep(until: deadline, clock: clock)
                guard let self, !Task.isCancelled else { return }
                await self.saveChangedSessions()
                deadline = max(deadline + interval, clock.now)
            }
        }
        saver.withLock { $0 = task }
    }

    /// Copies of sessions a save pass may hold at once, in bytes (one session is always
    /// allowed, however large).
    static let savePassBytes = 256 << 20

    /// Saves every session changed since its version on disk, up to one per writer lane at a
    /// time and `savePassBytes` of copies in flight. Each session is copied inside its own
    /// actor (a short pause for that session only) and written outside it.
    @discardableResult
    public func saveChangedSessions() async -> Int {
        guard let writer = store.persistence?.writer else { return 0 }
        let sessions = store.all()
        return await withTaskGroup(of: (saved: Bool, bytes: Int).self) { group in
            var saved = 0, running = 0, bytesInFlight = 0
            for session in sessions {
                let bytes = await session.reservedBytes
                while running > 0 && (running == writer.laneCount || bytesInFlight + bytes > Self.savePassBytes),
                      let done = await group.next() {
                    running -= 1
                    bytesInFlight -= done.bytes
                    if done.saved { saved += 1 }
                }
                group.addTask { (await self.save(session), bytes) }
                running += 1
                bytesInFlight += bytes
            }
            for await done in group where done.saved { saved += 1 }
            return saved
        }
    }

    /// Writes one session if it changed; false when there was nothing to write or it failed.
    private func save(_ session: Session) async -> Bool {
        do {
            return try await session.persist()
        } catch {
            logger.error("session not saved", metadata: ["session.id": .string(session.id), "reason": .string("\(error)")])
            return false
        }
    }

    /// The last act of a graceful shutdown: stops background saves and saves every changed session.
    public func persistAll() async {
        saver.withLock { $0?.cancel() }
        let saved = await saveChangedSessions()
        if store.persistence != nil { logger.info("sessions saved", metadata: ["count": .stringConvertible(saved)]) }
    }

    /// From now on, requests other than health and metrics get 503.
    public func beginShutdown() { draining.store(true, ordering: .relaxed) }

    public func handle(_ request: HTTPRequest, respond: @escaping @Sendable (HTTPResponse) -> Void) {
        let started = monotonicSeconds()
        let match = Router.match(method: request.method, path: request.path)
        let route: String
        switch match {
        case .endpoint(let e): route = e.template
        default: route = "unmatched"
        }
        let finish: @Sendable (HTTPResponse, String?) -> Void = { [metrics, logger] response, sessionID in
            let seconds = monotonicSeconds() - started
            metrics.recordRequest(route: route, method: request.method, status: response.status, seconds: seconds)
            // The request's log record, built only when the level lets it through.
            guard logger.logLevel <= .info else {
                respond(response)
                return
            }
            var metadata: Logger.Metadata = [
                "http.method": .string(request.method), "http.route": .string(route),
                "http.status": .stringConvertible(response.status),
                "duration_ms": .string(String(Double(Int(seconds * 1e6)) / 1000)),
            ]
            if let sessionID { metadata["session.id"] = .string(sessionID) }
            logger.info("request", metadata: metadata)
            respond(response)
        }

        switch match {
        case .notFound:
            finish(Problem(404, "not-found", "no route \(request.method) \(request.path)").response, nil)
        case .wrongMethod(let allowed):
            var problem = Problem(405, "method-not-allowed", "\(request.path) takes \(allowed.joined(separator: ", ")), not \(request.method)")
            problem.headers.add(name: "Allow", value: allowed.joined(separator: ", "))
            finish(problem.response, nil)
        case .endpoint(let endpoint):
            if endpoint.needsAPIKey, let problem = authorizationProblem(request) {
                finish(problem.response, nil)
                return
            }
            if draining.load(ordering: .relaxed), endpoint != .health, endpoint != .metrics {
                finish(Problem(503, "shutting-down", "optd is shutting down; retry against another instance or after restart").response, endpoint.sessionID)
                return
            }
            if let immediate = immediateResponse(endpoint, request) {
                finish(immediate, nil)
                return
            }
            if case .step(let id) = endpoint, request.body.count <= Self.threadStepBodyLimit, store.persistence?.syncSteps != true {
                switch stepOnThisThread(id, request) {
                case .answered(let response):
                    finish(response, id)
                    return
                case .sessionBusy(let session, let input):
                    Task { finish(Self.answer(await session.step(input), session, self.metrics), id) }
                    return
                case .sessionTooLarge:
                    break  // the task below takes it
                }
            }
            Task {
                let response: HTTPResponse
                do throws(Problem) { response = try await self.sessionResponse(endpoint, request) } catch { response = error.response }
                finish(response, endpoint.sessionID)
            }
        }
    }

    /// The endpoints that touch no session: answered on the connection's thread.
    private func immediateResponse(_ endpoint: Endpoint, _ request: HTTPRequest) -> HTTPResponse? {
        switch endpoint {
        case .health:
            let body = #"{"status":"ok","sessions":\#(budget.sessions),"kernels":"\#(configuration.engine.sweeper.name)","uptime_seconds":\#(Int(monotonicSeconds() - processStart))}"#
            return .json(200, Array(body.utf8))
        case .metrics:
            let text = metrics.render(sessions: budget.sessions, stateBytes: budget.usedBytes, budgetBytes: budget.limitBytes)
            return HTTPResponse(status: 200, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: Array(text.utf8))
        case .openAPI:
            guard let document = configuration.openAPIDocument else {
                return Problem(404, "not-found", "this build of optd was started without its openapi.yaml").response
            }
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/yaml"], body: document)
        case .optimizers:
            return .json(200, OptimizerCatalogJSON.body)
        default:
            return nil
        }
    }

    /// 401 unless the request carries the configured key (compared in constant time).
    private func authorizationProblem(_ request: HTTPRequest) -> Problem? {
        guard let key = configuration.apiKey else { return nil }
        let given = request.headers["Authorization"] ?? ""
        let prefix = "Bearer "
        let token = given.hasPrefix(prefix) ? String(given.dropFirst(prefix.count)) : ""
        if constantTimeEqual(Array(token.utf8), Array(key.utf8)) { return nil }
        var problem = Problem(401, "unauthorized", given.isEmpty ? "this route needs Authorization: Bearer <api key>" : "the API key is not valid")
        problem.headers.add(name: "WWW-Authenticate", value: "Bearer realm=\"optd\"")
        return problem
    }

    private func sessionResponse(_ endpoint: Endpoint, _ request: HTTPRequest) async throws(Problem) -> HTTPResponse {
        switch endpoint {
        case .createSession:
            let body = try jsonBody(request)
            let session = try await store.create(try CreateSessionRequest(body))
            var response = await session.document(includeState: false)
            response.status = 201
            response.headers.add(name: "Location", value: "/v1/sessions/\(session.id)")
            return response
        case .listSessions:
            var writer = JSONWriter(capacity: 4096)
            writer.beginObject()
            writer.key("sessions")
            writer.beginArray()
            for session in store.all() {
                writer.beginObject()
                await session.summary().writeMembers(into: &writer)
                writer.endObject()
            }
            writer.endArray()
            writer.endObject()
            return .json(200, writer.bytes)
        case .getSession(let id):
            let session = try lookup(id)
            if BodyFormat.preferred(accept: request.headers["Accept"], fallback: .json) == .raw {
                return await session.rawParams()
            }
            let includeState = request.queryItems.contains { $0.0 == "include" && $0.1.split(separator: ",").contains("state") }
            return await session.document(includeState: includeState)
        case .patchSession(let id):
            let session = try lookup(id)
            let body = try jsonBody(request)
            guard case .object(let object) = body else { throw Problem.invalid("", "the body must be a JSON object") }
            for key in object.keys where key != "hyperparameters" {
                throw Problem.invalid(jsonPointer([key]), "PATCH takes only hyperparameters; '\(key)' cannot change")
            }
            let inputs = try CreateSessionRequest.hyperparameterInputs(object["hyperparameters"])
            return try await session.patch(inputs, ifMatch: try ifMatch(request)).get()
        case .deleteSession(let id):
            guard try await store.remove(id, ifMatch: try ifMatch(request)) else { throw Problem.sessionNotFound(id) }
            return HTTPResponse(status: 204)
        case .step(let id):
            let session = try lookup(id)
            let input = try stepInput(request, elements: session.layout.totalCount)
            return Self.answer(await session.step(input), session, metrics)
        default:
            throw Problem(500, "internal-error", "unrouted endpoint")
        }
    }

    /// A step with a body of at most this many bytes, on a session of at most
    /// `threadStepElementLimit` parameters, is decoded and applied on the connection's thread
    /// (a JSON body this size parses in tens of microseconds, and the answer's 2,048 numbers —
    /// 4,096 with nag's look-ahead — write in about as long); a larger one goes to the pool so
    /// that it never holds an event loop, and the other connections it serves, for long.
    static let threadStepBodyLimit = 16 * 1024
    static let threadStepElementLimit = 2048

    enum ThreadStepOutcome {
        case answered(HTTPResponse)
        /// Something else is inside the session: the step waits for it in a task.
        case sessionBusy(Session, StepInput)
        /// The session is over `threadStepElementLimit`: the whole request goes to a task.
        case sessionTooLarge
    }

    /// A small step, start to finish on the calling thread when its session is idle: the
    /// answer is ready before `handle` returns, so no task is made, no pool thread woken and
    /// no hop back to the connection's loop taken (about half the CPU of a 1,000-element step).
    func stepOnThisThread(_ id: String, _ request: HTTPRequest) -> ThreadStepOutcome {
        let session: Session, input: StepInput
        do throws(Problem) {
            session = try lookup(id)
            guard session.layout.totalCount <= Self.threadStepElementLimit else { return .sessionTooLarge }
            input = try stepInput(request, elements: session.layout.totalCount)
        } catch {
            return .answered(error.response)
        }
        guard let result = session.stepIfIdle(input) else { return .sessionBusy(session, input) }
        return .answered(Self.answer(result, session, metrics))
    }

    /// The response to a step, which is counted in the metrics if it took one (a replay does not).
    private static func answer(_ result: Result<StepAnswer, Problem>, _ session: Session, _ metrics: Metrics) -> HTTPResponse {
        switch result {
        case .success(let answer):
            if !answer.replayed { metrics.recordStep(optimizer: session.optimizer.rawValue) }
            return answer.response
        case .failure(let problem):
            return problem.response
        }
    }

    private func lookup(_ id: String) throws(Problem) -> Session {
        guard let session = store.session(id) else { throw Problem.sessionNotFound(id) }
        return session
    }

    private func jsonBody(_ request: HTTPRequest, limits: JSONLimits = JSONLimits()) throws(Problem) -> JSONValue {
        guard BodyFormat.of(contentType: request.headers["Content-Type"]) == .json else {
            throw Problem(415, "unsupported-media-type", "send the body as Content-Type: application/json (got \(request.headers["Content-Type"] ?? "none"))")
        }
        do { return try JSONParser.parse(request.body, limits: limits) } catch {
            if error.arrayTooLong { throw Problem(422, "array-too-long", error.message) }
            throw Problem.malformedJSON(error)
        }
    }

    /// A step's body, headers and reply format. A JSON body may hold at most twice the
    /// session's `elements` (plus a little) array elements in all: the parser stops there, so
    /// a step cannot make optd allocate more than about twice the session's size for its
    /// numbers, whatever the body holds. (Twice, not once: a body a little over, such as an
    /// extra tensor, still gets the precise problem naming it.)
    private func stepInput(_ request: HTTPRequest, elements: Int) throws(Problem) -> StepInput {
        let contentType = request.headers["Content-Type"]
        guard let format = BodyFormat.of(contentType: contentType) else {
            throw Problem(415, "unsupported-media-type", "a step body is application/json or application/octet-stream (got \(contentType ?? "none"))")
        }
        let body: StepInput.Body
        switch format {
        case .raw:
            body = .raw(request.body)
        case .json:
            let value: JSONValue
            do throws(Problem) {
                value = try jsonBody(request, limits: JSONLimits(maxArrayElements: 2 * elements + 64))
            } catch where error.slug == "array-too-long" {
                // The body's arrays are the gradient tensors: blame them.
                throw Problem(422, "tensor-mismatch", "the body holds far more numbers than the session's \(elements) parameters (\(error.detail))",
                              field: "/gradients")
            }
            guard case .object(let object) = value else { throw Problem.invalid("", "the body must be a JSON object {\"gradients\": …}") }
            for key in object.keys where key != "gradients" {
                throw Problem.invalid(jsonPointer([key]), "unknown field '\(key)'; a step body has only gradients")
            }
            guard let gradients = object["gradients"] else { throw Problem.invalid("/gradients", "gradients is required") }
            body = .json(gradients)
        }
        var key: String?
        if let raw = request.headers["Idempotency-Key"] {
            guard !raw.isEmpty, raw.utf8.count <= 255, raw.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw Problem(400, "invalid-header", "Idempotency-Key must be 1 to 255 visible ASCII characters")
            }
            key = raw
        }
        return StepInput(body: body, replyFormat: BodyFormat.preferred(accept: request.headers["Accept"], fallback: format),
                         ifMatch: try ifMatch(request), idempotencyKey: key,
                         requestHash: key == nil ? 0 : requestHash(request.body, contentType: format.contentType))
    }

    private func ifMatch(_ request: HTTPRequest) throws(Problem) -> IfMatch? {
        guard let value = request.headers["If-Match"] else { return nil }
        return try IfMatch(header: value)
    }
}

/// Equal bytes, in time that depends only on the lengths.
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    var difference = UInt8(a.count == b.count ? 0 : 1)
    for i in 0..<max(a.count, b.count) {
        difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
    }
    return difference == 0
}

let processStart = monotonicSeconds()

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
