import CamsiftCore
/// 2-D convolution (cross-correlation, PyTorch semantics) on NCHW tensors, by im2col + `cblas_sgemm`.
///
/// Weight layout `[out, in/groups, kH, kW]` (PyTorch order, the model file's order). Paths:
/// - 1×1, stride 1, no padding on large planes: a direct GEMM per image on the input itself (no im2col);
/// - otherwise images are packed in chunks into one column matrix and the result is scattered back to NCHW:
///   large chunks for 1×1 windows (the GEMM's N dimension stays large even on 7×7 planes), about one image for
///   spatial windows (`spatialColumnBudget`: columns in L2, the GEMM writes NCHW directly).
/// Grouped convolution runs one GEMM per group on its block of rows. Depthwise convolution (groups == channels)
/// belongs in `DepthwiseConv2D`, whose SIMD kernel beats a GEMM with K = 9.
public final class Conv2D: Layer {
    public let inChannels: Int, outChannels: Int
    public let kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int)
    public let padding: PaddingMode
    public let groups: Int
    public let weight: Parameter
    public let bias: Parameter?
    public var needsInputGradient = true

    /// Column-matrix budget per chunk (floats) for 1×1 windows on small planes: bounds memory while keeping the
    /// GEMMs wide (a 7×7 plane is a 49-column GEMM per image; batched it runs at ~90 % of the sgemm peak).
    static let columnBudget = 1 << 22
    /// Column-matrix budget per chunk (floats) for spatial windows (3×3, …): 64 KB, i.e. one image of the small
    /// CNN's conv2/conv3. Measured (1 thread, CPU time, small-CNN training step, 2026-12-02): the 4 M budget packed
    /// the whole batch into one 7–14 MB column matrix and transposed the GEMM's output back to NCHW; one image per
    /// GEMM keeps its columns in L2 and writes NCHW directly (no transposes), conv2 fwd+bwd 24.5 → 17.9 ms and
    /// conv3 19.9 → 18.1 ms per 64 images, although the per-image GEMMs are narrower (N = 196 / 49).
    static let spatialColumnBudget = 1 << 14
    /// Work slots when small-plane images run one GEMM each (see `forwardInImageSlots`).
    static let imageSlots = 4
    /// Planes at least this large use the direct 1×1 path.
    static let directPlane = 256

    var input: Tensor?
    var geometry: WindowGeometry?
    /// True when `columnCache` still holds the im2col matrix of the whole saved input (training forward done in
    /// one chunk), so backward can skip re-packing it.
    var columnsHoldInput = false
    var outputCache = TensorCache(), columnCache = TensorCache(), gemmCache = TensorCache()
    var gradInputCache = TensorCache()

    /// He/Kaiming-uniform weights (He et al. 2015, §2.2: Var = 2 / fan_in), zero bias.
    public init(inChannels: Int, outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: PaddingMode = .explicit(.zero), dilation: (Int, Int) = (1, 1), groups: Int = 1,
                bias: Bool = true, rng: inout SeededGenerator) {
        precondition(groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2D: channels \(inChannels)→\(outChannels) not divisible by groups \(groups)")
        precondition(kernel.0 >= 1 && kernel.1 >= 1 && stride.0 >= 1 && stride.1 >= 1
                     && dilation.0 >= 1 && dilation.1 >= 1, "Conv2D: kernel, stride and dilation must be ≥ 1")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.padding = padding
        self.groups = groups
        let w = Tensor(zeros: [outChannels, inChannels / groups, kernel.0, kernel.1])
        let fanIn = Float(inChannels / groups * kernel.0 * kernel.1)
        rng.fillUniform(w, bound: (6 / fanIn).squareRoot())
        weight = Parameter(w, decays: true)
        self.bias = bias ? Parameter(Tensor(zeros: [outChannels]), decays: false) : nil
    }

    /// Convenience: square kernel, uniform stride and padding.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernel k: Int, stride s: Int = 1,
                            padding p: Int = 0, groups: Int = 1, bias: Bool = true, rng: inout SeededGenerator) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernel: (k, k), stride: (s, s),
                  padding: .explicit(.uniform(p)), groups: groups, bias: bias, rng: &rng)
    }

    public var ownParameters: [(String, Parameter)] {
        if let bias { return [("weight", weight), ("bias", bias)] }
        return [("weight", weight)]
    }

    var layerName: String { "Conv2D(\(inChannels)→\(outChannels), \(kernel.0)×\(kernel.1))" }

    func resolveGeometry(_ shape: Shape) throws -> WindowGeometry {
        try WindowGeometry(inH: shape.h, inW: shape.w, kernel: kernel, stride: stride, dilation: dilation,
                           padding: padding, layer: layerName)
    }

    public func outputShape(for input: Shape) throws -> Shape {
        let g = try resolveGeometry(input)
        return Shape(n: input.n, c: outChannels, h: g.outH, w: g.outW)
    }

    /// Images per im2col chunk for this geometry. Planes of ≥ 1024 outputs already make a wide GEMM per image,
    /// which then writes straight into the NCHW output (no scatter pass) from a cache-sized column matrix.
    func chunkImages(batch: Int, geometry g: WindowGeometry) -> Int {
        if g.outPlane >= 1024 { return 1 }
        let perImage = inChannels * g.kH * g.kW * g.outPlane
        let budget = g.kH * g.kW == 1 ? Conv2D.columnBudget : Conv2D.spatialColumnBudget
        return Swift.max(1, Swift.min(batch, budget / Swift.max(perImage, 1)))
    }

    func usesDirectPath(_ g: WindowGeometry) -> Bool { g.isIdentityWindow && g.outPlane >= Conv2D.directPlane }

    public func forward(_ x: Tensor, training: Bool) throws -> Tensor {
        try requireImage(x, channels: inChannels, layer: layerName)
        let g = try resolveGeometry(x.shape)
        let n = x.shape.n, plane = g.outPlane
        let out = outputCache.tensor(Shape(n: n, c: outChannels, h: g.outH, w: g.outW))
        let ocg = outChannels / groups, k = inChannels / groups * g.kH * g.kW
        let w = UnsafePointer(weight.value.pointer)
        columnsHoldInput = false
        let chunk = chunkImages(batch: n, geometry: g)
        if usesDirectPath(g) {
            for img in 0..<n {
                let xi = x.pointer + img * inChannels * g.inPlane, yi = out.pointer + img * outChannels * plane
                for grp in 0..<groups {
                    BLAS.gemm(m: ocg, n: plane, k: k, a: w + grp * ocg * k, lda: k, b: xi + grp * k * plane,
                              ldb: plane, beta: 0, c: yi + grp * ocg * plane, ldc: plane)
                }
            }
            addBias(out, images: 0..<n, plane: plane)
        } else if n > 1 && g.outPlane < 1024 && chunk == 1 {
            forwardInImageSlots(x, out, geometry: g)
            addBias(out, images: 0..<n, plane: plane)
        } else {
            var start = 0
            while start < n {
                let count = Swift.min(chunk, n - start), ld = count * plane
                let col = columnCache.scratch(inChannels * g.kH * g.kW * ld)
                Im2Col.pack(x.pointer + start * inChannels * g.inPlane, channels: inChannels, images: count,
                            geometry: g, into: col)
                let direct = count == 1
                let dst = direct ? out.pointer + start * outChannels * plane : gemmCache.scratch(outChannels * ld)
                for grp in 0..<groups {
                    BLAS.gemm(m: ocg, n: ld, k: k, a: w + grp * ocg * k, lda: k, b: col + grp * k * ld, ldb: ld,
                              beta: 0, c: dst + grp * ocg * ld, ldc: ld)
                }
                if !direct {
                    Im2Col.transposeBlocks(dst, rows: outChannels, images: count, plane: plane,
                                           into: out.pointer + start * outChannels * plane, toGEMMLayout: false)
                }
                addBias(out, images: start..<(start + count), plane: plane)
                columnsHoldInput = training && count == n
                start += count
            }
        }
        if training {
            input = x
            geometry = g
        } else {
            input = nil
        }
        return out
    }

    /// One image per GEMM on a small plane: the per-image GEMM (N = the plane) is too narrow for `BLAS.gemm` to
    /// split, so the images are shared out instead: `imageSlots` slots (fixed, so results never depend on the
    /// thread count), each with its own column matrix, take images s, s + slots, … on whatever thread runs them.
    private func forwardInImageSlots(_ x: Tensor, _ out: Tensor, geometry g: WindowGeometry) {
        let n = x.shape.n, plane = g.outPlane, slots = Swift.min(n, Conv2D.imageSlots)
        let ocg = outChannels / groups, k = inChannels / groups * g.kH * g.kW, rows = inChannels * g.kH * g.kW
        let cols = columnCache.scratch(slots * rows * plane)
        let w = UnsafePointer(weight.value.pointer), xp = x.pointer, yp = out.pointer
        let inStride = inChannels * g.inPlane, outStride = outChannels * plane, inChannels = inChannels
        let groups = groups
        NNThreads.parallelFor(slots) { s in
            NNThreads.serially {
                let col = cols + s * rows * plane
                var img = s
                while img < n {
                    Im2Col.pack(xp + img * inStride, channels: inChannels, images: 1, geometry: g, into: col)
                    for grp in 0..<groups {
                        BLAS.gemm(m: ocg, n: plane, k: k, a: w + grp * ocg * k, lda: k, b: col + grp * k * plane,
                                  ldb: plane, beta: 0, c: yp + img * outStride + grp * ocg * plane, ldc: plane)
                    }
                    img += slots
                }
            }
        }
    }

    private func addBias(_ out: Tensor, images: Range<Int>, plane: Int) {
        guard let bias else { return }
        let b = bias.value.pointer, y = out.pointer, oc = outChannels
        NNThreads.parallelChunks(images.count * oc, grain: Swift.max(1, 16_384 / plane)) { range in
            for t in range {
                let img = images.lowerBound + t / oc, c = t % oc
                let p = y + (img * oc + c) * plane
                let v = b[c]
                for i in 0..<plane { p[i] += v }
            }
        }
    }
}
