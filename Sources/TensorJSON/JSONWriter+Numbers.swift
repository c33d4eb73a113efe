extension JSONWriter {
    /// Writes an integer.
    public mutating func writeNumber(_ value: Int) {
        beginValue()
        var magnitude = value.magnitude
        var text: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: a sign and up to 20 digits
        withUnsafeMutableBytes(of: &text) { buffer in
            var i = buffer.count
            repeat {
                i -= 1
                buffer[i] = UInt8(truncatingIfNeeded: magnitude % 10) + 0x30
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                i -= 1
                buffer[i] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[i...]))
        }
    }

    /// Writes a Double in the shortest form that reads back as the same Double
    /// (`0.1`, `1`, `-0`, `1e-7`, `1.7976931348623157e308`); non-finite values as `null`.
    public mutating func writeNumber(_ value: Double) {
        beginValue()
        appendNumber(value)
    }

    /// Writes a Float in the shortest form that reads back (as a Float) as the same Float:
    /// `Float(0.1)` is written `0.1`, not `0.10000000149011612`; non-finite values as `null`.
    public mutating func writeNumber(_ value: Float) {
        beginValue()
        appendNumber(value)
    }

    /// Writes `[a,b,c]` with each Float in shortest form (non-finite elements as `null`).
    public mutating func writeNumbers(_ values: UnsafeBufferPointer<Float>) {
        beginValue()
        appendArray(values, maxLength: 16)
    }

    /// Writes `[a,b,c]` with each Double in shortest form (non-finite elements as `null`).
    public mutating func writeNumbers(_ values: UnsafeBufferPointer<Double>) {
        beginValue()
        appendArray(values, maxLength: 25)
    }

    /// Writes `[a,b,c]` with each Float in shortest form (non-finite elements as `null`).
    public mutating func writeNumbers(_ values: [Float]) {
        values.withUnsafeBufferPointer { writeNumbers($0) }
    }

    /// Writes `[a,b,c]` with each Double in shortest form (non-finite elements as `null`).
    public mutating func writeNumbers(_ values: [Double]) {
        values.withUnsafeBufferPointer { writeNumbers($0) }
    }

    /// Appends one number (no comma handling).
    private mutating func appendNumber<T: ShortestText>(_ value: T) {
        guard value.isFinite else {
            bytes.append(contentsOf: "null".utf8)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: shortestTextWindow) { buffer in
            let n = value.writeShortest(to: buffer.baseAddress!)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<n]))
        }
    }

    /// Appends `[...]`, formatting straight into the array's storage in chunks: each chunk
    /// first extends the array by its expected size (`maxLength` bytes per element, comma
    /// included), then trims what was not used. Space is checked before every element, so a
    /// wrong `maxLength` only makes chunks shorter, never overruns.
    private mutating func appendArray<T: ShortestText>(_ values: UnsafeBufferPointer<T>, maxLength: Int) {
        bytes.append(UInt8(ascii: "["))
        let chunkSize = 4096
        var next = 0
        while next < values.count {
            let start = bytes.count
            let reserved = min(values.count - next, chunkSize) * maxLength + shortestTextWindow + 1
            bytes.append(contentsOf: repeatElement(0, count: reserved))
            let (written, done) = bytes.withUnsafeMutableBufferPointer { storage -> (Int, Int) in
                let origin = storage.baseAddress! + start
                let limit = origin + (reserved - shortestTextWindow - 1)
                var p = origin
                var i = next
                while i < values.count && p <= limit {
                    if i > 0 {
                        p.pointee = UInt8(ascii: ",")
                        p += 1
                    }
                    let value = values[i]
                    if value.isFinite {
                        p += value.writeShortest(to: p)
                    } else {
                        p.initialize(from: "null", count: 4)
                        p += 4
                    }
                    i += 1
                }
                return (p - origin, i)
            }
            bytes.removeLast(reserved - written)
            next = done
        }
        bytes.append(UInt8(ascii: "]"))
    }
}

/// Floating-point types the writer can format in shortest round-trip form.
protocol ShortestText: BinaryFloatingPoint {
    /// See `writeShortest(_:to:)`.
    func writeShortest(to p: UnsafeMutablePointer<UInt8>) -> Int
}

extension Float: ShortestText {
    @inline(__always)
    func writeShortest(to p: UnsafeMutablePointer<UInt8>) -> Int { TensorJSON.writeShortest(self, to: p) }
}

extension Double: ShortestText {
    @inline(__always)
    func writeShortest(to p: UnsafeMutablePointer<UInt8>) -> Int { TensorJSON.writeShortest(self, to: p) }
}

extension UnsafeMutablePointer<UInt8> {
    /// Copies the ASCII of `text` (a literal) to this address.
    @inline(__always)
    func initialize(from text: StaticString, count: Int) {
        for i in 0..<count { self[i] = text.utf8Start[i] }
    }
}
