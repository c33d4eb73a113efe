import ArgumentParser

/// A size in bytes written as a number with an optional K, M, G or T suffix (powers of 1024).
struct ByteCount: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let value: Int

    init(_ value: Int) { self.value = value }

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int)] = [("TIB", 1 << 40), ("GIB", 1 << 30), ("MIB", 1 << 20), ("KIB", 1 << 10),
                                      ("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("B", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let n = Int(text.dropLast(suffix.count)), n >= 0, n <= Int.max / scale else { return nil }
            value = n * scale
            return
        }
        guard let n = Int(text), n >= 0 else { return nil }
        value = n
    }

    var description: String {
        for (suffix, scale) in [("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)] where value >= scale && value % scale == 0 {
            return "\(value / scale)\(suffix)"
        }
        return String(value)
    }

    var defaultValueDescription: String { description }
}

import Foundation
