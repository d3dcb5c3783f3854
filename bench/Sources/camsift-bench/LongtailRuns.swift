/// The `run` step of `camsift-bench longtail` (filled in below).
enum LongtailRuns {
    static func run(_ o: [String: String]) async throws -> Int32 { 70 }
}
