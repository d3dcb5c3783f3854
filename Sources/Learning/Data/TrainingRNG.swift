/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast generator whose whole state is one word, so every
/// random choice in training (splits, draws, augmentation, initialisation) is reproducible from `--seed`.
/// Not for cryptography.
public struct TrainingRNG: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for a named sub-stream, so adding draws to one part (e.g. augmentation) does not shift
    /// the numbers another part (e.g. the split) sees.
    public init(seed: UInt64, stream: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a of the stream name
        for b in stream.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        state = seed ^ h
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
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
