/// Checks text against the Prometheus text exposition format (0.0.4) rules that scrapers enforce:
/// metric/label name syntax, `# TYPE` before a family's samples and at most once, samples grouped by family,
/// valid float values, label value escapes, and histogram consistency (`le` buckets cumulative and ascending,
/// `+Inf` bucket == `_count`). Returns the problems found (empty = valid) and the parsed samples.
struct PrometheusTextValidator {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    private(set) var problems: [String] = []
    private(set) var samples: [Sample] = []
    private(set) var types: [String: String] = [:]

    init(_ text: String) {
        var seenFamilies: [String] = []
        var current: String?
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNo = n + 1
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3)
                if parts.count >= 3, parts[1] == "TYPE" || parts[1] == "HELP" {
                    let fam = String(parts[2])
                    if !Self.validName(fam) { problems.append("line \(lineNo): bad metric name '\(fam)'") }
                    if parts[1] == "TYPE" {
                        guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                            problems.append("line \(lineNo): bad TYPE line"); continue
                        }
                        if types[fam] != nil { problems.append("line \(lineNo): second TYPE for \(fam)") }
                        if samples.contains(where: { Self.family($0.name, types: [fam: String(parts[3])]) == fam }) {
                            problems.append("line \(lineNo): TYPE for \(fam) after its samples")
                        }
                        types[fam] = String(parts[3])
                    }
                }
                continue
            }
            guard let s = Self.parseSample(Substring(line)) else {
                problems.append("line \(lineNo): cannot parse sample '\(line)'"); continue
            }
            let fam = Self.family(s.name, types: types)
            if fam != current {
                if seenFamilies.contains(fam) { problems.append("line \(lineNo): family \(fam) is not contiguous") }
                seenFamilies.append(fam)
                current = fam
            }
            samples.append(s)
        }
        checkHistograms()
    }

    var isValid: Bool { problems.isEmpty }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { s in s.name == name && labels.allSatisfy { k, v in s.labels[k] == v } }?.value
    }

    static func family(_ name: String, types: [String: String]) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return name
    }

    static func validName(_ s: some StringProtocol) -> Bool {
        guard let f = s.first, f.isASCII, f.isLetter || f == "_" || f == ":" else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
    }

    static func parseSample(_ line: Substring) -> Sample? {
        var i = line.startIndex
        while i < line.endIndex, line[i] != "{", line[i] != " " { i = line.index(after: i) }
        let name = line[line.startIndex..<i]
        guard validName(name) else { return nil }
        var labels: [String: String] = [:]
        if i < line.endIndex, line[i] == "{" {
            i = line.index(after: i)
            while i < line.endIndex, line[i] != "}" {
                var j = i
                while j < line.endIndex, line[j] != "=" { j = line.index(after: j) }
                let key = line[i..<j].trimmingCharacters(in: ",")
                guard validName(key), j < line.endIndex else { return nil }
                j = line.index(after: j)
                guard j < line.endIndex, line[j] == "\"" else { return nil }
                j = line.index(after: j)
                var value = ""
                while j < line.endIndex, line[j] != "\"" {
                    if line[j] == "\\" {
                        j = line.index(after: j)
                        guard j < line.endIndex else { return nil }
                        switch line[j] {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: return nil
                        }
                    } else {
                        if line[j] == "\n" { return nil }
                        value.append(line[j])
                    }
                    j = line.index(after: j)
                }
                guard j < line.endIndex else { return nil }
                labels[String(key)] = value
                i = line.index(after: j)
                if i < line.endIndex, line[i] == "," { i = line.index(after: i) }
            }
            guard i < line.endIndex else { return nil }
            i = line.index(after: i)
        }
        let rest = line[i...].split(separator: " ")
        guard rest.count == 1 || rest.count == 2 else { return nil }
        let v: Double?
        switch rest[0] {
        case "+Inf": v = .infinity
        case "-Inf": v = -.infinity
        case "NaN": v = .nan
        default: v = Double(rest[0])
        }
        guard let v else { return nil }
        return Sample(name: String(name), labels: labels, value: v)
    }

    private mutating func checkHistograms() {
        for (fam, t) in types where t == "histogram" {
            var series: [String: [(Double, Double)]] = [:]
            for s in samples where s.name == fam + "_bucket" {
                guard let le = s.labels["le"] else { problems.append("\(fam)_bucket without le"); continue }
                let bound = le == "+Inf" ? Double.infinity : Double(le)
                guard let bound else { problems.append("\(fam): bad le '\(le)'"); continue }
                var rest = s.labels
                rest["le"] = nil
                series[rest.sorted { $0.key < $1.key }.description, default: []].append((bound, s.value))
            }
            for (key, buckets) in series {
                if buckets.map(\.0) != buckets.map(\.0).sorted() { problems.append("\(fam)\(key): le not ascending") }
                if buckets.map(\.1) != buckets.map(\.1).sorted() { problems.append("\(fam)\(key): buckets not cumulative") }
                guard buckets.last?.0 == .infinity else { problems.append("\(fam)\(key): no +Inf bucket"); continue }
                let count = samples.first { $0.name == fam + "_count" && $0.labels.filter { $0.key != "le" }.sorted { $0.key < $1.key }.description == key }
                if count?.value != buckets.last?.1 { problems.append("\(fam)\(key): +Inf bucket != _count") }
            }
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in c: Character) -> Substring {
        var s = self
        while s.first == c { s = s.dropFirst() }
        return s
    }
}
