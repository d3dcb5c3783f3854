import CamsiftCore
import Foundation
import Testing
@testable import Registry

/// The camera field `region`: parsed into `Camera.region`, validated with messages naming file, camera, field
/// and the fix; a region change restarts the camera on reload.
@Suite struct RegionFieldTests {
    typealias D = TestDirectory

    func camera(_ region: String, id: String = "lot") -> String {
        #"{"id": "\#(id)", "kind": "snapshot", "url": "http://127.0.0.1:8080/snap.jpg", "interval": 10, "region": \#(region)}"#
    }

    func load(_ text: String) -> (RegistrySnapshot, String) {
        let dir = D()
        let file = dir.write("lot.json", text)
        return (RegistryLoader.load(directory: dir.path, previous: nil), file)
    }

    @Test func validRegionIsParsed() {
        let (s, _) = load(camera(#"{"x": 0.1, "y": 0.4, "w": 0.5, "h": 0.5}"#))
        #expect(s.problems.isEmpty, "\(s.problems)")
        #expect(s.cameras["lot"]?.region == Region(x: 0.1, y: 0.4, w: 0.5, h: 0.5))
        // The whole frame, and sums that are 1 only up to binary rounding (0.3 + 0.7), are fine.
        let (whole, _) = load(camera(#"{"x": 0, "y": 0, "w": 1, "h": 1}"#))
        #expect(whole.problems.isEmpty && whole.cameras["lot"]?.region == Region(x: 0, y: 0, w: 1, h: 1))
        let (edge, _) = load(camera(#"{"x": 0.3, "y": 0.1, "w": 0.7, "h": 0.9}"#))
        #expect(edge.problems.isEmpty, "\(edge.problems)")
        // No region: nil, the whole frame.
        let (none, _) = load(D.camera("lot"))
        #expect(none.cameras["lot"]?.region == nil)
    }

    @Test(arguments: [
        (#"{"x": 1.2, "y": 0, "w": 0.5, "h": 0.5}"#, "region.x", "outside 0...1", "between 0 and 1"),
        (#"{"x": -0.1, "y": 0, "w": 0.5, "h": 0.5}"#, "region.x", "outside 0...1", "not pixels"),
        (#"{"x": 0, "y": 0, "w": 0, "h": 0.5}"#, "region.w", "less than the minimum 0.02", "between 0.02 and 1"),
        (#"{"x": 0, "y": 0, "w": 0.5, "h": 0.01}"#, "region.h", "less than the minimum 0.02", "between 0.02 and 1"),
        (#"{"x": 0, "y": 0, "w": 640, "h": 0.5}"#, "region.w", "more than 1", "not pixels"),
        (#"{"x": 0.6, "y": 0, "w": 0.5, "h": 0.5}"#, "region.w", "x + w is 1.1, past the right edge", "at most 0.4"),
        (#"{"x": 0, "y": 0.75, "w": 0.5, "h": 0.5}"#, "region.h", "y + h is 1.25, past the bottom edge", "at most 0.25"),
        (#"{"x": 0, "y": 0, "w": 0.5}"#, "region.h", "is missing", "all four of x, y, w, h"),
        (#"{"x": "0.1", "y": 0, "w": 0.5, "h": 0.5}"#, "region.x", "is a string", "without quotes"),
        (#"[0.1, 0.4, 0.5, 0.5]"#, "region", "not an object", #""region": {"x": 0.1"#),
    ])
    func invalidRegionIsAnErrorNamingFileCameraFieldAndFix(_ c: (String, String, String, String)) {
        let (s, file) = load(camera(c.0))
        #expect(s.cameras["lot"] == nil, "a camera with a bad region does not start")
        let e = s.problems.first { $0.severity == .error }
        #expect(e?.file == file)
        #expect(e?.camera == "lot")
        #expect(e?.field == c.1, "\(s.problems)")
        #expect(e?.message.contains(c.2) == true, "\(String(describing: e?.message))")
        #expect(e?.fix.contains(c.3) == true, "\(String(describing: e?.fix))")
    }

    @Test func unknownRegionKeyIsAWarningWithASuggestion() {
        let (s, _) = load(camera(#"{"x": 0.1, "y": 0.4, "w": 0.5, "h": 0.5, "width": 0.5}"#))
        #expect(!s.hasErrors)
        #expect(s.cameras["lot"]?.region == Region(x: 0.1, y: 0.4, w: 0.5, h: 0.5))
        let w = s.warnings.first { $0.field == "region.width" }
        #expect(w?.message.contains("not a known field") == true)
        #expect(w?.fix.contains("x, y, w, h") == true, "\(String(describing: w?.fix))")
        // And a misspelt field name suggests `region`.
        let (t, _) = load(#"{"id": "lot", "kind": "snapshot", "url": "http://127.0.0.1/s.jpg", "interval": 10, "regoin": {}}"#)
        #expect(t.warnings.contains { $0.field == "regoin" && $0.fix.contains("did you mean 'region'") })
    }

    @Test func aggregatorEntriesAndDefaultsTakeARegion() {
        let text = #"""
        {"aggregator": "lots", "kind": "snapshot", "urlTemplate": "http://127.0.0.1/{id}.jpg", "interval": 10,
         "region": {"x": 0, "y": 0.5, "w": 1, "h": 0.5},
         "cameras": [{"id": "a"}, {"id": "b", "region": {"x": 0.25, "y": 0.25, "w": 0.5, "h": 0.5}},
                     {"id": "c"}]}
        """#
        let (s, _) = load(text)
        #expect(s.problems.isEmpty, "\(s.problems)")
        #expect(s.cameras["a"]?.region == Region(x: 0, y: 0.5, w: 1, h: 0.5))
        #expect(s.cameras["b"]?.region == Region(x: 0.25, y: 0.25, w: 0.5, h: 0.5))
        // A bad entry is reported under its camera id (and, like any error, the file does not load).
        let (bad, _) = load(text.replacingOccurrences(of: #"{"id": "c"}"#,
                                                      with: #"{"id": "c", "region": {"x": 0.9, "y": 0, "w": 0.2, "h": 1}}"#))
        #expect(bad.problems.contains { $0.camera == "c" && $0.field == "region.w" && $0.severity == .error })
    }

    @Test func regionChangeRestartsTheCamera() {
        let a = Camera(id: "lot", kind: .snapshot, url: "http://h/s.jpg", interval: 10,
                       region: Region(x: 0.1, y: 0.4, w: 0.5, h: 0.5))
        var b = a
        b.region = Region(x: 0.1, y: 0.4, w: 0.5, h: 0.4)
        var c = a
        c.region = nil
        let d = RegistryDiff.between(["lot": a], ["lot": b])
        #expect(d.changed.map(\.id) == ["lot"] && d.unchanged.isEmpty)
        #expect(RegistryDiff.between(["lot": a], ["lot": c]).changed.map(\.id) == ["lot"])
        #expect(RegistryDiff.between(["lot": a], ["lot": a]).unchanged == ["lot"])
    }

    @Test func pixelRectangleRoundsClampsAndNeverEmpties() {
        #expect(Region(x: 0.1, y: 0.4, w: 0.5, h: 0.5).pixels(width: 768, height: 576)
                == PixelRect(x: 77, y: 230, width: 384, height: 288))
        #expect(Region(x: 0, y: 0, w: 1, h: 1).pixels(width: 7, height: 5) == PixelRect(x: 0, y: 0, width: 7, height: 5))
        #expect(Region(x: 0.99, y: 0.99, w: 0.02, h: 0.02).pixels(width: 10, height: 10)
                == PixelRect(x: 9, y: 9, width: 1, height: 1))
    }
}
