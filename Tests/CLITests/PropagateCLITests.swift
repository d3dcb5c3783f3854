#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Labels
import Testing

/// Issue 21 end to end: `camsift propagate` on a real archive — frames of opencv-doc's street camera (vtest.avi) and
/// hand-held tree footage (tree.avi), a few labelled by hand as `camsift label`/the console file them, the rest in the
/// daemon's frame archive (`unlabeled/<camera>/<day>/<time>.jpg`) — and a registry of located, tagged cameras. The
/// frame suggestions land in the review queue marked "suggested" with score and iteration, the camera-tag
/// suggestions in the review file, and nothing is suggested twice.
@Suite("camsift propagate end to end", .serialized)
struct PropagateCLITests {
    static func stamp(_ t: Double, compact: Bool) -> String {
        let s = Timestamp.rfc3339(t)
        return compact ? s.filter { $0 != "-" && $0 != ":" } : s.replacingOccurrences(of: ":", with: "-")
    }

    @Test("labelled frames + archived frames + registry → suggestions in the review queue and the camera-tag file")
    func suggestions() async throws {
        #expect(FileManager.default.fileExists(atPath: Deploy.effnet), "no ImageNet model at \(Deploy.effnet): run `make weights`")
        let dir = TempDir("camsift-propagate")
        defer { dir.cleanup() }
        let street = try await WindowE2ETests.frames("vtest.avi", scale: "384:288", into: "frames/street", in: dir)
        let tree = try await WindowE2ETests.frames("tree.avi", scale: "320:240", into: "frames/tree", in: dir)
        try #require(street.count >= 700 && tree.count >= 60)
        let t0 = 1_796_716_800.0  // 2026-12-07T00:00:00Z
        // 5 labelled frames of each scene (as LabelStore names them), 12 archived ones of each camera, 1 s apart.
        var expected: [String: String] = [:]
        for (scene, frames, camera) in [("street", street, "gate"), ("tree", tree, "garden")] {
            let step = frames.count / 17
            for i in 0..<17 {
                let t = t0 + Double(i) + (scene == "tree" ? 3600 : 0)
                let dest = i < 5 ? "archive/\(scene)/\(camera)/\(Self.stamp(t, compact: true))-\(i + 1).jpg"
                                 : "archive/unlabeled/\(camera)/2026-12-07/\(Self.stamp(t, compact: false)).jpg"
                dir.mkdir((dest as NSString).deletingLastPathComponent)
                try FileManager.default.copyItem(atPath: frames[i * step], toPath: dir.file(dest))
                if i >= 5 { expected[dir.file(dest)] = scene }
            }
        }
        // A torn archived frame (the first 600 bytes of a JPEG): left out and named, the run goes on.
        let torn = "archive/unlabeled/gate/2026-12-07/2026-12-07T00:00:30Z.jpg"
        try Data(FileManager.default.contents(atPath: street[0])!.prefix(600)).write(to: URL(fileURLWithPath: dir.file(torn)))
        dir.mkdir("cameras")
        for i in 0..<4 {
            let d = Double(i) * 0.01
            for (id, lat, lon, tags) in [("harbour-\(i)", 54.35 + d, 18.65 + d, i < 3 ? #"["harbour", "coast"]"# : "[]"),
                                         ("hill-\(i)", 49.30 + d, 19.95 - d, i < 3 ? #"["mountain"]"# : "[]")] {
                dir.write("cameras/\(id).json", """
                    {"id": "\(id)", "kind": "snapshot", "url": "http://127.0.0.1:9/x.jpg", "interval": 60,
                     "location": {"lat": \(lat), "lon": \(lon)}, "tags": \(tags)}
                    """)
            }
        }
        dir.write("camsift.json", """
            {"cameras": "\(dir.file("cameras"))", "state": "\(dir.file("state"))", "archive": "\(dir.file("archive"))",
             "models": "\(dir.file("models"))", "console": ""}
            """)
        let args = ["propagate", "--config", dir.file("camsift.json"), "--backbone", Deploy.effnet, "--k", "3"]
        let run = try Child(camsiftBinary, args, in: dir, tag: "propagate")
        #expect(await run.wait(timeout: 300) == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("features: 34 computed"), "\(run.stdout)")
        #expect(run.stdout.contains("left out 1 frame(s) that cannot be read or decoded: \(dir.file(torn))"), "\(run.stdout)")

        let queue = try ReviewQueue(archive: dir.file("archive"))
        defer { queue.close() }
        let items = queue.pending(offset: 0, limit: 100, reason: .suggested)
        // Only frames reached within the T iterations the stopping rule picked get a suggestion.
        #expect(items.count >= 8 && items.count <= 24, "\(run.stdout)")
        var right = 0
        for it in items {
            let s = try #require(it.suggestion)
            let want = try #require(expected[s.origin], "suggestion for an unknown frame \(s.origin)")
            if it.label == want { right += 1 }
            #expect(it.reasons == .suggested && it.score >= 0.5 && it.score <= 1 && s.iteration >= 1)
            #expect(it.camera == (want == "street" ? "gate" : "garden") && it.top.first?.label == it.label)
            #expect(queue.jpeg(it.id) == FileManager.default.contents(atPath: s.origin).map { [UInt8]($0) })
        }
        #expect(Double(right) >= 0.9 * Double(items.count), "\(right) of \(items.count) suggestions right")
        #expect(run.stdout.contains("iteration") && run.stdout.contains("queued for review"), "\(run.stdout)")

        let file = dir.file("state/suggestions/camera-tags.json")
        let json = try #require(FileManager.default.contents(atPath: file).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] })
        let list = try #require(json["suggestions"] as? [[String: Any]])
        let tags = Dictionary(uniqueKeysWithValues: list.map {
            ($0["camera"] as! String, Set(($0["tags"] as! [[String: Any]]).map { $0["tag"] as! String }))
        })
        #expect(tags == ["harbour-3": ["harbour", "coast"], "hill-3": ["mountain"]], "\(list)")
        // The registry is untouched.
        #expect(readText(dir.file("cameras/harbour-3.json")).contains(#""tags": []"#))

        // A second run suggests nothing twice.
        let again = try Child(camsiftBinary, args, in: dir, tag: "again")
        #expect(await again.wait(timeout: 300) == 0, "\(again.stderr)")
        #expect(again.stdout.contains("features: 0 computed, 34 reused") && again.stdout.contains("0 queued for review"),
                "\(again.stdout)")
        #expect(queue.pendingCount(reason: .suggested) == items.count)
    }

    @Test("errors name the file and the fix")
    func errors() async throws {
        let dir = TempDir("camsift-propagate-err")
        defer { dir.cleanup() }
        dir.mkdir("archive/street")
        dir.write("camsift.json", #"{"archive": "\#(dir.file("archive"))", "cameras": "\#(dir.file("nocams"))", "console": ""}"#)
        let one = try await camsift(["propagate", "--config", dir.file("camsift.json"), "--backbone", Deploy.effnet], in: dir)
        #expect(one.status != 0 && one.err.contains(dir.file("archive")) && one.err.contains("at least two labels"), "\(one.err)")
        let cams = try await camsift(["propagate", "--config", dir.file("camsift.json"), "--cameras-only"], in: dir)
        #expect(cams.status != 0 && cams.err.contains(dir.file("nocams")) && cams.err.contains("--frames-only"), "\(cams.err)")
        let bad = try await camsift(["propagate", "--threshold", "2"], in: dir)
        #expect(bad.status == 64 && bad.err.contains("--threshold"), "\(bad.err)")
    }
}
