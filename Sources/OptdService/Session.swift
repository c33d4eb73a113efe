import HTTP1
import Optimizers
import TensorJSON

/// One hosted optimizer: its numbers, when it was made and changed, and the idempotency keys
/// of its steps. An actor, so that steps on one session are serialised while steps on
/// different sessions run in parallel. Its executor (`SessionExecutor`) also lets a
/// connection's thread take a small step inside an idle session directly (`stepIfIdle`).
actor Session {
    nonisolated let executor = SessionExecutor()
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    nonisolated let id: String
    nonisolated let createdAt: Timestamp
    nonisolated let optimizer: OptimizerKind
    nonisolated let dtype: DType
    nonisolated let layout: TensorLayout
    private(set) var updatedAt: Timestamp
    private let numbers: any SessionNumbers
    private let budget: MemoryBudget
    private var idempotency: IdempotencyLog
    /// Bytes reserved in the budget for this session.
    private(set) var reservedBytes: Int
    /// Bumped by every change; a snapshot carries it, so files are never replaced by older ones.
    private var version: UInt64 = 1
    /// Which version of the session is on disk.
    nonisolated let file: SessionFileState
    /// Where the session is kept on disk, when optd has a data directory.
    private let persistence: Persistence?
    /// A write of this session is in progress (at most one at a time, see `persist`); these wait for it.
    private var writing = false
    private var waitingForWrite: [CheckedContinuation<Void, Never>] = []
    /// Set by `close(ifMatch:)` when the session is deleted: requests that looked it up before then get 404.
    private var closed = false

    /// A new session, or (with `restoring`) one loaded from its file, which is then already saved.
    init(id: String, numbers: any SessionNumbers, budget: MemoryBudget, reservedBytes: Int, now: Timestamp,
         persistence: Persistence? = nil, restoring snapshot: SessionSnapshot? = nil) {
        self.id = id
        self.numbers = numbers
        self.budget = budget
        self.reservedBytes = reservedBytes
        self.persistence = persistence
        optimizer = numbers.optimizer
        dtype = numbers.dtype
        layout = numbers.layout
        createdAt = snapshot?.createdAt ?? now
        updatedAt = snapshot?.updatedAt ?? now
        idempotency = IdempotencyLog(last: snapshot?.lastIdempotency, earlier: snapshot?.earlierIdempotency ?? [])
        file = SessionFileState(writtenVersion: snapshot == nil ? 0 : 1)
    }

    /// Everything the session is, copied now.
    func snapshot() -> SessionSnapshot {
        let parts = numbers.rawParts()
        return SessionSnapshot(id: id, optimizer: optimizer, dtype: dtype, hyperparameters: numbers.hyperparameters,
                               step: numbers.step, layout: layout, params: parts.params, bufferNames: parts.names,
                               buffers: parts.buffers, muProduct: parts.muProduct, createdAt: createdAt, updatedAt: updatedAt,
                               version: version, lastIdempotency: idempotency.last,
                               earlierIdempotency: idempotency.earlier)
    }

    private var isOnDisk: Bool { file.writtenVersion.load(ordering: .acquiring) >= version }

    private func changed() {
        version += 1
        updatedAt = .now()
    }

    /// Puts a version of the session at least as new as the current one on disk; false when
    /// one already was (nothing written). Every write of a session goes through here — its
    /// creation, `--sync-steps`, background passes, shutdown — so a session has at most one
    /// write (and one snapshot copy) in flight: callers that come while one is in progress
    /// wait for it, and write again only if it did not cover their version, taking one fresh
    /// snapshot for all of them. The actor is free during the write, so steps go on.
    @discardableResult
    func persist() async throws(SessionDirectory.IOError) -> Bool {
        guard let writer = persistence?.writer else { return false }
        let target = version
        var wrote = false
        while file.writtenVersion.load(ordering: .acquiring) < target && !file.deleted.load(ordering: .acquiring) {
            if writing {
                await withCheckedContinuation { waitingForWrite.append($0) }
                continue
            }
            writing = true
            let snapshot = snapshot()
            let result: Result<Void, SessionDirectory.IOError>
            do throws(SessionDirectory.IOError) {
                try await writer.save(snapshot, file: file)
                result = .success(())
            } catch {
                result = .failure(error)
            }
            writing = false
            let waiting = waitingForWrite
            waitingForWrite = []
            for continuation in waiting { continuation.resume() }
            try result.get()
            wrote = true
        }
        return wrote
    }

    /// With `--sync-steps`: the change is on disk before the caller answers.
    private func persistIfSynchronous(_ what: String) async -> Problem? {
        guard let persistence, persistence.syncSteps else { return nil }
        do { try await persist() } catch {
            return Problem(503, "storage-unavailable",
                           "the \(what) was applied but could not be written to disk (\(error)); it will be saved in the background")
        }
        return nil
    }

    /// Marks the session deleted if `ifMatch` (when given) matches its step — the check and
    /// the closing are one turn inside the session, so no step lands between them — and
    /// returns the bytes it holds in the budget, for the store to release. From then on it
    /// refuses steps and PATCHes (404), so nothing reserves more. 404 if it was closed already.
    func close(ifMatch: IfMatch?) -> Result<Int, Problem> {
        if closed { return .failure(Problem.sessionNotFound(id)) }
        if let ifMatch, !ifMatch.matches(step: numbers.step) { return .failure(Self.preconditionFailed(numbers.step)) }
        closed = true
        return .success(reservedBytes)
    }

    /// Undoes `close` when the deletion could not be finished (its file could not be removed):
    /// the session takes steps again and is written anew at the next save (the failure may have
    /// come after the file was unlinked).
    func reopen() {
        file.writtenVersion.store(0, ordering: .releasing)
        file.deleted.store(false, ordering: .sequentiallyConsistent)
        closed = false
    }

    var step: Int { numbers.step }

    /// The session document; with `includeState`, everything `POST /v1/sessions` needs to restore it.
    func document(includeState: Bool) -> HTTPResponse {
        var writer = JSONWriter(capacity: TensorEncoding.estimatedJSONBytes(count: layout.totalCount * (includeState ? 4 : 2)))
        writer.beginObject()
        summary().writeMembers(into: &writer)
        writer.key("params"); numbers.writeParams(into: &writer)
        if optimizer == .nag { writer.key("lookahead"); numbers.writeLookahead(into: &writer, momentum: nil) }
        if includeState { writer.key("state"); numbers.writeState(into: &writer) }
        writer.endObject()
        return .json(200, writer.bytes, headers: etag)
    }

    /// The raw parameters (`Accept: application/octet-stream`).
    func rawParams() -> HTTPResponse {
        var headers = etag
        headers.add(name: "Content-Type", value: BodyFormat.raw.contentType)
        headers.add(name: "Optimizer-Step", value: String(numbers.step))
        return HTTPResponse(status: 200, headers: headers, payload: numbers.rawParams())
    }

    /// What a listing shows of the session (no tensor data).
    func summary() -> SessionSummary {
        SessionSummary(id: id, optimizer: optimizer, dtype: dtype, hyperparameters: numbers.hyperparameters,
                       step: numbers.step, layout: layout, createdAt: createdAt, updatedAt: updatedAt)
    }

    /// Applies one step from a request, honouring If-Match and Idempotency-Key; with
    /// `--sync-steps`, answers once the step is on disk.
    func step(_ input: StepInput) async -> Result<StepAnswer, Problem> {
        let outcome = applyStep(input)
        // A replay's step may still be on its way to disk (its first answer is waiting too).
        guard case .success(let answer) = outcome, var problem = await persistIfSynchronous("step") else { return outcome }
        if !answer.replayed {
            problem.detail += " — retry with the same Idempotency-Key to get its result"
        }
        return .failure(problem)
    }

    /// `step(_:)` now, on the calling thread, if nothing else is inside the session; nil if
    /// something is (the caller then awaits `step`). Not for `--sync-steps`, whose steps wait
    /// for the disk.
    nonisolated func stepIfIdle(_ input: StepInput) -> Result<StepAnswer, Problem>? {
        precondition(persistence?.syncSteps != true, "a synchronous step must wait for the disk: use step(_:)")
        return executor.runIfIdle { assumeIsolated { $0.applyStep(input) } }
    }

    /// The step itself, without waiting for the disk.
    private func applyStep(_ input: StepInput) -> Result<StepAnswer, Problem> {
        if closed { return .failure(Problem.sessionNotFound(id)) }
        let replyFormat = input.replyFormat
        if let key = input.idempotencyKey {
            switch idempotency.verdict(key: key, requestHash: input.requestHash) {
            case .replay:
                // The step's result: params have not changed since (it is the latest step), and
                // nag's look-ahead uses the momentum the step was taken with, even after a PATCH.
                var response = stepResponse(replyFormat, lookaheadMomentum: idempotency.last?.lookaheadMomentum)
                response.headers.add(name: "Idempotent-Replayed", value: "true")
                return .success(StepAnswer(response: response, replayed: true))
            case let .reusedWithOtherBody(step):
                return .failure(Problem(422, "idempotency-key-reused", "Idempotency-Key '\(key)' was used for step \(step) with a different request", currentStep: numbers.step))
            case let .outdated(step):
                return .failure(Problem(409, "idempotency-key-outdated", "Idempotency-Key '\(key)' belongs to step \(step), which is no longer the latest", currentStep: numbers.step))
            case .new:
                break
            }
        }
        if let condition = input.ifMatch, !condition.matches(step: numbers.step) {
            return .failure(Self.preconditionFailed(numbers.step))
        }
        do throws(Problem) {
            switch input.body {
            case .json(let value): try numbers.applyStep(json: value)
            case .raw(let bytes):
                // withUnsafeBytes rethrows untyped errors; carry the Problem out as a value.
                let outcome: Result<Void, Problem> = bytes.withUnsafeBytes { raw in
                    do throws(Problem) { try numbers.applyStep(raw: raw); return .success(()) } catch { return .failure(error) }
                }
                try outcome.get()
            }
        } catch {
            return .failure(error)
        }
        if let key = input.idempotencyKey {
            let momentum = optimizer == .nag ? numbers.hyperparameters.number("momentum") : nil
            // The previous key joins the history if the budget has room for its 16 bytes;
            // otherwise it is forgotten (a retry of it is then not refused with 409).
            var remember = true
            if idempotency.recordGrowsHistory {
                do { try budget.reserve(bytes: IdempotencyLog.bytesPerEarlierKey) } catch { remember = false }
                if remember { reservedBytes += IdempotencyLog.bytesPerEarlierKey }
            }
            idempotency.record(key: key, requestHash: input.requestHash, step: numbers.step, lookaheadMomentum: momentum,
                               rememberPrevious: remember)
        }
        changed()
        return .success(StepAnswer(response: stepResponse(replyFormat, lookaheadMomentum: nil), replayed: false))
    }

    private func stepResponse(_ format: BodyFormat, lookaheadMomentum: Double?) -> HTTPResponse {
        var headers = etag
        headers.add(name: "Optimizer-Step", value: String(numbers.step))
        switch format {
        case .raw:
            headers.add(name: "Content-Type", value: BodyFormat.raw.contentType)
            return HTTPResponse(status: 200, headers: headers, payload: numbers.rawNextPoint(momentum: lookaheadMomentum))
        case .json:
            var writer = JSONWriter(capacity: TensorEncoding.estimatedJSONBytes(count: layout.totalCount * (optimizer == .nag ? 2 : 1)))
            writer.beginObject()
            writer.key("step"); writer.writeNumber(numbers.step)
            writer.key("params"); numbers.writeParams(into: &writer)
            if optimizer == .nag { writer.key("lookahead"); numbers.writeLookahead(into: &writer, momentum: lookaheadMomentum) }
            writer.endObject()
            return .json(200, writer.bytes, headers: headers)
        }
    }

    /// Changes some hyperparameters (validated as at creation); step and state stay.
    func patch(_ inputs: [(name: String, value: HyperparameterInput)], ifMatch: IfMatch?) async -> Result<HTTPResponse, Problem> {
        if closed { return .failure(Problem.sessionNotFound(id)) }
        if let condition = ifMatch, !condition.matches(step: numbers.step) {
            return .failure(Self.preconditionFailed(numbers.step))
        }
        let updated: Hyperparameters
        do { updated = try numbers.hyperparameters.updating(inputs) } catch {
            return .failure(CreateSessionRequest.hyperparameterProblem(error))
        }
        let extra = numbers.additionalBytes(for: updated)
        do { try budget.reserve(bytes: extra) } catch { return .failure(error) }
        reservedBytes += extra
        numbers.updateHyperparameters(updated)
        changed()
        let response = document(includeState: false)
        if let problem = await persistIfSynchronous("change") { return .failure(problem) }
        return .success(response)
    }

    static func preconditionFailed(_ step: Int) -> Problem {
        Problem(412, "precondition-failed", "If-Match does not match the session's ETag \"\(step)\"", currentStep: step)
    }

    /// The ETag, in headers with room for the few a step's or document's answer adds.
    private var etag: HTTPHeaders {
        var headers = HTTPHeaders(minimumCapacity: 4)
        headers.add(name: "ETag", value: "\"\(numbers.step)\"")
        return headers
    }
}

