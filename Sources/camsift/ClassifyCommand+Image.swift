#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import CTurboJPEG
import Foundation

extension ClassifyCommand {
    /// A problem with one input image (named, with what to do).
    struct ImageError: Error, CustomStringConvertible {
        var description: String
    }

    /// Decodes a JPEG file to full-size RGB with TurboJPEG (`tjDecompress2`, accurate DCT).
    static func loadJPEG(path: String) throws -> DecodedFrame {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImageError(description: "cannot read image '\(path)': no such file or not readable")
        }
        guard data.count >= 3, data[data.startIndex] == 0xFF, data[data.startIndex + 1] == 0xD8 else {
            throw ImageError(description: "image '\(path)' is not a JPEG (only JPEG is supported; convert it, "
                             + "e.g. `ffmpeg -i IN -q:v 2 OUT.jpg`)")
        }
        guard let tj = tjInitDecompress() else { throw ImageError(description: "tjInitDecompress failed") }
        defer { tjDestroy(tj) }
        func tjError() -> String { String(cString: tjGetErrorStr2(tj)) }
        let bytes = [UInt8](data)
        var w: Int32 = 0, h: Int32 = 0, sub: Int32 = 0, cs: Int32 = 0
        let rc = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(tj, $0.baseAddress, UInt(bytes.count), &w, &h, &sub, &cs)
        }
        guard rc == 0, w > 0, h > 0 else {
            throw ImageError(description: "image '\(path)': bad JPEG header (\(tjError()))")
        }
        var rgb = [UInt8](repeating: 0, count: Int(w) * Int(h) * 3)
        let drc = bytes.withUnsafeBufferPointer { src in
            rgb.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(tj, src.baseAddress, UInt(bytes.count), dst.baseAddress, w, 0, h,
                              Int32(TJPF_RGB.rawValue), TJFLAG_ACCURATEDCT)
            }
        }
        // A warning (e.g. extraneous bytes) still yields a full image; a fatal error does not.
        if drc != 0 && tjGetErrorCode(tj) == TJERR_FATAL.rawValue {
            throw ImageError(description: "image '\(path)': JPEG decode failed (\(tjError()))")
        }
        return DecodedFrame(width: Int(w), height: Int(h), rgb: rgb)
    }
}
