#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Synchronization

/// Counters of the review queue, for the console and metrics.
public struct ReviewQueueStats: Sendable, Codable, Equatable {
    /// Frames offered (every classified frame).
    public var offered = 0
    /// Frames that hit a rule and passed the caps.
    public var accepted = 0
    /// Frames that hit a rule but were over a cap (per camera, per hour, maxPending).
    public var capped = 0
    /// Accepted frames dropped because the writer's queue was full (the disk is slower than the frame rate).
    public var droppedOffers = 0
    /// Frames written (JPEG + row).
    public var written = 0
    /// Frames the writer could not write (disk full, database error); logged.
    public var writeFailures = 0
    /// Pending items in the index as last counted.
    public var pending = 0
}

/// The review queue: picks the classified frames worth an operator's look (`ReviewPolicy`), stores their JPEGs
/// under `ARCHIVE/.camsift/review/<id>.jpg` and their rows in the label index, and lists them for the console.
///
/// `offer` runs on the inference thread for every frame, so it only decides (`ReviewGate`) and hands an
/// accepted frame to a writer thread through a bounded queue; the disk never stalls inference, and when the
/// disk cannot keep up frames are dropped and counted, not buffered without bound. Call `close()` before
/// dropping the queue: the writer thread holds it until then.
public final class ReviewQueue: Sendable {
    struct Queued {
        var candidate: ReviewCandidate
        var reasons: ReviewReason
    }

    struct State {
        var gate: ReviewGate
        var queue: [Queued]
        var dropped = 0
        var written = 0
        var writeFailures = 0
        /// Accepted frames handed to the writer and not yet written or failed (for `flush`).
        var inFlight = 0
        var closing = false
        var writerDone = false
    }

    let layout: ArchiveLayout
    let queueCapacity: Int
    let state: Mutex<State>
    let db: Mutex<SQLiteDatabase>
    private let wake = DispatchSemaphore(value: 0)
    /// The next review id, owned by the writer thread (ids are assigned before the JPEG is written, so the file
    /// is complete before its row exists; AUTOINCREMENT's sequence keeps ids from being reused after a restart).
    let nextID: Mutex<Int64>

    /// Opens the queue of the archive at `archive` (creating `.camsift/`), sweeps what a crash left behind
    /// (JPEGs without a row, rows without a JPEG, temporary files), and starts the writer thread.
    /// `seed` fixes the random sample (tests); nil seeds from the clock.
    public init(archive: String, policy: ReviewPolicy = ReviewPolicy(), seed: UInt64? = nil,
                queueCapacity: Int = 256) throws(LabelsError) {
        layout = ArchiveLayout(archive: archive)
        self.queueCapacity = max(1, queueCapacity)
        let database = try LabelsSchema.open(archive: archive)
        let pending = try Self.sweep(database, layout)
        let seq = try database.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'review'")
        let maxID = try database.scalar("SELECT MAX(id) FROM review")
        nextID = Mutex(max(seq, maxID) + 1)
        var gate = ReviewGate(policy: policy, seed: seed ?? Monotonic.nanoseconds())
        gate.pending = pending
        var queue: [Queued] = []
        queue.reserveCapacity(self.queueCapacity)
        state = Mutex(State(gate: gate, queue: queue))
        db = Mutex(database)
        DedicatedThread.start("review-writer") { [self] in writerLoop() }
    }

    /// Removes orphans a crash can leave: a JPEG written but whose row was never inserted, the JPEG of an item
    /// labelled beyond the undo stack, a pending row whose JPEG is gone (deleted by hand), `AtomicFile`
    /// temporaries. Returns the pending count.
    private static func sweep(_ db: SQLiteDatabase, _ layout: ArchiveLayout) throws(LabelsError) -> Int {
        // A labelled item needs its JPEG only while its assign can still be undone.
        var ids = Set<Int64>()
        for r in try db.query("""
            SELECT id FROM review WHERE status != 1 OR id IN (SELECT review_id FROM action_items)
            """) { ids.insert(r.int(0)) }
        var present = Set<Int64>()
        for name in ArchiveFiles.entries(layout.review) {
            if name.hasSuffix(".jpg"), let id = Int64(name.dropLast(4)), ids.contains(id) {
                present.insert(id)
            } else {
                try ArchiveFiles.remove(layout.review + "/" + name)
            }
        }
        let missing = ids.subtracting(present)
        if !missing.isEmpty {
            try db.transaction { () throws(LabelsError) in
                for id in missing {
                    try db.run("DELETE FROM review WHERE id = ? AND status IN (0, 2, 3)", [.int(id)])
                }
            }
        }
        return Int(try db.scalar("SELECT COUNT(*) FROM review WHERE status = 0"))
    }

    // MARK: the hot path

