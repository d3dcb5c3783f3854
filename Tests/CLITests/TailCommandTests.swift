#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Testing

@Suite("camsift tail")
struct TailCommandTests {
    static func line(_ i: Int, camera: String, label: String, score: Double) -> String {
        let r = ClassificationRecord(
            ts: Timestamp.rfc3339(1_795_000_000 + Double(i)), camera: camera, label: label, score: score, model: "m1",
            via: i % 2 == 0 ? "fused" : "M0", top: [.init(label: label, score: score)], latency_ms: 10 + Double(i))
        return String(decoding: try! JSONEncoder().encode(r), as: UTF8.self)
    }

    /// 40 lines over 4 cameras and 2 labels, plus one torn line.
    static func makeLog(_ dir: TempDir) -> (path: String, lines: [String]) {
        var lines: [String] = []
        for i in 0..<40 {
            lines.append(line(i, camera: "cam-\(i % 4)", label: i % 3 == 0 ? "person" : "car", score: Double(i) / 40))
        }
        dir.write("log.jsonl", lines.joined(separator: "\n") + "\n{\"ts\": \"torn\n")
        return (dir.file("log.jsonl"), lines)
    }

    @Test("default: header plus the last 10 records in aligned columns")
    func columns() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let (path, _) = Self.makeLog(dir)
        let r = try await camsift(["tail", "--log", path], in: dir)
        #expect(r.status == 0)
        let out = r.out.split(separator: "\n").map(String.init)
        #expect(out.count == 11)
        #expect(out[0].hasPrefix("TIME (UTC)"))
        for col in ["CAMERA", "LABEL", "SCORE", "VIA", "LATENCY"] { #expect(out[0].contains(col)) }
        let scoreCol = out[0].range(of: "SCORE")!.lowerBound.utf16Offset(in: out[0])
        for l in out.dropFirst() {
            // Each row's score (0.xxx) starts exactly under SCORE.
            let idx = l.index(l.startIndex, offsetBy: scoreCol)
            #expect(l[idx...].hasPrefix("0.") || l[idx...].hasPrefix("1."), "misaligned: \(l)")
        }
        #expect(out.last!.contains("cam-3") && out.last!.contains("49.0 ms"))
        #expect(r.err.contains("skipped 1 unreadable line"))
    }

    @Test("filters combine: --camera (repeatable), --label, --min-score, -n")
    func filters() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let (path, _) = Self.makeLog(dir)
        let r = try await camsift(["tail", "--log", path, "--camera", "cam-0", "--camera", "cam-2",
                                   "--label", "PERSON", "--min-score", "0.3", "-n", "100", "--json"], in: dir)
        #expect(r.status == 0)
        let got = r.out.split(separator: "\n").map { try! JSONDecoder().decode(ClassificationRecord.self, from: Data($0.utf8)) }
        // cam-0/cam-2 are the even i; person is i % 3 == 0; score is i / 40.
        var expected: [Double] = []
        for i in 0..<40 where i % 2 == 0 && i % 3 == 0 && Double(i) / 40 >= 0.3 { expected.append(10 + Double(i)) }
        #expect(got.map(\.latency_ms) == expected)
        #expect(got.allSatisfy { ["cam-0", "cam-2"].contains($0.camera) && $0.label == "person" })
    }

    @Test("--json prints the stored lines unchanged")
    func rawJSON() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let (path, lines) = Self.makeLog(dir)
        let r = try await camsift(["tail", "--log", path, "--json", "-n", "5"], in: dir)
        #expect(r.out == lines.suffix(5).joined(separator: "\n") + "\n")
    }

    @Test("-f follows appended lines, including across a rotation")
    func follow() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let (path, _) = Self.makeLog(dir)
        // No line of camera "live" exists yet, so whether tail starts before or after the append below,
        // the line is printed exactly once (by the initial read or by following).
        let c = try Child(camsiftBinary, ["tail", "--log", path, "-f", "--json", "--camera", "live"], in: dir)
        try await Task.sleep(for: .milliseconds(300))
        let a = Self.line(100, camera: "live", label: "dog", score: 0.9)
        let fh = FileHandle(forWritingAtPath: path)!
        fh.seekToEndOfFile()
        fh.write(Data((a + "\n" + Self.line(101, camera: "other", label: "dog", score: 0.9) + "\n").utf8))
        fh.closeFile()
        var ok = false
        for _ in 0..<500 where !ok {
            ok = c.stdout.contains(a)
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(ok, "followed line not printed: \(c.stdout)")
        // logrotate: move away, new file.
        rename(path, path + ".1")
        let b = Self.line(102, camera: "live", label: "cat", score: 0.8)
        dir.write("log.jsonl", b + "\n")
        ok = false
        for _ in 0..<500 where !ok {
            ok = c.stdout.contains(b)
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(ok, "line after rotation not printed: \(c.stdout)")
        #expect(!c.stdout.contains("\"other\""))
        #expect(c.stdout.components(separatedBy: "\n").filter { $0 == a }.count == 1)
        c.signal(SIGTERM)
        _ = await c.wait(timeout: 10)
    }

    @Test("a missing log without -f is exit 66 naming the file; bad options are exit 64")
    func errors() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        let r = try await camsift(["tail", "--log", dir.file("none.jsonl")], in: dir)
        #expect(r.status == 66)
        #expect(r.err.contains(dir.file("none.jsonl")))
        #expect(try await camsift(["tail", "--log", dir.file("x"), "--min-score", "2"], in: dir).status == 64)
        #expect(try await camsift(["tail", "--log", dir.file("x"), "-n", "abc"], in: dir).status == 64)
    }
}
