#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// Issue 19 end to end: a tags model trained with `camsift train --tags` on multi-tag rows of `labels.csv`
/// (frames of opencv-doc's street camera `outdoor;street`, of the hand-held tree footage `outdoor;nature`, of the
/// Megamind cartoon `cartoon`), then a daemon whose local stream cameras play other frames of the street and tree
/// footage: its log lines carry `"tags"` with the camera's tags, and `camsift tail --tag` filters by them.
@Suite("tags end to end: train --tags, then tags in the live log", .serialized)
struct TagsE2ETests {
    static func lines(_ log: String) -> [[String: Any]] {
        readText(log).split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test("multi-tag labels → tags model → tags on a live camera's log lines")
    func tagsInTheLog() async throws {
        #expect(FileManager.default.fileExists(atPath: Deploy.effnet), "no ImageNet model at \(Deploy.effnet): run `make weights`")
        let dir = TempDir("camsift-tags")
        defer { dir.cleanup() }
        let street = try await WindowE2ETests.frames("vtest.avi", scale: "384:288", into: "frames/street", in: dir)
        let tree = try await WindowE2ETests.frames("tree.avi", scale: "320:240", into: "frames/tree", in: dir)
        let cartoon = try await WindowE2ETests.frames("Megamind.avi", scale: "360:-2", into: "frames/cartoon", in: dir)
        try #require(street.count >= 700 && tree.count >= 60 && cartoon.count >= 100)
        // Even frames (of every 10th street frame) are labelled; the cameras play the odd ones.
        var csv = "path,tags\n"
        let sets: [(frames: [String], tags: String, step: Int)] = [(street, "outdoor;street", 20), (tree, "outdoor;nature", 2),
                                                                     (cartoon, "cartoon", 4)]
        for (frames, tags, step) in sets {
            for f in stride(from: 0, to: frames.count, by: step).map({ frames[$0] }).prefix(30) {
                csv += "frames/" + (f.split(separator: "/").suffix(2).joined(separator: "/")) + "," + tags + "\n"
            }
        }
        dir.write("labels.csv", csv)
        dir.mkdir("models")
        let trainer = try Child(camsiftBinary, ["train", "--tags", "--archive", dir.path, "--out", dir.file("models"),
                                                "--backbone", Deploy.effnet, "--seed", "2"], in: dir, tag: "train")
        #expect(await trainer.wait(timeout: 600) == 0, "train --tags: \(trainer.stderr)")
        #expect(trainer.stdout.contains("Hamming loss") && trainer.stdout.contains("tags cartoon, nature, outdoor, street"),
                "\(trainer.stdout)")
        try #require(FileManager.default.fileExists(atPath: dir.file("models/tags.csm")), "\(trainer.stdout)\(trainer.stderr)")

        let streetVideo = try await WindowE2ETests.video(stride(from: 10, to: street.count, by: 20).map { street[$0] }[...],
                                                         loops: 3, name: "street-play", in: dir)
        let treeVideo = try await WindowE2ETests.video(stride(from: 1, to: tree.count, by: 2).map { tree[$0] }[...], loops: 4,
                                                       name: "tree-play", in: dir)
        dir.mkdir("cameras")
        for (id, path) in [("street", streetVideo), ("tree", treeVideo)] {
            dir.write("cameras/\(id).json", #"{"id": "\#(id)", "kind": "stream", "url": "file://\#(path)", "interval": 0.5, "tags": ["demo"]}"#)
        }
        dir.write("camsift.json", """
            {"cameras": "\(dir.file("cameras"))", "state": "\(dir.file("state"))", "log": "\(dir.file("log.jsonl"))",
             "archive": "\(dir.file("archive-live"))", "models": "\(dir.file("models"))", "console": "", "gateThreshold": 0}
            """)
        let d = try Child(camsiftBinary, ["run", "--config", dir.file("camsift.json")],
                          environment: ["CAMSIFT_EFFNET": Deploy.effnet], in: dir, tag: "daemon")
        defer { if d.process.isRunning { d.signal(SIGKILL) } }
        func count(_ camera: String) -> Int {
            Self.lines(dir.file("log.jsonl")).filter { $0["camera"] as? String == camera && $0["tags"] != nil }.count
        }
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline && d.process.isRunning && (count("street") < 8 || count("tree") < 8) {
            try await Task.sleep(for: .milliseconds(500))
        }
        d.signal(SIGTERM)
        #expect(await d.wait(timeout: 20) == 0, "\(d.stderr)")
        #expect(d.stderr.contains("tags model tags-"), "the daemon did not load the tags model: \(d.stderr.suffix(1500))")
        let logged = Self.lines(dir.file("log.jsonl"))
        for (camera, want) in [("street", Set(["outdoor", "street"])), ("tree", Set(["outdoor", "nature"]))] {
            let mine = logged.filter { $0["camera"] as? String == camera }
            let tagged = mine.compactMap { $0["tags"] as? [[Any]] }
            #expect(tagged.count == mine.count && tagged.count >= 8, "\(camera): \(tagged.count) of \(mine.count) lines tagged")
            let right = tagged.filter { Set($0.compactMap { $0.first as? String }) == want }.count
            #expect(Double(right) >= 0.8 * Double(tagged.count), "\(camera): \(right) of \(tagged.count) lines tagged \(want.sorted())")
            #expect(tagged.allSatisfy { $0.allSatisfy { (($0.last as? Double) ?? -1) >= 0 && (($0.last as? Double) ?? 2) <= 1 } })
        }
        let tail = try await camsift(["tail", "--log", dir.file("log.jsonl"), "--tag", "NATURE", "-n", "5"], in: dir)
        #expect(tail.status == 0)
        let rows = tail.out.split(separator: "\n").dropFirst()
        #expect(!rows.isEmpty && rows.allSatisfy { $0.contains("tree") && $0.contains("tags ") && $0.contains("nature") }, "\(tail.out)")
    }
}
