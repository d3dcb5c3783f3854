/// `camsift-bench pipeline`: see bench/RESULTS.md for what it measures. (Not written yet.)
enum PipelineBench {
    static func run(_ args: [String]) async throws -> Int32 {
        print("camsift-bench pipeline: not written yet")
        return 70
    }
}
