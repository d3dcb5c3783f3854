// swift-tools-version:6.0
// camsift: camera-ingest daemon with streaming classification.
// No SwiftPM package dependencies by design: C libraries come in through systemLibrary targets.
import PackageDescription

let package = Package(
    name: "camsift",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "camsift", targets: ["camsift"]),
    ],
    targets: [
        // MARK: C libraries (module.modulemap + shim.h each)
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CFFmpeg", pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev", "libswresample-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CRTMP", pkgConfig: "librtmp", providers: [.apt(["librtmp-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        // libsvm ships no .pc file: the module map links "svm" itself.
        .systemLibrary(name: "CSVM", providers: [.apt(["libsvm-dev"])]),

        // MARK: camsift modules, in data-flow order
        .target(name: "CamsiftCore"),
        .target(name: "Registry", dependencies: ["CamsiftCore"]),
        .target(name: "Media", dependencies: ["CamsiftCore", "CTurboJPEG", "CFFmpeg"]),
        .target(name: "Ingest", dependencies: ["CamsiftCore", "Registry", "Media", "CCurl", "CFFmpeg", "CRTMP"]),
        .target(name: "NN", dependencies: ["CamsiftCore", "COpenBLAS"]),
        // What inference needs, nothing more: bundle format, model input, served networks, per-frame fusion,
        // and the cascade's cheap stage (Media's low-level features of the decoded frame).
        .target(name: "Serving", dependencies: ["CamsiftCore", "NN", "Media"]),
        // One HTTP server (libmicrohttpd) for /metrics and the console: limits, timeouts, access rules.
        .target(name: "WebServer", dependencies: ["CamsiftCore", "CMicroHTTPD"]),
        // The daemon's frame path (batcher, gate, inference, log, metrics, lifecycle): never imports Learning.
        .target(name: "Pipeline", dependencies: ["CamsiftCore", "Registry", "Ingest", "Media", "Serving", "WebServer"]),
        // Label changes (after hysteresis) to MQTT (libmosquitto) and HTTP webhooks (libcurl), off the frame path.
        .target(name: "Events", dependencies: ["CamsiftCore", "Pipeline", "CMosquitto", "CCurl"]),
        // The operator's loop: the labelled archive with its SQLite index and the review queue, then the console.
        .target(name: "Labels", dependencies: ["CamsiftCore", "CSQLite"]),
        .target(name: "Console", dependencies: ["CamsiftCore", "Registry", "Ingest", "Pipeline", "Labels", "WebServer"]),
        // Beside the frame path: training, fusion selection, reports; then live retraining on top of both.
        .target(name: "Learning", dependencies: ["CamsiftCore", "NN", "Media", "Serving", "CSVM", "COpenBLAS"]),
        .target(name: "Retraining", dependencies: ["CamsiftCore", "Serving", "Pipeline", "Learning"]),
        .executableTarget(
            name: "camsift",
            dependencies: ["CamsiftCore", "Registry", "Ingest", "Media", "NN", "Serving", "WebServer", "Pipeline", "Events",
                           "Labels", "Console", "Learning", "Retraining"]),
        .executableTarget(
            name: "camsift-bench",
            dependencies: ["CamsiftCore", "Registry", "Ingest", "Media", "NN", "Serving", "WebServer", "Pipeline", "Labels",
                           "Console", "Learning", "Retraining",
                           "COpenBLAS", "CTurboJPEG"],
            path: "bench/Sources/camsift-bench"),

        // MARK: tests mirror the modules
        .testTarget(name: "CamsiftCoreTests", dependencies: ["CamsiftCore"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "CamsiftCore"], resources: [.copy("Corpus")]),
        .testTarget(name: "MediaTests", dependencies: ["Media", "CamsiftCore"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Media", "Registry", "CamsiftCore"]),
        // Test support only: interposes malloc to count allocations (see its header); never linked into camsift.
        .target(name: "CAllocationCounter"),
        .testTarget(name: "NNTests", dependencies: ["NN", "Media", "Serving", "CamsiftCore", "CAllocationCounter"]),
        .testTarget(name: "ServingTests", dependencies: ["Serving", "Media", "NN", "CamsiftCore"]),
        .testTarget(name: "LearningTests", dependencies: ["Learning", "Serving", "Media", "NN", "CamsiftCore"]),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["Pipeline", "Retraining", "Ingest", "Registry", "NN", "Serving", "Learning", "Media", "CamsiftCore"]),
        .testTarget(name: "EventsTests", dependencies: ["Events", "Pipeline", "Registry", "CamsiftCore"]),
        .testTarget(name: "WebServerTests", dependencies: ["WebServer", "CamsiftCore"]),
        .testTarget(name: "LabelsTests", dependencies: ["Labels", "CamsiftCore", "CAllocationCounter"]),
        .testTarget(name: "ConsoleTests", dependencies: ["Console", "Labels", "WebServer", "Pipeline", "Ingest", "Registry", "CamsiftCore"]),
        .testTarget(name: "CLITests", dependencies: ["CamsiftCore", "Labels"]),
    ]
)

for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    // The NN kernels are hot loops over verified-in-range indices; the rest keeps its safety checks.
    // `-target-cpu haswell` = x86-64-v3 (AVX2, FMA, BMI2, F16C, MOVBE), the oldest CPU a release binary runs on;
    // never `native` (a binary built on an AVX-512 host died with SIGILL elsewhere). swiftc 6.3 rejects the
    // name `x86-64-v3`. Tests/CLITests/PortableBinaryTests.swift runs the binary under `qemu-x86_64 -cpu Haswell`.
    if target.name == "NN" {
        settings.append(.unsafeFlags(["-Ounchecked", "-wmo", "-target-cpu", "haswell"], .when(configuration: .release)))
        target.dependencies.append("CNNKernels")
    }
    target.swiftSettings = settings
}
// AVX-512 only where chosen at run time: C twins of NN's channels-last inference kernels, each function built with
// `__attribute__((target("avx512f")))` and called only when the CPU has it (`NN.InferenceKernels`).
package.targets.append(.target(name: "CNNKernels", cSettings: [.unsafeFlags(["-O3"], .when(configuration: .release))]))
