import Optimizers
import TensorJSON

/// The on-disk form of one session, version 1:
///
///     "OPTDSESS"            8 bytes, magic
///     version               UInt32 little-endian (1)
///     header length H       UInt32 little-endian
///     header                H bytes of JSON: id, optimizer, dtype, hyperparameters, step,
///                           tensors, buffer names, mu_product, times, last idempotency key,
///                           hashes of earlier keys ("earlier_idempotency_key_hashes"; files
///                           from before held the keys, "earlier_idempotency_keys": both read)
///     params, buffers…      raw little-endian values of the dtype, in header order
///     checksum              UInt64 little-endian: XXH64 of every byte before it
///
/// Values are stored as their bits, never as decimal text, so a restart restores every
/// number exactly; the checksum catches a torn, truncated or bit-flipped file.
enum SessionFile {
    static let magic = Array("OPTDSESS".utf8)
    static let version: UInt32 = 1

    struct Corrupt: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    static func encode(_ s: SessionSnapshot) -> [UInt8] {
        var header = JSONWriter(capacity: 1024)
        header.beginObject()
        header.key("id"); header.writeString(s.id)
        header.key("optimizer"); header.writeString(s.optimizer.rawValue)
        header.key("dtype"); header.writeString(s.dtype.rawValue)
        header.key("hyperparameters"); HyperparameterJSON.write(s.hyperparameters, into: &header)
        header.key("step"); header.writeNumber(s.step)
        header.key("single_array"); header.writeBool(s.layout.isSingleArray)
        header.key("tensors")
        header.beginArray()
        for t in s.layout.tensors {
            header.beginObject(); header.key("name"); header.writeString(t.name); header.key("size"); header.writeNumber(t.size); header.endObject()
        }
        header.endArray()
        header.key("buffers"); header.beginArray(); for name in s.bufferNames { header.writeString(name) }; header.endArray()
        header.key("mu_product"); if let mu = s.muProduct { header.writeNumber(mu) } else { header.writeNull() }
        header.key("created_at_ms"); header.writeNumber(Int(s.createdAt.millisecondsSinceEpoch))
        header.key("updated_at_ms"); header.writeNumber(Int(s.updatedAt.millisecondsSinceEpoch))
        if let record = s.lastIdempotency {
            header.key("idempotency")
            header.beginObject()
            header.key("key"); header.writeString(record.key)
            header.key("hash"); header.writeString(String(record.requestHash, radix: 16))
            header.key("step"); header.writeNumber(record.step)
            if let mu = record.lookaheadMomentum { header.key("lookahead_momentum"); header.writeNumber(mu) }
            header.endObject()
        }
        if !s.earlierIdempotency.isEmpty {
            // [XXH64 of the key in hex, step], oldest first.
            header.key("earlier_idempotency_key_hashes")
            header.beginArray()
            for entry in s.earlierIdempotency {
                header.beginArray(); header.writeString(String(entry.keyHash, radix: 16)); header.writeNumber(entry.step); header.endArray()
            }
            header.endArray()
        }
        header.endObject()

        var out: [UInt8] = []
        out.reserveCapacity(24 + header.bytes.count + s.params.count * (1 + s.buffers.count))
        out += magic
        withUnsafeBytes(of: version.littleEndian) { out += $0 }
        withUnsafeBytes(of: UInt32(header.bytes.count).littleEndian) { out += $0 }
        out += header.bytes
        out += s.params
        for b in s.buffers { out += b }
        let checksum = out.withUnsafeBytes { XXHash64.hash($0) }
        withUnsafeBytes(of: checksum.littleEndian) { out += $0 }
        return out
    }

