import CamsiftCore
import Foundation

/// Collects decoded frames from every camera into inference batches.
///
/// Policy (issue 6): a batch closes at `batchSize` frames or `maxWait` after its first frame, whichever comes
/// first. Each camera holds at most `perCameraDepth` pending frames and the whole queue at most `capacity`;
/// on overflow the *oldest* frame is dropped and counted (live video: a stale frame is worth less than a new
/// one). Batches are filled round-robin over cameras with pending frames, so one chatty camera cannot starve
/// the others.
///
/// `submit` never blocks (ingest threads call it); `nextBatch` blocks and is meant for the dedicated inference
/// thread.
public final class FrameBatcher: FrameSink, @unchecked Sendable {
    public let batchSize: Int
    public let maxWait: Double
    public let perCameraDepth: Int
    public let capacity: Int

    // Guarded by `cond`.
    private let cond = NSCondition()
    private var pending: [String: [Frame]] = [:]
    /// Cameras with pending frames, in round-robin order (each id at most once).
    private var ring = RingQueue<String>()
    private var count = 0
    private var closed = false
    private var stats = Stats()

    public struct Stats: Sendable, Equatable {
        public var submitted = 0
        public var droppedPerCamera = 0
        public var droppedCapacity = 0
        public var batches = 0
        public var batchedFrames = 0
        public var dropped: Int { droppedPerCamera + droppedCapacity }
    }

    public init(batchSize: Int = 16, maxWait: Double = 0.050, perCameraDepth: Int = 2, capacity: Int = 4096) {
        precondition(batchSize > 0 && perCameraDepth > 0 && capacity >= batchSize)
        self.batchSize = batchSize
        self.maxWait = maxWait
        self.perCameraDepth = perCameraDepth
        self.capacity = capacity
    }

    public func submit(_ frame: Frame) {
        var dropped: Frame?
        cond.lock()
        defer {
            cond.unlock()
            dropped?.onDrop?()  // outside the lock: the source may do anything in it
        }
        guard !closed else { return }
        stats.submitted += 1
        var queue = pending.removeValue(forKey: frame.camera) ?? []
        if queue.isEmpty { ring.push(frame.camera) }
        if queue.count >= perCameraDepth {
            dropped = queue.removeFirst()
            count -= 1
            stats.droppedPerCamera += 1
        }
        queue.append(frame)
        pending[frame.camera] = queue
        count += 1
        if count > capacity { dropped = dropOldestOfHead() ?? dropped }
        if count >= batchSize || count == 1 { cond.broadcast() }
    }

    /// Drops the oldest frame of the camera that has waited longest (the ring head) and returns it.
    private func dropOldestOfHead() -> Frame? {
        guard let cam = ring.peek(), var queue = pending[cam], !queue.isEmpty else { return nil }
        let frame = queue.removeFirst()
        count -= 1
        stats.droppedCapacity += 1
        if queue.isEmpty {
            _ = ring.pop()
            pending[cam] = nil
        } else {
            pending[cam] = queue
        }
        return frame
    }

    /// Blocks until a batch is ready (full, or `maxWait` after the first pending frame), or the batcher is
    /// closed and empty (returns `[]`). `timeout` bounds the wait for a first frame.
    public func nextBatch(timeout: Double = .infinity) -> [Frame] {
        cond.lock()
        defer { cond.unlock() }
        let giveUp = Date(timeIntervalSinceNow: min(timeout, 1e9))
        while count == 0 && !closed {
            if !cond.wait(until: giveUp) { return [] }
        }
        if count < batchSize && !closed {
            let deadline = Date(timeIntervalSinceNow: maxWait)
            while count < batchSize && !closed {
                if !cond.wait(until: deadline) { break }
            }
        }
        return takeRoundRobin(max: batchSize)
    }

    private func takeRoundRobin(max n: Int) -> [Frame] {
        var out: [Frame] = []
        out.reserveCapacity(min(n, count))
        while out.count < n, let cam = ring.pop() {
            guard var queue = pending[cam], !queue.isEmpty else { continue }
            out.append(queue.removeFirst())
            count -= 1
            if queue.isEmpty {
                pending[cam] = nil
            } else {
                pending[cam] = queue
                ring.push(cam)
            }
        }
        if !out.isEmpty {
            stats.batches += 1
            stats.batchedFrames += out.count
        }
        return out
    }

    /// Stops intake; `nextBatch` drains what is pending, then returns `[]`.
    public func close() {
        cond.lock()
        closed = true
        cond.broadcast()
        cond.unlock()
    }

    /// True once `close()` was called and every pending frame was handed out.
    public var isClosedAndEmpty: Bool {
        cond.lock()
        defer { cond.unlock() }
        return closed && count == 0
    }

    public var depth: Int {
        cond.lock()
        defer { cond.unlock() }
        return count
    }

    public var statistics: Stats {
        cond.lock()
        defer { cond.unlock() }
        return stats
    }
}
