import CamsiftCore
import Foundation
import NN
import Synchronization

/// Finds and loads what the daemon classifies with: the promoted trained bundle in `models/current` when
/// there is one, else the ImageNet EfficientNet-Lite0 imported at set-up (so a fresh install logs real
/// labels at once).
public enum ModelLoader {
    /// Where the ImageNet model is looked for, in order: `$CAMSIFT_EFFNET`, `MODELS/imagenet.csm`,
    /// `./weights/effnet-lite0-imagenet.csm` (a source checkout after `make`).
    public static func imagenetCandidates(modelsDir: String) -> [String] {
        var c: [String] = []
        if let env = ProcessInfo.processInfo.environment["CAMSIFT_EFFNET"], !env.isEmpty { c.append(env) }
        c.append(modelsDir + "/imagenet.csm")
        c.append(FileManager.default.currentDirectoryPath + "/weights/effnet-lite0-imagenet.csm")
        return c
    }

    public static func loadImageNet(modelsDir: String, threads: Int) throws(PipelineError) -> SingleModelClassifier {
        let candidates = imagenetCandidates(modelsDir: modelsDir)
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw .model("no model to classify with: none of \(candidates.joined(separator: ", ")) exists — run "
                + "`make weights` (imports EfficientNet-Lite0) and copy weights/effnet-lite0-imagenet.csm to "
                + "\(modelsDir)/imagenet.csm, or train one with `camsift train`")
        }
        do {
            let file = try ModelFile.read(path: path)
            let net = try EfficientNetLite0(modelFile: file, threads: threads)
            return SingleModelClassifier(model: net, version: ModelVersion.of(modelFile: path), inputSize: net.inputSize)
        } catch {
            throw .model("cannot load \(path): \(error)")
        }
    }
}

extension ModelLoader {
    /// The serving model: the promoted bundle (`MODELS/current`) if any, else the ImageNet model.
    public static func loadServing(modelsDir: String, threads: Int) throws(PipelineError) -> any FrameClassifier {
        if let current = BundleStore(root: modelsDir).current {
            do {
                return try BundleClassifier(directory: current, threads: threads)
            } catch {
                throw .model("cannot load the current bundle \(current): \(error) — `camsift rollback` restores the previous one")
            }
        }
        return try loadImageNet(modelsDir: modelsDir, threads: threads)
    }
}

/// Reloads the serving model when `MODELS/current` points somewhere new (after `camsift rollback` or a
/// promotion by another process), on SIGHUP. Loading runs on its own thread; the swap happens between batches.
public final class ServingModelReloader: Sendable {
    private let modelsDir: String
    private let threads: Int
    private let pipeline: LivePipeline
    private let serving: Mutex<String?>

    public init(modelsDir: String, threads: Int, pipeline: LivePipeline) {
        self.modelsDir = modelsDir
        self.threads = threads
        self.pipeline = pipeline
        serving = Mutex(BundleStore(root: modelsDir).current)
    }

    /// Records that `path` now serves (a promotion done in-process).
    public func served(_ path: String?) { serving.withLock { $0 = path } }

    public func reloadIfChanged() {
        let now = BundleStore(root: modelsDir).current
        guard serving.withLock({ $0 }) != now else { return }
        let t = Thread { [self] in
            do {
                let model = try ModelLoader.loadServing(modelsDir: modelsDir, threads: threads)
                serving.withLock { $0 = now }
                pipeline.install(model)
            } catch {
                OperationalLog.error("pipeline", "model change in \(modelsDir) not applied: \(error)")
            }
        }
        t.name = "camsift-model-load"
        t.start()
    }
}
