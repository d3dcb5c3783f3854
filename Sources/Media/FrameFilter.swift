import CamsiftCore

/// Per-camera bad-frame filter, run on the decoded model-size frame (cheap: 224×224).
///
/// The seed system dropped offline cameras' images by byte size, which misses "camera offline" cards (they
/// compress to ordinary sizes) and drops dark night scenes. Instead:
/// - **uniform**: luma standard deviation below `minLumaStdDev`, or one 16-level luma bin holding more than
///   `maxDominantFraction` of pixels (black/grey frames, flat cards with a little text);
/// - **frozen**: the same downscaled-content hash `frozenRepeats` times in a row. The hash is over an exact
///   32×32 grey thumbnail: a re-sent or re-encoded identical frame hashes equal, while a live static scene
///   still differs through sensor noise, so a quiet parking lot at night is not called frozen;
/// - **placeholder**: a hash this camera showed before, then showed something else, and shows again
///   (`placeholderRuns` separate runs): the vendor's "no signal" image that returns after every outage. Live
///   footage never repeats exactly after other content. Remembers `placeholderMemory` recent hashes.
/// Truncated/undecodable frames never get here: the decoder reports them (`MediaError.rejectReason`).
public struct FrameFilter: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Luma (BT.601, 0–255) standard deviation below which a frame is uniform.
        public var minLumaStdDev: Double = 4.0
        /// Fraction of pixels in the most common 16-level luma bin above which a frame is uniform.
        public var maxDominantFraction: Double = 0.97
        /// N: identical content this many times in a row is frozen (the first N-1 pass).
        public var frozenRepeats: Int = 3
        /// Distinct recent content hashes remembered for placeholder detection.
        public var placeholderMemory: Int = 32
        /// Separate runs of the same content after which it is a placeholder.
        public var placeholderRuns: Int = 2
        public init() {}
        public init(minLumaStdDev: Double = 4.0, maxDominantFraction: Double = 0.97, frozenRepeats: Int = 3,
                    placeholderMemory: Int = 32, placeholderRuns: Int = 2) {
            self.minLumaStdDev = minLumaStdDev
            self.maxDominantFraction = maxDominantFraction
            self.frozenRepeats = frozenRepeats
            self.placeholderMemory = placeholderMemory
            self.placeholderRuns = placeholderRuns
        }
    }

    private struct Seen: Sendable {
        var hash: UInt64
        var runs: Int
        var lastUse: Int
    }

    public let settings: Settings
    private var lastHash: UInt64?
    private var runLength = 0
    private var memory: [Seen] = []
    private var clock = 0

    public init(settings: Settings = .init()) {
        self.settings = settings
    }

    /// nil = accept. `jpeg` (the original bytes, when the source had them) is not needed for the decision
    /// today; it is accepted so a byte-identical fast path can be added without changing callers.
    public mutating func check(_ frame: DecodedFrame, jpeg: UnsafeRawBufferPointer?) -> RejectReason? {
        let stats = FrameStatistics(frame)
        clock += 1
        // Content history is updated for every frame, including uniform ones, so a black frame between two
        // identical placeholders still separates their runs.
        let newRun = stats.hash != lastHash
        if newRun { runLength = 1 } else { runLength += 1 }
        lastHash = stats.hash
        let runs = remember(stats.hash, newRun: newRun)

        if stats.lumaStdDev < settings.minLumaStdDev || stats.dominantFraction > settings.maxDominantFraction {
            return .uniform
        }
        if runs >= settings.placeholderRuns { return .placeholder }
        if runLength >= settings.frozenRepeats { return .frozen }
        return nil
    }

    /// Records a sighting; returns in how many separate runs this content has appeared.
    private mutating func remember(_ hash: UInt64, newRun: Bool) -> Int {
        if let i = memory.firstIndex(where: { $0.hash == hash }) {
            if newRun { memory[i].runs += 1 }
            memory[i].lastUse = clock
            return memory[i].runs
        }
        if memory.count >= max(1, settings.placeholderMemory),
           let lru = memory.indices.min(by: { memory[$0].lastUse < memory[$1].lastUse }) {
            memory.remove(at: lru)
        }
        memory.append(Seen(hash: hash, runs: 1, lastUse: clock))
        return 1
    }
}
