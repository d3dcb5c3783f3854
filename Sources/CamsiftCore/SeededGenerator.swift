/// The one deterministic random-number generator: SplitMix64 (Steele, Lea & Flood 2014), a tiny, fast
/// generator whose whole state is one word, so every random choice — weight initialisation, dropout masks,
/// splits, sampler draws, augmentation — is reproducible from `--seed` on the same thread count.
/// Not for cryptography.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    private static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The generator for `seed` (NN's initialisers and dropout use this one).
    public init(seed: UInt64) { state = seed &+ Self.golden }

    /// A generator for a named sub-stream, so adding draws to one part (e.g. augmentation) does not shift the
    /// numbers another part (e.g. the split) sees. The state is the seed xor FNV-1a of the name, advanced once.
    public init(seed: UInt64, stream: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in stream.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        state = seed ^ h
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= Self.golden
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform Float in [0, 1) (24 bits).
    public mutating func nextUnit() -> Float { Float(next() >> 40) * (1.0 / Float(1 << 24)) }

    /// Uniform Float in [-bound, bound).
    public mutating func uniform(_ bound: Float) -> Float { (nextUnit() * 2 - 1) * bound }

    /// Uniform Double in [0, 1) (53 bits).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [0, n) without modulo bias worth caring about at training sizes (n ≪ 2^64).
    public mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    /// Fisher–Yates with this generator (Swift's `shuffle(using:)` is fine too, but its draw pattern is an
    /// implementation detail; this one is pinned so results stay identical across toolchains).
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = below(i + 1)
            if i != j { a.swapAt(i, j) }
        }
    }
}
