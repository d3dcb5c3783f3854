import CamsiftCore
import Foundation
import Media
import Serving

/// Per-frame pooled features of clip frames for window training, through the daemon's own path: the JPEG
/// decoded at the serving model's geometry (`JPEGDecoder.decode(_:geometry:)`), `ModelInput`, the network's
/// pooled features (`FeatureSource`). With an augmentation draw, every frame gets that same draw (`Augmentation`
/// on the decoded pixels) first. Batches of 16 frames.
final class ClipFeatures {
    let classifier: any FeatureSource
    private let decoder: JPEGDecoder

    init(classifier: any FeatureSource) throws {
        self.classifier = classifier
        decoder = try JPEGDecoder()
    }

    /// `paths.count × featureCount` features, in order.
    func features(_ paths: [String], draw: AugmentationDraw?) throws -> [Float] {
        let g = classifier.geometry
        var out: [Float] = []
        out.reserveCapacity(paths.count * classifier.featureCount)
        var start = 0
        while start < paths.count {
            let chunk = paths[start..<min(start + 16, paths.count)]
            var frames: [DecodedFrame] = []
            for p in chunk {
                guard let data = FileManager.default.contents(atPath: p) else {
                    throw LearningError(.badArgument, "cannot read clip frame '\(p)'; check its permissions")
                }
                var frame: DecodedFrame
                do { frame = try [UInt8](data).withUnsafeBytes { try decoder.decode($0, geometry: g) } } catch {
                    throw LearningError(.badArgument, "clip frame '\(p)' does not decode (\(error)); remove or replace it")
                }
                if let draw { frame = Self.augment(frame, draw) }
                frames.append(frame)
            }
            var feats: [Float] = []
            _ = try classifier.classify(frames, features: &feats)
            out += feats
            start += chunk.count
        }
        return out
    }

    static func augment(_ frame: DecodedFrame, _ draw: AugmentationDraw) -> DecodedFrame {
        let img = FloatImage(interleaved: frame.rgb, channels: 3, height: frame.height, width: frame.width)
        let moved = Augmentation.apply(draw, to: img)
        let plane = frame.width * frame.height
        var rgb = [UInt8](repeating: 0, count: plane * 3)
        for i in 0..<plane {
            for c in 0..<3 { rgb[i * 3 + c] = UInt8(max(0, min(255, moved.pixels[c * plane + i].rounded()))) }
        }
        return DecodedFrame(width: frame.width, height: frame.height, rgb: rgb)
    }
}
