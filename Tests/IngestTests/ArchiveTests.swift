import CamsiftCore
import Foundation
import Testing
@testable import Ingest

@Suite("Frame archiver")
struct ArchiveTests {
    static let video = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"

    /// A real JPEG from the test footage.
    func realJPEG(_ dir: String, second: Int = 3) throws -> [UInt8] {
        let path = dir + "/src-\(second).jpg"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-nostdin", "-loglevel", "error", "-y", "-ss", "\(second)", "-i", Self.video, "-frames:v", "1", path]
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return [UInt8](FileManager.default.contents(atPath: path) ?? Data())
    }

    func tempRoot() -> String {
        let d = NSTemporaryDirectory() + "camsift-archive-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func files(_ root: String) -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".jpg") }.sorted()
    }

    @Test("path layout is unlabeled/<camera>/<YYYY-MM-DD>/<timestamp>.jpg and bytes are the original")
    func layout() throws {
        let root = tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let jpeg = try realJPEG(root)
        #expect(jpeg.count > 1000)
        let a = FrameArchiver(root: root + "/archive", minInterval: 0, maxBytes: 0, maxAgeDays: 0)
        // 2026-11-23T05:06:07.250Z
        let t = 1_795_410_367.25
        let path = try #require(a.archive(camera: "cam-1", jpeg: jpeg, capturedWall: t))
        #expect(path == root + "/archive/unlabeled/cam-1/2026-11-23/2026-11-23T05-06-07.250Z.jpg")
        #expect([UInt8](FileManager.default.contents(atPath: path) ?? Data()) == jpeg)
        // No temp files left behind.
        let all = FileManager.default.enumerator(atPath: root + "/archive")?.allObjects as? [String] ?? []
        #expect(!all.contains { $0.contains(".tmp") })
    }

    @Test("per-camera rate limit by capture time; cameras are independent")
    func rateLimit() throws {
        let root = tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let jpeg = try realJPEG(root)
        let a = FrameArchiver(root: root, minInterval: 60, maxBytes: 0, maxAgeDays: 0)
        let t = 1_795_410_000.0
        #expect(a.archive(camera: "a", jpeg: jpeg, capturedWall: t) != nil)
        #expect(a.archive(camera: "a", jpeg: jpeg, capturedWall: t + 30) == nil)
        #expect(a.archive(camera: "b", jpeg: jpeg, capturedWall: t + 30) != nil)
        #expect(a.archive(camera: "a", jpeg: jpeg, capturedWall: t + 61) != nil)
        #expect(files(root + "/unlabeled").count == 3)
    }

    @Test("unsafe camera ids are refused, not turned into paths")
    func badID() throws {
        let root = tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let a = FrameArchiver(root: root, minInterval: 0, maxBytes: 0, maxAgeDays: 0)
        #expect(a.archive(camera: "../etc", jpeg: [0xFF, 0xD8, 0xFF, 0xD9], capturedWall: 1_795_410_000) == nil)
        #expect(a.archive(camera: "a/b", jpeg: [0xFF, 0xD8, 0xFF, 0xD9], capturedWall: 1_795_410_000) == nil)
        #expect(files(root + "/unlabeled").isEmpty)
    }

    @Test("retention by size removes the oldest frames first and keeps labelled ones")
    func retentionBySize() throws {
        let root = tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let jpeg = try realJPEG(root)
        // A labelled frame the user moved out of unlabeled/: never touched.
        try FileManager.default.createDirectory(atPath: root + "/people", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root + "/people/kept.jpg", contents: Data(jpeg))
        let a = FrameArchiver(root: root, minInterval: 0, maxBytes: jpeg.count * 5 + 10, maxAgeDays: 0)
        var paths: [String] = []
        for i in 0..<12 {
            paths.append(try #require(a.archive(camera: "cam", jpeg: jpeg, capturedWall: 1_795_410_000 + Double(i))))
            // Distinct mtimes so "oldest" is well defined.
            var times = [timespec(tv_sec: 1_795_410_000 + i, tv_nsec: 0), timespec(tv_sec: 1_795_410_000 + i, tv_nsec: 0)]
            _ = utimensat(AT_FDCWD, paths.last!, &times, 0)
        }
        a.enforceRetention()
        let left = files(root + "/unlabeled").map { root + "/unlabeled/" + $0 }
        #expect(left.count == 5)
        #expect(Set(left) == Set(paths.suffix(5)), "the newest five survive")
        #expect(FileManager.default.fileExists(atPath: root + "/people/kept.jpg"))
    }

    @Test("retention by age deletes frames older than maxAgeDays and prunes empty day folders")
    func retentionByAge() throws {
        let root = tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let jpeg = try realJPEG(root)
        let a = FrameArchiver(root: root, minInterval: 0, maxBytes: 0, maxAgeDays: 2)
        let now = Timestamp.now()
        let old = try #require(a.archive(camera: "cam", jpeg: jpeg, capturedWall: now - 5 * 86_400))
        let fresh = try #require(a.archive(camera: "cam", jpeg: jpeg, capturedWall: now))
        var times = [timespec(tv_sec: Int(now) - 5 * 86_400, tv_nsec: 0), timespec(tv_sec: Int(now) - 5 * 86_400, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, old, &times, 0)
        a.enforceRetention()
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(FileManager.default.fileExists(atPath: fresh))
        let oldDay = (old as NSString).deletingLastPathComponent
        if oldDay != (fresh as NSString).deletingLastPathComponent {
            #expect(!FileManager.default.fileExists(atPath: oldDay), "empty day folder removed")
        }
    }

    @Test("a write failure is reported as nil and does not poison the camera's rate limit")
    func writeFailure() throws {
        let root = tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A regular file where the archive root directory should be.
        _ = FileManager.default.createFile(atPath: root + "/blocked", contents: Data([1]))
        let a = FrameArchiver(root: root + "/blocked", minInterval: 60, maxBytes: 0, maxAgeDays: 0)
        #expect(a.archive(camera: "cam", jpeg: [0xFF, 0xD8, 0xFF, 0xD9], capturedWall: 1_795_410_000) == nil)
        let b = FrameArchiver(root: root + "/ok", minInterval: 60, maxBytes: 0, maxAgeDays: 0)
        #expect(b.archive(camera: "cam", jpeg: [0xFF, 0xD8, 0xFF, 0xD9], capturedWall: 1_795_410_000) != nil)
    }
}
