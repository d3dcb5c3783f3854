import CamsiftCore
import Foundation
import Testing

/// Issue 15's end-to-end invariant, as users meet it: for the same images, `camsift eval`'s accuracy is what
/// the daemon logs when those images arrive from cameras. A bundle is trained with `--fit letterbox` on real,
/// non-square photos; each photo is then served by a real nginx as a snapshot camera to `camsift run`, and
/// the labels it logs are compared with `camsift classify` (per image) and `camsift eval` (accuracy). The bundle
/// carries the default companion member (issue 16), so its second input per frame is covered on all three paths.
@Suite(.serialized, .enabled(if: CamsiftBinary.path != nil, "build the camsift binary first (make build)"))
struct EvalMatchesDaemonTests {
    static let photos = "/usr/share/doc/opencv-doc/examples/data/"
    static let classes = [
        "chess": (1...8).map { "left0\($0).jpg" },   // 640×480 calibration boards
        "scene": ["messi5.jpg", "building.jpg", "home.jpg", "fruits.jpg", "squirrel_cls.jpg", "aero1.jpg",
                  "aero3.jpg", "butterfly.jpg"],     // 548×342, 868×600, 512×384, …
    ]

    @Test func evalAccuracyIsWhatTheDaemonLogs() async throws {
        let root = try IngestCLITests.tempDir("eval-daemon")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let archive = root + "/archive"
        var images: [(label: String, rel: String)] = []
        for (label, files) in Self.classes.sorted(by: { $0.key < $1.key }) {
            try FileManager.default.createDirectory(atPath: archive + "/" + label, withIntermediateDirectories: true)
            for f in files {
                let src = Self.photos + f
                try #require(FileManager.default.fileExists(atPath: src), "\(src) missing: install opencv-doc (`make deps`)")
                try FileManager.default.copyItem(atPath: src, toPath: archive + "/" + label + "/" + f)
                images.append((label, label + "/" + f))
            }
        }
        // 1. Train: small CNN, letterboxed 32×32 RGB inputs of the central 95 %.
        let bundle = root + "/bundle"
        let train = try IngestCLITests.camsift(["train", "--archive", archive, "--out", bundle, "--arch", "small",
                                                "--input-size", "32", "--channels", "3", "--fit", "letterbox",
                                                "--crop-fraction", "0.95", "--iterations", "12", "--seed", "3", "--quiet"])
        try #require(train.0 == 0, "train failed: \(train.2)")
        let json = try #require(FileManager.default.contents(atPath: bundle + "/bundle.json"))
        let recorded = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let geometry = try #require(recorded["inputGeometry"] as? [String: Any])
        #expect(geometry["fit"] as? String == "letterbox" && geometry["cropFraction"] as? Double == 0.95)
        // The default two-model training adds the companion member on ImageNet features (CAMSIFT_EFFNET, or
        // weights/ from `make weights`), framed like the pair: the daemon decodes each JPEG again at its geometry.
        let companion = try #require(recorded["companion"] as? [String: Any], "no companion member: run `make weights`")
        let cg = try #require(companion["geometry"] as? [String: Any])
        #expect(cg["size"] as? Int == 224 && cg["fit"] as? String == "letterbox" && cg["cropFraction"] as? Double == 0.95)

        // 2. What eval and classify say.
        let eval = try IngestCLITests.camsift(["eval", "--archive", archive, "--model", bundle, "--json"])
        try #require(eval.0 == 0, "eval failed: \(eval.2)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(eval.1.utf8)) as? [String: Any])
        let primary = try #require(result["primary"] as? String)
        let plain = try #require(result["plain"] as? [String: [String: Any]])
        let evalAccuracy = try #require(plain[primary]?["accuracy"] as? Double)
        let classify = try IngestCLITests.camsift(["classify", "--model", bundle, "--json", "--top", "1"]
                                                  + images.map { archive + "/" + $0.rel })
        try #require(classify.0 == 0, "classify failed: \(classify.2)")
        var classified: [String: String] = [:]
        for line in classify.1.split(separator: "\n") {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let top = try #require(o["top"] as? [[Any]])
            classified[(o["image"] as? String ?? "")] = top.first?.first as? String
        }

        // 3. The daemon: every photo a snapshot camera on a real nginx, the bundle promoted as `current`.
        let nginx = try NginxServer(root: archive)
        defer { nginx.stop() }
        let models = root + "/models"
        try FileManager.default.createDirectory(atPath: models + "/bundles", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: bundle, toPath: models + "/bundles/b1")
        try FileManager.default.createSymbolicLink(atPath: models + "/current", withDestinationPath: "bundles/b1")
        let cameras = root + "/cameras"
        try FileManager.default.createDirectory(atPath: cameras, withIntermediateDirectories: true)
        for (k, img) in images.enumerated() {
            let cam = "{\"id\": \"img-\(k)\", \"kind\": \"snapshot\", \"url\": \"\(nginx.url(img.rel))\", \"interval\": 1}"
            try cam.write(toFile: cameras + "/img-\(k).json", atomically: true, encoding: .utf8)
        }
        let log = root + "/classifications.jsonl"
        let config = """
            {"cameras": "\(cameras)", "log": "\(log)", "state": "\(root)/state", "archive": "\(root)/frames",
             "models": "\(models)", "metrics": "", "batch": 4, "maxWaitMs": 20, "fit": "crop"}
            """
        try config.write(toFile: root + "/camsift.json", atomically: true, encoding: .utf8)
        let daemon = try TestProcess.start(try #require(CamsiftBinary.path), ["run", "--config", root + "/camsift.json"])
        var logged: [String: String] = [:]
        let deadline = Date().addingTimeInterval(90)
        while logged.count < images.count && Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let cam = o["camera"] as? String, let label = o["label"] as? String, logged[cam] == nil else { continue }
                logged[cam] = label
            }
        }
        TestProcess.stop(daemon)
        try #require(logged.count == images.count, "the daemon logged \(logged.count) of \(images.count) cameras in 90 s")

        // Per image: the daemon's label is classify's (same decoder, geometry, tensor, networks).
        var correct = 0
        for (k, img) in images.enumerated() {
            let label = logged["img-\(k)"]
            #expect(label == classified[archive + "/" + img.rel], "\(img.rel): daemon \(label ?? "-"), classify \(classified[archive + "/" + img.rel] ?? "-")")
            if label == img.label { correct += 1 }
        }
        // Accuracy: eval's, within a frame or two of rounding.
        let daemonAccuracy = Double(correct) / Double(images.count)
        #expect(abs(daemonAccuracy - evalAccuracy) <= 2.0 / Double(images.count) + 1e-9,
                "daemon accuracy \(daemonAccuracy) vs camsift eval \(evalAccuracy)")
    }
}
