import CTurboJPEG
import CamsiftCore

/// RGB → JPEG with TurboJPEG, for sources that have no original JPEG bytes to archive (FFmpeg streams
/// decode to YUV; the archive and `camsift train` want JPEG files like the HTTP cameras produce).
///
/// 4:2:0 chroma at `quality` 90 by default: visually lossless for camera footage at roughly a tenth of the
/// raw size, and the same subsampling most cameras use, so stream and HTTP archives look alike to training.
///
/// Not `Sendable`: it owns a `tjhandle` (not thread-safe), so use one per thread.
public final class JPEGEncoder {
    private let handle: tjhandle
    /// libjpeg quality, 1...100.
    public let quality: Int

    public init(quality: Int = 90) throws(MediaError) {
        guard (1...100).contains(quality) else {
            throw MediaError(.invalidArgument, "JPEG quality \(quality) is out of range; use 1...100")
        }
        guard let h = tjInitCompress() else {
            throw MediaError(.outOfMemory, "tjInitCompress failed; the process is out of memory or libturbojpeg is broken; reinstall libturbojpeg0")
        }
        handle = h
        self.quality = quality
    }

    deinit { tjDestroy(handle) }

    /// Encodes interleaved 8-bit RGB (`frame.width`×`frame.height`) as a baseline JFIF JPEG.
    public func encode(_ frame: DecodedFrame) throws(MediaError) -> [UInt8] {
        guard frame.width > 0, frame.height > 0, frame.width <= 65_535, frame.height <= 65_535 else {
            throw MediaError(.invalidArgument, "cannot encode a \(frame.width)x\(frame.height) image as JPEG (1...65535 per side)")
        }
        var out: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let rc = frame.rgb.withUnsafeBufferPointer { src in
            tjCompress2(handle, src.baseAddress, Int32(frame.width), Int32(frame.width * 3), Int32(frame.height),
                        Int32(TJPF_RGB.rawValue), &out, &size, Int32(TJSAMP_420.rawValue), Int32(quality), 0)
        }
        defer { if out != nil { tjFree(out) } }
        guard rc == 0, let out, size > 0 else {
            let text = String(cString: tjGetErrorStr2(handle))
            throw MediaError(.library, "TurboJPEG could not encode a \(frame.width)x\(frame.height) frame: \(text)",
                             cause: .init(library: "turbojpeg", code: tjGetErrorCode(handle), text: text))
        }
        return [UInt8](UnsafeBufferPointer(start: out, count: Int(size)))
    }
}
