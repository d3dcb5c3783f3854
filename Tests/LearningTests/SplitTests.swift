import Foundation
import Testing
@testable import Learning

@Suite struct SplitTests {
    @Test func stratifiedSeventyTenTwentyPerClass() throws {
        let labels = [Int](repeating: 0, count: 1000) + [Int](repeating: 1, count: 100) + [Int](repeating: 2, count: 10)
        let s = try DatasetSplit.make(labels: labels, classCount: 3, seed: 7)
        func count(_ idx: [Int], _ c: Int) -> Int { idx.filter { labels[$0] == c }.count }
        #expect([count(s.train, 0), count(s.reference, 0), count(s.test, 0)] as [Int] == [700, 100, 200])
        #expect([count(s.train, 1), count(s.reference, 1), count(s.test, 1)] as [Int] == [70, 10, 20])
        #expect([count(s.train, 2), count(s.reference, 2), count(s.test, 2)] as [Int] == [7, 1, 2])
        // Disjoint and complete.
        #expect(Set(s.train + s.reference + s.test).count == labels.count)
        // A 3-image class still lands in every split.
        let tiny = try DatasetSplit.make(labels: [0, 0, 0, 1, 1, 1, 1, 1, 1, 1], classCount: 2, seed: 1)
        #expect(tiny.reference.contains { $0 < 3 } && tiny.test.contains { $0 < 3 } && tiny.train.contains { $0 < 3 })
    }

    @Test func deterministicPerSeed() throws {
        let labels = (0..<500).map { $0 % 5 }
        let a = try DatasetSplit.make(labels: labels, classCount: 5, seed: 42)
        #expect(a == (try DatasetSplit.make(labels: labels, classCount: 5, seed: 42)))
        #expect(a != (try DatasetSplit.make(labels: labels, classCount: 5, seed: 43)))
    }

    @Test func splitByCameraKeepsEachCameraInOneSplit() throws {
        // 40 cameras × 25 images, two classes mixed per camera.
        var labels: [Int] = [], groups: [String] = []
        for cam in 0..<40 {
            for k in 0..<25 { labels.append((cam + k) % 3 == 0 ? 1 : 0); groups.append("cam\(cam)") }
        }
        let s = try DatasetSplit.make(labels: labels, groups: groups, by: .camera, classCount: 2, seed: 3)
        let sets = [s.train, s.reference, s.test].map { Set($0.map { groups[$0] }) }
        #expect(sets[0].isDisjoint(with: sets[1]) && sets[0].isDisjoint(with: sets[2]) && sets[1].isDisjoint(with: sets[2]))
        #expect(s.train.count + s.reference.count + s.test.count == 1000)
        // 28 / 4 / 8 cameras is the exact 70/10/20; greedy assignment lands within one camera of it.
        #expect(abs(sets[0].count - 28) <= 1 && abs(sets[1].count - 4) <= 1 && abs(sets[2].count - 8) <= 1)
        // Per-image split would put camera 0 in several splits.
        let byImage = try DatasetSplit.make(labels: labels, classCount: 2, seed: 3)
        let cam0 = Set((0..<25).map { i in byImage.train.contains(i) ? 0 : byImage.reference.contains(i) ? 1 : 2 })
        #expect(cam0.count > 1)
    }

    @Test func cameraKeys() {
        #expect(LabeledArchive.cameraKey(relativePath: "cam7/2024/x.jpg") == "cam7")
        #expect(LabeledArchive.cameraKey(relativePath: "cam12_000431.jpg") == "cam12")
        #expect(LabeledArchive.cameraKey(relativePath: "gate-3-0001.jpg") == "gate")
        #expect(LabeledArchive.cameraKey(relativePath: "photo.jpg") == "photo")
    }

    @Test func scansImageFolderIgnoringUnlabeled() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("camsift-archive-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = ["road/camA/1.jpg", "road/camA/2.jpg", "road/camB_3.JPG", "port/x_1.jpeg", "unlabeled/u.jpg",
                     "road/notes.txt"]
        for f in files {
            try FileManager.default.createDirectory(atPath: (dir + "/" + f as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: dir + "/" + f, contents: Data([0xff, 0xd8]))
        }
        let a = try LabeledArchive.scan(dir)
        #expect(a.classes == ["port", "road"])
        #expect(a.items.count == 4)
        #expect(a.classCounts == [1, 3])
        #expect(Set(a.items.map(\.camera)) == ["camA", "camB", "x"])
        // A manifest overrides the folder layout.
        try "path,label\nroad/camA/1.jpg,night\nport/x_1.jpeg,day\n".write(toFile: dir + "/labels.csv", atomically: true, encoding: .utf8)
        let m = try LabeledArchive.scan(dir)
        #expect(m.classes == ["day", "night"] && m.items.count == 2)
        try "path,label\nroad/missing.jpg,night\n".write(toFile: dir + "/labels.csv", atomically: true, encoding: .utf8)
        #expect(throws: LearningError.self) { try LabeledArchive.scan(dir) }
        #expect(throws: LearningError.self) { try LabeledArchive.scan(dir + "/nope") }
    }
}
