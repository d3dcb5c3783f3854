import CamsiftCore
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import Labels

/// A temporary archive directory, removed by `cleanup`.
struct TestArchive {
    let path: String

    init() {
        var template = Array("/tmp/camsift-labels-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: p!)
    }

    func file(_ rel: String) -> String { path + "/" + rel }
    func exists(_ rel: String) -> Bool { FileManager.default.fileExists(atPath: file(rel)) }
    func read(_ rel: String) -> [UInt8]? { FileManager.default.contents(atPath: file(rel)).map { [UInt8]($0) } }
    func write(_ rel: String, _ bytes: [UInt8]) {
        let dir = (file(rel) as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: file(rel), contents: Data(bytes))
    }

    /// Every JPEG under label folders (not hidden, not unlabeled), as `LabeledArchive.scan` would see them.
    func labelledFiles() -> Set<String> {
        var out = Set<String>()
        for top in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        where !top.hasPrefix(".") && top != "unlabeled" {
            guard let e = FileManager.default.enumerator(atPath: file(top)) else { continue }
            while let rel = e.nextObject() as? String {
                let ext = (rel as NSString).pathExtension.lowercased()
                if ext == "jpg" || ext == "jpeg" { out.insert(top + "/" + rel) }
            }
        }
        return out
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Distinct fake JPEG bytes per index (the store never decodes them; distinct bytes catch a mixed-up copy).
func fakeJPEG(_ i: Int) -> [UInt8] { [0xFF, 0xD8, 0xFF, 0xE0] + Array("frame-\(i)".utf8) + [0xFF, 0xD9] }

/// A candidate that hits the low-score rule (and no other, with the given history).
func lowScore(_ camera: String, at t: Double, _ i: Int, label: String = "car") -> ReviewCandidate {
    ReviewCandidate(camera: camera, capturedWall: t, jpeg: fakeJPEG(i), label: label, score: 0.2,
                    top: [ReviewScore(label: label, score: 0.2)], model: "m1")
}

/// A policy with only the rules the test wants and caps out of the way.
func openPolicy(random: Double = 0) -> ReviewPolicy {
    var p = ReviewPolicy()
    p.randomRate = random
    p.perCameraPerHour = 1_000_000
    p.perHour = 1_000_000
    p.maxPending = 1_000_000
    return p
}

/// Seeds `n` pending review items (low score, 3 cameras; item i has `fakeJPEG(i)`) and returns their ids,
/// oldest first.
func seedReview(_ archive: TestArchive, count n: Int, start: Int = 0, at t0: Double = 1_800_000_000)
    throws -> [ReviewItemID]
{
    let q = try ReviewQueue(archive: archive.path, policy: openPolicy(), seed: 1)
    defer { q.close() }
    let before = Set(q.pending(offset: 0, limit: 1_000_000).map(\.id))
    for i in start..<(start + n) { q.offer(lowScore("cam-\(i % 3)", at: t0 + Double(i), i)) }
    q.flush()
    return q.pending(offset: 0, limit: 1_000_000).map(\.id).filter { !before.contains($0) }.sorted()
}
