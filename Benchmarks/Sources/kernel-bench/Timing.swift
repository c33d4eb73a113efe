#if canImport(Glibc)
import Glibc
#endif

/// How many steps to run before measuring, and how many to measure.
struct Repetitions {
    var warmUp: Int
    var measured: Int

    /// 31 measured steps at 10M elements, 50 below; `quick` cuts both.
    static func forSize(_ elements: Int, quick: Bool) -> Repetitions {
        let large = elements >= 5_000_000
        switch (large, quick) {
        case (true, false): return Repetitions(warmUp: 3, measured: 31)
        case (false, false): return Repetitions(warmUp: 5, measured: 50)
        case (true, true): return Repetitions(warmUp: 1, measured: 5)
        case (false, true): return Repetitions(warmUp: 2, measured: 15)
        }
    }
}

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// Times several step functions in turn, one step each per round, so that all of them see
/// the same moments of a noisy machine: `warmUp` untimed rounds, then `measured` timed ones,
/// each round in the order of a Williams design. A slow round (a kernel far off its target)
/// cuts both, to stay within about `budget` seconds: at least 3 rounds are timed. A step may
/// report its own duration (a step run in another process returns the time it measured there,
/// without the round trip); nil means "time me". Returns every timed step — `samples[k][r]` is
/// contender k's time in round r — and the number of timed rounds.
func roundRobinSamples(_ repetitions: Repetitions, budget: Double, reporting steps: [() -> Double?]) -> (samples: [[Double]], rounds: Int) {
    let start = monotonicSeconds()
    for step in steps { _ = step() }
    let round = monotonicSeconds() - start
    let affordable = Int(budget / round)
    for _ in 0..<min(repetitions.warmUp - 1, max(0, affordable - repetitions.measured)) { for step in steps { _ = step() } }
    let rounds = max(3, min(repetitions.measured, affordable))
    var samples = [[Double]](repeating: [], count: steps.count)
    for round in 0..<rounds {
        // Rounds follow a Williams design, so that every contender follows every other equally
        // often: one that leaves the machine busy for a moment after its step (torch's OpenMP
        // workers spin before they sleep) does not always slow the same neighbour.
        for k in williamsOrder(round: round, count: steps.count) {
            let start = monotonicSeconds()
            let reported = steps[k]()
            samples[k].append(reported ?? (monotonicSeconds() - start))
        }
    }
    return (samples, rounds)
}

/// The order of `count` contenders in round `round` of a Williams design: within a round,
/// each ordered pair (a right after b) occurs equally often over every `count` rounds
/// (`2 × count` for an odd count), so no contender always steps right after the same one.
func williamsOrder(round: Int, count n: Int) -> [Int] {
    var base = [0], low = 1, high = n - 1
    while base.count < n {
        base.append(low)
        low += 1
        if base.count < n {
            base.append(high)
            high -= 1
        }
    }
    let row = base.map { ($0 + round) % n }
    return n % 2 == 1 && (round / n) % 2 == 1 ? row.reversed() : row
}

/// The median over rounds of `baseline[r] / contender[r]`: how many times faster the contender
/// was than the baseline it was paired with, round by round. Robust to the machine's drift,
/// which a ratio of two medians taken over the whole run is not.
func pairedSpeedRatio(_ contender: [Double], baseline: [Double]) -> Double {
    median(zip(contender, baseline).map { $1 / $0 })
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted(), middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// The same, for steps timed here.
func roundRobinSamples(_ repetitions: Repetitions, budget: Double, _ steps: [() -> Void]) -> (samples: [[Double]], rounds: Int) {
    roundRobinSamples(repetitions, budget: budget, reporting: steps.map { step in { step(); return nil } })
}
