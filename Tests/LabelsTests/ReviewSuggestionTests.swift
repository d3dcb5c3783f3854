import CamsiftCore
import Foundation
import Testing
@testable import Labels

/// Label suggestions in the review queue (issue 21): `ReviewQueue.suggest` queues them marked `.suggested` with their
/// origin and iteration, never twice for one frame, within the caps; a database from before suggestions gains the
/// columns in place and keeps its rows.
@Suite("review queue: label suggestions")
struct ReviewSuggestionTests {
    static func suggestion(_ i: Int, label: String = "street", score: Double = 0.8) -> ReviewCandidate {
        ReviewCandidate(camera: "cam\(i % 2)", capturedWall: 1_800_000_000 + Double(i), jpeg: fakeJPEG(i), label: label,
                        score: score, top: [ReviewScore(label: label, score: score), ReviewScore(label: "tree", score: 1 - score)],
                        model: "propagation", suggestion: ReviewSuggestion(origin: "/a/unlabeled/cam/\(i).jpg", iteration: 1 + i % 3))
    }

    @Test("suggestions are queued marked suggested, with score, origin and iteration; the JPEG is stored")
    func queued() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        let q = try ReviewQueue(archive: a.path, policy: openPolicy(), seed: 1)
        defer { q.close() }
        let out = try q.suggest((0..<4).map { Self.suggestion($0) }, limit: 100)
        #expect(out == .init(added: 4, alreadySuggested: 0, overCap: 0))
        let items = q.pending(offset: 0, limit: 10, reason: .suggested)
        #expect(items.count == 4 && q.pendingCount() == 4)
        for it in items {
            let i = Int(it.capturedWall - 1_800_000_000)
            #expect(it.reasons == .suggested && it.label == "street" && it.score == 0.8 && it.model == "propagation")
            #expect(it.suggestion == ReviewSuggestion(origin: "/a/unlabeled/cam/\(i).jpg", iteration: 1 + i % 3))
            #expect(it.top.map(\.label) == ["street", "tree"])
            #expect(q.jpeg(it.id) == fakeJPEG(i))
        }
        // A classified frame offered by the daemon carries no suggestion.
        #expect(q.offer(lowScore("cam", at: 1_800_000_100, 9)) == .lowScore)
        q.flush()
        #expect(q.pending(offset: 0, limit: 10, reason: .lowScore).allSatisfy { $0.suggestion == nil })
    }

    @Test("a frame is suggested once (whatever became of the item); limit and maxPending bound a run")
    func onceAndBounded() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        var p = openPolicy()
        p.maxPending = 5
        let q = try ReviewQueue(archive: a.path, policy: p, seed: 1)
        defer { q.close() }
        #expect(try q.suggest((0..<3).map { Self.suggestion($0) }, limit: 2) == .init(added: 2, alreadySuggested: 0, overCap: 1))
        let again = try q.suggest((0..<8).map { Self.suggestion($0) }, limit: 100)
        // 0 and 1 were queued before; maxPending 5 leaves room for 3 of the other 6.
        #expect(again == .init(added: 3, alreadySuggested: 2, overCap: 3))
        #expect(q.pendingCount() == 5)
        let store = try LabelStore(archive: a.path)
        defer { store.close() }
        _ = try store.createLabel("street")
        let first = q.pending(offset: 0, limit: 10, reason: .suggested).first!
        _ = try store.assign([first.id], to: first.label)
        #expect(try q.suggest([Self.suggestion(Int(first.capturedWall - 1_800_000_000))], limit: 10).alreadySuggested == 1)
    }

    @Test("a review table from before suggestions gains origin and iteration; its rows read back unchanged")
    func migratesAnOlderDatabase() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        try FileManager.default.createDirectory(atPath: a.file(".camsift/review"), withIntermediateDirectories: true)
        let db = try SQLiteDatabase(path: a.file(".camsift/labels.sqlite"))
        try db.execute("""
            CREATE TABLE review(id INTEGER PRIMARY KEY AUTOINCREMENT, camera TEXT NOT NULL, captured REAL NOT NULL,
              label TEXT NOT NULL, score REAL NOT NULL, m0 TEXT, m1 TEXT, top TEXT NOT NULL, model TEXT NOT NULL,
              reasons INTEGER NOT NULL, status INTEGER NOT NULL);
            INSERT INTO review VALUES (1, 'gate', 1800000000, 'car', 0.3, NULL, NULL, '[]', 'm1', 1, 0);
            """)
        db.close()
        a.write(".camsift/review/1.jpg", fakeJPEG(1))
        let q = try ReviewQueue(archive: a.path, policy: openPolicy(), seed: 1)
        defer { q.close() }
        let items = q.pending(offset: 0, limit: 10)
        #expect(items.count == 1 && items[0].camera == "gate" && items[0].label == "car" && items[0].suggestion == nil)
        #expect(try q.suggest([Self.suggestion(5)], limit: 10).added == 1)
        #expect(q.pending(offset: 0, limit: 10, reason: .suggested).first?.id == ReviewItemID(2))
        // The item JSON the console and CLI print decodes without the new field, too.
        let json = #"{"id":1,"camera":"gate","capturedWall":1,"label":"car","score":0.3,"top":[],"model":"m1","reasons":1,"status":0}"#
        #expect(try JSONDecoder().decode(ReviewItem.self, from: Data(json.utf8)).suggestion == nil)
    }
}