    /// Offers one classified frame. Returns the reasons when the frame was accepted for review (it is then
    /// written asynchronously), nil when no rule fired, a cap was reached, there is no JPEG, or the writer's
    /// queue was full (counted in `stats.droppedOffers`). Never blocks on I/O.
    @discardableResult
    public func offer(_ c: ReviewCandidate) -> ReviewReason? {
        let accepted = state.withLock { s -> ReviewReason? in
            guard !s.closing, let reasons = s.gate.decide(c) else { return nil }
            guard s.queue.count < queueCapacity else {
                s.dropped += 1
                s.gate.pending -= 1
                return nil
            }
            s.queue.append(Queued(candidate: c, reasons: reasons))
            s.inFlight += 1
            return reasons
        }
        if accepted != nil { wake.signal() }
        return accepted
    }

    // MARK: the writer

    private func writerLoop() {
        var batch: [Queued] = []
        batch.reserveCapacity(queueCapacity)
        let encoder = JSONEncoder()
        while true {
            // Wake on work, or every 5 s to recount pending items (labelling elsewhere frees room under
            // maxPending, and the hot path must not query for it).
            let timedOut = wake.wait(timeout: .now() + 5) == .timedOut
            let closing = state.withLock { s -> Bool in
                swap(&s.queue, &batch)
                return s.closing
            }
            if !batch.isEmpty { write(batch, encoder) }
            batch.removeAll(keepingCapacity: true)
            if timedOut || closing { refreshPending() }
            if closing && state.withLock({ $0.queue.isEmpty }) { break }
        }
        state.withLock { $0.writerDone = true }
    }

    private func write(_ batch: [Queued], _ encoder: JSONEncoder) {
        var rows: [(id: Int64, q: Queued)] = []
        var failures = 0
        for q in batch {
            guard let jpeg = q.candidate.jpeg else { failures += 1; continue }
            let id = nextID.withLock { n -> Int64 in defer { n += 1 }; return n }
            do {
                // No directory fsync: losing the newest review frames to a power cut is acceptable; the row is
                // inserted after the file, and a row whose file is gone is swept on the next open.
                try AtomicFile.write(jpeg, to: layout.reviewJPEG(ReviewItemID(id)), syncDirectory: false)
                rows.append((id, q))
            } catch {
                failures += 1
                OperationalLog.warning("review", "cannot store a review frame: \(error)", camera: q.candidate.camera)
            }
        }
        var inserted = 0
        do {
            try db.withLock { (db: inout SQLiteDatabase) throws(LabelsError) in
                try db.transaction { () throws(LabelsError) in
                    for (id, q) in rows {
                        let c = q.candidate
                        let top = (try? encoder.encode(c.top)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
                        try db.run("""
                            INSERT INTO review(id, camera, captured, label, score, m0, m1, top, model, reasons, status)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
                            """,
                            [.int(id), .text(c.camera), .double(c.capturedWall), .text(c.label), .double(c.score),
                             c.m0.map { .text($0) } ?? .null, c.m1.map { .text($0) } ?? .null, .text(top),
                             .text(c.model), .int(Int64(q.reasons.rawValue))])
                    }
                }
            }
            inserted = rows.count
        } catch {
            OperationalLog.warning("review", "cannot index \(rows.count) review frame(s): \(error)")
            for (id, _) in rows { try? ArchiveFiles.remove(layout.reviewJPEG(ReviewItemID(id))) }
            failures += rows.count
        }
        state.withLock { s in
            s.written += inserted
            s.writeFailures += failures
            s.inFlight -= batch.count
            s.gate.pending -= failures
        }
    }

    /// Recounts pending rows (the gate's `maxPending` check uses the count, plus frames still in flight).
    func refreshPending() {
        guard let n = try? db.withLock({ (db: inout SQLiteDatabase) throws(LabelsError) in
            try db.scalar("SELECT COUNT(*) FROM review WHERE status = 0")
        }) else { return }
        state.withLock { s in s.gate.pending = Int(n) + s.inFlight }
    }

    // MARK: control

    /// The rules in force.
    public var policy: ReviewPolicy {
        get { state.withLock { $0.gate.policy } }
    }

    /// Replaces the rules (the console's settings form); takes effect from the next offer.
    public func setPolicy(_ p: ReviewPolicy) { state.withLock { $0.gate.policy = p } }

    public var stats: ReviewQueueStats {
        state.withLock { s in
            ReviewQueueStats(offered: s.gate.offered, accepted: s.gate.accepted, capped: s.gate.capped,
                             droppedOffers: s.dropped, written: s.written, writeFailures: s.writeFailures,
                             pending: s.gate.pending)
        }
    }

    /// Waits until every accepted frame has been written (or failed). For tests and an orderly shutdown.
    public func flush() {
        while state.withLock({ $0.inFlight > 0 && !$0.writerDone }) {
            wake.signal()
            usleep(1000)
        }
        refreshPending()
    }

    /// Writes what is queued, stops the writer thread and closes the database connection. Offers after
    /// `close` are rejected.
    public func close() {
        let already = state.withLock { s -> Bool in
            defer { s.closing = true }
            return s.closing
        }
        guard !already else { return }
        wake.signal()
        while !state.withLock({ $0.writerDone }) { usleep(1000) }
        db.withLock { $0.close() }
    }
}
