/// `camsift-bench ingest`: see bench/RESULTS.md for what it measures. (Not written yet.)
enum IngestBench {
    static func run(_ args: [String]) async throws -> Int32 {
        print("camsift-bench ingest: not written yet")
        return 70
    }
}
