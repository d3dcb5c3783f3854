#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
@testable import Pipeline
import Testing
import Serving

@Suite("Classification log reader")
struct ClassificationLogReaderTests {
    func append(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        precondition(fd >= 0)
        let b = Array(text.utf8)
        _ = b.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    func line(_ seq: Int, camera: String = "cam-1", score: Double = 0.9) -> String {
        String(decoding: record(camera: camera, score: score, seq: seq).jsonLine(), as: UTF8.self)
    }

    @Test("last(n) reads backwards across chunk boundaries and applies the filter")
    func lastN() {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.file("l.jsonl")
        var text = ""
        for i in 0..<3000 { text += line(i, camera: i % 3 == 0 ? "a" : "b") }
        append(path, text)
        #expect(fileBytes(path).count > 3 * ClassificationLogReader.chunk)
        let reader = ClassificationLogReader(path: path)
        let got = reader.last(25) { $0.camera == "a" }
        #expect(got.map { Int($0.record.model.dropFirst(2))! } == Array(stride(from: 2925, to: 3000, by: 3)))
        #expect(reader.readAvailable().isEmpty, "positioned at the end")
        append(path, line(3000))
        #expect(reader.readAvailable().map(\.record.model) == ["m-3000"])
    }

    @Test("follow: an unterminated line is held back until its newline arrives")
    func partialLine() {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.file("l.jsonl")
        let reader = ClassificationLogReader(path: path)
        #expect(reader.readAvailable().isEmpty, "a missing log is not an error")
        let l = line(1)
        append(path, String(l.prefix(30)))
        #expect(reader.readAvailable().isEmpty)
        append(path, String(l.dropFirst(30)))
        #expect(reader.readAvailable().map(\.record.model) == ["m-1"])
        #expect(reader.skipped == 0)
    }

    @Test("garbage and torn lines are skipped and counted")
    func garbage() {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.file("l.jsonl")
        append(path, line(1) + "not json\n" + "{\"ts\":\"2026\n" + line(2) + "\n")
        let reader = ClassificationLogReader(path: path)
        #expect(reader.last(10).map(\.record.model) == ["m-1", "m-2"])
        #expect(reader.skipped == 2)
    }

    @Test("follow survives rotation: the rest of the old file, then the new file from its start")
    func rotation() {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.file("l.jsonl")
        append(path, line(1))
        let reader = ClassificationLogReader(path: path)
        #expect(reader.readAvailable().count == 1)
        append(path, line(2))
        #expect(rename(path, path + ".1") == 0)
        append(path, line(3) + line(4))
        #expect(reader.readAvailable().map(\.record.model) == ["m-2", "m-3", "m-4"])
    }

    @Test("follow survives truncation in place (copytruncate)")
    func truncation() {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.file("l.jsonl")
        append(path, line(1) + line(2) + line(3))
        let reader = ClassificationLogReader(path: path)
        #expect(reader.readAvailable().count == 3)
        #expect(truncate(path, 0) == 0)
        append(path, line(9))
        #expect(reader.readAvailable().map(\.record.model) == ["m-9"])
    }

    @Test("reads what the writer writes, including during size rotation")
    func writerToReader() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.file("l.jsonl")
        // ~250-byte lines, rotation every ~33 lines, read every 10: at most one rotation between reads.
        let writer = try ClassificationLogWriter(path: path, maxBytes: 8192)
        let reader = ClassificationLogReader(path: path)
        var got: [String] = []
        for i in 0..<200 {
            writer.append(record(seq: i))
            if i % 10 == 0 { got += reader.readAvailable().map(\.record.model) }
        }
        got += reader.readAvailable().map(\.record.model)
        #expect(writer.stats.rotations >= 3)
        #expect(got == (0..<200).map { "m-\($0)" })
    }
}
