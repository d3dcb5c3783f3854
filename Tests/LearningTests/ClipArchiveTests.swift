import CamsiftCore
import Foundation
import Learning
import Testing

/// `camsift train --clips`'s archive layout: `<label>/<camera>/<clip>/*.jpg`, frames in name order, empty clips
/// skipped, whole clips held out per label.
@Suite("clip archive")
struct ClipArchiveTests {
    static func make(_ layout: [String: Int]) -> String {
        let root = NSTemporaryDirectory() + "camsift-clips-" + UUID().uuidString
        for (clip, frames) in layout {
            try? FileManager.default.createDirectory(atPath: root + "/" + clip, withIntermediateDirectories: true)
            for i in (0..<frames).reversed() {
                FileManager.default.createFile(atPath: root + "/" + clip + String(format: "/%03d.jpg", i), contents: Data([0xFF, 0xD8]))
            }
        }
        return root
    }

    @Test("labels, cameras and clips are read in order; frames sorted by name; empty clips skipped")
    func scan() throws {
        let root = Self.make(["static/cam-a/c1": 5, "static/cam-a/c2": 3, "static/cam-b/c1": 4, "moving/tree/c1": 6,
                              "moving/tree/empty": 0, "unlabeled/x/y": 3])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let a = try ClipArchive(root: root)
        #expect(a.classNames == ["moving", "static"])
        #expect(a.clips.map(\.name) == ["moving/tree/c1", "static/cam-a/c1", "static/cam-a/c2", "static/cam-b/c1"])
        #expect(a.clips.map(\.label) == [0, 1, 1, 1])
        #expect(a.clips[1].frames.map { ($0 as NSString).lastPathComponent } == ["000.jpg", "001.jpg", "002.jpg", "003.jpg", "004.jpg"])
        #expect(a.skipped == ["moving/tree/empty"])
        #expect(a.classCounts == [1, 3])
    }

    @Test("the split holds out whole clips per label, at least one of a label with two, seeded")
    func split() throws {
        var layout: [String: Int] = [:]
        for k in 0..<8 { layout["a/cam/clip\(k)"] = 2 }
        for k in 0..<2 { layout["b/cam/clip\(k)"] = 2 }
        layout["c/cam/only"] = 2
        let root = Self.make(layout)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let a = try ClipArchive(root: root)
        let s = a.split(testFraction: 0.25, seed: 7)
        #expect(Set(s.train).isDisjoint(with: s.test) && s.train.count + s.test.count == a.clips.count)
        let testLabels = s.test.map { a.clips[$0].label }
        #expect(testLabels.filter { $0 == 0 }.count == 2 && testLabels.filter { $0 == 1 }.count == 1)
        #expect(!testLabels.contains(2), "a label with one clip keeps it for training")
        #expect(a.split(testFraction: 0.25, seed: 7).test == s.test)
        #expect((1...20).contains { a.split(testFraction: 0.25, seed: UInt64($0)).test != s.test })
    }

    @Test("fewer than two labels with clips is refused with the layout to use")
    func oneLabel() {
        let root = Self.make(["only/cam/c1": 3, "empty/cam/c1": 0])
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect { _ = try ClipArchive(root: root) } throws: { "\($0)".contains("<label>/<camera>/<clip>/*.jpg") }
    }
}

/// `--windows FILE.csv`: clips cut from the daemon's frame archive by time range.
@Suite("clip archive from time ranges")
struct ClipWindowsTests {
    @Test("RFC 3339 times parse, in the log's form and the archive file names' form")
    func parseTimes() {
        #expect(Timestamp.parseRFC3339("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamp.parseRFC3339("2026-12-07T10:00:00.250Z") == 1_796_637_600.25)
        #expect(Timestamp.parseRFC3339("2026-12-07T10-00-00.250Z") == 1_796_637_600.25)
        #expect(Timestamp.parseRFC3339("2000-02-29T12:00:00Z") == 951_825_600)
        let t = 1_796_637_612.345
        #expect(abs(Timestamp.parseRFC3339(Timestamp.rfc3339(t))! - t) < 1e-6)
        for bad in ["2026-12-07T10:00:00+01:00", "2026-13-07T10:00:00Z", "yesterday", "2026-12-07T10:00:00.Z"] {
            #expect(Timestamp.parseRFC3339(bad) == nil, "\(bad)")
        }
    }

    @Test("rows select the archived frames of a camera inside each range, in time order")
    func selectByRange() throws {
        let root = NSTemporaryDirectory() + "camsift-clipwin-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (cam, day) in [("gate", "2026-12-07"), ("yard", "2026-12-07")] {
            try FileManager.default.createDirectory(atPath: "\(root)/unlabeled/\(cam)/\(day)", withIntermediateDirectories: true)
            for s in stride(from: 0, to: 60, by: 5) {
                let name = Timestamp.rfc3339(1_796_637_600 + Double(s)).replacingOccurrences(of: ":", with: "-")
                FileManager.default.createFile(atPath: "\(root)/unlabeled/\(cam)/\(day)/\(name).jpg", contents: Data([0xFF, 0xD8]))
            }
        }
        let csv = root + "/windows.csv"
        try """
            camera,start,end,label
            gate,2026-12-07T10:00:10Z,2026-12-07T10:00:25Z,queue
            yard,2026-12-07T10:00:00Z,2026-12-07T10:00:04Z,empty
            yard,2026-12-07T11:00:00Z,2026-12-07T11:05:00Z,empty
            """.write(toFile: csv, atomically: true, encoding: .utf8)
        let a = try ClipArchive(frameArchive: root, windows: csv)
        #expect(a.classNames == ["empty", "queue"])
        #expect(a.clips.count == 2 && a.skipped.count == 1 && a.skipped[0].contains("line 4"))
        #expect(a.clips[0].label == 1 && a.clips[0].frames.map { ($0 as NSString).lastPathComponent } ==
                ["2026-12-07T10-00-10.000Z.jpg", "2026-12-07T10-00-15.000Z.jpg", "2026-12-07T10-00-20.000Z.jpg",
                 "2026-12-07T10-00-25.000Z.jpg"])
        #expect(a.clips[1].label == 0 && a.clips[1].frames.count == 1)
        try "gate,10:00,10:05,queue\n".write(toFile: csv, atomically: true, encoding: .utf8)
        #expect { _ = try ClipArchive(frameArchive: root, windows: csv) } throws: { "\($0)".contains("windows.csv:1") && "\($0)".contains("RFC 3339") }
    }
}
