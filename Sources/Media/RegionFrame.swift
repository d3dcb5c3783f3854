import CamsiftCore

/// A region camera's frame (registry `region`): cut out once, re-encoded once, and that JPEG is the frame.
///
/// The rule that makes training agree with service by construction: the cut-out (`Region.pixels` of the
/// decoded frame, at full resolution) is encoded once at `quality` 95 with `JPEGEncoder`, and those bytes are
/// everything downstream: the model input is decoded from them with the ordinary
/// `JPEGDecoder.decode(_:geometry:)` (the path `camsift train`/`eval` use for archive images), `Frame.jpeg`
/// carries them (console, review queue) and the archiver saves them. So an archived region file decodes to
/// the very model input the daemon classified, byte for byte.
///
/// The price: one JPEG encode and one decode of the region per sampled frame of a region camera (cameras
/// without a region never come here). Regions are meant for a few cameras.
///
/// Not `Sendable` (it owns an encoder and uses the caller's decoder): one per thread.
public final class RegionFrame {
    /// JPEG quality of the re-encoded region: high, because it is decoded again for the model and for training;
    /// 4:2:0 like the cameras.
    public static let quality = 95

    private let encoder: JPEGEncoder

    public init() throws(MediaError) {
        encoder = try JPEGEncoder(quality: Self.quality)
    }

    /// Encodes the cut-out `region` (full resolution RGB) and decodes those bytes to `geometry` with `decoder`:
    /// the frame's bytes and its model input.
    public func make(_ region: DecodedFrame, decoder: JPEGDecoder,
                     geometry: InputGeometry) throws -> (jpeg: [UInt8], pixels: DecodedFrame) {
        let jpeg = try encoder.encode(region)
        let pixels = try jpeg.withUnsafeBytes { try decoder.decode($0, geometry: geometry) }
        return (jpeg, pixels)
    }

    /// An HTTP camera's JPEG: `JPEGDecoder.decodeRegion`, then `make`.
    public func make(jpeg original: UnsafeRawBufferPointer, region: Region, decoder: JPEGDecoder,
                     geometry: InputGeometry) throws -> (jpeg: [UInt8], pixels: DecodedFrame) {
        try make(try decoder.decodeRegion(original, region: region), decoder: decoder, geometry: geometry)
    }
}
