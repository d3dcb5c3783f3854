import CamsiftCore
import Media

/// The second input a bundle's companion member needs per frame (`FrameClassifier.companionGeometry`, e.g.
/// 224² RGB beside a small CNN's 28² grey). Decoded again from the frame's original JPEG at that geometry —
/// the same decode training and `camsift eval` make of the archived copy, so the companion sees the tensor it
/// was trained on. Frames without JPEG bytes (FFmpeg streams, which ingest converts straight to the main
/// geometry) and JPEGs that fail the second decode are refitted from the decoded frame instead: still
/// classified, at the detail the main geometry kept. Inference thread only.
final class CompanionFrames: @unchecked Sendable {  // confined to the inference thread
    private var decoder: JPEGDecoder?

    /// One frame per entry of `frames`, at `geometry`.
    func frames(_ frames: [Frame], geometry g: InputGeometry) -> [DecodedFrame] {
        frames.map { f in
            if let jpeg = f.jpeg, let d = decoderOrNil(),
               let decoded = try? jpeg.withUnsafeBytes({ try d.decode($0, geometry: g) }) {
                return decoded
            }
            return f.pixels.refitted(to: g)
        }
    }

    private func decoderOrNil() -> JPEGDecoder? {
        if decoder == nil { decoder = try? JPEGDecoder() }
        return decoder
    }
}
