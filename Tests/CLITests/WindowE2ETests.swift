#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// Issue 18 end to end: clips cut from real footage — opencv-doc's `vtest.avi` (a fixed street camera) and
/// `tree.avi` (a hand-held camera) — labelled `static` and `moving`, a window model trained on them with
/// `camsift train --clips`, then a daemon with two local stream cameras playing the *held-out* rest of each video:
/// it must log window events (`kind: "window"`, 40 frames) with the right label for each camera, and
/// `camsift tail --kind window` must print them.
@Suite("window events end to end: static vs moving camera footage", .serialized)
struct WindowE2ETests {
    static let footage = Deploy.photoDir

    /// Frames of `video` as JPEGs `DIR/0001.jpg…`, scaled to `scale`; `passthrough` keeps the file's own frames
    /// (the image2 muxer's default constant rate would duplicate tree.avi's 68 frames into hundreds).
    static func frames(_ video: String, scale: String, into sub: String, in dir: TempDir) async throws -> [String] {
        dir.mkdir(sub)
        let r = try await Deploy.run(["ffmpeg", "-nostdin", "-v", "error", "-i", footage + "/" + video, "-fps_mode", "passthrough",
                                      "-vf", "scale=" + scale,
                                      "-q:v", "3", dir.file(sub + "/%04d.jpg")], in: dir)
        #expect(r.status == 0, "ffmpeg: \(r.err)")
        return try FileManager.default.contentsOfDirectory(atPath: dir.file(sub)).sorted().map { dir.file(sub + "/" + $0) }
    }

    /// Cuts `files` into consecutive segments of `segment` frames: even segments become training clips
    /// `ARCHIVE/label/camera/clip-K/`, odd ones are returned, held out for the daemon — interleaved in time, so the
    /// held-out footage shows the same places (a hand-held camera's later frames show other ones) but never a
    /// frame the model was trained on.
    static func clips(_ files: [String], segment: Int, label: String, camera: String, in dir: TempDir) throws -> ArraySlice<String> {
        var held: [String] = []
        for k in 0..<(files.count / segment) {
            let part = files[(k * segment)..<((k + 1) * segment)]
            guard k % 2 == 0 else { held += part; continue }
            let sub = "archive/\(label)/\(camera)/clip-\(k)"
            dir.mkdir(sub)
            for (i, f) in part.enumerated() {
                try FileManager.default.copyItem(atPath: f, toPath: dir.file(sub + "/" + String(format: "%04d.jpg", i)))
            }
        }
        return held[...]
    }

    /// An MPEG-4 file of `files` (repeated `loops` times) at 10 frames/s: what a local stream camera plays.
    static func video(_ files: ArraySlice<String>, loops: Int, name: String, in dir: TempDir) async throws -> String {
        dir.mkdir(name)
        var n = 0
        for _ in 0..<loops {
            for f in files {
                n += 1
                try FileManager.default.copyItem(atPath: f, toPath: dir.file(name + "/" + String(format: "%05d.jpg", n)))
            }
        }
        let out = dir.file(name + ".avi")
        let r = try await Deploy.run(["ffmpeg", "-nostdin", "-v", "error", "-framerate", "10", "-i", dir.file(name + "/%05d.jpg"),
                                      "-c:v", "mpeg4", "-q:v", "3", out], in: dir)
        #expect(r.status == 0, "ffmpeg: \(r.err)")
        return out
    }

