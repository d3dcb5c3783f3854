/// Training throughput (small CNN vs PyTorch) and conv GFLOP/s vs sgemm peak; called by `EngineBench`.
/// (Not written yet.)
enum EngineTrainBench {
    static func run(_ args: [String]) async throws -> Int32 {
        print("camsift-bench engine-train: not written yet")
        return 70
    }
}
