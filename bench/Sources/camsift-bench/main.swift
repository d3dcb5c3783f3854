#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation

// camsift-bench <suite> [options]: benchmarks that print ratios against a peer measured in the same run.
// Each suite lives in its own file and registers here.
let suites: [String: ([String]) async throws -> Int32] = [
    "engine": EngineBench.run,
    "engine-train": EngineTrainBench.run,
    "engine-profile": EngineProfileBench.run,
    "trunk-sharing": TrunkSharingBench.run,
    "ingest": IngestBench.run,
    "camserver": CamServerBench.run,
    "decode": DecodeBench.run,
    "pipeline": PipelineBench.run,
    "soak": SoakBench.run,
    "registry": RegistryBench.run,
    "registry-load": RegistryLoadBench.run,
    "longtail": LongtailBench.run,
    "temporal": TemporalBench.run,
    "lowlevel": LowLevelBench.run,
    "console": ConsoleBench.run,
    "console-fuzz": ConsoleFuzz.run,
    "tags": TagsBench.run,
    "propagation": PropagationBench.run,
    "cascade": CascadeBench.run,
]

// Line-buffered even into a file or pipe, so long runs (soak, pipeline) can be followed with `tail -f`.
setvbuf(stdout, nil, _IOLBF, 0)
let args = Array(CommandLine.arguments.dropFirst())
guard let name = args.first, let suite = suites[name] else {
    print("usage: camsift-bench <suite> [options]\nsuites: \(suites.keys.sorted().joined(separator: ", "))")
    exit(64)
}
do {
    exit(try await suite(Array(args.dropFirst())))
} catch {
    // A message, not a crash report: a failed run (a child process, a missing file) is not a bug of the bench.
    FileHandle.standardError.write(Data("camsift-bench: \(error)\n".utf8))
    exit(1)
}
