/// `camsift-bench engine`: see bench/RESULTS.md for what it measures. (Not written yet.)
enum EngineBench {
    static func run(_ args: [String]) async throws -> Int32 {
        print("camsift-bench engine: not written yet")
        return 70
    }
}
