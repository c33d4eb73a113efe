// ConnectionLifecycle driven with explicit instants (nanoseconds): no sockets, no clock.

import Testing
import HTTP1

private let s: UInt64 = 1_000_000_000  // one second in nanoseconds

@Suite struct ConnectionLifecycleTests {
    @Test func idleTimeoutOnAFreshConnection() {
        var c = ConnectionLifecycle(now: 0)
        #expect(c.nextDeadline == 60 * s)
        #expect(c.tick(now: 59 * s) == .none)
        #expect(c.tick(now: 60 * s) == .close(.idleTimeout))
        #expect(c.isClosed)
        #expect(c.tick(now: 61 * s) == .none)
    }

    @Test func idleTimeoutRestartsAfterEachResponse() {
        var c = ConnectionLifecycle(now: 0)
        #expect(c.bytesReceived(now: 50 * s, count: 80, phaseAfter: .idle) == .none)  // a whole GET in one read
        #expect(c.requestDispatched(now: 50 * s) == .none)
        #expect(c.nextDeadline == nil)
        #expect(c.tick(now: 200 * s) == .none)  // the handler is slow: not the peer's fault
        #expect(c.responseSent(now: 200 * s, keepAlive: true) == .none)
        #expect(c.nextDeadline == 260 * s)
        #expect(c.tick(now: 259 * s) == .none)
        #expect(c.tick(now: 260 * s) == .close(.idleTimeout))
    }

    @Test func slowlorisHeadIsClosedAtTheHeaderTimeout() {
        var c = ConnectionLifecycle(now: 0)
        #expect(c.bytesReceived(now: 5 * s, count: 1, phaseAfter: .head) == .none)
        #expect(c.nextDeadline == 15 * s)
        // One byte every second does not extend the deadline.
        for t in 6...14 {
            #expect(c.bytesReceived(now: UInt64(t) * s, count: 1, phaseAfter: .head) == .none)
        }
        #expect(c.tick(now: 14 * s + s / 2) == .none)
        #expect(c.tick(now: 15 * s) == .close(.headerTimeout))
    }

    @Test func lateBytesAfterTheHeaderDeadlineClose() {
        var c = ConnectionLifecycle(now: 0)
        _ = c.bytesReceived(now: 1 * s, count: 10, phaseAfter: .head)
        #expect(c.bytesReceived(now: 12 * s, count: 10, phaseAfter: .idle) == .close(.headerTimeout))
    }

    @Test func headCompletedInTimeMovesOn() {
        var c = ConnectionLifecycle(now: 0)
        _ = c.bytesReceived(now: 1 * s, count: 10, phaseAfter: .head)
        #expect(c.bytesReceived(now: 9 * s, count: 10, phaseAfter: .body) == .none)
        #expect(c.phase == .body)
        #expect(c.nextDeadline == 19 * s)
    }

    @Test func trickledBodyIsClosedAtTheBodyTimeout() {
        var c = ConnectionLifecycle(now: 0)
        _ = c.bytesReceived(now: 0, count: 100, phaseAfter: .body)
        // 10 bytes per second is below the default 1 KiB per 10 s.
        for t in 1...9 {
            #expect(c.bytesReceived(now: UInt64(t) * s, count: 10, phaseAfter: .body) == .none)
        }
        #expect(c.tick(now: 10 * s) == .close(.bodyTimeout))
    }

    @Test func slowSteadyUploadSurvives() {
        // A 100 MB upload at 100 KB/s takes 1000 s: far beyond any fixed deadline.
        var c = ConnectionLifecycle(now: 0)
        _ = c.bytesReceived(now: 0, count: 500, phaseAfter: .body)
        var t: UInt64 = 0
        var received = 0
        while received < 100_000_000 {
            t += s / 10
            received += 10_000
            #expect(c.bytesReceived(now: t, count: 10_000, phaseAfter: .body) == .none)
            #expect(c.tick(now: t) == .none)
        }
        #expect(t >= 999 * s)
        #expect(c.bytesReceived(now: t, count: 0, phaseAfter: .idle) == .none)
        #expect(!c.isClosed)
    }

    @Test func bodyWindowIsConfigurable() {
        let config = ConnectionLifecycle.Configuration(bodyTimeout: .seconds(2), minBodyBytesPerTimeout: 100)
        var c = ConnectionLifecycle(configuration: config, now: 0)
        _ = c.bytesReceived(now: 0, count: 10, phaseAfter: .body)
        #expect(c.bytesReceived(now: 1 * s, count: 100, phaseAfter: .body) == .none)  // quota met: new window
        #expect(c.nextDeadline == 3 * s)
        #expect(c.bytesReceived(now: 2 * s, count: 99, phaseAfter: .body) == .none)   // below quota
        #expect(c.tick(now: 3 * s) == .close(.bodyTimeout))
    }

