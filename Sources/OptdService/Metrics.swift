import Synchronization

/// The counters behind `GET /metrics`, in the Prometheus text format (version 0.0.4):
/// requests by route, method and status; latency histograms by route; sessions; state bytes;
/// steps by optimizer.
final class Metrics: Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    static let buckets: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct RequestKey: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private struct Histogram {
        var counts = [Int](repeating: 0, count: Metrics.buckets.count)
        var sum = 0.0
        var count = 0

        mutating func record(_ seconds: Double) {
            if let i = Metrics.buckets.firstIndex(where: { seconds <= $0 }) { counts[i] += 1 }
            sum += seconds
            count += 1
        }
    }

    private struct State {
        var requests: [RequestKey: Int] = [:]
        var latency: [String: Histogram] = [:]
        var steps: [String: Int] = [:]
    }

    private let state = Mutex(State())

    func recordRequest(route: String, method: String, status: Int, seconds: Double) {
        state.withLock { s in
            s.requests[RequestKey(route: route, method: method, status: status), default: 0] += 1
            // Mutated in place: a copy taken out of the dictionary would copy its counts array.
            s.latency[route, default: Histogram()].record(seconds)
        }
    }

    func recordStep(optimizer: String) {
        state.withLock { $0.steps[optimizer, default: 0] += 1 }
    }

    func render(sessions: Int, stateBytes: Int, budgetBytes: Int) -> String {
        let s = state.withLock { $0 }
        var out = ""
        out += "# HELP optd_http_requests_total HTTP requests answered, by route template, method and status.\n"
        out += "# TYPE optd_http_requests_total counter\n"
        for (key, n) in s.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            out += "optd_http_requests_total{route=\"\(key.route)\",method=\"\(key.method)\",status=\"\(key.status)\"} \(n)\n"
        }
        out += "# HELP optd_http_request_duration_seconds Time from a parsed request to its response, by route template.\n"
        out += "# TYPE optd_http_request_duration_seconds histogram\n"
        for (route, h) in s.latency.sorted(by: { $0.key < $1.key }) {
            var cumulative = 0
            for (i, bound) in Metrics.buckets.enumerated() {
                cumulative += h.counts[i]
                out += "optd_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "optd_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"+Inf\"} \(h.count)\n"
            out += "optd_http_request_duration_seconds_sum{route=\"\(route)\"} \(h.sum)\n"
            out += "optd_http_request_duration_seconds_count{route=\"\(route)\"} \(h.count)\n"
        }
        out += "# HELP optd_sessions Sessions held.\n# TYPE optd_sessions gauge\noptd_sessions \(sessions)\n"
        out += "# HELP optd_state_bytes Bytes of parameters and optimizer state held.\n# TYPE optd_state_bytes gauge\noptd_state_bytes \(stateBytes)\n"
        out += "# HELP optd_memory_budget_bytes The memory budget for parameters and state.\n# TYPE optd_memory_budget_bytes gauge\noptd_memory_budget_bytes \(budgetBytes)\n"
        out += "# HELP optd_steps_total Steps applied, by optimizer.\n# TYPE optd_steps_total counter\n"
        for (optimizer, n) in s.steps.sorted(by: { $0.key < $1.key }) {
            out += "optd_steps_total{optimizer=\"\(optimizer)\"} \(n)\n"
        }
        return out
    }
}
