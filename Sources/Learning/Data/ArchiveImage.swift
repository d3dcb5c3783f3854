import CamsiftCore
import Media
import Serving

/// Reads one archived JPEG into model input, the way the daemon sees the same JPEG from a camera: Media's
/// `JPEGDecoder` (DCT-scaled decode, crop or letterbox with the geometry's crop fraction, resize), then
/// Serving's `ModelInput.pixels` (channels). Training, its feature cache and `camsift eval` all read archive
/// images through here, so archive and live tensors are bit-identical (ModelInputTests).
///
/// Not `Sendable`: it owns a decoder; use one per thread.
public final class ArchiveImage {
    private let decoder: JPEGDecoder

    public init() throws {
        do { decoder = try JPEGDecoder() } catch {
            throw LearningError(.io, "cannot create a JPEG decoder: \(error)")
        }
    }

    /// The bytes of the file at `path` (read once when an image is framed at two geometries: a bundle's and its
    /// companion member's).
    public static func bytes(path: String) throws -> [UInt8] {
        do { return try ImageSet.readFile(path) } catch {
            throw LearningError(.io, "cannot read '\(path)': \(error)", cause: error as? LearningError)
        }
    }

    /// The image at `path` framed at `geometry`, as 8-bit RGB.
    public func frame(path: String, geometry: InputGeometry) throws -> DecodedFrame {
        try frame(bytes: try Self.bytes(path: path), path: path, geometry: geometry)
    }

    /// The same for the file's bytes already read (`path` names it in errors).
    public func frame(bytes: [UInt8], path: String, geometry: InputGeometry) throws -> DecodedFrame {
        do {
            return try bytes.withUnsafeBytes { try decoder.decode($0, geometry: geometry) }
        } catch {
            throw LearningError(.badImage, "\(path): \(error); remove or re-encode the file")
        }
    }

    /// The image at `path` as CHW 0…255 floats at `geometry` (normalisation is applied later, after
    /// augmentation).
    public func pixels(path: String, geometry: InputGeometry) throws -> [Float] {
        ModelInput.pixels(try frame(path: path, geometry: geometry), channels: geometry.channels)
    }
}
