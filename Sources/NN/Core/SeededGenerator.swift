/// Deterministic random numbers (SplitMix64, Steele et al. 2014) for weight initialisation, dropout masks and
/// shuffling: the same seed gives the same model and the same training run on the same thread count.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Float { Float(next() >> 40) * (1.0 / Float(1 << 24)) }

    /// Uniform in [-bound, bound).
    public mutating func uniform(_ bound: Float) -> Float { (nextUnit() * 2 - 1) * bound }

    /// Fills `tensor` with U(-bound, bound): Kaiming-uniform when bound = sqrt(6 / fanIn) (He et al. 2015, §2.2).
    public mutating func fillUniform(_ tensor: Tensor, bound: Float) {
        let p = tensor.pointer
        for i in 0..<tensor.count { p[i] = uniform(bound) }
    }
}
