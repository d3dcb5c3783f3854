// libFuzzer entry point for the JPEG decode path: header, DCT-scaled decode + resample in both fit modes and
// odd target sizes, then the bad-frame filter on whatever decoded. Any trap, ASan report or leak is a bug:
// bad camera bytes must only ever produce a MediaError.
import CamsiftCore
import Media

nonisolated(unsafe) let decoder = try! JPEGDecoder()
nonisolated(unsafe) var filter = FrameFilter()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let buf = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    _ = try? decoder.header(buf)
    // The first byte past the SOI picks a target shape so the resampler sees crops, letterboxes, upsampling.
    let pick = size > 2 ? Int(buf[2]) : 0
    let shapes: [(Int, Int, FitMode)] = [(224, 224, .crop), (224, 224, .letterbox), (31, 97, .crop), (300, 17, .letterbox)]
    let (w, h, fit) = shapes[pick % shapes.count]
    if let frame = try? decoder.decode(buf, width: w, height: h, fit: fit) {
        precondition(frame.rgb.count == w * h * 3)
        _ = filter.check(frame, jpeg: buf)
    }
    return 0
}
