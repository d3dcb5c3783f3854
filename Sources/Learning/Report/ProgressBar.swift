import Foundation

/// One-line training progress for a terminal: iteration, per-class sample counts N_{i,·}, reference macro
/// F1 and an ETA from the mean iteration time so far. Rewrites the line with `\r` on a TTY; otherwise prints
/// one plain line per iteration (logs and CI keep a readable record).
public struct ProgressBar: Sendable {
    public var label: String
    public var iterations: Int
    public var isTTY: Bool

    public init(label: String, iterations: Int, isTTY: Bool) {
        self.label = label
        self.iterations = iterations
        self.isTTY = isTTY
    }

    /// The text for iteration `i` (1-based) just finished, `elapsed` seconds into this model's training.
    public func line(iteration i: Int, counts: [Int], referenceF1: Double, elapsed: Double) -> String {
        let eta = i > 0 ? elapsed / Double(i) * Double(iterations - i) : 0
        let width = 20
        let filled = iterations > 0 ? width * i / iterations : width
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return "\(label) [\(bar)] \(i)/\(iterations) N=\(counts.map(String.init).joined(separator: ",")) "
            + "refF1=\(String(format: "%.3f", referenceF1)) ETA \(Self.clock(eta))"
    }

    public func render(iteration i: Int, counts: [Int], referenceF1: Double, elapsed: Double) -> String {
        let l = line(iteration: i, counts: counts, referenceF1: referenceF1, elapsed: elapsed)
        if isTTY { return "\r\u{1B}[2K" + l + (i == iterations ? "\n" : "") }
        return l + "\n"
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
    }
}
