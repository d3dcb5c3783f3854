import CamsiftCore
import Foundation

extension ReviewQueue {
    /// What `suggest` did.
    public struct SuggestionOutcome: Sendable, Equatable {
        /// Suggestions queued (JPEG + row).
        public var added = 0
        /// Frames skipped because they were suggested before (pending, labelled, skipped or unsure alike).
        public var alreadySuggested = 0
        /// Suggestions left out because the queue was full (`maxPending`) or over `limit`.
        public var overCap = 0
    }

    /// Queues label suggestions (issue 21, `camsift propagate`): each candidate must carry `suggestion` (the archived
    /// frame's path and the propagation iteration) and its JPEG; its `label`/`score` are the suggested label and its
    /// P. Items are marked `.suggested` and listed by `pending` like any other; the console shows the label
    /// pre-filled and the operator confirms it. Unlike `offer` this writes synchronously (it runs on a propagation
    /// thread, not the inference thread) and bypasses the gate's rules, but not its bound: at most `limit` per call
    /// and never past `policy.maxPending` waiting items. Candidates are taken in the order given (best first).
    @discardableResult
    public func suggest(_ candidates: [ReviewCandidate], limit: Int) throws(LabelsError) -> SuggestionOutcome {
        var out = SuggestionOutcome()
        let room = max(0, min(limit, policy.maxPending - pendingCount()))
        var rows: [(id: Int64, c: ReviewCandidate)] = []
        let encoder = JSONEncoder()
        for c in candidates {
            guard let s = c.suggestion, let jpeg = c.jpeg else {
                throw LabelsError(.io, "a suggestion for camera '\(c.camera)' without its origin or JPEG; pass both")
            }
            let seen = try db.withLock { (db: inout SQLiteDatabase) throws(LabelsError) -> Int64 in
                try db.scalar("SELECT COUNT(*) FROM review WHERE origin = ?", [.text(s.origin)])
            }
            if seen > 0 { out.alreadySuggested += 1; continue }
            guard rows.count < room else { out.overCap += 1; continue }
            let id = nextID.withLock { n -> Int64 in defer { n += 1 }; return n }
            do {
                try AtomicFile.write(jpeg, to: layout.reviewJPEG(ReviewItemID(id)), syncDirectory: false)
            } catch {
                throw LabelsError(.io, "cannot store the suggestion for '\(s.origin)' in '\(layout.review)': \(error) — "
                    + "check free space and permissions")
            }
            rows.append((id, c))
        }
        do {
            try db.withLock { (db: inout SQLiteDatabase) throws(LabelsError) in
                try db.transaction { () throws(LabelsError) in
                    for (id, c) in rows {
                        let top = (try? encoder.encode(c.top)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
                        try db.run("""
                            INSERT INTO review(id, camera, captured, label, score, m0, m1, top, model, reasons, status,
                                               origin, iteration)
                            VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, 0, ?, ?)
                            """,
                            [.int(id), .text(c.camera), .double(c.capturedWall), .text(c.label), .double(c.score),
                             .text(top), .text(c.model), .int(Int64(ReviewReason.suggested.rawValue)),
                             .text(c.suggestion!.origin), .int(Int64(c.suggestion!.iteration))])
                    }
                }
            }
        } catch {
            for (id, _) in rows { try? ArchiveFiles.remove(layout.reviewJPEG(ReviewItemID(id))) }
            throw error
        }
        out.added = rows.count
        refreshPending()
        return out
    }
}
