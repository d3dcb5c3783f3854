import Foundation
import Synchronization
import Testing
@testable import Pipeline
import Serving

@Suite struct RetrainTests {
    /// A fresh directory per test; the caller removes it (`defer`) when the test ends.
    private func tempDir() -> String {
        let p = NSTemporaryDirectory() + "camsift-retrain-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    private func writeBundle(_ dir: String, tag: String) -> String {
        let p = dir + "/candidate-\(tag)"
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        try! tag.write(toFile: p + "/bundle.json", atomically: true, encoding: .utf8)
        return p
    }

    private func tagOf(_ bundle: String?) -> String? {
        bundle.flatMap { try? String(contentsOfFile: $0 + "/bundle.json", encoding: .utf8) }
    }

    @Test func guardPromotesOnlyWhenNotWorse() {
        let g = PromotionGuard(margin: 0)
        #expect(g.judge(candidateF1: 0.80, currentF1: 0.79).promote)
        #expect(g.judge(candidateF1: 0.80, currentF1: 0.80).promote)
        #expect(!g.judge(candidateF1: 0.79, currentF1: 0.80).promote)
        #expect(g.judge(candidateF1: 0.10, currentF1: nil).promote)
        #expect(!g.judge(candidateF1: .nan, currentF1: nil).promote)
        let lenient = PromotionGuard(margin: 0.02)
        #expect(lenient.judge(candidateF1: 0.785, currentF1: 0.80).promote)
        #expect(!lenient.judge(candidateF1: 0.775, currentF1: 0.80).promote)
        #expect(g.judge(candidateF1: 0.7, currentF1: 0.8).description == "rejected: candidate macro F1 0.700 vs current 0.800")
    }

    @Test func promoteThenRollback() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = BundleStore(root: dir + "/models")
        #expect(store.current == nil)
        try store.promote(writeBundle(dir, tag: "A"), name: "a")
        #expect(tagOf(store.current) == "A")
        #expect(store.previous == nil)
        #expect(throws: PipelineError.self) { try store.rollback() }
        try store.promote(writeBundle(dir, tag: "B"), name: "b")
        #expect(tagOf(store.current) == "B")
        #expect(tagOf(store.previous) == "A")
        try store.rollback()
        #expect(tagOf(store.current) == "A")
        #expect(tagOf(store.previous) == "B")
        // The candidate was moved, not copied: nothing left behind.
        #expect(!FileManager.default.fileExists(atPath: dir + "/candidate-B"))
    }

    @Test func pruneKeepsCurrentAndPrevious() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = BundleStore(root: dir + "/models", keep: 2)
        for t in ["A", "B", "C", "D"] { try store.promote(writeBundle(dir, tag: t), name: t.lowercased()) }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir + "/models/bundles").sorted()
        #expect(left == ["c", "d"])
        #expect(tagOf(store.current) == "D" && tagOf(store.previous) == "C")
    }

    @Test func triggersWhileTrainingQueueOnceNotStack() {
        let gate = DispatchSemaphore(value: 0)
        let runs = Mutex<[String]>([])
        let c = RetrainCoordinator { reason in
            runs.withLock { $0.append(reason) }
            if runs.withLock({ $0.count }) == 1 { _ = gate.wait(timeout: .now() + 10) }
            return "done"
        }
        #expect(c.request(reason: "SIGUSR1") == "started")
        #expect(c.request(reason: "SIGUSR1") == "queued")
        #expect(c.request(reason: "schedule") == "coalesced")
        #expect(c.request(reason: "SIGUSR1") == "coalesced")
        gate.signal()
        #expect(c.waitUntilIdle(timeout: 10))
        #expect(runs.withLock { $0 } == ["SIGUSR1", "queued trigger"])
        let s = c.status
        #expect(s.runs == 2 && s.coalesced == 2 && s.phase == .idle && !s.queued)
        #expect(c.request(reason: "later") == "started")
        #expect(c.waitUntilIdle(timeout: 10))
    }

    @Test func failedJobIsReportedAndCoordinatorRecovers() {
        struct Boom: Error {}
        let c = RetrainCoordinator { _ in throw Boom() }
        c.request(reason: "x")
        #expect(c.waitUntilIdle(timeout: 10))
        #expect(c.status.lastError == "Boom()")
        #expect(c.status.phase == .idle)
    }

    @Test func parsesSchedules() {
        #expect(RetrainCoordinator.parseInterval("24h") == 86400)
        #expect(RetrainCoordinator.parseInterval("30m") == 1800)
        #expect(RetrainCoordinator.parseInterval("1d") == 86400)
        #expect(RetrainCoordinator.parseInterval("") == nil)
        #expect(RetrainCoordinator.parseInterval("5x") == nil)
        #expect(RetrainCoordinator.parseInterval("-1h") == nil)
    }
}
