import CamsiftCore
import Foundation
import Learning

/// The tags bench's data: yeast (Elisseeff & Weston 2001; 2,417 genes × 103 features, 14 functional classes) as
/// shipped in `river==0.26.1`'s `river/datasets/yeast.csv.gz` (`make tags-data` extracts it to weights/yeast.csv),
/// its seeded 60/20/20 splits, and the rank correlation the forest is checked with.
struct TagsData {
    var rows: [[Double]]
    var labelSets: [Set<Int>]
    let featureCount: Int
    let labelCount: Int

    /// Reads the CSV: header `Att1…AttD,Class1…ClassL`, 0/1 label columns. Checks the shape the issue states.
    static func read(_ path: String) throws -> TagsData {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw LearningError(.io, "tags: cannot read \(path); run `make tags-data`")
        }
        var lines = text.split(whereSeparator: \.isNewline)
        guard !lines.isEmpty else { throw LearningError(.badManifest, "tags: \(path) is empty") }
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        let d = header.filter { $0.hasPrefix("Att") }.count
        let l = header.filter { $0.hasPrefix("Class") }.count
        guard d + l == header.count, header.prefix(d).allSatisfy({ $0.hasPrefix("Att") }) else {
            throw LearningError(.badManifest, "tags: \(path): expected Att… columns then Class… columns, got \(header.prefix(3))…")
        }
        var rows: [[Double]] = [], sets: [Set<Int>] = []
        for (n, line) in lines.enumerated() {
            let v = line.split(separator: ",", omittingEmptySubsequences: false)
            guard v.count == d + l else { throw LearningError(.badManifest, "tags: \(path):\(n + 2): \(v.count) fields, expected \(d + l)") }
            var r = [Double](repeating: 0, count: d)
            for j in 0..<d {
                guard let x = Double(v[j]) else { throw LearningError(.badManifest, "tags: \(path):\(n + 2): '\(v[j])' is not a number") }
                r[j] = x
            }
            var s = Set<Int>()
            for j in 0..<l {
                switch v[d + j] {
                case "1": s.insert(j)
                case "0": break
                default: throw LearningError(.badManifest, "tags: \(path):\(n + 2): label column \(j + 1) is '\(v[d + j])', not 0/1")
                }
            }
            rows.append(r)
            sets.append(s)
        }
        return TagsData(rows: rows, labelSets: sets, featureCount: d, labelCount: l)
    }

    struct Split {
        var seed: UInt64
        var train: [Int], validation: [Int], test: [Int]
    }

    /// A seeded permutation cut 60/20/20 (the paper's proportions).
    func split(seed: UInt64) -> Split {
        var order = Array(rows.indices)
        var rng = SeededGenerator(seed: seed, stream: "tags-split")
        rng.shuffle(&order)
        let a = rows.count * 6 / 10, b = rows.count * 8 / 10
        return Split(seed: seed, train: Array(order[..<a]), validation: Array(order[a..<b]), test: Array(order[b...]))
    }

    /// Spearman's ρ: Pearson correlation of the ranks, ties given their average rank.
    static func spearman(_ a: [Double], _ b: [Double]) -> Double {
        func ranks(_ x: [Double]) -> [Double] {
            let o = x.indices.sorted { x[$0] < x[$1] }
            var r = [Double](repeating: 0, count: x.count)
            var i = 0
            while i < o.count {
                var j = i
                while j + 1 < o.count && x[o[j + 1]] == x[o[i]] { j += 1 }
                for k in i...j { r[o[k]] = Double(i + j) / 2 + 1 }
                i = j + 1
            }
            return r
        }
        let ra = ranks(a), rb = ranks(b)
        let ma = ra.reduce(0, +) / Double(ra.count), mb = rb.reduce(0, +) / Double(rb.count)
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(ra, rb) {
            sab += (x - ma) * (y - mb)
            saa += (x - ma) * (x - ma)
            sbb += (y - mb) * (y - mb)
        }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }
}
