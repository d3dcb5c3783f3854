import Foundation

/// Reader for sktime's `.ts` time-series format (the UEA/UCR archive's text format), the files the sktime wheel
/// ships under `sktime/datasets/data/` — `make bench-temporal` reads JapaneseVowels from it (issue 18: "no
/// labelled video is available offline; use real sequences that are").
///
/// Layout: `#` comment lines; `@` header tags (`@problemName`, `@timeStamps`, `@univariate`, `@dimensions`,
/// `@equalLength`, `@classLabel true <names…>`) up to `@data`; then one instance per line, the dimensions
/// separated by `:`, each a comma-separated series, and the class label as the last `:` field. Series of one
/// instance must have the same length (they become the `[T, F]` rows of one sequence); instances may differ.
/// Not supported (an error names them): `@timeStamps true` (`(t, v)` tuples), missing values (`?`), and files
/// without class labels — none of which the benchmark data has.
public enum TSFile {
    /// Parses a `.ts` file's text into a `SequenceSet`: class indices follow the `@classLabel` list's order.
    public static func parse(_ text: String, source: String = "<text>") throws -> SequenceSet {
        var classNames: [String]?
        var dimensions: Int?
        var inData = false
        var sequences: [[Float]] = [], labels: [Int] = []
        var lineNumber = 0
        func fail(_ why: String) -> LearningError {
            LearningError(.badManifest, "\(source):\(lineNumber): \(why)")
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if !inData {
                guard line.hasPrefix("@") else { throw fail("expected a header tag or @data before values") }
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                switch words[0].lowercased() {
                case "@data":
                    guard classNames != nil else {
                        throw fail("@data before a `@classLabel true …` line: only labelled files are supported")
                    }
                    inData = true
                case "@timestamps":
                    if words.count > 1, words[1].lowercased() == "true" {
                        throw fail("@timeStamps true is not supported (only plain value series)")
                    }
                case "@dimensions":
                    guard words.count > 1, let d = Int(words[1]), d >= 1 else { throw fail("bad @dimensions") }
                    dimensions = d
                case "@classlabel":
                    guard words.count > 1, words[1].lowercased() == "true" else {
                        throw fail("`@classLabel false`: only labelled files are supported")
                    }
                    let names = Array(words.dropFirst(2))
                    guard !names.isEmpty, Set(names).count == names.count else {
                        throw fail("@classLabel needs distinct class names")
                    }
                    classNames = names
                default:
                    continue  // @problemName, @univariate, @equalLength, @missing, …: informative only
                }
                continue
            }
            var fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 2 else { throw fail("an instance needs at least one series and a class label") }
            let label = fields.removeLast().trimmingCharacters(in: .whitespaces)
            guard let classIndex = classNames!.firstIndex(of: label) else {
                throw fail("class label '\(label)' is not in @classLabel \(classNames!)")
            }
            if let dimensions, fields.count != dimensions {
                throw fail("\(fields.count) dimensions, @dimensions says \(dimensions)")
            }
            var series: [[Float]] = []
            series.reserveCapacity(fields.count)
            for (d, field) in fields.enumerated() {
                var values: [Float] = []
                for token in field.split(separator: ",", omittingEmptySubsequences: false) {
                    let t = token.trimmingCharacters(in: .whitespaces)
                    if t == "?" { throw fail("missing value '?' in dimension \(d): not supported") }
                    guard let v = Float(t), v.isFinite else { throw fail("'\(t)' in dimension \(d) is not a number") }
                    values.append(v)
                }
                if let first = series.first, first.count != values.count {
                    throw fail("dimension \(d) has \(values.count) steps, dimension 0 has \(first.count)")
                }
                series.append(values)
            }
            // Dimension-major on disk, time-major in memory: row t holds every channel's value at step t.
            let steps = series[0].count, f = series.count
            var seq = [Float](repeating: 0, count: steps * f)
            for d in 0..<f { for t in 0..<steps { seq[t * f + d] = series[d][t] } }
            if dimensions == nil { dimensions = f }  // no @dimensions: the first instance sets it
            sequences.append(seq)
            labels.append(classIndex)
        }
        guard inData else { throw LearningError(.badManifest, "\(source): no @data section") }
        guard !sequences.isEmpty else { throw LearningError(.badManifest, "\(source): @data has no instances") }
        return try SequenceSet(featureCount: dimensions!, sequences: sequences, labels: labels,
                               classNames: classNames!)
    }

    /// Reads and parses a `.ts` file.
    public static func load(_ path: String) throws -> SequenceSet {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw LearningError(.io, "cannot read \(path) (`make temporal-data` fetches JapaneseVowels)", cause: error)
        }
        return try parse(text, source: path)
    }
}
