#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
@testable import Pipeline
import Testing
import Serving

/// A real short write: the kernel writes only up to RLIMIT_FSIZE and fails the continuation with EFBIG, which
/// is what a filling disk does too. The log is made sparse just below a 1 GiB limit so no disk is used.
/// Process-wide state (the file-size limit, SIGXFSZ) is changed for milliseconds and restored: serialized.
@Suite("Classification log writer: short writes", .serialized)
struct ClassificationLogShortWriteTests {
    @Test("a line cut short by the file-size limit is truncated away; the file still ends at a line end")
    func shortWriteIsTruncated() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.file("log.jsonl")
        let limit: rlim_t = 1 << 30
        let writer = try ClassificationLogWriter(path: path)
        writer.append(record(seq: 1))
        let firstLine = fileBytes(path)
        // Extend the file sparsely to just below the limit, ending at a line end.
        let pad = open(path, O_WRONLY)
        #expect(ftruncate(pad, off_t(limit) - 101) == 0)
        #expect(pwrite(pad, "\n", 1, off_t(limit) - 101) == 1)
        close(pad)
        let before = off_t(limit) - 100

        var old = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &old)
        let oldHandler = signal(SIGXFSZ, SIG_IGN)
        var lim = rlimit(rlim_cur: limit, rlim_max: old.rlim_max)
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &lim)
        let ok = writer.append(record(seq: 2, extraTop: 20))  // ~700 bytes: 100 fit, the rest fail
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &old)
        signal(SIGXFSZ, oldHandler)

        #expect(ok == false)
        var st = stat()
        stat(path, &st)
        #expect(off_t(st.st_size) == before, "partial line removed")
        #expect(writer.stats.truncations == 1)
        #expect(writer.stats.failedLines == 1)

        // Writing resumes normally and the tail of the file is a whole, decodable line.
        #expect(writer.append(record(seq: 3)))
        writer.close()
        let fd = open(path, O_RDONLY)
        var tail = [UInt8](repeating: 0, count: 4096)
        let n = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 4096, before - 4096 + 600) }
        close(fd)
        let lines = tail[0..<n].split(separator: 0x0A)
        let last = try JSONDecoder().decode(ClassificationRecord.self, from: Data(lines.last!))
        #expect(last.model == "m-3")
        #expect(firstLine.last == 0x0A)
    }
}