    static func windows(_ log: String) -> [[String: Any]] {
        readText(log).split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["kind"] as? String == "window" else { return nil }
            return o
        }
    }

    @Test("train --clips on static/moving footage, then the daemon labels held-out footage's windows")
    func staticVersusMoving() async throws {
        #expect(FileManager.default.fileExists(atPath: Deploy.effnet), "no ImageNet model at \(Deploy.effnet): run `make weights`")
        let dir = TempDir("camsift-window")
        defer { dir.cleanup() }
        let street = try await Self.frames("vtest.avi", scale: "384:288", into: "frames/vtest", in: dir)
        let tree = try await Self.frames("tree.avi", scale: "320:240", into: "frames/tree", in: dir)
        try #require(street.count >= 700 && (60...80).contains(tree.count), "footage: \(street.count) and \(tree.count) frames")
        // Four training clips per label (100 street frames, 8 tree frames each); the daemon sees the other segments.
        let streetHeld = try Self.clips(street, segment: 100, label: "static", camera: "street", in: dir)
        let treeHeld = try Self.clips(tree, segment: 8, label: "moving", camera: "tree", in: dir)
        let streetVideo = try await Self.video(streetHeld, loops: 1, name: "street-held-out", in: dir)
        let treeVideo = try await Self.video(treeHeld, loops: 8, name: "tree-held-out", in: dir)

        dir.mkdir("models")
        let trainer = try Child(camsiftBinary, ["train", "--clips", "--archive", dir.file("archive"),
                                                "--out", dir.file("models/window.csm"), "--backbone", Deploy.effnet,
                                                "--epochs", "30", "--seed", "3"], in: dir, tag: "train")
        let status = await trainer.wait(timeout: 900)
        #expect(status == 0, "train --clips: \(trainer.stderr)")
        #expect(trainer.stdout.contains("ResBiLSTM + oversampling") && trainer.stdout.contains("macro F1"), "\(trainer.stdout)")
        try #require(FileManager.default.fileExists(atPath: dir.file("models/window.csm")), "\(trainer.stdout)\(trainer.stderr)")

        dir.mkdir("cameras")
        for (id, path) in [("street", streetVideo), ("tree", treeVideo)] {
            dir.write("cameras/\(id).json", #"{"id": "\#(id)", "kind": "stream", "url": "file://\#(path)", "interval": 0.2}"#)
        }
        dir.write("camsift.json", """
            {"cameras": "\(dir.file("cameras"))", "state": "\(dir.file("state"))", "log": "\(dir.file("log.jsonl"))",
             "archive": "\(dir.file("archive-live"))", "models": "\(dir.file("models"))", "console": "",
             "windowStride": 5, "gateThreshold": 0}
            """)
        let d = try Child(camsiftBinary, ["run", "--config", dir.file("camsift.json")],
                          environment: ["CAMSIFT_EFFNET": Deploy.effnet], in: dir, tag: "daemon")
        defer { if d.process.isRunning { d.signal(SIGKILL) } }
        let deadline = Date().addingTimeInterval(240)
        func counts() -> [String: Int] {
            var n: [String: Int] = [:]
            for w in Self.windows(dir.file("log.jsonl")) { n[w["camera"] as? String ?? "", default: 0] += 1 }
            return n
        }
        while Date() < deadline && d.process.isRunning && (counts()["street", default: 0] < 3 || counts()["tree", default: 0] < 3) {
            try await Task.sleep(for: .milliseconds(500))
        }
        d.signal(SIGTERM)
        #expect(await d.wait(timeout: 20) == 0, "\(d.stderr)")
        #expect(d.stderr.contains("window model window-"), "the daemon did not load the window model: \(d.stderr)")
        let windows = Self.windows(dir.file("log.jsonl"))
        for (camera, label) in [("street", "static"), ("tree", "moving")] {
            let mine = windows.filter { $0["camera"] as? String == camera }
            #expect(mine.count >= 3, "\(camera): \(mine.count) window event(s); daemon log: \(d.stderr.suffix(2000))")
            let right = mine.filter { $0["label"] as? String == label }.count
            #expect(Double(right) >= 0.8 * Double(mine.count), "\(camera): \(right) of \(mine.count) windows say '\(label)': \(mine)")
            for w in mine {
                #expect(w["frames"] as? Int == 40)
                let start = w["start"] as? String ?? "", end = w["end"] as? String ?? ""
                #expect(!start.isEmpty && start < end && w["ts"] as? String == end, "\(w)")
            }
        }
        let tail = try await camsift(["tail", "--log", dir.file("log.jsonl"), "--kind", "window", "-n", "5"], in: dir)
        #expect(tail.status == 0)
        let rows = tail.out.split(separator: "\n").dropFirst()
        #expect(rows.count == min(5, windows.count) && rows.allSatisfy { $0.contains("window") && $0.contains("40 frames since") },
                "\(tail.out)")
    }
}
