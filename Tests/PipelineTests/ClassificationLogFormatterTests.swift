import CamsiftCore
@testable import Pipeline
import Testing
import Serving

@Suite("camsift tail formatting and filters")
struct ClassificationLogFormatterTests {
    @Test("columns line up whatever the values' lengths")
    func alignment() {
        let rs = [
            record(camera: "a", label: "car", score: 0.9, seq: 1),
            record(camera: "lobby-cam-long", label: "traffic light", score: 0.12345, seq: 2),
        ]
        let f = ClassificationLogFormatter(fitting: rs)
        let lines = [f.header] + rs.map(f.format)
        let labelColumn = lines.map { $0.firstRange(of: "car")?.lowerBound ?? $0.firstRange(of: "traffic")?.lowerBound
            ?? $0.firstRange(of: "LABEL")!.lowerBound }
        let offsets = zip(lines, labelColumn).map { $0.0.distance(from: $0.0.startIndex, to: $0.1) }
        #expect(Set(offsets).count == 1, "LABEL column at \(offsets)")
        #expect(lines[2].contains("0.123"))
        #expect(lines[1].contains("2026-"))
        #expect(!lines[1].contains("T0"), "human time has no 'T'")
        #expect(lines[1].hasSuffix(" ms"))
    }

    @Test("overlong values are cut with an ellipsis instead of shifting columns")
    func truncation() {
        let f = ClassificationLogFormatter(cameraWidth: 8, labelWidth: 6)
        let a = f.format(record(camera: "a-very-long-camera-id", label: "x", seq: 1))
        let b = f.format(record(camera: "b", label: "y", seq: 1))
        #expect(a.contains("a-very-…"))
        #expect(a.count == b.count)
    }

    @Test("reused and archived frames are marked")
    func markers() {
        var r = record()
        r.reused = true
        r.frame = "/a/b.jpg"
        let s = ClassificationLogFormatter().format(r)
        #expect(s.hasSuffix("reused  /a/b.jpg"))
    }

    @Test("fixed-point numbers")
    func fixed() {
        #expect(ClassificationLogFormatter.fixed(0.8765, 3) == "0.877")
        #expect(ClassificationLogFormatter.fixed(12, 1) == "12.0")
        #expect(ClassificationLogFormatter.fixed(-0.04, 1) == "-0.0" || ClassificationLogFormatter.fixed(-0.04, 1) == "0.0")
        #expect(ClassificationLogFormatter.fixed(.nan, 2) == "-")
    }

    @Test("filter: camera set, label case-insensitively, minimum score")
    func filter() {
        let r = record(camera: "c1", label: "Car", score: 0.5)
        #expect(ClassificationLogFilter().matches(r))
        #expect(ClassificationLogFilter(cameras: ["c1", "c2"]).matches(r))
        #expect(!ClassificationLogFilter(cameras: ["c2"]).matches(r))
        #expect(ClassificationLogFilter(label: "car").matches(r))
        #expect(!ClassificationLogFilter(label: "person").matches(r))
        #expect(ClassificationLogFilter(minScore: 0.5).matches(r))
        #expect(!ClassificationLogFilter(minScore: 0.51).matches(r))
        var n = r
        n.score = .nan
        #expect(!ClassificationLogFilter(minScore: 0).matches(n))
    }
}
