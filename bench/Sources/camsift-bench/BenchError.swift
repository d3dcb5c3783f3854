/// A benchmark's set-up failure, with the fix in its message.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
