import ArgumentParser
import Dispatch
import Foundation
import HTTP1
import Logging
import OptdService
import Optimizers
import SocketServer

/// `optd`: runs the server (the default) or checks one's health.
@main
struct OptdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optd",
        abstract: "Hosts stateful neural-network optimizers behind HTTP.",
        version: optdVersion,
        subcommands: [Serve.self, Healthcheck.self],
        defaultSubcommand: Serve.self
    )
}

/// `optd [serve]`: the server. Every flag also reads an environment variable (the flag wins).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server (the default command).",
        discussion: "Every option can also be set by the environment variable named in its help; a flag wins over the variable."
    )

    @Option(help: "Address to listen on (OPTD_HOST).")
    var host: String = Environment.string("OPTD_HOST") ?? "0.0.0.0"

    @Option(help: "Port to listen on; 0 picks a free one (OPTD_PORT).")
    var port: Int = Environment.int("OPTD_PORT") ?? 8080

    @Option(name: .customLong("api-key"), help: "When set, /v1 routes need 'Authorization: Bearer <key>' (OPTD_API_KEY).")
    var apiKeyFlag: String?

    @Option(name: .customLong("data-dir"), help: "Directory where sessions are kept across restarts (OPTD_DATA_DIR).")
    var dataDirFlag: String?

    var apiKey: String? { apiKeyFlag ?? Environment.string("OPTD_API_KEY") }
    var dataDir: String? { dataDirFlag ?? Environment.string("OPTD_DATA_DIR") }

    @Option(help: "Seconds between background saves of changed sessions, with --data-dir (OPTD_SAVE_INTERVAL).")
    var saveInterval: Double = Environment.double("OPTD_SAVE_INTERVAL") ?? 5

    @Flag(help: "Acknowledge a step or PATCH only once it is on disk, with --data-dir (OPTD_SYNC_STEPS=1).")
    var syncSteps: Bool = Environment.flag("OPTD_SYNC_STEPS")

    @Option(help: "Largest request body, in bytes; accepts K, M, G suffixes (OPTD_MAX_BODY_BYTES).")
    var maxBodyBytes: ByteCount = Environment.bytes("OPTD_MAX_BODY_BYTES") ?? ByteCount(HTTPLimits.defaultMaxBodyBytes)

    @Option(help: "Most sessions held at once (OPTD_MAX_SESSIONS).")
    var maxSessions: Int = Environment.int("OPTD_MAX_SESSIONS") ?? 10_000

    @Option(help: "Bytes all sessions' parameters and state may hold; K, M, G suffixes (OPTD_MEMORY_BUDGET).")
    var memoryBudget: ByteCount = Environment.bytes("OPTD_MEMORY_BUDGET") ?? ByteCount(8 << 30)

    @Option(help: "trace, debug, info, notice, warning, error or critical (OPTD_LOG_LEVEL).")
    var logLevel: Logger.Level = Environment.string("OPTD_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info

    @Option(help: "The OpenAPI document to serve at /openapi.yaml (OPTD_OPENAPI).")
    var openapi: String = Environment.string("OPTD_OPENAPI") ?? "openapi.yaml"

    @Option(help: "Threads one large step may use; 0 means every core (OPTD_STEP_THREADS).")
    var stepThreads: Int = Environment.int("OPTD_STEP_THREADS") ?? 0

    func validate() throws {
        try Environment.checkAll()
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard maxSessions > 0 else { throw ValidationError("--max-sessions must be > 0") }
        guard maxBodyBytes.value > 0, memoryBudget.value > 0 else { throw ValidationError("sizes must be > 0") }
        guard stepThreads >= 0 else { throw ValidationError("--step-threads must be ≥ 0") }
        if let apiKey, apiKey.isEmpty { throw ValidationError("--api-key must not be empty") }
        guard saveInterval > 0, saveInterval.isFinite else { throw ValidationError("--save-interval must be > 0 seconds") }
        if syncSteps && dataDir == nil { throw ValidationError("--sync-steps needs --data-dir") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = LogfmtHandler(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let logger = Logger(label: "optd")
        let engine = stepThreads == 0 ? StepEngine.automatic
            : StepEngine(sweeper: StepEngine.bestSweeper(), threads: stepThreads)
        let service = try await OptimizerService(
            opening: ServiceConfiguration(
                apiKey: apiKey, memoryBudgetBytes: memoryBudget.value, maxSessions: maxSessions,
                openAPIDocument: OpenAPIFile.load(openapi, logger: logger), engine: engine,
                dataDirectory: dataDir, saveInterval: .milliseconds(Int(saveInterval * 1000)), syncSteps: syncSteps),
            logger: logger)

        var serverConfiguration = ServerConfiguration()
        serverConfiguration.host = host
        serverConfiguration.port = port
        serverConfiguration.limits.maxBodyBytes = maxBodyBytes.value
        let server = HTTPServer(configuration: serverConfiguration, handler: service) { message in
            logger.debug("\(message)")
        }
        let boundPort = try server.start()
        logger.info("listening", metadata: [
            "host": .string(host), "port": .stringConvertible(boundPort), "version": .string(optdVersion),
            "kernels": .string(engine.sweeper.name), "api_key": .string(apiKey == nil ? "off" : "on"),
            "memory_budget_bytes": .stringConvertible(memoryBudget.value),
            "data_dir": .string(dataDir ?? "none (memory only)"), "sync_steps": .stringConvertible(syncSteps),
        ])

        let signal = await ShutdownSignal.wait()
        logger.info("shutting down", metadata: ["signal": .string(signal)])
        service.beginShutdown()
        await server.shutdown(gracePeriod: .seconds(30))
        await service.persistAll()
        logger.info("stopped")
    }
}

let optdVersion = "0.1.0"

extension Logger.Level: @retroactive ExpressibleByArgument {}
