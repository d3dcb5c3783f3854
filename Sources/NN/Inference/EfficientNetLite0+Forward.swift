import Foundation

extension EfficientNetLite0 {
    /// One image through the network into its pooled features.
    /// - Parameter parallel: threads inside each layer (BLAS threads must already be set to match).
    func forward(image x: UnsafePointer<Float>, features out: UnsafeMutablePointer<Float>,
                 workspace ws: InferenceWorkspace, parallel: Int) {
        // Stem: 3×3 stride-2 conv as im2col + GEMM; its bias + ReLU6 are applied by block 0's depthwise fill.
        let (sh, sw) = PointwiseKernel.im2colSame(x, channels: 3, h: inputSize, w: inputSize, k: stem.kernel,
                                                  stride: 2, cols: ws.cols)
        stem.weights.withUnsafeBufferPointer {
            PointwiseKernel.gemm(m: stem.outChannels, n: sh * sw, k: stem.inChannels * stem.kernel * stem.kernel,
                                 a: $0.baseAddress!, b: ws.cols, c: ws.expanded)
        }
        var h = sh, w = sw
        var input = ws.expanded
        for block in blocks {
            let spec = block.spec
            // Expand 1×1 (pre-activation; its bias + ReLU6 are fused into the depthwise fill).
            let dwInputBias: [Float]
            if let e = block.expand {
                e.weights.withUnsafeBufferPointer {
                    PointwiseKernel.gemm(m: e.outChannels, n: h * w, k: e.inChannels, a: $0.baseAddress!, b: input,
                                         c: ws.expanded)
                }
                dwInputBias = e.bias
            } else {
                dwInputBias = stem.bias
            }
            let g = DepthwiseKernel.Geometry(h: h, w: w, k: spec.kernel, stride: spec.stride)
            depthwise(block.depthwise, input: ws.expanded, inputBias: dwInputBias, g, ws: ws, parallel: parallel)
            // Project 1×1, then bias (+ residual) in one pass.
            let planeOut = g.ho * g.wo
            let y = input == ws.a ? ws.b : ws.a
            block.project.weights.withUnsafeBufferPointer {
                PointwiseKernel.gemm(m: spec.out, n: planeOut, k: spec.expand, a: $0.baseAddress!, b: ws.depthwise, c: y)
            }
            block.project.bias.withUnsafeBufferPointer {
                PointwiseKernel.addBias(y, bias: $0.baseAddress!, residual: spec.residual ? UnsafePointer(input) : nil,
                                        plane: planeOut, channels: 0..<spec.out)
            }
            input = y
            h = g.ho
            w = g.wo
        }
        head.weights.withUnsafeBufferPointer {
            PointwiseKernel.gemm(m: head.outChannels, n: h * w, k: head.inChannels, a: $0.baseAddress!, b: input,
                                 c: ws.head)
        }
        head.bias.withUnsafeBufferPointer {
            PointwiseKernel.relu6MeanPool(ws.head, bias: $0.baseAddress!, plane: h * w, channels: head.outChannels,
                                          out: out)
        }
    }

    /// All channels of one depthwise layer, split into `parallel` contiguous channel ranges.
    private func depthwise(_ conv: FoldedConv, input: UnsafeMutablePointer<Float>, inputBias: [Float],
                           _ g: DepthwiseKernel.Geometry, ws: InferenceWorkspace, parallel: Int) {
        let channels = conv.outChannels
        let kk = g.k * g.k
        let inPlane = g.h * g.w, outPlane = g.ho * g.wo
        let output = ws.depthwise
        conv.weights.withUnsafeBufferPointer { wts in
            conv.bias.withUnsafeBufferPointer { bias in
                inputBias.withUnsafeBufferPointer { inBias in
                    let run = { (t: Int) in
                        let lo = channels * t / parallel, hi = channels * (t + 1) / parallel
                        let scratch = ws.scratch[t]
                        DepthwiseKernel.prepare(scratch: scratch, g)
                        for c in lo..<hi {
                            DepthwiseKernel.plane(input: input + c * inPlane, inputBias: inBias[c],
                                                  weights: wts.baseAddress! + c * kk, bias: bias[c], relu6: true,
                                                  output: output + c * outPlane, g, scratch: scratch)
                        }
                    }
                    InferenceParallel.forEach(parallel, run)
                }
            }
        }
    }
}
