import CamsiftCore
import Foundation
import Synchronization
@testable import Pipeline
import Serving

/// A frame whose pixels are all `value` (or a gradient offset by `value` when `textured`).
func makeFrame(camera: String, value: UInt8, side: Int = 32, textured: Bool = false, tag: String? = nil) -> Frame {
    var rgb = [UInt8](repeating: value, count: side * side * 3)
    if textured {
        for i in 0..<rgb.count { rgb[i] = UInt8(truncatingIfNeeded: Int(value) + (i / 3) % side * 4) }
    }
    return Frame(camera: camera, capturedAt: .now, capturedWall: Timestamp.now(), jpeg: nil,
                 pixels: DecodedFrame(width: side, height: side, rgb: rgb), archivePath: tag)
}

/// A real (if trivial) classifier: labels a frame by its mean brightness, and says which instance it is in
/// `version`, so tests can tell which model classified which frame.
final class BrightnessClassifier: FrameClassifier, @unchecked Sendable {
    let version: String
    let geometry = InputGeometry(size: 32)
    let delay: Double
    let calls = Mutex(0)
    init(version: String, delay: Double = 0) {
        self.version = version
        self.delay = delay
    }
    func classify(_ frames: [DecodedFrame]) throws -> [Prediction] {
        calls.withLock { $0 += 1 }
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        return frames.map { f in
            let mean = Double(f.rgb.reduce(0) { $0 + Int($1) }) / Double(f.rgb.count) / 255
            let label = mean >= 0.5 ? "bright" : "dark"
            let score = mean >= 0.5 ? mean : 1 - mean
            return Prediction(label: label, score: score, via: "single",
                              top: [.init(label: label, score: score), .init(label: label == "bright" ? "dark" : "bright", score: 1 - score)])
        }
    }
}

/// Collects records in memory.
final class RecordingSink: ClassificationSink, @unchecked Sendable {
    let records = Mutex<[ClassificationRecord]>([])
    func append(_ record: ClassificationRecord) -> Bool {
        records.withLock { $0.append(record) }
        return true
    }
    var all: [ClassificationRecord] { records.withLock { $0 } }
}
