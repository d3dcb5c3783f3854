import Foundation
import Testing

/// `camsift classify` end to end: the real binary, the real imported model, OpenCV's sample photos.
@Suite("camsift classify", .serialized)
struct ClassifyCommandTests {
    static let samples = "/usr/share/doc/opencv-doc/examples/data"

    /// CAMSIFT_BIN (set by `make test`), else the `camsift` built next to this test bundle.
    static var binary: String {
        if let p = ProcessInfo.processInfo.environment["CAMSIFT_BIN"], !p.isEmpty { return p }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") || dir.path.contains(".xctest/") {
            while dir.pathExtension != "xctest" && dir.path != "/" { dir.deleteLastPathComponent() }
            dir.deleteLastPathComponent()
        }
        return dir.appendingPathComponent("camsift").path
    }

    struct Run { var status: Int32; var out: String; var err: String }

    static func camsift(_ args: [String], env: [String: String] = [:]) throws -> Run {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            Issue.record(Comment(rawValue: "camsift binary missing at \(binary): build it (`swift build`) or set CAMSIFT_BIN"))
            throw CocoaError(.fileNoSuchFile)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment["CAMSIFT_EFFNET"] = RealModel.path
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, out: String(decoding: o, as: UTF8.self),
                   err: String(decoding: e, as: UTF8.self))
    }

    @Test func labelsTheSamplePhotos() throws {
        _ = try RealModel.load()
        let r = try Self.camsift(["classify", "--json", "--top", "5", Self.samples + "/squirrel_cls.jpg",
                                  Self.samples + "/baboon.jpg"])
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        var top1: [String: String] = [:]
        for line in lines {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let image = (obj?["image"] as? String).map { ($0 as NSString).lastPathComponent } ?? "?"
            let top = obj?["top"] as? [[Any]] ?? []
            #expect(top.count == 5)
            let scores = top.compactMap { $0.last as? Double }
            #expect(scores == scores.sorted(by: >) && scores.allSatisfy { $0 > 0 && $0 <= 1 })
            top1[image] = top.first?.first as? String
        }
        #expect(top1["squirrel_cls.jpg"]?.hasPrefix("fox squirrel") == true, "\(top1)")
        #expect(top1["baboon.jpg"] == "baboon", "\(top1)")
    }

    @Test func textOutputListsTopLabelsWithScores() throws {
        _ = try RealModel.load()
        let r = try Self.camsift(["classify", "--top", "2", Self.samples + "/baboon.jpg"])
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == 3 && lines[0].hasSuffix("baboon.jpg"))
        #expect(lines[1].hasSuffix("  baboon") && Double(lines[1].split(separator: " ")[0]) != nil)
    }

    @Test func dumpsInputAndLogitsForTheReferenceCheck() throws {
        _ = try RealModel.load()
        let dir = NSTemporaryDirectory() + "camsift-classify-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Self.camsift(["classify", "--dump-input", dir + "/in.f32", "--dump-logits", dir + "/l.f32",
                                  Self.samples + "/apple.jpg", Self.samples + "/orange.jpg"])
        #expect(r.status == 0)
        let input = try Data(contentsOf: URL(fileURLWithPath: dir + "/in.f32"))
        let logits = try Data(contentsOf: URL(fileURLWithPath: dir + "/l.f32"))
        #expect(input.count == 2 * 3 * 224 * 224 * 4 && logits.count == 2 * 1000 * 4)
        let xs = input.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        // (pixel − 127) / 128 over 8-bit pixels.
        #expect(xs.allSatisfy { $0 >= -127.0 / 128 && $0 <= 1 })
    }

    @Test func badInputsGiveClearErrors() throws {
        let missing = try Self.camsift(["classify", "/nonexistent/cat.jpg"])
        #expect(missing.status == 65 && missing.err.contains("/nonexistent/cat.jpg"))
        let png = try Self.camsift(["classify", Self.samples + "/aloeGT.png"])
        #expect(png.status == 65 && png.err.contains("not a JPEG"))
        let noModel = try Self.camsift(["classify", "--model", "/nonexistent/m.csm", Self.samples + "/baboon.jpg"])
        #expect(noModel.status == 66 && noModel.err.contains("/nonexistent/m.csm") && noModel.err.contains("make weights"))
        let usage = try Self.camsift(["classify"])
        #expect(usage.status == 64 && usage.err.contains("usage: camsift classify"))
    }
}
