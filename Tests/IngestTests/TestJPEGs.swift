import Foundation
import Synchronization

/// Real footage for the tests: frames of Debian opencv-doc's `vtest.avi` (a fixed outdoor camera), extracted
/// once per test process with the real ffmpeg into a temp directory.
enum TestJPEGs {
    static let video = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
    private static let cache = Mutex<(dir: String, frames: [[UInt8]])?>(nil)

    /// The per-process frame directory. Every test shares it, so no test removes it: it is registered for
    /// removal at process exit the first time it is named (an immutable `String`, safe to read from `atexit`).
    static let dir: String = {
        let dir = NSTemporaryDirectory() + "camsift-jpegs-\(getpid())"
        atexit { try? FileManager.default.removeItem(atPath: TestJPEGs.dir) }
        return dir
    }()

    /// Directory holding `f001.jpg`...; and the frames' bytes.
    static func load() throws -> (dir: String, frames: [[UInt8]]) {
        try cache.withLock { c in
            if let c { return c }
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try TestProcess.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-i", video, "-frames:v", "24",
                                                    "-q:v", "5", "\(dir)/f%03d.jpg"])
            let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".jpg") }.sorted()
            let frames = try names.map { try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/\($0)"))) }
            guard frames.count >= 10 else { throw TestFailure("ffmpeg extracted only \(frames.count) frames from \(video)") }
            c = (dir, frames)
            return (dir, frames)
        }
    }

    /// A JPEG padded with COM segments to at least `bytes`: a valid, decodable, oversized frame.
    static func padded(_ jpeg: [UInt8], to bytes: Int) -> [UInt8] {
        var out: [UInt8] = [0xFF, 0xD8]
        var need = bytes - jpeg.count
        while need > 0 {
            let n = min(need, 65533)
            out += [0xFF, 0xFE, UInt8((n + 2) >> 8), UInt8((n + 2) & 0xFF)]
            out += [UInt8](repeating: 0x41, count: n)
            need -= n + 4
        }
        out += jpeg[2...]
        return out
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Runs helper processes (ffmpeg, nginx) and makes sure they die with the test.
enum TestProcess {
    static func run(_ path: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw TestFailure("\(path) \(args.joined(separator: " ")) exited \(p.terminationStatus)")
        }
    }

    static func start(_ path: String, _ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func stop(_ p: Process) {
        guard p.isRunning else { return }
        p.terminate()
        for _ in 0..<100 where p.isRunning { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, close).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sp in
                bind(fd, sp, len) == 0 && getsockname(fd, sp, &len) == 0
            }
        }
        guard ok else { throw TestFailure("cannot bind a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
