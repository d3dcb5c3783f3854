import CamsiftCore
import Testing
@testable import NN

/// Conv2D (im2col + GEMM, direct 1×1) and DepthwiseConv2D (SIMD) against naive float64 loops, and their backward
/// passes against finite differences, on random shapes, strides, dilations, paddings and groups.
@Suite struct ConvolutionTests {
    struct ConvCase: CustomTestStringConvertible, Sendable {
        var n, c, h, w, oc, k, stride, dilation, groups: Int
        var padding: PaddingMode
        var testDescription: String { "n\(n) c\(c) \(h)x\(w) oc\(oc) k\(k) s\(stride) d\(dilation) g\(groups) \(padding)" }
    }

    static let convCases: [ConvCase] = [
        ConvCase(n: 2, c: 3, h: 9, w: 7, oc: 5, k: 3, stride: 1, dilation: 1, groups: 1, padding: .explicit(.uniform(1))),
        ConvCase(n: 3, c: 4, h: 11, w: 10, oc: 6, k: 3, stride: 2, dilation: 1, groups: 2, padding: .same),
        ConvCase(n: 1, c: 3, h: 12, w: 13, oc: 4, k: 3, stride: 2, dilation: 1, groups: 1, padding: .same),
        ConvCase(n: 2, c: 6, h: 8, w: 9, oc: 6, k: 3, stride: 1, dilation: 2, groups: 3,
                 padding: .explicit(Padding2D(top: 2, bottom: 1, left: 0, right: 2))),
        ConvCase(n: 2, c: 5, h: 6, w: 6, oc: 7, k: 1, stride: 1, dilation: 1, groups: 1, padding: .explicit(.zero)),
        // 1×1 on a 16×17 plane: the direct per-image GEMM path (plane ≥ 256).
        ConvCase(n: 2, c: 8, h: 16, w: 17, oc: 4, k: 1, stride: 1, dilation: 1, groups: 2, padding: .explicit(.zero)),
        ConvCase(n: 2, c: 4, h: 10, w: 10, oc: 8, k: 5, stride: 2, dilation: 1, groups: 1, padding: .same),
        // Wide stride-2 rows: the vectorised even-lane gather of im2col (plus its scalar tail).
        ConvCase(n: 2, c: 3, h: 9, w: 75, oc: 4, k: 3, stride: 2, dilation: 1, groups: 1, padding: .same),
        ConvCase(n: 1, c: 2, h: 6, w: 66, oc: 3, k: 3, stride: 2, dilation: 1, groups: 1, padding: .explicit(.uniform(1))),
        ConvCase(n: 4, c: 2, h: 5, w: 7, oc: 3, k: 2, stride: 3, dilation: 1, groups: 1,
                 padding: .explicit(Padding2D(top: 0, bottom: 1, left: 1, right: 0))),
        // Stride-1 "same" windows take the row-shift im2col/col2im (one span per tap, wrapped columns zeroed):
        // a 5×5 window (two wrapped columns per side), and planes narrower than the window.
        ConvCase(n: 2, c: 3, h: 8, w: 9, oc: 4, k: 5, stride: 1, dilation: 1, groups: 1, padding: .same),
        ConvCase(n: 3, c: 2, h: 2, w: 1, oc: 3, k: 3, stride: 1, dilation: 1, groups: 1, padding: .explicit(.uniform(1))),
        // ≥ 8192 column floats per image on a small plane: one GEMM per image, images shared out over slots.
        ConvCase(n: 5, c: 16, h: 10, w: 12, oc: 6, k: 3, stride: 1, dilation: 1, groups: 2,
                 padding: .explicit(.uniform(1))),
    ]

    static func makeConv(_ t: ConvCase, seed: UInt64) -> Conv2D {
        var rng = SeededGenerator(seed: seed)
        let conv = Conv2D(inChannels: t.c, outChannels: t.oc, kernel: (t.k, t.k), stride: (t.stride, t.stride),
                          padding: t.padding, dilation: (t.dilation, t.dilation), groups: t.groups, bias: true,
                          rng: &rng)
        rng.fillUniform(conv.bias!.value, bound: 0.5)
        return conv
    }

    @Test(arguments: convCases)
    func convMatchesNaiveLoops(_ t: ConvCase) throws {
        let conv = Self.makeConv(t, seed: 11)
        let x = randomTensor(Shape(n: t.n, c: t.c, h: t.h, w: t.w), seed: 12)
        let y = try conv.forward(x, training: false)
        let g = try conv.resolveGeometry(x.shape)
        let ref = ReferenceConvolution.conv(x, weight: conv.weight.value, bias: conv.bias!.value,
                                            stride: (t.stride, t.stride), dilation: (t.dilation, t.dilation),
                                            pad: g.pad, groups: t.groups)
        #expect(y.shape == ref.shape)
        #expect(ReferenceConvolution.maxRelativeError(y, ref.values) < 1e-5)
    }

