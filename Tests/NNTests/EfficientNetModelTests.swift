import CamsiftCore
import Foundation
import Media
import Serving
import Testing
@testable import NN

/// The real imported EfficientNet-Lite0 (CAMSIFT_EFFNET, set by `make test`; else ./weights/). A missing
/// model is a failure with the fix, never a skip.
enum RealModel {
    static var path: String {
        if let p = ProcessInfo.processInfo.environment["CAMSIFT_EFFNET"], !p.isEmpty { return p }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repo.appendingPathComponent("weights/effnet-lite0-imagenet.csm").path
    }

    static func load() throws -> ModelFile {
        guard FileManager.default.fileExists(atPath: path) else {
            let fix = "run `make weights` (or `make test`, which builds it) or set CAMSIFT_EFFNET"
            Issue.record(Comment(rawValue: "EfficientNet-Lite0 model file missing at \(path): \(fix)"))
            throw NNError(code: .io, message: "missing \(path)")
        }
        return try ModelFile.read(path: path)
    }
}

@Suite("EfficientNet-Lite0 (real weights)", .serialized)
struct EfficientNetModelTests {
    @Test func importedModelHasTheDocumentedStructure() throws {
        let m = try RealModel.load()
        let params = m.tensors.filter { !$0.name.hasSuffix("running_mean") && !$0.name.hasSuffix("running_var") }
            .reduce(0) { $0 + $1.values.count }
        #expect(params == 4_652_008)
        let arch = try m.architecture(as: EfficientNetArchitecture.self)
        #expect(arch.blocks.count == 16)
        #expect(arch.blocks.indices.filter { arch.blocks[$0].stride == 2 } == [1, 3, 5, 11])
        #expect(arch.blocks.allSatisfy { $0.kernel == 3 || $0.kernel == 5 })
        #expect(arch.bnEpsilon == 1e-3 && arch.head.out == 1280 && arch.classifier.out == 1000)
        #expect(m.normalization == .init(mean: [127, 127, 127], std: [128, 128, 128]))
        #expect(m.classes.count == 1000)
        #expect(m.classes[335].hasPrefix("fox squirrel") && m.classes[372] == "baboon")
    }

    static func randomBatch(_ n: Int, size: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix(seed: seed)
        return (0..<(n * 3 * size * size)).map { _ in rng.float() }
    }

    @Test func batchParallelAndIntraOpPathsAgree() throws {
        let m = try RealModel.load()
        let x = Self.randomBatch(3, size: 224, seed: 1)
        let sequential = try EfficientNetLite0(modelFile: m, threads: 1)
        let ref = x.withUnsafeBufferPointer { sequential.logits(batch: $0, n: 3) }
        #expect(ref.count == 3000 && ref.allSatisfy(\.isFinite))
        for threads in [2, 3] {
            let net = try EfficientNetLite0(modelFile: m, threads: threads)
            let batch = x.withUnsafeBufferPointer { net.logits(batch: $0, n: 3) }          // image-parallel
            for i in 0..<3 {
                let one = x.withUnsafeBufferPointer {
                    net.logits(batch: UnsafeBufferPointer(rebasing: $0[(i * 150_528)..<((i + 1) * 150_528)]), n: 1)
                }                                                                           // channel-split
                #expect(zip(one, ref[(i * 1000)..<((i + 1) * 1000)]).allSatisfy { abs($0 - $1) <= 1e-4 })
            }
            #expect(zip(batch, ref).allSatisfy { abs($0 - $1) <= 1e-4 }, "threads \(threads)")
        }
    }

