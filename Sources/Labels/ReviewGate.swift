import CamsiftCore

/// The review queue's decision for one classified frame: the rules, the caps and the per-camera label history.
/// Kept apart from the queue so it is plain data under one lock, and so its cost is visible: for a rejected
/// frame it does a dictionary lookup, a ≤ `historyLength`² scan of small strings and a few comparisons — no
/// I/O, and no allocation once a camera has been seen (its history ring is allocated on its first frame).
struct ReviewGate {
    /// Recent labels and the hourly cap counter of one camera.
    struct CameraState {
        var ring: [String]
        var next = 0
        var filled = 0
        var hour: Int64 = .min
        var hourCount = 0

        init(capacity: Int) { ring = [String](repeating: "", count: max(1, capacity)) }

        /// Whether `label` is less frequent in the history than its most frequent label (ties are no change:
        /// a label that is one of the most frequent is the camera's usual label). False on an empty history.
        func isChange(_ label: String) -> Bool {
            guard filled > 0 else { return false }
            var best = 0
            var mine = 0
            for i in 0..<filled {
                var n = 0
                for j in 0..<filled where ring[j] == ring[i] { n += 1 }
                if n > best { best = n }
                if ring[i] == label { mine += 1 }
            }
            return mine < best
        }

        mutating func record(_ label: String) {
            ring[next] = label
            next = (next + 1) % ring.count
            if filled < ring.count { filled += 1 }
        }
    }

    var policy: ReviewPolicy
    var generator: SeededGenerator
    var cameras: [String: CameraState] = [:]
    var hour: Int64 = .min
    var hourCount = 0
    /// Pending rows in the database (refreshed by the writer) plus accepted frames not yet written.
    var pending = 0

    var offered = 0
    var accepted = 0
    var capped = 0

    init(policy: ReviewPolicy, seed: UInt64) {
        self.policy = policy
        generator = SeededGenerator(seed: seed, stream: "review")
    }

    /// The reasons `c` matched if it is accepted (rule hit, JPEG present, under every cap); nil otherwise.
    /// Updates the camera's history either way, and the caps only when accepting.
    mutating func decide(_ c: ReviewCandidate) -> ReviewReason? {
        offered += 1
        let p = policy
        var reasons: ReviewReason = []
        if c.score < p.scoreBelow { reasons.insert(.lowScore) }
        if p.disagreement, let m0 = c.m0, let m1 = c.m1, m0 != m1 { reasons.insert(.disagreement) }
        if p.randomRate > 0 && generator.unit() < p.randomRate { reasons.insert(.random) }

        let capacity = max(1, p.historyLength)
        var cam = cameras.removeValue(forKey: c.camera) ?? CameraState(capacity: capacity)
        if cam.ring.count != capacity { cam = CameraState(capacity: capacity) }
        if p.labelChange && cam.isChange(c.label) { reasons.insert(.labelChange) }
        cam.record(c.label)
        defer { cameras[c.camera] = cam }

        guard !reasons.isEmpty, c.jpeg != nil else { return nil }
        // Clock hours of the capture time; a late frame from an earlier hour counts against the current one.
        let h = Int64((c.capturedWall / 3600).rounded(.down))
        if h > cam.hour { cam.hour = h; cam.hourCount = 0 }
        if h > hour { hour = h; hourCount = 0 }
        guard pending < p.maxPending, cam.hourCount < p.perCameraPerHour, hourCount < p.perHour else {
            capped += 1
            return nil
        }
        cam.hourCount += 1
        hourCount += 1
        pending += 1
        accepted += 1
        return reasons
    }
}
