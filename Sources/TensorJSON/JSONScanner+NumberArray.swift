/// The result of scanning an array that started with a number.
enum NumberArrayScan {
    /// The array held only numbers and is closed.
    case complete(NumberArray)
    /// A non-number element starts at `pos`; these numbers precede it.
    case interrupted([Double])
}

extension JSONScanner {
    /// Scans array elements while they are numbers, starting at a number just after `[`.
    ///
    /// This is the hot loop for tensors: numbers go straight into a `[Double]`, and the rare
    /// elements whose Double lies exactly on a float32 midpoint get their correctly rounded
    /// Float from the decimal text (see `NumberArray`).
    mutating func scanNumberArray() throws(JSONParseError) -> NumberArrayScan {
        var doubles: [Double] = []
        doubles.reserveCapacity(16)
        var overrides: [Int: Float] = [:]
        while true {
            let start = pos
            let d = try scanNumber()
            if isFloat32Midpoint(d) {
                overrides[doubles.count] = SlowDecimal.float(bytes(from: start, to: pos))
            }
            doubles.append(d)
            arrayElements += 1
            if arrayElements > limits.maxArrayElements { throw arrayTooLong(at: start) }
            skipWhitespace()
            let c = byte(at: pos)
            if c == UInt8(ascii: ",") {
                pos += 1
                skipWhitespace()
                let next = byte(at: pos)
                if isDigit(next) || next == UInt8(ascii: "-") { continue }
                if next == UInt8(ascii: "]") { throw trailingComma(at: pos) }
                return .interrupted(doubles)
            }
            if c == UInt8(ascii: "]") {
                pos += 1
                return .complete(NumberArray(doubles: doubles, float32Overrides: overrides))
            }
            throw unexpected(at: pos, expected: "',' or ']' after an array element")
        }
    }

    /// The error for the array element at `offset`, one past `JSONLimits.maxArrayElements`.
    func arrayTooLong(at offset: Int) -> JSONParseError {
        var error = failure(at: offset, "too many array elements", "this document may hold at most \(limits.maxArrayElements) in all")
        error.arrayTooLong = true
        return error
    }

    /// The error for a `,` followed by the closing bracket or brace at `offset`.
    func trailingComma(at offset: Int) -> JSONParseError {
        failure(at: offset, "unexpected \(describe(at: offset))", "trailing commas are not allowed")
    }
}
