#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation

/// Reads the classification log, and follows it like `tail -F`: it survives logrotate (the path now names a
/// new file: the old one is read to its end first), `copytruncate` (the file shrank: start over at 0) and a log
/// that does not exist yet. Lines that are not a valid record (torn by a crash of an older writer, or garbage)
/// are skipped and counted, never fatal.
///
/// Not thread-safe: one reader belongs to one command.
public final class ClassificationLogReader {
    public struct Entry: Sendable {
        public var record: ClassificationRecord
        /// The line as stored, without its newline (`camsift tail --json` prints it unchanged).
        public var raw: String
    }

    public let path: String
    /// Lines that could not be decoded, plus unterminated tails left behind by a rotation or truncation.
    public private(set) var skipped = 0

    private var fd: Int32 = -1
    private var device: UInt = 0
    private var inode: UInt = 0
    private var offset: off_t = 0
    private var pending: [UInt8] = []
    private let decoder = JSONDecoder()
    static let chunk = 1 << 16

    public init(path: String) { self.path = path }
    deinit { if fd >= 0 { _ = close(fd) } }

    /// Whether the log file could be opened (so far).
    public var isOpen: Bool { fd >= 0 }

    private func openIfNeeded() -> Bool {
        if fd >= 0 { return true }
        let f = open(path, O_RDONLY | O_CLOEXEC)
        guard f >= 0 else { return false }
        var st = stat()
        fstat(f, &st)
        fd = f
        device = UInt(st.st_dev)
        inode = UInt(st.st_ino)
        offset = 0
        pending = []
        return true
    }

    /// The last `n` records that pass `filter`, leaving the reader positioned after them for `readAvailable()`.
    /// Reads the file backwards in chunks, so a multi-gigabyte log costs only what is printed.
    public func last(_ n: Int, where filter: (ClassificationRecord) -> Bool = { _ in true }) -> [Entry] {
        guard openIfNeeded() else { return [] }
        var st = stat()
        fstat(fd, &st)
        let size = off_t(st.st_size)
        var found: [Entry] = []
        var pos = size
        var carry: [UInt8] = []  // bytes after the last newline seen so far (start of a line further back)
        var endOfComplete: off_t? = nil
        var chunkBuf = [UInt8](repeating: 0, count: Self.chunk)
        while pos > 0 && found.count < n {
            let len = Int(min(off_t(Self.chunk), pos))
            pos -= off_t(len)
            let got = chunkBuf.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, len, pos) }
            guard got == len else { break }
            var block = Array(chunkBuf[0..<len]) + carry
            if endOfComplete == nil {
                // Anything after the file's last newline is an unfinished line: leave it to readAvailable().
                if let lastNL = block.lastIndex(of: 0x0A) {
                    endOfComplete = pos + off_t(lastNL) + 1
                    block.removeSubrange((lastNL + 1)...)
                } else {
                    carry = block
                    continue
                }
            }
            var lines = block.split(separator: 0x0A, omittingEmptySubsequences: false)
            carry = pos > 0 ? Array(lines.removeFirst()) : []
            for line in lines.reversed() where found.count < n {
                if let e = decode(line), filter(e.record) { found.append(e) }
            }
        }
        if pos == 0, !carry.isEmpty, found.count < n, let e = decode(carry[...]), filter(e.record) { found.append(e) }
        offset = endOfComplete ?? 0
        pending = []
        return found.reversed()
    }

    /// Moves to the end of the file (only new lines will be read).
    public func seekToEnd() {
        guard openIfNeeded() else { return }
        var st = stat()
        fstat(fd, &st)
        offset = off_t(st.st_size)
        pending = []
    }

    /// Complete records appended since the last call, after handling rotation and truncation.
    public func readAvailable() -> [Entry] {
        guard openIfNeeded() else { return [] }
        var out = drain()
        var pathStat = stat()
        if stat(path, &pathStat) == 0, UInt(pathStat.st_ino) != inode || UInt(pathStat.st_dev) != device {
            // Rotated: the old file was read to its end above; anything unterminated there is lost for good.
            if !pending.isEmpty { skipped += 1 }
            close(fd)
            fd = -1
            if openIfNeeded() { out += drain() }
            return out
        }
        var st = stat()
        if fstat(fd, &st) == 0, off_t(st.st_size) < offset {
            // Truncated in place (copytruncate): start over.
            if !pending.isEmpty { skipped += 1 }
            offset = 0
            pending = []
            out += drain()
        }
        return out
    }

    private func drain() -> [Entry] {
        var out: [Entry] = []
        var buf = [UInt8](repeating: 0, count: Self.chunk)
        while true {
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, Self.chunk, offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            offset += off_t(n)
            var start = 0
            for i in 0..<n where buf[i] == 0x0A {
                if pending.isEmpty {
                    if let e = decode(buf[start..<i]) { out.append(e) }
                } else {
                    pending += buf[start..<i]
                    if let e = decode(pending[...]) { out.append(e) }
                    pending = []
                }
                start = i + 1
            }
            pending += buf[start..<n]
        }
        return out
    }

    private func decode(_ line: ArraySlice<UInt8>) -> Entry? {
        if line.isEmpty { return nil }
        guard let r = try? decoder.decode(ClassificationRecord.self, from: Data(line)) else {
            skipped += 1
            return nil
        }
        return Entry(record: r, raw: String(decoding: line, as: UTF8.self))
    }
}
