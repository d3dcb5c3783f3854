import CamsiftCore
import Foundation
import Testing
@testable import NN

/// Issue 18's engine criterion: outputs and gradients within 1e-4 of PyTorch on the same weights, for
/// `nn.LSTM(bidirectional=True)`, the unidirectional `nn.LSTM`, `nn.BatchNorm1d` (training step, running
/// statistics, inference) and the whole residual BiLSTM window network (dropout 0).
///
/// The reference values come from `tools/lstm_reference.py` (Debian python3-torch), which `make test` runs first
/// (`make fixtures` alone); set CAMSIFT_LSTM_FIXTURE to read another file. The weights are loaded by their
/// PyTorch state-dict names, so the names are checked too.
///
/// Tolerance: |ours − torch| ≤ 1e-4 · max(1, |torch|) — absolute 1e-4 for values up to 1 in magnitude, relative
/// 1e-4 above (a few gradients of the summed loss reach ~10).
@Suite struct LSTMTorchParityTests {
    static let tolerance: Float = 1e-4

    /// `.build/fixtures/lstm_reference.json` of this checkout, unless CAMSIFT_LSTM_FIXTURE names another file.
    static var fixturePath: String {
        if let p = ProcessInfo.processInfo.environment["CAMSIFT_LSTM_FIXTURE"], !p.isEmpty { return p }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/fixtures/lstm_reference.json").path
    }

    /// The fixture's cases; a missing fixture is a test failure that says how to make it, never a silent pass.
    static func cases() throws -> [String: Any] {
        let path = fixturePath
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NNError(code: .io, message: "PyTorch reference fixture '\(path)' is missing: run `make fixtures` "
                + "(writes it with tools/lstm_reference.py and Debian's python3-torch; `make test` does this first)")
        }
        guard let doc = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cases = doc["cases"] as? [String: Any] else {
            throw NNError(code: .format, message: "'\(path)' is not a lstm_reference.py fixture; run `make fixtures`")
        }
        return cases
    }

    static func tensor(_ any: Any?, _ what: String) throws -> Tensor {
        guard let o = any as? [String: Any], let shape = o["shape"] as? [Int], let values = o["values"] as? [Double]
        else { throw NNError(code: .format, message: "fixture entry '\(what)' is not {shape, values}") }
        return Tensor(shape: Shape(shape), values: values.map { Float($0) })
    }

    static func named(_ any: Any?, _ what: String) throws -> [(String, Tensor)] {
        guard let o = any as? [String: Any] else {
            throw NNError(code: .format, message: "fixture entry '\(what)' is not a name → tensor map")
        }
        return try o.keys.sorted().map { ($0, try tensor(o[$0], $0)) }
    }

    /// Max |ours − torch| and whether every element is within tolerance.
    @discardableResult
    static func compare(_ ours: Tensor, _ torch: Tensor, _ what: String) -> Float {
        #expect(ours.shape == torch.shape, "\(what): shape \(ours.shape) vs torch \(torch.shape)")
        guard ours.shape == torch.shape else { return .infinity }
        var worst: Float = 0, worstIndex = 0
        var ok = true
        for i in 0..<ours.count {
            let d = abs(ours.pointer[i] - torch.pointer[i])
            if d > worst { worst = d; worstIndex = i }
            if !(d <= tolerance * Swift.max(1, abs(torch.pointer[i]))) { ok = false }
        }
        let detail = "\(what): max |Δ| \(worst) at \(worstIndex) (ours \(ours.pointer[worstIndex]), torch "
            + "\(torch.pointer[worstIndex]))"
        #expect(ok, "\(detail)")
        print("torch parity \(what): max |Δ| = \(worst)")
        return worst
    }

    /// Loads the case's weights into `layer` by name, runs forward + backward with torch's upstream gradient and
    /// compares the output, dX and every parameter gradient.
    static func check(_ layer: any Layer, case name: String) throws -> [String: Any] {
        guard let c = try cases()[name] as? [String: Any] else {
            throw NNError(code: .format, message: "fixture has no case '\(name)'; re-run `make fixtures`")
        }
        try layer.load(named: try named(c["weights"], "weights"))
        let x = try tensor(c["input"], "input"), dy = try tensor(c["gradOutput"], "gradOutput")
        layer.needsInputGradient = true
        layer.zeroGrad()
        compare(try layer.forward(x, training: true), try tensor(c["output"], "output"), "\(name) output")
        compare(try layer.backward(dy), try tensor(c["gradInput"], "gradInput"), "\(name) dX")
        let grads = Dictionary(uniqueKeysWithValues: try named(c["grads"], "grads"))
        let ours = layer.parameters()
        #expect(Set(ours.map(\.0)) == Set(grads.keys), "\(name): parameter names differ from torch's")
        for (pname, p) in ours {
            guard let g = grads[pname] else { continue }
            compare(p.grad, g, "\(name) d\(pname)")
        }
        return c
    }

    @Test func bidirectionalLSTMMatchesTorch() throws {
        let c = try Self.cases()["bilstm"] as? [String: Any]
        let f = try #require(c?["F"] as? Int), h = try #require(c?["H"] as? Int)
        var rng = SeededGenerator(seed: 1)
        _ = try Self.check(try BiLSTM(inputSize: f, hiddenSize: h, rng: &rng), case: "bilstm")
    }

    @Test func unidirectionalLSTMMatchesTorch() throws {
        let c = try Self.cases()["lstm"] as? [String: Any]
        let f = try #require(c?["F"] as? Int), h = try #require(c?["H"] as? Int)
        var rng = SeededGenerator(seed: 1)
        _ = try Self.check(LSTM(inputSize: f, hiddenSize: h, rng: &rng), case: "lstm")
    }

    @Test func batchNorm1dMatchesTorch() throws {
        let c = try Self.cases()["batchnorm1d"] as? [String: Any]
        let bn = BatchNorm1d(features: try #require(c?["F"] as? Int))
        let record = try Self.check(bn, case: "batchnorm1d")
        Self.compare(bn.runningMean, try Self.tensor(record["runningMean"], "runningMean"), "batchnorm1d running_mean")
        Self.compare(bn.runningVar, try Self.tensor(record["runningVar"], "runningVar"), "batchnorm1d running_var")
        let x = try Self.tensor(record["input"], "input")
        Self.compare(try bn.forward(x, training: false), try Self.tensor(record["evalOutput"], "evalOutput"),
                     "batchnorm1d eval output")
    }

    /// proj → 2 × residual BiLSTM → last step → BN → fc1 → ReLU → fc, built by `WindowNetwork.make`.
    @Test func windowNetworkMatchesTorch() throws {
        let c = try #require(try Self.cases()["window"] as? [String: Any])
        let config = WindowNetwork.Config(features: try #require(c["F"] as? Int), classes: try #require(c["C"] as? Int),
                                          projection: try #require(c["P"] as? Int), dense: try #require(c["D"] as? Int),
                                          dropout: 0, denseDropout: 0, window: try #require(c["T"] as? Int))
        let model = try WindowNetwork.make(config)
        _ = try Self.check(model, case: "window")
    }
}