    @Test func featuresThroughTheHeadEqualLogits() throws {
        let net = try EfficientNetLite0(modelFile: try RealModel.load(), threads: 2)
        let x = Self.randomBatch(2, size: 224, seed: 2)
        let f = x.withUnsafeBufferPointer { net.features(batch: $0, n: 2) }
        #expect(f.count == 2 * 1280 && f.allSatisfy { $0 >= 0 && $0 <= 6 })  // pooled ReLU6 outputs
        var l = [Float](repeating: 0, count: 2000)
        f.withUnsafeBufferPointer { fp in l.withUnsafeMutableBufferPointer { net.classify(features: fp, n: 2, into: $0) } }
        let direct = x.withUnsafeBufferPointer { net.logits(batch: $0, n: 2) }
        #expect(zip(l, direct).allSatisfy { abs($0 - $1) <= 1e-5 })
    }

    /// The optimised network against a naive float64 forward over the *unfolded* tensors (conv, BN, ReLU6,
    /// residual add, pooling, dense) at 64×64 input, so the check covers folding, padding and fusion.
    @Test func matchesNaiveUnfoldedReference() throws {
        var m = try RealModel.load()
        m.inputSize = [64, 64]
        let net = try EfficientNetLite0(modelFile: m, threads: 2)
        let x = Self.randomBatch(1, size: 64, seed: 3)
        let fast = x.withUnsafeBufferPointer { net.logits(batch: $0, n: 1) }
        let slow = try NaiveEfficientNet(m).logits(x.map(Double.init), size: 64)
        let worst = zip(fast, slow).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(worst <= 1e-3, "max |Δlogit| \(worst)")
    }

    @Test func labelsARealPhoto() throws {
        let net = try EfficientNetLite0(modelFile: try RealModel.load(), threads: 2)
        let path = "/usr/share/doc/opencv-doc/examples/data/squirrel_cls.jpg"
        let batch = try PPM.tensor([path, path], for: net)
        let logits = batch.withUnsafeBufferPointer { net.logits(batch: $0, n: 2) }
        let top = TopK.labels(logits: logits, n: 2, classes: net.classes, k: 3)
        #expect(top.count == 2 && top[0].count == 3)
        #expect(top[0][0].label.hasPrefix("fox squirrel"), "\(top[0])")
        #expect(top[0][0].score > 0.5 && top[0][0].score <= 1 && top[0][0].score >= top[0][1].score)
        #expect(top[1][0].label == top[0][0].label)
    }
}

/// A deliberately plain float64 EfficientNet-Lite forward pass, written from the architecture description.
struct NaiveEfficientNet {
    let m: ModelFile
    let arch: EfficientNetArchitecture
    init(_ m: ModelFile) throws {
        self.m = m
        arch = try m.architecture(as: EfficientNetArchitecture.self)
    }

    /// `x` is `[C][H][W]`; returns `[out][Ho][Wo]` after conv (TF SAME, groups) + BN (+ ReLU6).
    func convBN(_ x: [Double], c: Int, size: Int, prefix: String, stride s: Int, groups: Int, relu: Bool)
        throws -> (y: [Double], c: Int, size: Int) {
        let w = try m.tensor(prefix + ".conv.weight")
        let out = w.shape[0], cpg = w.shape[1], k = w.shape[2]
        let ho = (size + s - 1) / s, pad = max((ho - 1) * s + k - size, 0) / 2
        let g = { (n: String) in try m.tensor(prefix + ".bn." + n).values.map(Double.init) }
        let gamma = try g("weight"), beta = try g("bias"), mean = try g("running_mean"), variance = try g("running_var")
        var y = [Double](repeating: 0, count: out * ho * ho)
        for o in 0..<out {
            let grp = o / (out / groups)
            for oy in 0..<ho {
                for ox in 0..<ho {
                    var acc = 0.0
                    for ci in 0..<cpg {
                        let ic = grp * cpg + ci
                        for ky in 0..<k {
                            let iy = oy * s + ky - pad
                            guard iy >= 0 && iy < size else { continue }
                            for kx in 0..<k {
                                let ix = ox * s + kx - pad
                                guard ix >= 0 && ix < size else { continue }
                                acc += x[(ic * size + iy) * size + ix] * Double(w.values[((o * cpg + ci) * k + ky) * k + kx])
                            }
                        }
                    }
                    var v = gamma[o] * (acc - mean[o]) / (variance[o] + Double(arch.bnEpsilon)).squareRoot() + beta[o]
                    if relu { v = min(max(v, 0), 6) }
                    y[(o * ho + oy) * ho + ox] = v
                }
            }
        }
        return (y, out, ho)
    }

