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
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CRTMP", pkgConfig: "librtmp", providers: [.apt(["librtmp-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // MARK: camsift modules, in data-flow order
        .target(name: "CamsiftCore"),
        .target(name: "Registry", dependencies: ["CamsiftCore"]),
        .target(name: "Media", dependencies: ["CamsiftCore", "CTurboJPEG", "CFFmpeg"]),
        .target(name: "Ingest", dependencies: ["CamsiftCore", "Registry", "Media", "CCurl", "CFFmpeg", "CRTMP"]),
        .target(name: "NN", dependencies: ["CamsiftCore", "COpenBLAS"]),
        .target(name: "Learning", dependencies: ["CamsiftCore", "NN", "Media"]),
        .target(name: "Pipeline", dependencies: ["CamsiftCore", "Registry", "Ingest", "Media", "NN", "Learning"]),
        .executableTarget(name: "camsift", dependencies: ["CamsiftCore", "Registry", "Ingest", "Media", "NN", "Learning", "Pipeline"]),
        .executableTarget(
            name: "camsift-bench", dependencies: ["CamsiftCore", "Registry", "Ingest", "Media", "NN", "Learning", "Pipeline", "COpenBLAS", "CTurboJPEG"],
            path: "bench/Sources/camsift-bench"),

        // MARK: tests mirror the modules
        .testTarget(name: "CamsiftCoreTests", dependencies: ["CamsiftCore"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "CamsiftCore"], resources: [.copy("Corpus")]),
        .testTarget(name: "MediaTests", dependencies: ["Media", "CamsiftCore"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Media", "Registry", "CamsiftCore"]),
        // Test support only: interposes malloc to count allocations (see its header); never linked into camsift.
        .target(name: "CAllocationCounter"),
        .testTarget(name: "NNTests", dependencies: ["NN", "CamsiftCore", "CAllocationCounter"]),
        .testTarget(name: "LearningTests", dependencies: ["Learning", "NN", "CamsiftCore"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Ingest", "Registry", "NN", "Learning", "Media", "CamsiftCore"]),
        .testTarget(name: "CLITests", dependencies: ["CamsiftCore"]),
    ]
)

for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    // The NN kernels are hot loops over verified-in-range indices; the rest keeps its safety checks.
    if target.name == "NN" {
        settings.append(.unsafeFlags(["-Ounchecked", "-wmo", "-target-cpu", "native"], .when(configuration: .release)))
    }
    target.swiftSettings = settings
}
