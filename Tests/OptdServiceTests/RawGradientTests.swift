import Testing
@testable import OptdService
import Optimizers
import TensorJSON

/// Raw steps read gradients in place from the request body when it is aligned for the dtype,
/// and copy them when it is not: both must give the same step, bit for bit.
@Suite("Raw gradients")
struct RawGradientTests {
    static func numbers(_ dtype: String) throws -> any SessionNumbers {
        let body = #"{"optimizer":"adam","dtype":"\#(dtype)","params":[0.5,-1.25,3,0.1,7,-2,0.25]}"#
        return try CreateSessionRequest(JSONParser.parse(Array(body.utf8))).makeNumbers(engine: .automatic)
    }

    @Test("aligned (in place) and misaligned (copied) bodies step identically", arguments: ["float32", "float64"])
    func alignment(dtype: String) throws {
        let width = dtype == "float32" ? 4 : 8
        let values: [Double] = [0.1, -0.2, 0.3, 1e-3, -4, 5e-5, 0.75]
        var raw: [UInt8] = []
        for v in values {
            if width == 4 { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { raw += $0 } }
            else { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw += $0 } }
        }
        let original = raw
        let inPlace = try Self.numbers(dtype), copied = try Self.numbers(dtype)
        try raw.withUnsafeBytes { body in
            #expect(Int(bitPattern: body.baseAddress) % width == 0, "this body must take the in-place path")
            try inPlace.applyStep(raw: body)
        }
        // The same bytes one byte into a buffer: not aligned for the dtype.
        let shifted = [0] + raw
        try shifted.withUnsafeBytes { buffer in
            let body = UnsafeRawBufferPointer(rebasing: buffer[1...])
            #expect(Int(bitPattern: body.baseAddress) % width != 0, "this body must take the copying path")
            try copied.applyStep(raw: body)
        }
        #expect(inPlace.step == 1 && copied.step == 1)
        #expect(inPlace.rawParams().array == copied.rawParams().array)
        // The step read the body in place and left it as it was.
        #expect(raw == original)
    }

    @Test("a NaN in a misaligned body is refused and names its element", arguments: ["float32", "float64"])
    func misalignedNaN(dtype: String) throws {
        let width = dtype == "float32" ? 4 : 8
        var raw = [UInt8](repeating: 0, count: 1 + 7 * width)
        if width == 4 { withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { raw.replaceSubrange((1 + 3 * 4)..<(1 + 4 * 4), with: $0) } }
        else { withUnsafeBytes(of: Double.nan.bitPattern.littleEndian) { raw.replaceSubrange((1 + 3 * 8)..<(1 + 4 * 8), with: $0) } }
        let n = try Self.numbers(dtype)
        let before = n.rawParams().array
        let error = #expect(throws: Problem.self) { try raw.withUnsafeBytes { try n.applyStep(raw: UnsafeRawBufferPointer(rebasing: $0[1...])) } }
        #expect(error?.status == 422 && error?.detail.contains("element 3") == true)
        #expect(n.step == 0 && n.rawParams().array == before)
    }
}
