import Foundation

/// Real camera footage for tests: Debian opencv-doc's `vtest.avi` (768×576, a fixed outdoor camera), with
/// JPEG frames extracted once per test process by the ffmpeg CLI into a temp directory.
enum Footage {
    static let video = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"

    /// Runs a tool and returns its exit status; output goes to a file so a chatty tool never blocks a pipe.
    @discardableResult
    static func run(_ tool: String, _ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    struct Frames: Sendable {
        var dir: String
        var files: [String]
    }

    /// The per-process frame directory. Every test shares it, so no test removes it: it is registered for
    /// removal at process exit the first time it is named (an immutable `String`, safe to read from `atexit`).
    static let dir: String = {
        let dir = NSTemporaryDirectory() + "camsift-media-\(getpid())"
        atexit { try? FileManager.default.removeItem(atPath: Footage.dir) }
        return dir
    }()

    /// 12 frames, one every 2 s of video, at camera size (768×576), quality 3 (like an IP camera's JPEG).
    static let frames: Frames = {
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let status = (try? run("/usr/bin/ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-i", video,
                                                   "-vf", "fps=0.5", "-frames:v", "12", "-q:v", "3", dir + "/f%03d.jpg"])) ?? -1
        precondition(status == 0, "ffmpeg could not extract frames from \(video); run `make deps` (opencv-doc, ffmpeg)")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasSuffix(".jpg") }.sorted().map { dir + "/" + $0 }
        return Frames(dir: dir, files: files)
    }()

    static func bytes(_ path: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: path) ?? Data())
    }

    /// A JPEG made by ffmpeg from a lavfi source (solid colours, other sizes) in the temp dir.
    static func synthetic(_ name: String, _ lavfi: String, extra: [String] = []) throws -> [UInt8] {
        let path = frames.dir + "/" + name + ".jpg"
        let status = try run("/usr/bin/ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", lavfi]
                             + extra + ["-frames:v", "1", "-q:v", "3", path])
        precondition(status == 0, "ffmpeg failed to render \(lavfi)")
        return bytes(path)
    }
}