    func logits(_ input: [Double], size: Int) throws -> [Double] {
        var (x, c, s) = try convBN(input, c: 3, size: size, prefix: "stem", stride: 2, groups: 1, relu: true)
        for (i, b) in arch.blocks.enumerated() {
            let p = "blocks.\(i)"
            let skip = x
            if b.expand != b.in { (x, c, s) = try convBN(x, c: c, size: s, prefix: p + ".expand", stride: 1, groups: 1, relu: true) }
            (x, c, s) = try convBN(x, c: c, size: s, prefix: p + ".dw", stride: b.stride, groups: c, relu: true)
            (x, c, s) = try convBN(x, c: c, size: s, prefix: p + ".project", stride: 1, groups: 1, relu: false)
            if b.residual { for j in x.indices { x[j] += skip[j] } }
        }
        (x, c, s) = try convBN(x, c: c, size: s, prefix: "head", stride: 1, groups: 1, relu: true)
        let pooled = (0..<c).map { ch in x[(ch * s * s)..<((ch + 1) * s * s)].reduce(0, +) / Double(s * s) }
        let fw = try m.tensor("classifier.weight"), fb = try m.tensor("classifier.bias")
        return (0..<fw.shape[0]).map { o in
            (0..<c).reduce(Double(fb.values[o])) { $0 + Double(fw.values[o * c + $1]) * pooled[$1] }
        }
    }
}

/// Decodes a JPEG with Debian's `djpeg` (libjpeg-turbo-progs) into binary PPM, for in-process tests that
/// cannot link TurboJPEG themselves.
enum PPM {
    /// Photos decoded by djpeg, framed at `net`'s ImageNet geometry (the central 87.5 %, as `camsift classify`
    /// and the daemon frame them) and normalised by `ModelInput`, NCHW one after another.
    static func tensor(_ paths: [String], for net: EfficientNetLite0) throws -> [Float] {
        let g = InputGeometry(size: net.inputSize, channels: 3, fit: .crop, cropFraction: 0.875,
                              mean: net.normalization.mean, std: net.normalization.std)
        return try ModelInput.tensor(try paths.map { try decodeJPEG($0).refitted(to: g) }, geometry: g)
    }

