import Foundation

/// Reads the OPTD_* variables that back each flag. A variable that is set but does not parse
/// is an error at start-up (reported by `checkAll`), never silently ignored.
enum Environment {
    nonisolated(unsafe) private static var problems: [String] = []

    static func string(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func int(_ name: String) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text) else { problems.append("\(name)=\(text) is not an integer"); return nil }
        return value
    }

    static func double(_ name: String) -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text) else { problems.append("\(name)=\(text) is not a number"); return nil }
        return value
    }

    /// 1, true, yes, on (any case) are set; 0, false, no, off and unset are not.
    static func flag(_ name: String) -> Bool {
        guard let text = string(name)?.lowercased() else { return false }
        if ["1", "true", "yes", "on"].contains(text) { return true }
        if !["0", "false", "no", "off"].contains(text) { problems.append("\(name)=\(text) is not a boolean") }
        return false
    }

    static func bytes(_ name: String) -> ByteCount? {
        guard let text = string(name) else { return nil }
        guard let value = ByteCount(argument: text) else { problems.append("\(name)=\(text) is not a size (e.g. 512M, 8G)"); return nil }
        return value
    }

    static func checkAll() throws {
        if let first = problems.first { throw EnvironmentError(message: first) }
    }

    struct EnvironmentError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
