// Query-string splitting and percent-decoding (application/x-www-form-urlencoded rules).

extension HTTPRequest {
    /// The query split on `&` into name/value pairs, each split at its first `=`,
    /// with `+` decoded as space and `%XX` escapes decoded (WHATWG urlencoded parsing).
    /// Empty pairs are skipped; a pair without `=` has an empty value. Invalid escapes
    /// are kept literally; invalid UTF-8 after decoding becomes U+FFFD.
    public var queryItems: [(String, String)] {
        guard let query else { return [] }
        return HTTPRequest.parseQuery(query)
    }

    /// The first value of the query item `name` (exact, case-sensitive match on the decoded name).
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.0 == name }?.1
    }

    /// Splits and decodes a query string; see `queryItems`.
    public static func parseQuery(_ query: String) -> [(String, String)] {
        var items: [(String, String)] = []
        for pair in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let eq = pair.firstIndex(of: UInt8(ascii: "=")) {
                items.append((
                    percentDecode(pair[pair.startIndex..<eq], plusAsSpace: true),
                    percentDecode(pair[pair.index(after: eq)...], plusAsSpace: true)
                ))
            } else {
                items.append((percentDecode(pair, plusAsSpace: true), ""))
            }
        }
        return items
    }

    /// Decodes `%XX` escapes (and `+` as space when asked). Malformed escapes stay as-is.
    public static func percentDecode(_ string: some StringProtocol, plusAsSpace: Bool = false) -> String {
        percentDecode(Substring(string).utf8, plusAsSpace: plusAsSpace)
    }

    static func percentDecode<C: BidirectionalCollection>(_ bytes: C, plusAsSpace: Bool) -> String
    where C.Element == UInt8 {
        // Fast path: nothing to decode.
        if !bytes.contains(where: { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "%") {
                let h1 = bytes.index(after: i)
                if h1 != bytes.endIndex {
                    let h2 = bytes.index(after: h1)
                    if h2 != bytes.endIndex, let hi = ByteClass.hexValue(bytes[h1]), let lo = ByteClass.hexValue(bytes[h2]) {
                        out.append(hi << 4 | lo)
                        i = bytes.index(after: h2)
                        continue
                    }
                }
                out.append(b)
            } else if plusAsSpace && b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else {
                out.append(b)
            }
            i = bytes.index(after: i)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
