// Path/query splitting and query-item decoding.

import Testing
import HTTP1

@Suite struct QueryTests {
    @Test func pathAndQueryAreSplitButNotDecoded() throws {
        let r = try #require(parseOne("GET /v1/a%20b/c?x=1%2B1&y=a+b HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(r.path == "/v1/a%20b/c")
        #expect(r.query == "x=1%2B1&y=a+b")
        #expect(r.target == "/v1/a%20b/c?x=1%2B1&y=a+b")
    }

    @Test func queryItemsDecodePercentAndPlus() throws {
        let r = try #require(parseOne("GET /s?name=J%C3%BCrgen+M&empty=&flag&&a=b=c&%7e=tilde HTTP/1.1\r\nHost: a\r\n\r\n"))
        let items = r.queryItems
        #expect(items.map(\.0) == ["name", "empty", "flag", "a", "~"])
        #expect(items.map(\.1) == ["Jürgen M", "", "", "b=c", "tilde"])
        #expect(r.queryValue("a") == "b=c")
        #expect(r.queryValue("missing") == nil)
    }

    @Test func malformedEscapesStayLiteral() {
        #expect(HTTPRequest.percentDecode("100%") == "100%")
        #expect(HTTPRequest.percentDecode("%zz%4") == "%zz%4")
        #expect(HTTPRequest.percentDecode("%41%42c") == "ABc")
        #expect(HTTPRequest.percentDecode("a+b") == "a+b")
        #expect(HTTPRequest.percentDecode("a+b", plusAsSpace: true) == "a b")
        #expect(HTTPRequest.percentDecode("%FF") == "\u{FFFD}")
    }

    @Test func noQuery() throws {
        let r = try #require(parseOne("GET /p HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(r.query == nil)
        #expect(r.queryItems.isEmpty)
        let e = try #require(parseOne("GET /p? HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(e.path == "/p")
        #expect(e.query == "")
        #expect(e.queryItems.isEmpty)
    }

    @Test func onlyTheFirstQuestionMarkSplits() throws {
        let r = try #require(parseOne("GET /p?a=?b HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(r.path == "/p")
        #expect(r.query == "a=?b")
        #expect(r.queryItems.first?.1 == "?b")
    }
}