    static func decode(_ bytes: [UInt8]) throws(Corrupt) -> SessionSnapshot {
        guard bytes.count >= 24 else { throw Corrupt("file is \(bytes.count) bytes: truncated") }
        guard Array(bytes[0..<8]) == magic else { throw Corrupt("not an optd session file (bad magic)") }
        let stored = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self)) }
        let computed = bytes.withUnsafeBytes { XXHash64.hash(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 8)])) }
        guard stored == computed else { throw Corrupt("checksum mismatch: the file is torn, truncated or corrupted") }
        let (fileVersion, headerLength) = bytes.withUnsafeBytes {
            (UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)),
             Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 12, as: UInt32.self))))
        }
        guard fileVersion == version else { throw Corrupt("format version \(fileVersion) is not supported (this optd reads \(version))") }
        guard 16 + headerLength <= bytes.count - 8 else { throw Corrupt("header length past the end") }
        let header: JSONValue
        do { header = try JSONParser.parse(Array(bytes[16..<(16 + headerLength)])) } catch { throw Corrupt("header: \(error.message)") }

        guard let id = header["id"]?.stringValue,
              let optimizer = header["optimizer"]?.stringValue.flatMap(OptimizerKind.init(rawValue:)),
              let dtype = header["dtype"]?.stringValue.flatMap(DType.init(rawValue:)),
              let step = header["step"]?.integerValue,
              let single = header["single_array"]?.boolValue,
              let tensors = header["tensors"]?.arrayValue,
              let created = header["created_at_ms"]?.integerValue,
              let updated = header["updated_at_ms"]?.integerValue
        else { throw Corrupt("header lacks a required member") }
        let bufferNames = (header["buffers"]?.arrayValue ?? []).compactMap(\.stringValue)
        let named = tensors.compactMap { t -> (String, Int)? in
            guard let name = t["name"]?.stringValue, let size = t["size"]?.integerValue else { return nil }
            return (name, size)
        }
        guard named.count == tensors.count, !named.isEmpty else { throw Corrupt("header tensors are malformed") }
        let layout = single ? TensorLayout(singleArrayOfSize: named[0].1) : TensorLayout(named: named.map { ($0.0, $0.1) })
        let hyperparameters: Hyperparameters
        do {
            hyperparameters = try CreateSessionRequest.hyperparameters(header["hyperparameters"], for: optimizer)
        } catch { throw Corrupt("header hyperparameters: \(error.detail)") }

        let width = layout.totalCount * dtype.width
        let payload = 16 + headerLength
        guard bytes.count - 8 - payload == width * (1 + bufferNames.count) else {
            throw Corrupt("payload holds \(bytes.count - 8 - payload) bytes, the header describes \(width * (1 + bufferNames.count))")
        }
        var buffers: [[UInt8]] = []
        for k in 0..<bufferNames.count {
            let start = payload + width * (1 + k)
            buffers.append(Array(bytes[start..<(start + width)]))
        }
        var record: IdempotencyLog.Record?
        if let i = header["idempotency"], let key = i["key"]?.stringValue, let hash = i["hash"]?.stringValue.flatMap({ UInt64($0, radix: 16) }),
           let s = i["step"]?.integerValue {
            record = IdempotencyLog.Record(key: key, requestHash: hash, step: s, lookaheadMomentum: i["lookahead_momentum"]?.doubleValue)
        }
        var earlier: [IdempotencyLog.Earlier] = []
        // Files written before keys were hashed held the keys themselves (oldest first, so first).
        for entry in header["earlier_idempotency_keys"]?.arrayValue ?? [] {
            guard let pair = entry.arrayValue, pair.count == 2, let key = pair[0].stringValue, let step = pair[1].integerValue else {
                throw Corrupt("header earlier_idempotency_keys are malformed")
            }
            earlier.append(IdempotencyLog.Earlier(keyHash: IdempotencyLog.keyHash(key), step: step))
        }
        for entry in header["earlier_idempotency_key_hashes"]?.arrayValue ?? [] {
            guard let pair = entry.arrayValue, pair.count == 2, let hash = pair[0].stringValue.flatMap({ UInt64($0, radix: 16) }),
                  let step = pair[1].integerValue else {
                throw Corrupt("header earlier_idempotency_key_hashes are malformed")
            }
            earlier.append(IdempotencyLog.Earlier(keyHash: hash, step: step))
        }
        return SessionSnapshot(
            id: id, optimizer: optimizer, dtype: dtype, hyperparameters: hyperparameters, step: step, layout: layout,
            params: Array(bytes[payload..<(payload + width)]), bufferNames: bufferNames, buffers: buffers,
            muProduct: header["mu_product"]?.doubleValue,
            createdAt: Timestamp(millisecondsSinceEpoch: Int64(created)), updatedAt: Timestamp(millisecondsSinceEpoch: Int64(updated)),
            version: 0, lastIdempotency: record, earlierIdempotency: earlier)
    }
}