/// The members every description of a session has: id, optimizer, dtype, hyperparameters,
/// step, tensors and times.
struct SessionSummary: Sendable {
    let id: String
    let optimizer: OptimizerKind
    let dtype: DType
    let hyperparameters: Hyperparameters
    let step: Int
    let layout: TensorLayout
    let createdAt: Timestamp
    let updatedAt: Timestamp

    func writeMembers(into writer: inout JSONWriter) {
        writer.key("id"); writer.writeString(id)
        writer.key("optimizer"); writer.writeString(optimizer.rawValue)
        writer.key("dtype"); writer.writeString(dtype.rawValue)
        writer.key("hyperparameters"); HyperparameterJSON.write(hyperparameters, into: &writer)
        writer.key("step"); writer.writeNumber(step)
        writer.key("tensors")
        writer.beginArray()
        for tensor in layout.tensors {
            writer.beginObject()
            writer.key("name")
            if layout.isSingleArray { writer.writeNull() } else { writer.writeString(tensor.name) }
            writer.key("size"); writer.writeNumber(tensor.size)
            writer.endObject()
        }
        writer.endArray()
        writer.key("created_at"); writer.writeString(createdAt.rfc3339)
        writer.key("updated_at"); writer.writeString(updatedAt.rfc3339)
    }
}

/// A step's answer, and whether it replays an earlier step (a retried Idempotency-Key)
/// rather than taking a new one.
struct StepAnswer: Sendable {
    var response: HTTPResponse
    var replayed: Bool
}

/// A step request, decoded from HTTP.
struct StepInput: Sendable {
    enum Body: Sendable {
        case json(JSONValue)
        case raw([UInt8])
    }
    var body: Body
    var replyFormat: BodyFormat
    var ifMatch: IfMatch?
    var idempotencyKey: String?
    var requestHash: UInt64
}

/// Hyperparameters as JSON: every one, resolved.
enum HyperparameterJSON {
    static func write(_ h: Hyperparameters, into writer: inout JSONWriter) {
        writer.beginObject()
        for (name, value) in h.resolved {
            writer.key(name)
            write(value, into: &writer)
        }
        writer.endObject()
    }

    static func write(_ value: HyperparameterValue, into writer: inout JSONWriter) {
        switch value {
        case .number(let x): writer.writeNumber(x)
        case .boolean(let b): writer.writeBool(b)
        case .pair(let a, let b): writer.beginArray(); writer.writeNumber(a); writer.writeNumber(b); writer.endArray()
        case .choice(let s): writer.writeString(s)
        }
    }
}
