import CamsiftCore
import Foundation
import Synchronization
import Testing
@testable import Pipeline
import Serving

@Suite struct FrameBatcherTests {
    @Test func closesBatchWhenFull() {
        let b = FrameBatcher(batchSize: 4, maxWait: 10, perCameraDepth: 8, capacity: 64)
        for i in 0..<4 { b.submit(makeFrame(camera: "c\(i)", value: 1)) }
        let batch = b.nextBatch(timeout: 1)
        #expect(batch.count == 4)
    }

    @Test func closesBatchAfterMaxWait() {
        let b = FrameBatcher(batchSize: 16, maxWait: 0.05, perCameraDepth: 8, capacity: 64)
        b.submit(makeFrame(camera: "a", value: 1))
        b.submit(makeFrame(camera: "b", value: 1))
        let t0 = Date()
        let batch = b.nextBatch(timeout: 5)
        #expect(batch.count == 2)
        // It waited for more frames but gave up at maxWait, well before the 5 s first-frame timeout.
        #expect(Date().timeIntervalSince(t0) < 4)
    }

    @Test func perCameraOverflowDropsOldestAndCounts() {
        let b = FrameBatcher(batchSize: 8, maxWait: 0, perCameraDepth: 2, capacity: 64)
        for i in 0..<5 { b.submit(makeFrame(camera: "chatty", value: UInt8(i), tag: "f\(i)")) }
        #expect(b.statistics.droppedPerCamera == 3)
        let batch = b.nextBatch(timeout: 1)
        #expect(batch.map(\.archivePath) == ["f3", "f4"])
    }

    @Test func roundRobinIsFairAcrossCameras() {
        let b = FrameBatcher(batchSize: 4, maxWait: 0, perCameraDepth: 100, capacity: 1000)
        for i in 0..<50 { b.submit(makeFrame(camera: "chatty", value: 0, tag: "c\(i)")) }
        b.submit(makeFrame(camera: "quiet1", value: 0))
        b.submit(makeFrame(camera: "quiet2", value: 0))
        let first = b.nextBatch(timeout: 1)
        // Both quiet cameras make the first batch although the chatty one queued 50 frames before them.
        #expect(Set(first.map(\.camera)) == ["chatty", "quiet1", "quiet2"])
        #expect(first.filter { $0.camera == "chatty" }.count == 2)
    }

    @Test func capacityOverflowDropsOldestOfLongestWaitingCamera() {
        let b = FrameBatcher(batchSize: 2, maxWait: 0, perCameraDepth: 10, capacity: 3)
        b.submit(makeFrame(camera: "a", value: 0, tag: "a0"))
        b.submit(makeFrame(camera: "a", value: 0, tag: "a1"))
        b.submit(makeFrame(camera: "b", value: 0, tag: "b0"))
        b.submit(makeFrame(camera: "c", value: 0, tag: "c0"))
        #expect(b.statistics.droppedCapacity == 1)
        #expect(b.depth == 3)
        var got: [String] = []
        b.close()
        while case let batch = b.nextBatch(timeout: 0.1), !batch.isEmpty { got += batch.compactMap(\.archivePath) }
        #expect(got.sorted() == ["a1", "b0", "c0"])
    }

    @Test func droppedFramesTellTheirSourceAndKeptOnesDoNot() {
        let told = Mutex<[String]>([])
        func frame(_ camera: String, _ tag: String) -> Frame {
            var f = makeFrame(camera: camera, value: 0, tag: tag)
            f.onDrop = { told.withLock { $0.append(tag) } }
            return f
        }
        // Per-camera overflow (depth 2) and capacity overflow (3 frames) both call the dropped frame's onDrop.
        let b = FrameBatcher(batchSize: 2, maxWait: 0, perCameraDepth: 2, capacity: 3)
        b.submit(frame("a", "a0"))
        b.submit(frame("a", "a1"))
        b.submit(frame("a", "a2"))   // a0 dropped: per-camera depth
        b.submit(frame("b", "b0"))
        b.submit(frame("c", "c0"))   // a1 dropped: capacity, oldest of the longest-waiting camera
        #expect(told.withLock { $0 } == ["a0", "a1"])
        #expect(b.statistics.dropped == 2)
        b.close()
        var got: [String] = []
        while case let batch = b.nextBatch(timeout: 0.1), !batch.isEmpty { got += batch.compactMap(\.archivePath) }
        #expect(got.sorted() == ["a2", "b0", "c0"])
        #expect(told.withLock { $0 } == ["a0", "a1"])  // delivered frames are not reported
    }

    @Test func closeDrainsThenReturnsEmpty() {
        let b = FrameBatcher(batchSize: 4, maxWait: 1, perCameraDepth: 4, capacity: 16)
        b.submit(makeFrame(camera: "a", value: 0))
        b.close()
        b.submit(makeFrame(camera: "a", value: 0))  // ignored after close
        #expect(b.nextBatch(timeout: 1).count == 1)
        #expect(b.nextBatch(timeout: 1).isEmpty)
        #expect(b.isClosedAndEmpty)
    }

    @Test func concurrentProducersLoseNothingUnaccounted() {
        let b = FrameBatcher(batchSize: 16, maxWait: 0.01, perCameraDepth: 3, capacity: 256)
        // The consumer blocks in nextBatch like the inference thread does: give it a thread of its own,
        // never a cooperative-pool thread.
        let consumed = Mutex(0)
        let finished = DispatchSemaphore(value: 0)
        Thread {
            while true {
                let batch = b.nextBatch(timeout: 2)
                if batch.isEmpty && b.isClosedAndEmpty { break }
                consumed.withLock { $0 += batch.count }
            }
            finished.signal()
        }.start()
        let producersDone = DispatchSemaphore(value: 0)
        for p in 0..<4 {
            Thread {
                for i in 0..<500 { b.submit(makeFrame(camera: "p\(p)-\(i % 20)", value: 0)) }
                producersDone.signal()
            }.start()
        }
        for _ in 0..<4 { #expect(producersDone.wait(timeout: .now() + 30) == .success) }
        b.close()
        #expect(finished.wait(timeout: .now() + 30) == .success)
        let s = b.statistics
        #expect(s.submitted == 2000)
        #expect(consumed.withLock { $0 } + s.dropped == 2000)
    }
}
