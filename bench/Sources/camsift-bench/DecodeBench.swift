/// `camsift-bench decode`: see bench/RESULTS.md for what it measures. (Not written yet.)
enum DecodeBench {
    static func run(_ args: [String]) async throws -> Int32 {
        print("camsift-bench decode: not written yet")
        return 70
    }
}
