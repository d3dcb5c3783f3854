/// `camsift-bench registry`: see bench/RESULTS.md for what it measures. (Not written yet.)
enum RegistryBench {
    static func run(_ args: [String]) async throws -> Int32 {
        print("camsift-bench registry: not written yet")
        return 70
    }
}
