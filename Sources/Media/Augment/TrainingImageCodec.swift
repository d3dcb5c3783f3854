import CTurboJPEG

/// JPEG headers and encoding for training data (an archive's first image decides gray or RGB; generated test
/// archives ← gray/RGB pixels), on TurboJPEG because libjpeg's error handler calls exit(). Decoding is not
/// here: archive images go through the live path's `JPEGDecoder` at the model's `InputGeometry`.
public enum TrainingImageCodec {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Encodes interleaved gray (channels 1) or RGB (3) pixels as a baseline JPEG.
    public static func encode(pixels: [UInt8], channels: Int, height: Int, width: Int, quality: Int = 92) throws -> [UInt8] {
        guard let h = tjInitCompress() else { throw Failure(description: "TurboJPEG compress init failed") }
        defer { tjDestroy(h) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let pf = channels == 1 ? TJPF_GRAY : TJPF_RGB
        let sub = channels == 1 ? TJSAMP_GRAY : TJSAMP_420
        let rc = pixels.withUnsafeBufferPointer {
            tjCompress2(h, $0.baseAddress, Int32(width), 0, Int32(height), Int32(pf.rawValue), &out, &size,
                        Int32(sub.rawValue), Int32(quality), 0)
        }
        defer { if let out { tjFree(out) } }
        guard rc == 0, let out else {
            throw Failure(description: "JPEG encode failed: \(String(cString: tjGetErrorStr2(h)))")
        }
        return Array(UnsafeBufferPointer(start: out, count: Int(size)))
    }
}

extension TrainingImageCodec {
    /// Width, height and whether the JPEG is grayscale, from its header only.
    public static func header(bytes: [UInt8], name: String) throws -> (width: Int, height: Int, gray: Bool) {
        guard let h = tjInitDecompress() else { throw Failure(description: "\(name): TurboJPEG init failed") }
        defer { tjDestroy(h) }
        var w: Int32 = 0, hh: Int32 = 0, sub: Int32 = 0, cs: Int32 = 0
        let rc = bytes.withUnsafeBufferPointer { tjDecompressHeader3(h, $0.baseAddress, UInt($0.count), &w, &hh, &sub, &cs) }
        guard rc == 0 else { throw Failure(description: "\(name): not a JPEG; remove or re-encode the file") }
        return (Int(w), Int(hh), cs == Int32(TJCS_GRAY.rawValue))
    }
}
