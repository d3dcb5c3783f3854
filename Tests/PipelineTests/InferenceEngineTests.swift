import CamsiftCore
import Foundation
import Testing
@testable import Pipeline
import Serving

@Suite struct InferenceEngineTests {
    @Test func everyAcceptedFrameGetsExactlyOneLineAcrossHotSwaps() async throws {
        let batcher = FrameBatcher(batchSize: 8, maxWait: 0.005, perCameraDepth: 2, capacity: 64)
        let slot = ModelSlot(BrightnessClassifier(version: "m0", delay: 0.001))
        let sink = RecordingSink()
        let engine = InferenceEngine(batcher: batcher, slot: slot, gate: ChangeGate(), sink: sink)
        engine.start()
        let producers = Task.detached {
            await withTaskGroup(of: Void.self) { g in
                for p in 0..<4 {
                    g.addTask {
                        for i in 0..<400 {
                            let cam = "cam\(p)-\(i % 10)"
                            batcher.submit(makeFrame(camera: cam, value: UInt8(i % 256), textured: true, tag: "\(cam)#\(i)"))
                            if i % 50 == 0 { try? await Task.sleep(for: .milliseconds(2)) }
                        }
                    }
                }
            }
        }
        for v in 1...5 {
            try await Task.sleep(for: .milliseconds(15))
            slot.swap(BrightnessClassifier(version: "m\(v)", delay: 0.001))
        }
        await producers.value
        #expect(engine.drainAndStop(timeout: 10))
        let records = sink.all
        let stats = batcher.statistics
        #expect(stats.submitted == 1600)
        // No lost line: every frame the batcher accepted and did not drop has a line, and none has two.
        #expect(records.count == stats.submitted - stats.dropped)
        let tags = records.compactMap(\.frame)
        #expect(Set(tags).count == tags.count)
        // No misattributed line: the record's camera is the camera of the frame it describes.
        #expect(records.allSatisfy { $0.frame?.hasPrefix($0.camera + "#") == true })
        #expect(Set(records.map(\.model)).count > 1, "swaps took effect mid-run")
        #expect(slot.swapCount == 5)
        #expect(engine.statistics.failed == 0)
    }

    @Test func staticCameraReusesAndIsMarked() {
        let batcher = FrameBatcher(batchSize: 4, maxWait: 0, perCameraDepth: 4, capacity: 16)
        let model = BrightnessClassifier(version: "m0")
        let sink = RecordingSink()
        let engine = InferenceEngine(batcher: batcher, slot: ModelSlot(model), gate: ChangeGate(), sink: sink)
        engine.process([makeFrame(camera: "static", value: 120, textured: true, tag: "1")])
        engine.process([makeFrame(camera: "static", value: 120, textured: true, tag: "2")])
        engine.process([makeFrame(camera: "static", value: 30, textured: true, tag: "3")])
        let r = sink.all
        #expect(r.map(\.reused) == [nil, true, nil])
        #expect(r.map(\.label) == ["bright", "bright", "dark"])
        #expect(r.map(\.frame) == ["1", "2", "3"])
        #expect(model.calls.withLock { $0 } == 2)
        #expect(engine.statistics.reused == 1 && engine.statistics.classified == 2)
    }

    @Test func failingModelIsCountedNotFatal() {
        final class Failing: FrameClassifier, @unchecked Sendable {
            struct Boom: Error {}
            let version = "bad"
            let geometry = InputGeometry(size: 32)
            func classify(_ frames: [DecodedFrame]) throws -> [Prediction] { throw Boom() }
        }
        let batcher = FrameBatcher()
        let sink = RecordingSink()
        let engine = InferenceEngine(batcher: batcher, slot: ModelSlot(Failing()), gate: ChangeGate(), sink: sink)
        engine.process([makeFrame(camera: "a", value: 1), makeFrame(camera: "b", value: 1)])
        #expect(sink.all.isEmpty)
        #expect(engine.statistics.failed == 2)
    }

    @Test func latencyIsMeasuredFromCapture() throws {
        let batcher = FrameBatcher()
        let sink = RecordingSink()
        let engine = InferenceEngine(batcher: batcher, slot: ModelSlot(BrightnessClassifier(version: "m")), gate: ChangeGate(), sink: sink)
        var f = makeFrame(camera: "a", value: 1)
        f.capturedAt = .now - .milliseconds(250)
        engine.process([f])
        let lat = try #require(sink.all.first?.latency_ms)
        #expect(lat >= 250 && lat < 5000)
    }
}