    @Test func shutdownWhileIdleClosesAtOnce() {
        var c = ConnectionLifecycle(now: 0)
        #expect(c.shutdownRequested(now: 1 * s) == .close(.shutdown))
        #expect(c.isClosed)
    }

    @Test func shutdownWhileBusyClosesAfterTheResponse() {
        var c = ConnectionLifecycle(now: 0)
        _ = c.bytesReceived(now: 1 * s, count: 80, phaseAfter: .idle)
        _ = c.requestDispatched(now: 1 * s)
        #expect(c.shutdownRequested(now: 2 * s) == .closeAfterResponse)
        #expect(!c.keepAliveAllowed)
        #expect(!c.isClosed)
        #expect(c.responseSent(now: 3 * s, keepAlive: false) == .close(.responseNotKeepAlive))
        #expect(c.isClosed)
    }

    @Test func shutdownWhileReadingARequestLetsItFinish() {
        var c = ConnectionLifecycle(now: 0)
        _ = c.bytesReceived(now: 1 * s, count: 10, phaseAfter: .head)
        #expect(c.shutdownRequested(now: 2 * s) == .closeAfterResponse)
        _ = c.bytesReceived(now: 3 * s, count: 10, phaseAfter: .idle)
        #expect(c.requestDispatched(now: 3 * s) == .closeAfterResponse)
        #expect(c.responseSent(now: 4 * s, keepAlive: true) == .close(.shutdown))
    }

    @Test func shutdownWhileReadingWorksWithDispatchBeforeTheReadReport() {
        var c = ConnectionLifecycle(now: 0)
        _ = c.bytesReceived(now: 1 * s, count: 10, phaseAfter: .head)
        #expect(c.shutdownRequested(now: 2 * s) == .closeAfterResponse)
        #expect(c.requestDispatched(now: 3 * s) == .closeAfterResponse)
        #expect(c.bytesReceived(now: 3 * s, count: 10, phaseAfter: .idle) == .none)
        #expect(c.responseSent(now: 4 * s, keepAlive: false) == .close(.responseNotKeepAlive))
    }

    @Test func shutdownWithAStalledHeadStillTimesOut() {
        var c = ConnectionLifecycle(now: 0)
        _ = c.bytesReceived(now: 1 * s, count: 10, phaseAfter: .head)
        #expect(c.shutdownRequested(now: 2 * s) == .closeAfterResponse)
        #expect(c.tick(now: 11 * s) == .close(.headerTimeout))
    }

    // Found by fuzzing: a shutdown arriving after the head's deadline had passed (before the
    // ticker noticed) answered closeAfterResponse, leaving a deadline in the past.
    @Test func shutdownAfterAnExpiredDeadlineClosesWithThatTimeout() {
        var c = ConnectionLifecycle(now: 0)
        _ = c.bytesReceived(now: 1 * s, count: 10, phaseAfter: .head)
        #expect(c.shutdownRequested(now: 12 * s) == .close(.headerTimeout))
        #expect(c.isClosed)
        var idle = ConnectionLifecycle(now: 0)
        #expect(idle.shutdownRequested(now: 61 * s) == .close(.idleTimeout))
    }

    @Test func responseWithoutKeepAliveCloses() {
        var c = ConnectionLifecycle(now: 0)
        _ = c.requestDispatched(now: 0)
        #expect(c.responseSent(now: 1, keepAlive: false) == .close(.responseNotKeepAlive))
        #expect(c.requestDispatched(now: 2) == .none)
    }

    @Test func pipelinedHeadTimerRestartsAfterTheResponse() {
        var c = ConnectionLifecycle(now: 0)
        _ = c.requestDispatched(now: 0)
        // Half of the next request arrives while the first is being handled.
        _ = c.bytesReceived(now: 1 * s, count: 10, phaseAfter: .head)
        #expect(c.tick(now: 30 * s) == .none)
        #expect(c.responseSent(now: 30 * s, keepAlive: true) == .none)
        #expect(c.nextDeadline == 40 * s)
    }

    @Test func customTimeouts() {
        let config = ConnectionLifecycle.Configuration(
            idleTimeout: .milliseconds(1500), headerTimeout: .milliseconds(250), bodyTimeout: .seconds(1))
        var c = ConnectionLifecycle(configuration: config, now: 100)
        #expect(c.nextDeadline == 100 + 1_500_000_000)
        _ = c.bytesReceived(now: 200, count: 1, phaseAfter: .head)
        #expect(c.nextDeadline == 200 + 250_000_000)
    }
}
