import CamsiftCore
import Foundation
import Testing
@testable import Learning

/// The frames `camsift propagate` relates: labelled ones (seeds) and the daemon's archived ones, each with camera and
/// capture time from its path; the newest archived frames are kept when there are too many.
@Suite struct PropagationArchiveTests {
    @Test func labelledAndArchivedFramesWithCameraAndTime() throws {
        let root = NSTemporaryDirectory() + "camsift-proparchive-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        func touch(_ rel: String) throws {
            try FileManager.default.createDirectory(atPath: root + "/" + (rel as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: root + "/" + rel, contents: Data([0xFF, 0xD8, 0xFF, 0xD9])))
        }
        try touch("car/gate/20261207T100000.000Z-1.jpg")
        try touch("person/door/20261207T100005.500Z-2.jpg")
        try touch(".camsift/review/3.jpg")
        for s in 0..<4 { try touch("unlabeled/gate/2026-12-07/2026-12-07T10-00-0\(s).000Z.jpg") }
        try touch("unlabeled/door/2026-12-07/notes.txt")

        let a = try PropagationArchive.scan(root, maxUnlabeled: 3)
        #expect(a.classes == ["car", "person"] && a.labelledCount == 2 && a.skippedUnlabeled == 1)
        let t = Timestamp.parseRFC3339("2026-12-07T10:00:00Z")!
        #expect(a.frames[0].label == 0 && a.frames[0].camera == "gate" && a.frames[0].time == t)
        #expect(a.frames[1].label == 1 && a.frames[1].camera == "door" && a.frames[1].time == t + 5.5)
        let archived = a.frames.dropFirst(2)
        // The oldest (10:00:00) is left out; the rest in path order, unlabelled, camera from the first folder.
        #expect(archived.map(\.time) == [t + 1, t + 2, t + 3])
        #expect(archived.allSatisfy { $0.label == nil && $0.camera == "gate" && $0.path.hasPrefix(a.root + "/unlabeled/gate/") })

        #expect { _ = try PropagationArchive.scan(root + "/car", maxUnlabeled: 10) } throws: {
            "\($0)".contains("at least two labels") && "\($0)".contains(root + "/car")
        }
    }
}
