// HTTPHeaders: ordered storage and case-insensitive operations.

import Testing
import HTTP1

@Suite struct HTTPHeadersTests {
    @Test func lookupIsCaseInsensitive() {
        let h: HTTPHeaders = ["Content-Type": "application/json", "X-Id": "7"]
        #expect(h["content-type"] == "application/json")
        #expect(h["CONTENT-TYPE"] == "application/json")
        #expect(h["x-id"] == "7")
        #expect(h["x-missing"] == nil)
        #expect(h.contains(name: "X-ID"))
    }

    @Test func addKeepsDuplicatesInOrder() {
        var h = HTTPHeaders()
        h.add(name: "Vary", value: "a")
        h.add(name: "X", value: "1")
        h.add(name: "vary", value: "b")
        #expect(h.values(for: "VARY") == ["a", "b"])
        #expect(h.count == 3)
        #expect(h.map(\.name) == ["Vary", "X", "vary"])
    }

    @Test func replaceOrAddReplacesFirstAndDropsOthers() {
        var h: HTTPHeaders = ["A": "1", "B": "2"]
        h.add(name: "a", value: "3")
        h.replaceOrAdd(name: "A", value: "new")
        #expect(h.map(\.name) == ["A", "B"])
        #expect(h["a"] == "new")
        h.replaceOrAdd(name: "C", value: "c")
        #expect(h.map(\.name) == ["A", "B", "C"])
    }

    @Test func removeDropsAllMatches() {
        var h: HTTPHeaders = ["A": "1", "B": "2"]
        h.add(name: "a", value: "3")
        h.remove(name: "A")
        #expect(h.map(\.name) == ["B"])
        h.remove(name: "missing")
        #expect(h.count == 1)
    }

    @Test func containsTokenSplitsLists() {
        let h: HTTPHeaders = ["Connection": "Upgrade ,  Keep-Alive", "Cache-Control": "no-cache"]
        #expect(h.containsToken("keep-alive", in: "connection"))
        #expect(h.containsToken("upgrade", in: "Connection"))
        #expect(!h.containsToken("close", in: "connection"))
        #expect(!h.containsToken("no", in: "cache-control"))
    }
}
