import Foundation
import Logging
import Testing
@testable import optd

/// The request log's line format: what operators grep and ship to their log stores.
@Suite("Logfmt lines")
struct LogfmtHandlerTests {
    /// Logs through a handler writing into a pipe and returns what it wrote.
    static func lines(_ body: (Logger) -> Void) throws -> [String] {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        var handler = LogfmtHandler(label: "test")
        handler.fileDescriptor = fds[1]
        handler.logLevel = .info
        body(Logger(label: "test") { _ in handler })
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test("ts, level, msg, then the metadata sorted by key, one line per event")
    func format() throws {
        let lines = try Self.lines { logger in
            logger.info("request", metadata: ["http.status": "201", "http.method": "POST", "duration_ms": "0.412"])
            logger.debug("dropped")
        }
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        let pattern = #"^ts=\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z level=info msg=request duration_ms=0\.412 http\.method=POST http\.status=201$"#
        #expect(line.range(of: pattern, options: .regularExpression) != nil, "\(line)")
    }

    @Test("the timestamp is now, in UTC")
    func timestamp() throws {
        let before = Date()
        let line = try #require(try Self.lines { $0.info("x") }.first)
        let text = String(line.dropFirst(3).prefix(24))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let parsed = try #require(formatter.date(from: text), "\(text)")
        #expect(abs(parsed.timeIntervalSince(before)) < 5)
    }

    @Test("values with spaces, quotes, = or newlines are quoted and escaped; empty ones quoted")
    func quoting() throws {
        let line = try #require(try Self.lines { logger in
            logger.error("two words", metadata: ["a": "x=y", "b": "say \"hi\"", "c": "line\nbreak", "d": "", "e": "back\\slash \\"])
        }.first)
        #expect(line.hasSuffix(#" level=error msg="two words" a="x=y" b="say \"hi\"" c="line\nbreak" d="" e="back\\slash \\""#), "\(line)")
    }
}
