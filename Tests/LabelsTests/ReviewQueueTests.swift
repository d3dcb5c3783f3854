import CamsiftCore
import Foundation
import Testing
@testable import Labels

@Suite("review queue")
struct ReviewQueueTests {
    static let t0: Double = 1_800_000_000  // 2027-01-15T08:00:00Z, an hour boundary

    /// A fresh queue with `policy`; the caller closes it.
    static func queue(_ a: TestArchive, _ policy: ReviewPolicy, seed: UInt64 = 7) throws -> ReviewQueue {
        try ReviewQueue(archive: a.path, policy: policy, seed: seed)
    }

    @Test("low score fires below scoreBelow and not at or above it")
    func lowScoreRule() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        let q = try Self.queue(a, openPolicy())
        defer { q.close() }
        var c = lowScore("cam", at: Self.t0, 1)
        c.score = 0.49
        #expect(q.offer(c) == .lowScore)
        c.score = 0.5
        #expect(q.offer(c) == nil)
        c.score = 0.9
        #expect(q.offer(c) == nil)
    }

    @Test("disagreement fires when M0 and M1 differ, not when equal or one is missing, not when disabled")
    func disagreementRule() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        var p = openPolicy()
        p.labelChange = false
        let q = try Self.queue(a, p)
        defer { q.close() }
        var c = lowScore("cam", at: Self.t0, 1)
        c.score = 0.9
        c.m0 = "car"; c.m1 = "person"
        #expect(q.offer(c) == .disagreement)
        c.m1 = "car"
        #expect(q.offer(c) == nil)
        c.m1 = nil
        #expect(q.offer(c) == nil)
        p.disagreement = false
        q.setPolicy(p)
        c.m1 = "person"
        #expect(q.offer(c) == nil)
    }

    @Test("label change fires against the camera's most frequent recent label, per camera")
    func labelChangeRule() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        var p = openPolicy()
        p.historyLength = 4
        let q = try Self.queue(a, p)
        defer { q.close() }
        func offer(_ cam: String, _ label: String) -> ReviewReason? {
            var c = lowScore(cam, at: Self.t0, 1, label: label)
            c.score = 0.9
            return q.offer(c)
        }
        #expect(offer("a", "car") == nil)  // empty history: no change
        #expect(offer("a", "car") == nil)
        #expect(offer("a", "car") == nil)
        #expect(offer("a", "person") == .labelChange)
        #expect(offer("b", "person") == nil)  // another camera has its own history
        // a's history (4 slots): car,car,car,person.
        #expect(offer("a", "person") == .labelChange)  // car 3 : person 1
        // Now person,car,car,person (the oldest car dropped): a tie, and person is one of the most frequent.
        #expect(offer("a", "person") == nil)
        // Now person,person,car,person: car is the minority.
        #expect(offer("a", "car") == .labelChange)
        var off = p
        off.labelChange = false
        q.setPolicy(off)
        #expect(offer("a", "car") == nil)
    }

    @Test("several reasons at once, and nothing without a JPEG")
    func combined() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        let q = try Self.queue(a, openPolicy())
        defer { q.close() }
        var c = lowScore("cam", at: Self.t0, 1)
        c.m0 = "car"; c.m1 = "bus"
        #expect(q.offer(c) == [.lowScore, .disagreement])
        c.jpeg = nil
        #expect(q.offer(c) == nil)
        q.flush()
        let items = q.pending(offset: 0, limit: 10)
        #expect(items.count == 1)
        #expect(items.first?.reasons == [.lowScore, .disagreement])
        #expect(q.pending(offset: 0, limit: 10, reason: .disagreement).count == 1)
        #expect(q.pending(offset: 0, limit: 10, reason: .labelChange).isEmpty)
    }

    @Test("accepted frames are written: JPEG bytes, row fields, newest first, filters, by-id reads only")
    func written() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        let q = try Self.queue(a, openPolicy())
        defer { q.close() }
        for i in 0..<6 { q.offer(lowScore("cam-\(i % 2)", at: Self.t0 + Double(i), i)) }
        q.flush()
        let all = q.pending(offset: 0, limit: 100)
        #expect(all.map(\.capturedWall) == (0..<6).reversed().map { Self.t0 + Double($0) })
        #expect(q.pendingCount() == 6)
        #expect(q.pendingCount(camera: "cam-1") == 3)
        #expect(q.pending(offset: 1, limit: 2).map(\.id) == Array(all[1...2]).map(\.id))
        let newest = all[0]
        #expect(newest.camera == "cam-1" && newest.label == "car" && newest.score == 0.2 && newest.model == "m1")
        #expect(newest.top == [ReviewScore(label: "car", score: 0.2)])
        #expect(q.jpeg(newest.id) == fakeJPEG(5))
        #expect(a.read(".camsift/review/\(newest.id.rawValue).jpg") == fakeJPEG(5))
        #expect(q.jpeg(ReviewItemID(9999)) == nil)
        #expect(q.stats.written == 6 && q.stats.pending == 6)
    }

    @Test("one noisy camera is capped per hour; the global cap holds across cameras; caps reset next hour")
    func caps() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        var p = openPolicy()
        p.perCameraPerHour = 20
        p.perHour = 50
        let q = try Self.queue(a, p)
        defer { q.close() }
        var accepted: [String: Int] = [:]
        for i in 0..<1000 {  // the noisy camera, all in the first hour
            if q.offer(lowScore("noisy", at: Self.t0 + Double(i), i)) != nil { accepted["noisy", default: 0] += 1 }
        }
        #expect(accepted["noisy"] == 20)
        for i in 0..<200 {  // 10 quiet cameras, 20 frames each, same hour
            let cam = "quiet-\(i % 10)"
            if q.offer(lowScore(cam, at: Self.t0 + 100 + Double(i), i)) != nil { accepted[cam, default: 0] += 1 }
        }
        let total = accepted.values.reduce(0, +)
        #expect(total == 50)  // global cap
        #expect(accepted.filter { $0.key != "noisy" }.values.reduce(0, +) == 30)
        // Next clock hour: the noisy camera gets its 20 again.
        var next = 0
        for i in 0..<100 where q.offer(lowScore("noisy", at: Self.t0 + 3600 + Double(i), i)) != nil { next += 1 }
        #expect(next == 20)
        #expect(q.stats.capped == 1000 - 20 + 200 - 30 + 80)
    }

    @Test("maxPending stops intake until items leave the queue")
    func maxPending() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        var p = openPolicy()
        p.maxPending = 25
        let q = try Self.queue(a, p)
        defer { q.close() }
        var n = 0
        for i in 0..<100 where q.offer(lowScore("cam-\(i % 7)", at: Self.t0 + Double(i), i)) != nil { n += 1 }
        #expect(n == 25)
        q.flush()
        #expect(q.pendingCount() == 25)
        // Expire everything (far future): room again.
        #expect(try q.expire(now: Self.t0 + 30 * 86_400) == 25)
        #expect(q.offer(lowScore("cam-0", at: Self.t0 + 31 * 86_400, 1)) != nil)
    }

    @Test("random sample rate is close to randomRate with a seeded generator, and reproducible")
    func randomRate() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        var p = openPolicy(random: 0.01)
        p.labelChange = false
        let q = try Self.queue(a, p, seed: 3)
        var picked = 0
        for i in 0..<20_000 {
            var c = lowScore("cam-\(i % 50)", at: Self.t0 + Double(i) * 0.1, i)
            c.score = 0.9
            if let r = q.offer(c) {
                #expect(r == .random)
                picked += 1
            }
        }
        q.flush()
        #expect(q.pendingCount() == picked)
        q.close()
        // 200 expected; binomial sd ≈ 14, so ±60 is > 4 sd.
        #expect(abs(picked - 200) < 60, "\(picked) random picks of 20,000 at rate 0.01")
        // The same seed draws the same frames (the console's test fixtures and these tests rely on it).
        var gate = ReviewGate(policy: p, seed: 42)
        var again = ReviewGate(policy: p, seed: 42)
        var hits = 0
        var same = true
        for i in 0..<50_000 {
            var c = lowScore("cam-\(i % 50)", at: Self.t0, i)
            c.score = 0.9
            let r = gate.decide(c)
            if r == .random { hits += 1 }
            if r != again.decide(c) { same = false }
        }
        // 500 expected; binomial sd ≈ 22, so ±100 is > 4 sd.
        #expect(abs(hits - 500) < 100, "\(hits) random picks of 50,000 at rate 0.01")
        #expect(same)
    }

    @Test("expire drops old pending items and their JPEGs, keeps recent and unsure ones")
    func expiry() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        let q = try Self.queue(a, openPolicy())
        for i in 0..<4 { q.offer(lowScore("cam", at: Self.t0 + Double(i) * 86_400, i)) }  // days 0,1,2,3
        q.flush()
        let ids = q.pending(offset: 0, limit: 10).map(\.id).sorted()
        q.close()
        let store = try LabelStore(archive: a.path)
        try store.mark([ids[0]], as: .unsure)
        store.close()
        let q2 = try Self.queue(a, openPolicy())
        defer { q2.close() }
        // now = day 9.5: days 0,1,2 are older than 7 days; day 0 is unsure and kept.
        #expect(try q2.expire(now: Self.t0 + 9.5 * 86_400) == 2)
        #expect(!a.exists(".camsift/review/\(ids[1].rawValue).jpg"))
        #expect(!a.exists(".camsift/review/\(ids[2].rawValue).jpg"))
        #expect(a.exists(".camsift/review/\(ids[0].rawValue).jpg"))
        #expect(q2.pending(offset: 0, limit: 10).map(\.id) == [ids[3]])
        #expect(q2.pending(offset: 0, limit: 10, includeUnsure: true).map(\.id) == [ids[3], ids[0]])
    }

    @Test("a full writer queue drops offers and counts them")
    func overflow() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        let q = try ReviewQueue(archive: a.path, policy: openPolicy(), seed: 1, queueCapacity: 4)
        defer { q.close() }
        var ok = 0
        for i in 0..<2000 where q.offer(lowScore("cam-\(i)", at: Self.t0, i)) != nil { ok += 1 }
        q.flush()
        let s = q.stats
        #expect(s.droppedOffers > 0)
        #expect(s.accepted == 2000 && ok + s.droppedOffers == 2000)
        #expect(s.written == ok && q.pendingCount() == ok)
    }
}
