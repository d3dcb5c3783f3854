#if canImport(Glibc)
import Glibc
#endif

/// Finds JPEG frames in an MJPEG (`multipart/x-mixed-replace`) body by walking the JPEG structure itself
/// (ITU-T T.81 §B.1: marker segments carry their length; entropy-coded data can only contain `FF 00` stuffing
/// and `FF D0..D7` restart markers), not by trusting multipart framing.
///
/// Why: real cameras send boundaries with or without the leading `--`, a body boundary different from the one
/// in the Content-Type header, missing or wrong `Content-Length` (including "2 GiB" lies), stray CRLFs, headers
/// in any case and garbage between parts. None of that matters when a frame is "SOI … EOI by structure": the
/// multipart text between frames is simply skipped while searching for the next SOI. Segment lengths also make
/// an EXIF thumbnail's own EOI harmless (it sits inside an APP1 segment that is skipped by length).
///
/// Sampling: only a frame that *starts* while `captureNext` is set is copied (the freshest frame after the
/// sample became due); every other frame is walked without copying, which is a `memchr` over the scan data.
/// A captured frame larger than `maxPartBytes` is dropped as soon as it crosses the cap (buffer growth is
/// bounded by the cap) and the walk goes on without copying.
struct MJPEGParser {
    enum Event: Equatable {
        /// A complete captured JPEG, SOI through EOI.
        case frame([UInt8])
        /// The frame being captured was cut short (a new SOI or corrupt structure before its EOI).
        case truncated
        /// The frame being captured exceeded `maxPartBytes`.
        case oversized
    }

    private enum State: Equatable {
        case seekFF, seekD8
        case marker, markerCode
        case length1(UInt8), length2(UInt8, UInt8)
        case skip(Int, thenScan: Bool)
        case scan, scanFF
    }

    let maxPartBytes: Int
    /// Capture the next frame that starts. Cleared when a frame is delivered unless `captureAll`.
    var captureNext = false
    /// Capture every frame (`camsift grab`, tests).
    var captureAll = false
    /// Complete frames seen (captured or not): the stream watchdog's measure of progress.
    private(set) var framesSeen = 0
    /// Frames whose structure broke before EOI (captured or not).
    private(set) var corruptSeen = 0

    private var state = State.seekFF
    private var inFrame = false
    private var capturing = false
    private var buffer: [UInt8] = []
    /// Capacity hint for the next capture (a part's Content-Length, capped), so a buffer grows at most once.
    var sizeHint = 0

    init(maxPartBytes: Int) {
        self.maxPartBytes = maxPartBytes
    }

    /// Bytes held for the frame being captured.
    var bufferedBytes: Int { buffer.count }

    /// Feeds the next chunk of the body; `emit` sees captured frames and capture failures in stream order.
    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (Event) -> Void) {
        guard let raw = chunk.baseAddress, chunk.count > 0 else { return }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let n = chunk.count
        var i = 0
        var runStart = 0  // first byte of the current frame not yet copied into `buffer`

        func flush(to end: Int) {
            if capturing && end > runStart {
                buffer.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: end - runStart))
            }
            runStart = end
        }

        while i < n {
            switch state {
            case .seekFF:
                guard let p = memchr(raw + i, 0xFF, n - i) else { i = n; continue }
                i = UnsafeRawPointer(p) - raw + 1
                state = .seekD8
            case .seekD8:
                let b = base[i]
                i += 1
                if b == 0xD8 {
                    startFrame(emit)
                    runStart = i
                    state = .marker
                } else if b != 0xFF {
                    state = .seekFF
                }
            case .marker:
                let b = base[i]
                if b == 0xFF {
                    i += 1
                    state = .markerCode
                } else {
                    flush(to: i)
                    abandonFrame(emit)
                    state = .seekFF
                }
            case .markerCode:
                let m = base[i]
                i += 1
                switch m {
                case 0xFF: break
                case 0xD9:
                    flush(to: i)
                    finishFrame(emit)
                    state = .seekFF
                case 0xD8:
                    abandonFrame(emit)
                    startFrame(emit)
                    runStart = i
                    state = .marker
                case 0x01, 0xD0...0xD7: state = .marker
                case 0x00:
                    flush(to: i)
                    abandonFrame(emit)
                    state = .seekFF
                default: state = .length1(m)
                }
            case .length1(let m):
                state = .length2(m, base[i])
                i += 1
            case .length2(let m, let hi):
                let len = Int(hi) << 8 | Int(base[i])
                i += 1
                if len < 2 {
                    flush(to: i)
                    abandonFrame(emit)
                    state = .seekFF
                } else {
                    state = .skip(len - 2, thenScan: m == 0xDA)
                }
            case .skip(let remaining, let thenScan):
                let take = min(remaining, n - i)
                i += take
                if take == remaining { state = thenScan ? .scan : .marker } else { state = .skip(remaining - take, thenScan: thenScan) }
            case .scan:
                guard let p = memchr(raw + i, 0xFF, n - i) else { i = n; continue }
                i = UnsafeRawPointer(p) - raw + 1
                state = .scanFF
            case .scanFF:
                let m = base[i]
                i += 1
                switch m {
                case 0x00, 0xD0...0xD7: state = .scan
                case 0xFF: break
                case 0xD9:
                    flush(to: i)
                    finishFrame(emit)
                    state = .seekFF
                case 0xD8:
                    abandonFrame(emit)
                    startFrame(emit)
                    runStart = i
                    state = .marker
                case 0x01: state = .marker
                default: state = .length1(m)  // DHT/DQT/SOS between progressive scans
                }
            }
            if capturing && buffer.count + (i - runStart) > maxPartBytes {
                // Oversized: stop copying now so memory stays bounded, keep walking to the frame's end.
                capturing = false
                buffer = []
                runStart = i
                emit(.oversized)
            }
        }
        if inFrame { flush(to: n) }
    }

    /// Drops any partial frame (connection lost). The next feed starts by searching for SOI.
    mutating func reset() {
        state = .seekFF
        inFrame = false
        capturing = false
        buffer = []
    }

    private mutating func startFrame(_ emit: (Event) -> Void) {
        inFrame = true
        capturing = captureNext || captureAll
        if capturing {
            buffer = []
            buffer.reserveCapacity(min(max(sizeHint, 64 << 10), maxPartBytes))
            buffer.append(0xFF)
            buffer.append(0xD8)
        }
    }

    private mutating func finishFrame(_ emit: (Event) -> Void) {
        framesSeen += 1
        inFrame = false
        if capturing {
            capturing = false
            captureNext = false
            let frame = buffer
            buffer = []
            emit(.frame(frame))
        }
    }

    private mutating func abandonFrame(_ emit: (Event) -> Void) {
        corruptSeen += 1
        inFrame = false
        if capturing {
            capturing = false
            buffer = []
            emit(.truncated)
        }
    }
}
