/// One metric family in the Prometheus text exposition format (version 0.0.4).
public struct MetricFamily: Sendable {
    public enum Kind: String, Sendable { case counter, gauge, histogram }

    public struct Sample: Sendable {
        /// Appended to the family name: "" for counters/gauges, `_bucket`, `_sum`, `_count` for histograms.
        public var suffix: String
        public var labels: [(String, String)]
        public var value: Double
        public init(suffix: String = "", labels: [(String, String)] = [], value: Double) {
            self.suffix = suffix
            self.labels = labels
            self.value = value
        }
    }

    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [Sample]

    public init(name: String, help: String, kind: Kind, samples: [Sample] = []) {
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }

    /// Appends the family to `out` as `# HELP`, `# TYPE` and one line per sample.
    public func render(into out: inout String) {
        out += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
        for s in samples {
            out += name
            out += s.suffix
            if !s.labels.isEmpty {
                out += "{"
                for (i, (k, v)) in s.labels.enumerated() {
                    if i > 0 { out += "," }
                    out += k + "=\"" + Self.escapeLabel(v) + "\""
                }
                out += "}"
            }
            out += " " + Self.format(s.value) + "\n"
        }
    }

    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    /// Label values escape backslash, double quote and newline.
    static func escapeLabel(_ s: String) -> String {
        guard s.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return s }
        var o = ""
        for c in s {
            switch c {
            case "\\": o += "\\\\"
            case "\"": o += "\\\""
            case "\n": o += "\\n"
            default: o.append(c)
            }
        }
        return o
    }

    /// HELP text escapes backslash and newline.
    static func escapeHelp(_ s: String) -> String {
        s.replacingAll("\\", with: "\\\\").replacingAll("\n", with: "\\n")
    }
}

extension String {
    fileprivate func replacingAll(_ a: Character, with b: String) -> String {
        guard contains(a) else { return self }
        var o = ""
        for c in self { if c == a { o += b } else { o.append(c) } }
        return o
    }
}
