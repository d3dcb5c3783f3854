#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
@testable import Pipeline
import Testing
import Serving

@Suite("Classification log writer")
struct ClassificationLogWriterTests {
    @Test("a line round-trips through JSONDecoder, with escaping and field order")
    func lineRoundTrip() throws {
        var r = record(camera: "cam \"quoted\"", label: "back\\slash\nnew\tline\u{01}ü", score: 0.123456789, seq: 7)
        r.reused = true
        r.frame = "/archive/unlabeled/cam/2026-11-23/x.jpg"
        let line = r.jsonLine()
        #expect(line.last == 0x0A)
        #expect(line.dropLast().contains(0x0A) == false, "no raw newline inside a line")
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.hasPrefix("{\"ts\":\"2026-"))
        let back = try JSONDecoder().decode(ClassificationRecord.self, from: Data(line))
        #expect(back == r)
    }

    @Test("non-finite numbers become null and latency is rounded to 0.1 ms")
    func numbers() {
        var r = record()
        r.score = .nan
        r.latency_ms = 12.345
        let text = String(decoding: r.jsonLine(), as: UTF8.self)
        #expect(text.contains("\"score\":null"))
        #expect(text.contains("\"latency_ms\":12.3"))
    }

    @Test("concurrent writers on threads: every line whole, none lost, none interleaved")
    func concurrentWriters() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.file("log.jsonl")
        let writer = try ClassificationLogWriter(path: path)
        let threads = 8
        let perThread = 1500
        let group = DispatchGroup()
        for t in 0..<threads {
            group.enter()
            let th = Thread {
                for i in 0..<perThread {
                    // Lengths vary from ~150 bytes to ~9 KB so some lines exceed a pipe buffer / page.
                    let r = record(camera: "cam-\(t)", label: "label-\(i)", seq: i, extraTop: (i * 7919) % 300)
                    writer.append(r)
                }
                group.leave()
            }
            th.start()
        }
        group.wait()
        writer.close()
        let lines = readLines(path)
        #expect(lines.count == threads * perThread)
        var seen = [Set<Int>](repeating: [], count: threads)
        let dec = JSONDecoder()
        for l in lines {
            let r = try dec.decode(ClassificationRecord.self, from: Data(l.utf8))
            let t = Int(r.camera.dropFirst(4))!
            seen[t].insert(Int(r.label.dropFirst(6))!)
        }
        for t in 0..<threads { #expect(seen[t] == Set(0..<perThread), "writer \(t) lost or duplicated lines") }
        #expect(writer.stats.lines == threads * perThread)
        #expect(writer.stats.failedLines == 0)
    }

    @Test("a full disk (ENOSPC on /dev/full) is counted, not fatal, and nothing partial is claimed")
    func diskFull() throws {
        let writer = try ClassificationLogWriter(path: "/dev/full")
        #expect(writer.append(record()) == false)
        #expect(writer.append(record(seq: 1)) == false)
        #expect(writer.stats.failedLines == 2)
        #expect(writer.stats.lines == 0)
    }

    @Test("reopen() after logrotate moved the file: new lines go to a new file, old lines stay whole")
    func reopenAfterRotate() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.file("log.jsonl")
        let writer = try ClassificationLogWriter(path: path)
        for i in 0..<10 { writer.append(record(seq: i)) }
        #expect(rename(path, path + ".1") == 0)
        writer.append(record(seq: 10))  // still the old descriptor, like a daemon before SIGHUP
        try writer.reopen()
        for i in 11..<15 { writer.append(record(seq: i)) }
        writer.close()
        #expect(readLines(path + ".1").count == 11)
        #expect(readLines(path).count == 4)
        #expect(writer.stats.reopens == 1)
    }

    @Test("size rotation keeps lines whole across PATH.1 and PATH")
    func sizeRotation() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let path = dir.file("log.jsonl")
        let writer = try ClassificationLogWriter(path: path, maxBytes: 4096)
        for i in 0..<100 { writer.append(record(seq: i)) }
        writer.close()
        #expect(writer.stats.rotations > 0)
        let all = readLines(path + ".1") + readLines(path)
        #expect(!all.isEmpty)
        for l in all { _ = try JSONDecoder().decode(ClassificationRecord.self, from: Data(l.utf8)) }
        #expect(fileBytes(path + ".1").count >= 4096)
        #expect(fileBytes(path + ".1").count < 4096 + 1024, "rotates right after crossing the limit")
    }

    @Test("append after close fails and is counted")
    func closed() throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let writer = try ClassificationLogWriter(path: dir.file("l.jsonl"))
        writer.close()
        #expect(writer.append(record()) == false)
        #expect(writer.stats.failedLines == 1)
    }

    @Test("an unwritable path is a clear error naming the file and the fix")
    func unwritable() {
        #expect {
            _ = try ClassificationLogWriter(path: "/nonexistent-dir/log.jsonl")
        } throws: { e in
            let m = (e as? PipelineError)?.message ?? ""
            return m.contains("/nonexistent-dir/log.jsonl") && m.contains("--log")
        }
    }
}
