import CNNKernels

/// Which SIMD code the channels-last inference kernels run (`ChannelsLastGEMM`'s 16-channel tiles,
/// `ChannelsLastDepthwise`'s 3×3 / 5×5 tap loops, `ChannelsLastStem`): picked once per process from the CPU.
///
/// Release builds compile NN for x86-64-v3 (`-target-cpu haswell` in Package.swift: AVX2 + FMA, 16 vector
/// registers), so a binary built on one machine runs on any x86-64 CPU from Haswell on. Those kernels were tuned
/// for AVX-512's 32 registers (21 `SIMD16` accumulators in a GEMM tile, 25 taps held in registers for k = 5):
/// built for AVX2 they spill, and EfficientNet-Lite0 ran 1.7× slower per image on this AVX-512 host (Zen 4,
/// `engine-profile`: 7.84 → 13.46 ms/img, every phase alike), below the ONNX Runtime targets. So their AVX-512
/// twins live in C (`Sources/CNNKernels`, `__attribute__((target("avx512f")))`, the same arithmetic in the same
/// order: identical results) and run only when `cnn_avx512_usable()` says the CPU and OS support AVX-512.
/// Everything else — the channel-major kernels, the classifier, training — stays x86-64-v3 Swift.
public enum InferenceKernels: String, Sendable, CaseIterable {
    /// The Swift kernels, built for x86-64-v3.
    case avx2
    /// The C kernels built for AVX-512F, chosen at run time.
    case avx512

    /// The best this CPU runs.
    public static let host: InferenceKernels = cnn_avx512_usable() != 0 ? .avx512 : .avx2

    nonisolated(unsafe) private static var selected = host

    /// The kernels in use: `host`. Settable for benchmarks only (`camsift-bench engine --kernels avx2`, to
    /// measure what AVX-512 pays), before any network runs; `avx512` only where `host` is `avx512`.
    public static var active: InferenceKernels {
        get { selected }
        set {
            precondition(newValue == .avx2 || host == .avx512, "this CPU cannot run the AVX-512 kernels")
            selected = newValue
        }
    }

    /// Whether the channels-last kernels call their AVX-512 twins (read once per kernel call).
    @inline(__always)
    static var useAVX512: Bool { selected == .avx512 }
}