    static func decodeJPEG(_ path: String) throws -> DecodedFrame {
        let djpeg = ["/usr/bin/djpeg", "/usr/local/bin/djpeg"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let djpeg else {
            Issue.record(Comment(rawValue: "djpeg not found: install libjpeg-turbo-progs (`make deps`)"))
            throw NNError(code: .io, message: "djpeg missing")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record(Comment(rawValue: "sample photo \(path) missing: install opencv-doc (`make deps`)"))
            throw NNError(code: .io, message: "missing \(path)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: djpeg)
        p.arguments = ["-ppm", "-dct", "int", path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let bytes = [UInt8](data)
        // "P6\n<w> <h>\n255\n" then RGB.
        var fields: [Int] = [], i = 2, cur = ""
        while fields.count < 3 && i < bytes.count {
            let ch = Character(UnicodeScalar(bytes[i]))
            if ch.isNumber { cur.append(ch) } else if !cur.isEmpty { fields.append(Int(cur)!); cur = "" }
            i += 1
        }
        guard bytes.starts(with: Array("P6".utf8)), fields.count == 3, fields[2] == 255,
              bytes.count - i == fields[0] * fields[1] * 3 else {
            throw NNError(code: .corrupt, message: "djpeg gave no PPM for \(path)")
        }
        return DecodedFrame(width: fields[0], height: fields[1], rgb: Array(bytes[i...]))
    }
}

@Suite("EfficientNet-Lite0 layouts (real weights)", .serialized)
struct EfficientNetLayoutTests {
    /// The channels-last switch changes the memory layout and the kernels of the late blocks, not the function:
    /// every switch point gives the all-channel-major logits, on one image (layer-split threads) and a batch.
    @Test func channelsLastFromAnyBlockMatchesChannelMajor() throws {
        let m = try RealModel.load()
        let x = EfficientNetModelTests.randomBatch(2, size: 224, seed: 5)
        let reference = try EfficientNetLite0(modelFile: m, threads: 1, channelsLastFrom: 99)
        #expect(reference.channelsLastFrom == 16)
        let ref = x.withUnsafeBufferPointer { reference.logits(batch: $0, n: 2) }
        // The default: both batch-parallel and split passes switch at block 0 (channels-last stem).
        let byDefault = try EfficientNetLite0(modelFile: m, threads: 2)
        #expect(byDefault.channelsLastFrom == 0 && byDefault.channelsLastFromSplit == 0)
        // A mixed network (batch-parallel from the stem, split passes from block 6) computes the same logits.
        let mixed = try EfficientNetLite0(modelFile: m, threads: 2, channelsLastFrom: 0, channelsLastFromSplit: 6)
        let mixedOne = x.withUnsafeBufferPointer { mixed.logits(batch: UnsafeBufferPointer(rebasing: $0[0..<150_528]), n: 1) }
        #expect(zip(mixedOne, ref.prefix(1000)).allSatisfy { abs($0 - $1) <= 1e-4 })
        // Split passes entirely channel-major while batch-parallel ones are channels-last: both heads exist.
        let apart = try EfficientNetLite0(modelFile: m, threads: 2, channelsLastFrom: 0, channelsLastFromSplit: 99)
        let apartOne = x.withUnsafeBufferPointer { apart.logits(batch: UnsafeBufferPointer(rebasing: $0[0..<150_528]), n: 1) }
        let apartBatch = x.withUnsafeBufferPointer { apart.logits(batch: $0, n: 2) }
        #expect(zip(apartOne, ref.prefix(1000)).allSatisfy { abs($0 - $1) <= 1e-4 })
        #expect(zip(apartBatch, ref).allSatisfy { abs($0 - $1) <= 1e-4 })
        let defaultBatch = x.withUnsafeBufferPointer { byDefault.logits(batch: $0, n: 2) }
        let defaultOne = x.withUnsafeBufferPointer { byDefault.logits(batch: UnsafeBufferPointer(rebasing: $0[0..<150_528]), n: 1) }
        #expect(zip(defaultBatch, ref).allSatisfy { abs($0 - $1) <= 1e-4 })
        #expect(zip(defaultOne, ref.prefix(1000)).allSatisfy { abs($0 - $1) <= 1e-4 })
        // From the stem on, including blocks with 24 or 40 output channels (stored 16-padded).
        for from in [0, 1, 2, 3, 5, 6, 11, 15] {
            for threads in [1, 2] {
                let net = try EfficientNetLite0(modelFile: m, threads: threads, channelsLastFrom: from)
                #expect(net.channelsLastFrom == from && net.channelsLastFromSplit == from)
                let batch = x.withUnsafeBufferPointer { net.logits(batch: $0, n: 2) }
                let one = x.withUnsafeBufferPointer { net.logits(batch: UnsafeBufferPointer(rebasing: $0[0..<150_528]), n: 1) }
                let worst = zip(batch, ref).map { abs($0 - $1) }.max() ?? .infinity
                #expect(worst <= 1e-4, "channels-last from block \(from), \(threads) threads: max |Δlogit| \(worst)")
                #expect(zip(one, ref.prefix(1000)).allSatisfy { abs($0 - $1) <= 1e-4 }, "from \(from), one image")
            }
        }
    }
}
