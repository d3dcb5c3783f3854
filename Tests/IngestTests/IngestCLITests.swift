import CamsiftCore
import Foundation
import Testing

/// The `camsift probe | validate`, `grab` and `cameras` commands as users run them, on the built binary
/// (`CAMSIFT_BIN`, set by `make test`; otherwise the debug build next to the package).
@Suite(.serialized, .enabled(if: CamsiftBinary.path != nil, "build the camsift binary first (make build)"))
struct IngestCLITests {
    static var binary: String? { CamsiftBinary.path }
}

enum CamsiftBinary {
    static var path: String? {
        if let b = ProcessInfo.processInfo.environment["CAMSIFT_BIN"], FileManager.default.isExecutableFile(atPath: b) {
            return b
        }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        return [repo + "/.build/debug/camsift", repo + "/.build/release/camsift"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

extension IngestCLITests {

    /// Runs the binary; returns (status, stdout, stderr).
    static func camsift(_ args: [String]) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary!)
        p.arguments = args
        // stderr to a file: reading two pipes one after the other can deadlock when the second fills up.
        let errPath = NSTemporaryDirectory() + "camsift-cli-stderr-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)  // FileHandle(forWritingTo:) below throws if it is missing
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let e = FileManager.default.contents(atPath: errPath) ?? Data()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    static func tempDir(_ name: String) throws -> String {
        let d = NSTemporaryDirectory() + "camsift-cli-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: d)
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func probePrintsARegistryFileThatValidatesAndGrabSavesItsFrames() throws {
        let jpegs = try TestJPEGs.load().frames
        let server = try FaultCameraServer(frames: jpegs)
        defer { server.stop() }
        let dir = try Self.tempDir("probe")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, json, log) = try Self.camsift(["probe", "127.0.0.1:\(server.port)", "--id", "axis-1", "--interval", "2"])
        #expect(status == 0, "\(log)")
        #expect(log.contains("/mjpg/video.mjpg [Axis]"))
        try FileManager.default.createDirectory(atPath: dir + "/cameras", withIntermediateDirectories: true)
        try json.write(toFile: dir + "/cameras/axis-1.json", atomically: true, encoding: .utf8)
        let (vs, vout, verr) = try Self.camsift(["validate", dir + "/cameras"])
        #expect(vs == 0, "\(vout)\(verr)")

        let (gs, _, gerr) = try Self.camsift(["grab", "axis-1", "--cameras", dir + "/cameras", "--frames", "3",
                                              "--out", dir + "/out", "--interval", "0.1", "--timeout", "15"])
        #expect(gs == 0, "\(gerr)")
        let saved = try FileManager.default.contentsOfDirectory(atPath: dir + "/out").sorted()
        #expect(saved == ["axis-1-0001.jpg", "axis-1-0002.jpg", "axis-1-0003.jpg"])
        for name in saved {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/out/" + name)))
            #expect(jpegs.contains(bytes), "\(name) is not one of the served frames, byte for byte")
        }
    }

    @Test func probeOfANonCameraFailsWithAReason() throws {
        let server = try FaultCameraServer(frames: try TestJPEGs.load().frames)
        defer { server.stop() }
        let (status, out, err) = try Self.camsift(["probe", "http://127.0.0.1:\(server.port)/html/page"])
        #expect(status == 69)
        #expect(out.isEmpty)
        #expect(err.contains("no MJPEG stream or JPEG snapshot found"))
    }

    @Test func camerasPrintsTheDaemonsHealthTable() throws {
        let dir = try Self.tempDir("cameras")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var a = CameraHealth(id: "gate", kind: .mjpeg, state: .online)
        a.framesDelivered = 42
        a.rejects = ["uniform": 3]
        a.lastFrameAt = Timestamp.now() - 5
        var b = CameraHealth(id: "roof", kind: .snapshot, state: .offline)
        b.lastError = "HTTP 401 from http://127.0.0.1/x: the camera wants credentials"
        b.reconnects = 7
        // The daemon's state file (Pipeline's DaemonStateFile): an object around the health array.
        let cams = String(decoding: try JSONEncoder().encode([b, a]), as: UTF8.self)
        let now = Timestamp.now()
        try """
            {"pid": 4242, "startedAt": \(now - 60), "updatedAt": \(now - 2), "registered": 2, "framesPerSecond": 0.5,
             "problems": [], "cameras": \(cams)}
            """.write(toFile: dir + "/cameras.json", atomically: true, encoding: .utf8)
        let (status, out, _) = try Self.camsift(["cameras", "--state", dir])
        #expect(status == 0)
        #expect(out.hasPrefix("daemon pid 4242"))
        let lines = out.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("daemon pid") }
        #expect(lines.first?.hasPrefix("CAMERA") == true)
        #expect(lines[1].hasPrefix("gate") && lines[1].contains("online") && lines[1].contains("42")
                && lines[1].contains("uniform=3"))
        #expect(lines[2].hasPrefix("roof") && lines[2].contains("offline") && lines[2].contains("HTTP 401"))
        #expect(out.contains("2 cameras: offline=1 online=1"))
        let (ps, pout, _) = try Self.camsift(["cameras", "--state", dir, "--problems", "--json"])
        #expect(ps == 0)
        let decoded = try JSONDecoder().decode([CameraHealth].self, from: Data(pout.utf8))
        #expect(decoded == [b])
        // A bare array (older writers) reads the same.
        try JSONEncoder().encode([b, a]).write(to: URL(fileURLWithPath: dir + "/cameras.json"))
        let (bs, bout, _) = try Self.camsift(["cameras", "--state", dir])
        #expect(bs == 0 && bout.hasPrefix("CAMERA") && bout.contains("2 cameras"))
        let (ms, _, merr) = try Self.camsift(["cameras", "--state", dir + "/missing"])
        #expect(ms == 66 && merr.contains("--state"))
    }
}