    @Test(arguments: convCases)
    func convGradientsMatchFiniteDifferences(_ t: ConvCase) throws {
        let conv = Self.makeConv(t, seed: 21)
        let x = randomTensor(Shape(n: t.n, c: t.c, h: t.h, w: t.w), seed: 22)
        let mismatches = try GradientCheck().run(conv, input: x)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func convChunksLargeBatchesLikeSingleImages() throws {
        // A batch big enough to split into several im2col chunks must equal image-by-image results.
        var rng = SeededGenerator(seed: 3)
        let conv = Conv2D(16, 8, kernel: 3, padding: 1, rng: &rng)
        let x = randomTensor(Shape(n: 200, c: 16, h: 20, w: 20), seed: 4)
        #expect(conv.chunkImages(batch: 200, geometry: try conv.resolveGeometry(x.shape)) < 200)
        let all = try conv.forward(x, training: false).copy()
        for img in [0, 77, 199] {
            let one = try conv.forward(x.batch(img..<(img + 1)).copy(), training: false)
            let part = all.batch(img..<(img + 1))
            for i in 0..<one.count { #expect(abs(one.pointer[i] - part.pointer[i]) < 1e-5) }
        }
    }

    @Test func samePaddingIsAsymmetricLikeTensorFlow() {
        // 224 input, k3 s2: out 112, total pad 1 → top 0, bottom 1 (TF puts the odd pixel last).
        let p = Padding2D.same(inputHeight: 224, inputWidth: 224, kernel: (3, 3), stride: (2, 2))
        #expect(p == Padding2D(top: 0, bottom: 1, left: 0, right: 1))
        let q = Padding2D.same(inputHeight: 112, inputWidth: 112, kernel: (5, 5), stride: (1, 1))
        #expect(q == .uniform(2))
        let r = Padding2D.same(inputHeight: 28, inputWidth: 28, kernel: (5, 5), stride: (2, 2))
        #expect(r == Padding2D(top: 1, bottom: 2, left: 1, right: 2))
    }

    struct DepthwiseCase: CustomTestStringConvertible, Sendable {
        var n, c, h, w, k, stride, dilation: Int
        var padding: PaddingMode
        var testDescription: String { "n\(n) c\(c) \(h)x\(w) k\(k) s\(stride) d\(dilation) \(padding)" }
    }

    static let depthwiseCases: [DepthwiseCase] = [
        DepthwiseCase(n: 2, c: 3, h: 9, w: 21, k: 3, stride: 1, dilation: 1, padding: .same),
        DepthwiseCase(n: 2, c: 4, h: 14, w: 14, k: 3, stride: 2, dilation: 1, padding: .same),
        DepthwiseCase(n: 1, c: 5, h: 17, w: 35, k: 5, stride: 2, dilation: 1, padding: .same),
        DepthwiseCase(n: 3, c: 2, h: 8, w: 8, k: 5, stride: 1, dilation: 1, padding: .same),
        DepthwiseCase(n: 1, c: 3, h: 12, w: 19, k: 3, stride: 1, dilation: 2,
                      padding: .explicit(Padding2D(top: 1, bottom: 2, left: 2, right: 0))),
        DepthwiseCase(n: 2, c: 2, h: 7, w: 40, k: 3, stride: 3, dilation: 1, padding: .explicit(.uniform(1))),
        DepthwiseCase(n: 1, c: 2, h: 6, w: 6, k: 3, stride: 1, dilation: 1, padding: .explicit(.zero)),
    ]

    static func makeDepthwise(_ t: DepthwiseCase, seed: UInt64) -> DepthwiseConv2D {
        var rng = SeededGenerator(seed: seed)
        let dw = DepthwiseConv2D(channels: t.c, kernel: (t.k, t.k), stride: (t.stride, t.stride),
                                 padding: t.padding, dilation: (t.dilation, t.dilation), bias: true, rng: &rng)
        rng.fillUniform(dw.bias!.value, bound: 0.5)
        return dw
    }

    @Test(arguments: depthwiseCases)
    func depthwiseMatchesNaiveLoops(_ t: DepthwiseCase) throws {
        let dw = Self.makeDepthwise(t, seed: 31)
        let x = randomTensor(Shape(n: t.n, c: t.c, h: t.h, w: t.w), seed: 32)
        let y = try dw.forward(x, training: false)
        let g = try dw.resolve(x.shape)
        let ref = ReferenceConvolution.conv(x, weight: dw.weight.value, bias: dw.bias!.value,
                                            stride: (t.stride, t.stride), dilation: (t.dilation, t.dilation),
                                            pad: g.pad, groups: t.c)
        #expect(y.shape == ref.shape)
        #expect(ReferenceConvolution.maxRelativeError(y, ref.values) < 1e-5)
    }

    @Test(arguments: depthwiseCases)
    func depthwiseGradientsMatchFiniteDifferences(_ t: DepthwiseCase) throws {
        let dw = Self.makeDepthwise(t, seed: 41)
        let x = randomTensor(Shape(n: t.n, c: t.c, h: t.h, w: t.w), seed: 42)
        let mismatches = try GradientCheck().run(dw, input: x)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func depthwiseEqualsGroupedConvolution() throws {
        // Same weights through both kernels: the SIMD path must equal the GEMM path with groups == channels.
        var rng = SeededGenerator(seed: 5)
        let dw = DepthwiseConv2D(channels: 6, kernel: (3, 3), stride: (2, 2), padding: .same, bias: false, rng: &rng)
        let conv = Conv2D(inChannels: 6, outChannels: 6, kernel: (3, 3), stride: (2, 2), padding: .same, groups: 6,
                          bias: false, rng: &rng)
        conv.weight.value.assign(dw.weight.value)
        let x = randomTensor(Shape(n: 2, c: 6, h: 15, w: 15), seed: 6)
        let a = try dw.forward(x, training: false).copy(), b = try conv.forward(x, training: false)
        for i in 0..<a.count { #expect(abs(a.pointer[i] - b.pointer[i]) < 1e-5) }
    }

    @Test func wrongChannelCountIsAClearError() throws {
        var rng = SeededGenerator(seed: 1)
        let conv = Conv2D(3, 4, kernel: 3, rng: &rng)
        let error = #expect(throws: NNError.self) {
            _ = try conv.forward(Tensor(zeros: Shape(n: 1, c: 2, h: 8, w: 8)), training: false)
        }
        #expect(error?.code == .shapeMismatch)
        #expect(error?.message.contains("expected 3 input channels") == true)
    }
}
