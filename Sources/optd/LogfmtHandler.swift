import Logging

#if canImport(Glibc)
import Glibc
#endif

/// One logfmt line per event on standard error:
/// `ts=2026-11-25T21:05:03.123Z level=info msg=request http.method=POST http.route=/v1/sessions http.status=201 duration_ms=0.412`
///
/// Built as bytes and written with one write(2) per line (whole lines, even from several
/// threads): at the default level every request logs, so a line must cost microseconds, not
/// a date formatter's hundreds.
struct LogfmtHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    /// Where lines go (standard error).
    var fileDescriptor: Int32 = 2

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line += "ts=".utf8
        Self.appendTimestamp(to: &line)
        line += " level=".utf8
        line += event.level.rawValue.utf8
        line += " msg=".utf8
        Self.appendQuoted(event.message.description, to: &line)
        let merged = metadata.isEmpty ? (event.metadata ?? [:]) : metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line.append(UInt8(ascii: " "))
            line += key.utf8
            line.append(UInt8(ascii: "="))
            Self.appendQuoted(value.description, to: &line)
        }
        line.append(UInt8(ascii: "\n"))
        line.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return }
                offset += n
            }
        }
    }

    /// The text as is when it needs no quotes, else in double quotes with `\`, `"` and newlines escaped.
    static func appendQuoted(_ text: String, to line: inout [UInt8]) {
        let bytes = text.utf8
        let plain = !bytes.isEmpty && !bytes.contains { $0 == 0x20 || $0 == 0x22 || $0 == 0x3D || $0 == 0x0A || $0 == 0x0D }
        if plain {
            line += bytes
            return
        }
        line.append(0x22)
        for byte in bytes {
            switch byte {
            case 0x5C: line += #"\\"#.utf8
            case 0x22: line += #"\""#.utf8
            case 0x0A: line += #"\n"#.utf8
            case 0x0D: line += #"\r"#.utf8
            default: line.append(byte)
            }
        }
        line.append(0x22)
    }

    /// Now, UTC, to the millisecond: `2026-11-25T21:05:03.123Z`.
    static func appendTimestamp(to line: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var v = value
            while divisor > 0 {
                line.append(UInt8(ascii: "0") + UInt8((v / divisor) % 10))
                v %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4); line.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2); line.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2); line.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2); line.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2); line.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2); line.append(UInt8(ascii: "."))
        digits(now.tv_nsec / 1_000_000, 3); line.append(UInt8(ascii: "Z"))
    }
}
