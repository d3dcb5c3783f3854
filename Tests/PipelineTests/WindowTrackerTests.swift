import CamsiftCore
import Foundation
@testable import Pipeline
import Testing

/// The window stage's per-camera rings (issue 18): order, due times, reuse, memory bounds, and the window log
/// line as `camsift tail` reads and prints it.
@Suite("window rings and window log lines")
struct WindowTrackerTests {
    static func features(_ v: Float, width: Int) -> [Float] { (0..<width).map { v + Float($0) / 1000 } }

    @Test("a window is the last α frames oldest first, due when the ring fills and then every stride frames")
    func dueAndOrder() {
        let t = WindowTracker(length: 4, width: 3, stride: 2)
        var due: [Int] = []
        for i in 0..<10 {
            let f = Self.features(Float(i), width: 3)
            let d = f.withUnsafeBufferPointer { t.push("cam", features: $0, wall: 100 + Double(i), now: 0) }
            if d {
                due.append(i)
                var out = [Float](repeating: -1, count: 12)
                let span = out.withUnsafeMutableBufferPointer { t.takeWindow("cam", into: $0.baseAddress!) }
                #expect(span?.start == 100 + Double(i - 3) && span?.end == 100 + Double(i))
                // Half floats: whole numbers below 2048 are exact, the /1000 parts to ~1e-3.
                #expect(out.enumerated().allSatisfy { abs($0.element - Self.features(Float(i - 3 + $0.offset / 3), width: 3)[$0.offset % 3]) < 2e-3 })
            }
        }
        #expect(due == [3, 5, 7, 9])
    }

    @Test("a stride longer than the window still waits stride frames between windows")
    func longStride() {
        let t = WindowTracker(length: 2, width: 1, stride: 5)
        var due: [Int] = []
        var out = [Float](repeating: 0, count: 2)
        for i in 0..<13 {
            if [Float(i)].withUnsafeBufferPointer({ t.push("c", features: $0, wall: Double(i), now: 0) }) {
                due.append(i)
                _ = out.withUnsafeMutableBufferPointer { t.takeWindow("c", into: $0.baseAddress!) }
            }
        }
        #expect(due == [1, 6, 11])
    }

    @Test("a reused frame repeats the camera's last features under its own time; nothing before the first frame")
    func reuseRepeats() {
        let t = WindowTracker(length: 3, width: 2, stride: 3)
        #expect(!t.repeatLast("c", wall: 1, now: 0))
        #expect(t.cameraCount == 0)
        _ = [Float(7), 8].withUnsafeBufferPointer { t.push("c", features: $0, wall: 1, now: 0) }
        #expect(!t.repeatLast("c", wall: 2, now: 0))
        #expect(t.repeatLast("c", wall: 3, now: 0))
        var out = [Float](repeating: 0, count: 6)
        let span = out.withUnsafeMutableBufferPointer { t.takeWindow("c", into: $0.baseAddress!) }
        #expect(out == [7, 8, 7, 8, 7, 8] && span?.start == 1 && span?.end == 3)
    }

    @Test("memory stays within maxCameras rings: the least recently fed camera is evicted")
    func memoryBound() {
        let t = WindowTracker(length: 40, width: 128, stride: 10, maxCameras: 50)
        let f = Self.features(1, width: 128)
        for c in 0..<200 {
            _ = f.withUnsafeBufferPointer { t.push("cam-\(c)", features: $0, wall: 0, now: Double(c)) }
        }
        #expect(t.cameraCount == 50)
        #expect(t.evicted == 150)
        #expect(t.bytes == 50 * (40 * 128 * 2 + 40 * 8))
        #expect(FeatureRing.bytes(capacity: 40, width: 128) == 10_560)
        // The survivors are the 50 most recently fed cameras.
        var out = [Float](repeating: 0, count: 40 * 128)
        #expect(out.withUnsafeMutableBufferPointer { t.takeWindow("cam-199", into: $0.baseAddress!) } == nil)  // not full
        _ = f.withUnsafeBufferPointer { t.push("cam-0", features: $0, wall: 0, now: 1000) }
        #expect(t.cameraCount == 50 && t.evicted == 151)
    }

    @Test("window records: JSON line with kind/start/end/frames, read back, filtered and printed by tail")
    func windowLine() throws {
        var r = ClassificationRecord(ts: "2026-12-07T10:00:40.000Z", camera: "street", label: "static", score: 0.93,
                                     model: "window-abc", via: "window", top: [.init(label: "static", score: 0.93),
                                                                             .init(label: "moving", score: 0.07)],
                                     latency_ms: 0)
        r.kind = "window"
        r.start = "2026-12-07T10:00:00.000Z"
        r.end = r.ts
        r.frames = 40
        let line = String(decoding: r.jsonLine(), as: UTF8.self)
        #expect(line.hasPrefix(#"{"ts":"2026-12-07T10:00:40.000Z","kind":"window","camera":"street","start":"2026-12-07T10:00:00.000Z","end":"2026-12-07T10:00:40.000Z","frames":40,"label":"static""#), "\(line)")
        let back = try JSONDecoder().decode(ClassificationRecord.self, from: Data(line.utf8))
        #expect(back == r && back.isWindow)
        #expect(ClassificationLogFilter(kind: .window).matches(back))
        #expect(!ClassificationLogFilter(kind: .frame).matches(back))
        let printed = ClassificationLogFormatter().format(back)
        #expect(printed.contains("window") && printed.contains("40 frames since 10:00:00.000"), "\(printed)")
        // A frame record has none of the window fields and is not a window.
        let frame = ClassificationRecord(ts: r.ts, camera: "street", label: "car", score: 0.5, model: "m", via: "single",
                                         top: [], latency_ms: 3)
        let frameLine = String(decoding: frame.jsonLine(), as: UTF8.self)
        #expect(!frameLine.contains("kind") && !frameLine.contains("frames"))
        #expect(ClassificationLogFilter(kind: .frame).matches(frame) && !frame.isWindow)
    }
}
