/// One camera's last `capacity` (α) frame features, projected by the window model's first layer and stored as
/// half floats: α × P × 2 bytes of features plus α × 8 bytes of capture times (at α 40, P 128: 10,560 bytes), so
/// 10,000 cameras hold ~106 MB. The projection is linear and per frame, so projecting before storing gives the
/// window model exactly its own first layer's output (up to fp16 rounding, ~1e-3 relative).
///
/// Inference-thread only (owned by `WindowTracker`).
struct FeatureRing {
    let capacity: Int
    let width: Int
    private var values: [Float16]
    private var walls: [Double]
    /// Next slot to write; the oldest entry once full.
    private var head = 0
    private(set) var count = 0
    /// Frames pushed since the last window was taken (or since the ring was created).
    private(set) var sinceWindow = 0
    /// Windows taken from this ring so far.
    private(set) var windowsTaken = 0
    /// Last time anything was pushed (`Timestamp` seconds), for evicting cameras that went away.
    private(set) var touched: Double = 0

    init(capacity: Int, width: Int) {
        precondition(capacity >= 1 && width >= 1)
        self.capacity = capacity
        self.width = width
        values = [Float16](repeating: 0, count: capacity * width)
        walls = [Double](repeating: 0, count: capacity)
    }

    /// Bytes this ring holds (features and times), for the memory figure the bench and docs quote.
    static func bytes(capacity: Int, width: Int) -> Int {
        capacity * width * MemoryLayout<Float16>.stride + capacity * MemoryLayout<Double>.stride
    }

    var isFull: Bool { count == capacity }

    mutating func push(_ features: UnsafeBufferPointer<Float>, wall: Double, now: Double) {
        precondition(features.count == width)
        let base = head * width
        values.withUnsafeMutableBufferPointer { v in
            for j in 0..<width { v[base + j] = Float16(features[j]) }
        }
        walls[head] = wall
        head = (head + 1) % capacity
        count = min(count + 1, capacity)
        sinceWindow += 1
        touched = now
    }

    /// Pushes the newest entry again under a new capture time: change gating reused the previous result because
    /// the frame did not change, so its features are the previous frame's. No-op while empty.
    mutating func repeatLast(wall: Double, now: Double) {
        guard count > 0 else { return }
        let last = (head + capacity - 1) % capacity
        let copy = Array(values[(last * width)..<((last + 1) * width)]).map { Float($0) }
        copy.withUnsafeBufferPointer { push($0, wall: wall, now: now) }
    }

    /// Writes the ring oldest-first as `capacity × width` floats at `out`, marks a window taken, and returns the
    /// capture times of its first and last frame. Call only when full.
    mutating func takeWindow(into out: UnsafeMutablePointer<Float>) -> (start: Double, end: Double) {
        precondition(isFull, "window taken from a ring that is not full")
        values.withUnsafeBufferPointer { v in
            for k in 0..<capacity {
                let slot = (head + k) % capacity
                for j in 0..<width { out[k * width + j] = Float(v[slot * width + j]) }
            }
        }
        sinceWindow = 0
        windowsTaken += 1
        return (walls[head], walls[(head + capacity - 1) % capacity])
    }
}
