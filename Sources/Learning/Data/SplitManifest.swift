import CamsiftCore
import Foundation

/// `split.json` in a bundle: which archive images `camsift train` put in each split, as archive-relative paths
/// with their class.
///
/// Why a file rather than "the same seed gives the same split": the split depends on the archive's listing, the
/// shares, the grouping and the seed, and a peer engine (the PyTorch run of the long-tail benchmark) or a user
/// checking for leakage should not have to re-implement `DatasetSplit` to know which images a model trained on.
/// Reading this file is exact; the bench compares two engines on precisely these images.
public struct SplitManifest: Sendable, Codable, Equatable {
    public static let fileName = "split.json"

    public struct Entry: Sendable, Codable, Equatable {
        /// Relative to `archive` (absolute when a `labels.csv` row points outside the archive).
        public var path: String
        /// Index into `classes`.
        public var label: Int
    }

    /// The archive's absolute root.
    public var archive: String
    public var classes: [String]
    public var shares: SplitShares
    public var seed: UInt64
    public var splitBy: String
    public var train: [Entry]
    public var reference: [Entry]
    public var test: [Entry]

    public init(archive: LabeledArchive, split: DatasetSplit, shares: SplitShares, seed: UInt64,
                splitBy: DatasetSplit.Grouping) {
        let prefix = archive.root.hasSuffix("/") ? archive.root : archive.root + "/"
        func entries(_ idx: [Int]) -> [Entry] {
            idx.map { i in
                let item = archive.items[i]
                return Entry(path: item.path.hasPrefix(prefix) ? String(item.path.dropFirst(prefix.count)) : item.path,
                             label: item.label)
            }
        }
        self.archive = archive.root
        classes = archive.classes
        self.shares = shares
        self.seed = seed
        self.splitBy = splitBy.rawValue
        train = entries(split.train)
        reference = entries(split.reference)
        test = entries(split.test)
    }

    /// Images per class in each split ("train", "reference", "test"), indexed like `classes`.
    public var counts: [String: [Int]] {
        func count(_ e: [Entry]) -> [Int] {
            var c = [Int](repeating: 0, count: classes.count)
            for x in e { c[x.label] += 1 }
            return c
        }
        return ["train": count(train), "reference": count(reference), "test": count(test)]
    }

    /// The absolute path of an entry.
    public func path(of e: Entry) -> String { e.path.hasPrefix("/") ? e.path : archive + "/" + e.path }

    /// A per-class table of what each split holds (`camsift train` prints it; the report has the same counts).
    public func table() -> String {
        let c = counts
        let width = max(5, classes.map(\.count).max() ?? 5)
        func row(_ name: String, _ cells: [String]) -> String {
            name.padding(toLength: width, withPad: " ", startingAt: 0) + cells.map { String(repeating: " ", count: max(0, 10 - $0.count)) + $0 }.joined() + "\n"
        }
        var s = "split \(shares) (train/reference/test %, by \(splitBy), seed \(seed)):\n"
        s += row("class", ["train", "reference", "test"])
        for (k, name) in classes.enumerated() {
            s += row(name, ["train", "reference", "test"].map { String(c[$0]![k]) })
        }
        s += row("total", [train.count, reference.count, test.count].map(String.init))
        if test.isEmpty { s += "no test split: no test metrics; score the bundle on an external test set with `camsift eval`\n" }
        return s
    }

    public func write(to dir: String) throws {
        let data: [UInt8]
        do { data = try JSONWriter.encode(self) } catch { throw LearningError(.io, "cannot encode \(Self.fileName): \(error)") }
        try AtomicFile.write(data, to: dir + "/" + Self.fileName)
    }

    /// Reads `DIR/split.json` (a bundle directory).
    public static func read(_ dir: String) throws -> SplitManifest {
        let path = dir + "/" + fileName
        guard let d = FileManager.default.contents(atPath: path) else {
            throw LearningError(.badBundle, "no \(fileName) in '\(dir)'; retrain the bundle with a camsift that writes it")
        }
        do { return try JSONDecoder().decode(SplitManifest.self, from: d) } catch {
            throw LearningError(.badBundle, "'\(path)' is not a split manifest: \(error)")
        }
    }
}
