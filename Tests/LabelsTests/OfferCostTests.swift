import CamsiftCore
import CAllocationCounter
import Testing
@testable import Labels

/// `offer` runs on the inference thread for every classified frame; a rejected one must not allocate.
@Suite("review offer cost")
struct OfferCostTests {
    @Test("offers allocate nothing once the camera is known (rejected and accepted alike)")
    func rejectedOffersDoNotAllocate() throws {
        let a = TestArchive()
        defer { a.cleanup() }
        var p = ReviewPolicy()
        p.randomRate = 0.0001
        let q = try ReviewQueue(archive: a.path, policy: p, seed: 5)
        defer { q.close() }
        var c = ReviewCandidate(camera: "cam-1", capturedWall: 1_800_000_000, jpeg: fakeJPEG(1), label: "car",
                                score: 0.9, m0: "car", m1: "car", top: [ReviewScore(label: "car", score: 0.9)])
        for _ in 0..<20 { q.offer(c) }  // the camera's history ring exists now
        var rejected = 0
        camsift_allocations_begin()
        for i in 0..<1000 {
            c.capturedWall += 1
            c.label = i % 97 == 0 ? "truck" : "car"  // label changes fire (and are accepted) now and then
            if q.offer(c) == nil { rejected += 1 }
        }
        let allocations = camsift_allocations_end()
        #expect(rejected > 900)
        // Neither do the few accepted ones: the candidate is retained (not copied) into the writer's queue,
        // whose capacity is reserved up front.
        #expect(allocations == 0, "\(allocations) allocations in 1000 offers (\(1000 - rejected) accepted)")
    }
}
