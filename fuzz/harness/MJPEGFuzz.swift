// libFuzzer harness for the MJPEG parser (Sources/Ingest/MJPEG/MJPEGParser.swift is compiled into the same
// module by `make fuzz-mjpeg`; see the Makefile). The first input byte picks the chunk size, so frame
// boundaries falling anywhere in a read are fuzzed too; the second picks capture-all vs sampled mode.
// Invariants checked on every input (a violation traps, which libFuzzer reports as a crash):
//   - every emitted frame starts with FF D8, ends with FF D9 and is at most maxPartBytes long;
//   - the capture buffer never holds more than maxPartBytes;
//   - frames seen never decrease.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let chunk = Int(data[0]) * 37 + 1
    let all = data[1] & 1 == 1
    let maxPart = 4096
    var p = MJPEGParser(maxPartBytes: maxPart)
    p.captureAll = all
    var i = 2
    var seen = 0
    while i < size {
        let n = min(chunk, size - i)
        if !all { p.captureNext = (i / chunk) % 2 == 0 }
        p.feed(UnsafeRawBufferPointer(start: data + i, count: n)) { e in
            if case .frame(let f) = e {
                precondition(f.count >= 4 && f.count <= maxPart, "frame size \(f.count)")
                precondition(f[0] == 0xFF && f[1] == 0xD8, "frame does not start with SOI")
                precondition(f[f.count - 2] == 0xFF && f[f.count - 1] == 0xD9, "frame does not end with EOI")
            }
        }
        precondition(p.bufferedBytes <= maxPart, "buffer grew past the cap: \(p.bufferedBytes)")
        precondition(p.framesSeen >= seen)
        seen = p.framesSeen
        i += n
    }
    return 0
}
