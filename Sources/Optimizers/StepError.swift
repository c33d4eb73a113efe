/// Why a step was refused. A refused step changes nothing.
public enum StepError: Error, Sendable, Equatable {
    /// The gradients hold `got` elements where the session has `expected`.
    case wrongCount(expected: Int, got: Int)
    /// The update would write a non-finite value into `buffer` ("params" or a state buffer)
    /// at element `index` of `tensor`.
    case nonFiniteResult(buffer: String, tensor: String, index: Int)
}
