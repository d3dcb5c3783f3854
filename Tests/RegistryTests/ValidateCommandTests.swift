import CamsiftCore
import Foundation
import Testing
@testable import Registry

/// `camsift validate` as users run it: the built binary, its stdout and exit status.
@Suite struct ValidateCommandTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// CAMSIFT_BIN, else the camsift built next to this test executable (same configuration), else
    /// `.build/debug/camsift`.
    static var binary: String {
        if let env = ProcessInfo.processInfo.environment["CAMSIFT_BIN"] { return env }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let sibling = URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("camsift").path
            if FileManager.default.isExecutableFile(atPath: sibling) { return sibling }
        }
        return packageRoot + "/.build/debug/camsift"
    }

    func validate(_ args: [String]) throws -> Run {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary),
                "build camsift first (swift build) or set CAMSIFT_BIN; looked at \(Self.binary)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = ["validate"] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// A config that exists and is valid, so the machine's /etc/camsift does not leak into tests.
    func emptyConfig(_ dir: TestDirectory) -> String { dir.write("camsift.json", "{}") }

    @Test func shippedExamplesAreValid() throws {
        let dir = TestDirectory("validate")
        let r = try validate(["--config", emptyConfig(dir), packageRoot + "/cameras"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout == "10 cameras in 7 files: OK\n")
    }

    @Test func shippedExamplesCoverEveryKindAndAnAggregator() {
        let s = RegistryLoader.validate(paths: [packageRoot + "/cameras"])
        #expect(Set(s.cameras.values.map(\.kind)) == Set(CameraKind.allCases))
        #expect(s.cameras.values.contains { $0.aggregator != nil })
        #expect(s.cameras.values.allSatisfy { $0.url.contains("127.0.0.1") || $0.url.hasPrefix("file:///") })
    }

    @Test func badFileExits65NamingFileCameraAndField() throws {
        let dir = TestDirectory("validate")
        let cams = TestDirectory("validate-cams")
        cams.write("good.json", TestDirectory.camera("good"))
        let bad = cams.write("lobby.json", TestDirectory.camera("lobby", interval: 0))
        let r = try validate(["--config", emptyConfig(dir), cams.path])
        #expect(r.status == 65)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("\(bad): camera 'lobby': field 'interval': is 0; it must be more than 0 — ") == true, "\(r.stdout)")
        #expect(lines.last == "1 error in 2 files")
    }

    @Test func warningsAloneExitZero() throws {
        let dir = TestDirectory("validate")
        let cams = TestDirectory("validate-cams")
        cams.write("a.json", TestDirectory.camera("a", extra: ", \"colour\": \"red\""))
        let r = try validate(["--config", emptyConfig(dir), cams.path])
        #expect(r.status == 0)
        #expect(r.stdout.contains(": warning: camera 'a': field 'colour': is not a known field"))
        #expect(r.stdout.hasSuffix("1 camera in 1 file: OK (1 warning)\n"))
    }

    @Test func defaultPathIsTheConfigsCamerasDirectory() throws {
        let cams = TestDirectory("validate-cams")
        cams.write("a.json", TestDirectory.camera("a"))
        cams.write("b.json", TestDirectory.camera("b"))
        let dir = TestDirectory("validate")
        let config = dir.write("camsift.json", "{\"cameras\": \"\(cams.path)\"}")
        let r = try validate(["--config", config])
        #expect(r.status == 0)
        #expect(r.stdout == "2 cameras in 2 files: OK\n")
    }

    @Test func badConfigExits65NamingTheKey() throws {
        let dir = TestDirectory("validate")
        let cams = TestDirectory("validate-cams")
        cams.write("a.json", TestDirectory.camera("a"))
        let config = dir.write("camsift.json", "{\"cameras\": \"\(cams.path)\", \"batch\": \"16\"}")
        let r = try validate(["--config", config])
        #expect(r.status == 65)
        #expect(r.stdout.contains("\(config): field 'batch': is a string (\"16\"), not a whole number — write it without quotes"))
    }

    /// An invalid config still points validate at its registry, so one run shows every problem.
    @Test func invalidConfigStillChecksItsCamerasDirectory() throws {
        let cams = TestDirectory("validate-cams")
        let bad = cams.write("x.json", TestDirectory.camera("x", kind: "rtsp"))
        let dir = TestDirectory("validate")
        let config = dir.write("camsift.json", "{\"cameras\": \"\(cams.path)\", \"fit\": \"zoom\"}")
        let r = try validate(["--config", config])
        #expect(r.status == 65)
        #expect(r.stdout.contains("\(config): field 'fit': 'zoom' is not a fit mode — use \"crop\" or \"letterbox\""))
        #expect(r.stdout.contains("\(bad): camera 'x': field 'kind': 'rtsp' is not a camera kind"))
    }

    @Test func explicitMissingConfigExits65() throws {
        let cams = TestDirectory("validate-cams")
        cams.write("a.json", TestDirectory.camera("a"))
        let r = try validate(["--config", "/nonexistent/camsift.json", cams.path])
        #expect(r.status == 65)
        #expect(r.stdout.hasPrefix("/nonexistent/camsift.json: config file does not exist"))
    }

    @Test func duplicateAcrossPathsNamesBothFiles() throws {
        let dir = TestDirectory("validate")
        let one = TestDirectory("validate-one"), two = TestDirectory("validate-two")
        let a = one.write("a.json", TestDirectory.camera("same"))
        let b = two.write("b.json", TestDirectory.camera("same"))
        let r = try validate(["--config", emptyConfig(dir), one.path, two.path])
        #expect(r.status == 65)
        #expect(r.stdout.contains("\(b): camera 'same': field 'id': is also defined in \(a)"))
    }

    @Test func unknownOptionIsUsageError() throws {
        let r = try validate(["--frobnicate"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("unknown option '--frobnicate'"))
    }
}
