/// The benchmarks' verdict lines: one per target, `PASS  <target>: <figure> vs <threshold>` or `FAIL  …`, and
/// the exit status that follows from them (non-zero on any FAIL), so `make bench-*` can gate.
struct Verdicts {
    private(set) var failed = 0

    /// Prints the line for one target and records a failure.
    mutating func check(_ pass: Bool, _ target: String, _ figure: String, vs threshold: String) {
        print((pass ? "PASS  " : "FAIL  ") + "\(target): \(figure) vs \(threshold)")
        if !pass { failed += 1 }
    }

    var exitCode: Int32 { failed == 0 ? 0 : 1 }
}
