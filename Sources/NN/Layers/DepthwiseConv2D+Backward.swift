#if canImport(Glibc)
import Glibc
#endif

/// Depthwise backward in the same padded phase layout as forward:
/// dW[c,ky,kx] = Σ dY[oy,ox] · xpad[oy·sH + ky·dH, ox·sW + kx·dW] (vector dot products), and
/// dXpad[...] += w · dY (vector axpy into a phase plane), then cropped back to H×W.
/// Tasks own whole channels (all images of a channel), so each dW row has one writer and a fixed summation order.
extension DepthwiseConv2D {
    public func backward(_ dy: Tensor) throws -> Tensor {
        let x = try requireSaved(input, layer: layerName)
        guard let g = geometry else { throw NNError(code: .invalidArgument,
            message: "\(layerName): backward without forward") }
        let n = x.shape.n
        try requireGradShape(dy, Shape(n: n, c: channels, h: g.outH, w: g.outW), layer: layerName)
        let dx = gradInputCache.tensor(x.shape)
        let wantW = !weight.isFrozen, wantX = needsInputGradient
        let wantB = bias.map { !$0.isFrozen } ?? false
        guard wantW || wantX || wantB else { return dx }
        let layout = PhaseLayout(g)
        let tasks = Swift.min(channels, NNThreads.count * 4)
        let perTask = scratchFloats(layout, g)
        let scratch = scratchCache.scratch(tasks * perTask)
        let c = channels, kk = g.kH * g.kW
        let xp = x.pointer, dyp = dy.pointer, dxp = dx.pointer
        let wp = weight.value.pointer, dwp = weight.grad.pointer, dbp = bias?.grad.pointer
        NNThreads.parallelFor(tasks) { task in
            let phases = scratch + task * perTask
            let gradPhases = phases + layout.count
            let dyRow = gradPhases + layout.count
            for ch in (c * task / tasks)..<(c * (task + 1) / tasks) {
                var biasSum: Float = 0
                for img in 0..<n {
                    let plane = img * c + ch
                    let dyPlane = dyp + plane * g.outPlane
                    if wantB {
                        for i in 0..<g.outPlane { biasSum += dyPlane[i] }
                    }
                    if wantW { DepthwiseConv2D.fillPhases(xp + plane * g.inPlane, g, layout, phases) }
                    if wantX { memset(gradPhases, 0, layout.count * 4) }
                    DepthwiseConv2D.backwardPlane(phases: phases, gradPhases: gradPhases, dyRow: dyRow, layout, g,
                                                  dy: dyPlane, weights: wp + ch * kk, gradWeights: dwp + ch * kk,
                                                  wantW: wantW, wantX: wantX)
                    if wantX { DepthwiseConv2D.cropPhases(gradPhases, layout, g, into: dxp + plane * g.inPlane) }
                }
                if wantB, let dbp { dbp[ch] += biasSum }
            }
        }
        return dx
    }

    @inline(__always)
    static func backwardPlane(phases: UnsafePointer<Float>, gradPhases: UnsafeMutablePointer<Float>,
                              dyRow: UnsafeMutablePointer<Float>, _ layout: PhaseLayout, _ g: WindowGeometry,
                              dy: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                              gradWeights: UnsafeMutablePointer<Float>, wantW: Bool, wantX: Bool) {
        let kh = g.kH, kw = g.kW, s = g.strideW
        // dY with a zero tail on every row, so partial vectors contribute nothing.
        let dyStride = g.outW + lanes
        for oy in 0..<g.outH {
            memcpy(dyRow + oy * dyStride, dy + oy * g.outW, g.outW * 4)
            memset(dyRow + oy * dyStride + g.outW, 0, lanes * 4)
        }
        for ky in 0..<kh {
            for kx in 0..<kw {
                let offset = kx * g.dilationW
                let column = (offset % s) * layout.phaseWidth + offset / s
                let w = weights[ky * kw + kx]
                var acc = Vector(repeating: 0)
                for oy in 0..<g.outH {
                    let rowOffset = (oy * g.strideH + ky * g.dilationH) * layout.rowStride + column
                    var ox = 0
                    while ox < g.outW {
                        let d = UnsafeRawPointer(dyRow + oy * dyStride + ox).loadUnaligned(as: Vector.self)
                        if wantW {
                            acc += d * UnsafeRawPointer(phases + rowOffset + ox).loadUnaligned(as: Vector.self)
                        }
                        if wantX {
                            let target = UnsafeMutableRawPointer(gradPhases + rowOffset + ox)
                            let current = target.loadUnaligned(as: Vector.self)
                            target.storeBytes(of: current + d * w, as: Vector.self)
                        }
                        ox += lanes
                    }
                }
                if wantW { gradWeights[ky * kw + kx] += acc.sum() }
            }
        }
    }

    /// Copies the interior (unpadded) part of a phase plane back to a dense H×W plane.
    @inline(__always)
    static func cropPhases(_ phases: UnsafePointer<Float>, _ layout: PhaseLayout, _ g: WindowGeometry,
                           into dst: UnsafeMutablePointer<Float>) {
        let s = g.strideW
        for ih in 0..<g.inH {
            let row = phases + (ih + g.pad.top) * layout.rowStride
            let out = dst + ih * g.inW
            if s == 1 {
                memcpy(out, row + g.pad.left, g.inW * 4)
            } else {
                for iw in 0..<g.inW {
                    let padded = iw + g.pad.left
                    out[iw] = row[(padded % s) * layout.phaseWidth + padded / s]
                }
            }
        }
    }
}
