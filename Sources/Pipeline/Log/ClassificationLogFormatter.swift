import CamsiftCore

/// Human-readable columns for `camsift tail`: time, camera, label, score, via, latency.
///
/// Column widths are fixed once (from the first batch of records, within bounds) so that followed output
/// keeps lining up; longer values are cut with `…` rather than shifting the columns.
public struct ClassificationLogFormatter: Sendable {
    public var cameraWidth: Int
    public var labelWidth: Int

    public static let cameraWidthRange = 6...32
    public static let labelWidthRange = 5...28

    public init(cameraWidth: Int = 16, labelWidth: Int = 16) {
        self.cameraWidth = cameraWidth
        self.labelWidth = labelWidth
    }

    /// Widths that fit `records` (clamped to the ranges above).
    public init(fitting records: [ClassificationRecord]) {
        let cw = records.map(\.camera.count).max() ?? 16
        let lw = records.map(\.label.count).max() ?? 16
        self.init(
            cameraWidth: min(max(cw, Self.cameraWidthRange.lowerBound), Self.cameraWidthRange.upperBound),
            labelWidth: min(max(lw, Self.labelWidthRange.lowerBound), Self.labelWidthRange.upperBound))
    }

    public var header: String {
        Self.pad("TIME (UTC)", 23) + "  " + Self.pad("CAMERA", cameraWidth) + "  " + Self.pad("LABEL", labelWidth)
            + "  SCORE  VIA     LATENCY"
    }

    /// One aligned line, without newline. `reused` (change gating) and an archived frame path are appended.
    /// A window event reads `window` in the VIA column and, instead of a latency, how many frames it covers and
    /// since when: `2026-11-23 05:00:40.000  cam-1  moving  0.912  window  40 frames since 05:00:00.000`.
    public func format(_ r: ClassificationRecord) -> String {
        if r.isWindow {
            let since = r.start.map { Self.humanTime($0) }.map { String($0.split(separator: " ").last ?? Substring($0)) }
            return Self.pad(Self.humanTime(r.ts), 23) + "  " + Self.pad(r.camera, cameraWidth) + "  "
                + Self.pad(r.label, labelWidth) + "  " + Self.fixed(r.score, 3) + "  " + Self.pad("window", 6)
                + "  \(r.frames ?? 0) frames" + (since.map { " since " + $0 } ?? "")
        }
        var s = Self.pad(Self.humanTime(r.ts), 23) + "  " + Self.pad(r.camera, cameraWidth) + "  "
            + Self.pad(r.label, labelWidth) + "  " + Self.fixed(r.score, 3) + "  " + Self.pad(r.via, 6)
            + Self.leftPad(Self.fixed(r.latency_ms, 1), 8) + " ms"
        if r.reused == true { s += "  reused" }
        if let tags = r.tags, !tags.isEmpty { s += "  tags " + tags.map { $0.label }.joined(separator: ",") }
        if let f = r.frame { s += "  " + f }
        return s
    }

    /// `2026-11-23T05:00:00.123Z` → `2026-11-23 05:00:00.123`.
    static func humanTime(_ ts: String) -> String {
        var t = ts.replacingOccurrences(of: "T", with: " ")
        if t.hasSuffix("Z") { t.removeLast() }
        return t
    }

    static func pad(_ s: String, _ width: Int) -> String {
        if s.count > width { return String(s.prefix(max(0, width - 1))) + "…" }
        return s + String(repeating: " ", count: width - s.count)
    }

    static func leftPad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    /// Fixed-point decimal without Foundation's `String(format:)` (locale-free).
    public static func fixed(_ v: Double, _ digits: Int) -> String {
        guard v.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let n = Int64((abs(v) * scale).rounded())
        let whole = n / Int64(scale)
        var frac = String(n % Int64(scale))
        frac = String(repeating: "0", count: digits - frac.count) + frac
        return (v < 0 && n != 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + frac : "")
    }
}

extension String {
    fileprivate func replacingOccurrences(of a: Character, with b: Character) -> String {
        String(map { $0 == a ? b : $0 })
    }
}
