import Foundation
import Testing
@testable import Learning
import Serving

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

    /// `--split T/R/E` shares are honoured per class (rounded per class, so tail classes keep their share too).
    @Test(arguments: [("80/15/5", [800, 150, 50], [80, 15, 5]), ("60/20/20", [600, 200, 200], [60, 20, 20]),
                      ("90/10/0", [900, 100, 0], [90, 10, 0]), ("70/10/20", [700, 100, 200], [70, 10, 20])])
    func sharesHonouredPerClass(_ spec: String, _ head: [Int], _ tail: [Int]) throws {
        let labels = [Int](repeating: 0, count: 1000) + [Int](repeating: 1, count: 100)
        let s = try DatasetSplit.make(labels: labels, classCount: 2, seed: 5, shares: try SplitShares(parsing: spec))
        func count(_ idx: [Int], _ c: Int) -> Int { idx.filter { labels[$0] == c }.count }
        #expect([count(s.train, 0), count(s.reference, 0), count(s.test, 0)] == head)
        #expect([count(s.train, 1), count(s.reference, 1), count(s.test, 1)] == tail)
        #expect(Set(s.train + s.reference + s.test).count == labels.count)
    }

    /// 90/10/0 puts nothing in test, not even the one image per class the default guarantees each split, yet a
    /// 2-image class still gets one train and one reference image; by camera, no camera lands in test.
    @Test func noTestShareGivesNoTestImages() throws {
        let shares = try SplitShares(parsing: "90/10/0")
        let labels = [Int](repeating: 0, count: 6000) + [Int](repeating: 1, count: 60) + [2, 2] + [3, 3, 3]
        let s = try DatasetSplit.make(labels: labels, classCount: 4, seed: 1, shares: shares)
        #expect(s.test.isEmpty && s.train.count + s.reference.count == labels.count)
        func count(_ idx: [Int], _ c: Int) -> Int { idx.filter { labels[$0] == c }.count }
        #expect([0, 1, 2, 3].map { count(s.train, $0) } == [5400, 54, 1, 2])
        #expect([0, 1, 2, 3].map { count(s.reference, $0) } == [600, 6, 1, 1])
        var groups: [String] = [], camLabels: [Int] = []
        for cam in 0..<30 { for k in 0..<10 { camLabels.append(k % 2); groups.append("cam\(cam)") } }
        let c = try DatasetSplit.make(labels: camLabels, groups: groups, by: .camera, classCount: 2, seed: 2, shares: shares)
        #expect(c.test.isEmpty && !c.reference.isEmpty && c.train.count + c.reference.count == 300)
    }

    /// A bad `--split` is refused with a message naming the flag and the fix.
    @Test(arguments: [("70/10", "three percentages"), ("a/b/c", "three percentages"), ("70/10/20/0", "three percentages"),
                      ("0/10/90", "train and reference must each be > 0"), ("90/0/10", "train and reference must each be > 0"),
                      ("80/30/-10", "test must be ≥ 0"), ("70/10/10", "sum to 90, not 100"), ("", "three percentages")])
    func badSharesRejected(_ spec: String, _ message: String) {
        #expect { try SplitShares(parsing: spec) } throws: { e in
            guard let e = e as? LearningError, e.code == .badArgument else { return false }
            return e.message.hasPrefix("--split '\(spec)': ") && e.message.contains(message) && e.message.contains("90/10/0")
        }
    }

    @Test func sharesSpelling() throws {
        #expect(SplitShares.default.description == "70/10/20")
        #expect(try SplitShares(parsing: "85.5/4.5/10").description == "85.5/4.5/10")
        #expect(try SplitShares(parsing: " 90 / 10 / 0 ") == SplitShares(train: 90, reference: 10, test: 0))
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
