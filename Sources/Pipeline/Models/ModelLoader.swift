import CamsiftCore
import Foundation
import Serving
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

    /// The first ImageNet candidate that exists, if any.
    public static func imagenetPath(modelsDir: String) -> String? {
        imagenetCandidates(modelsDir: modelsDir).first { FileManager.default.fileExists(atPath: $0) }
    }

    public static func loadImageNet(modelsDir: String, threads: Int, fit: FitMode = .crop) throws(PipelineError) -> ImageNetClassifier {
        let candidates = imagenetCandidates(modelsDir: modelsDir)
        guard let path = imagenetPath(modelsDir: modelsDir) else {
            throw .model("no model to classify with: none of \(candidates.joined(separator: ", ")) exists — run "
                + "`make weights` (imports EfficientNet-Lite0) and copy weights/effnet-lite0-imagenet.csm to "
                + "\(modelsDir)/imagenet.csm, or train one with `camsift train`")
        }
        do {
            return try ImageNetClassifier(path: path, threads: threads, fit: fit)
        } catch {
            throw .model("cannot load \(path): \(error)")
        }
    }
}

extension ModelLoader {
    /// The serving model: the promoted bundle (`MODELS/current`) if any (served with the geometry it records),
    /// else the ImageNet model (its reference crop, framed by the config's `fit`).
    public static func loadServing(modelsDir: String, threads: Int, fit: FitMode = .crop) throws(PipelineError) -> any FrameClassifier {
        if let current = BundleStore(root: modelsDir).current {
            do {
                return try BundleClassifier(directory: current, threads: threads)
            } catch {
                throw .model("cannot load the current bundle \(current): \(error) — `camsift rollback` restores the previous one")
            }
        }
        return try loadImageNet(modelsDir: modelsDir, threads: threads, fit: fit)
    }
}

/// Reloads the serving model when `MODELS/current` points somewhere new (after `camsift rollback` or a
/// promotion by another process), on SIGHUP. Loading runs on its own thread; the swap happens between batches.
public final class ServingModelReloader: Sendable {
    private let modelsDir: String
    private let threads: Int
    private let fit: FitMode
    private let pipeline: LivePipeline
    private let serving: Mutex<String?>

    public init(modelsDir: String, threads: Int, fit: FitMode = .crop, pipeline: LivePipeline) {
        self.modelsDir = modelsDir
        self.threads = threads
        self.fit = fit
        self.pipeline = pipeline
        serving = Mutex(BundleStore(root: modelsDir).current)
    }

    /// Records that `path` now serves (a promotion done in-process).
    public func served(_ path: String?) { serving.withLock { $0 = path } }

    /// Also reloads the window model (on SIGHUP after `camsift train --clips` wrote a new one).
    public func reloadIfChanged() {
        let now = BundleStore(root: modelsDir).current
        let window = ModelLoader.loadWindow(modelsDir: modelsDir)
        if window?.version != pipeline.slot.window?.version { pipeline.installWindow(window) }
        let tags = ModelLoader.loadTags(modelsDir: modelsDir)
        if tags?.version != pipeline.slot.tags?.version { pipeline.installTags(tags) }
        guard serving.withLock({ $0 }) != now else { return }
        DedicatedThread.start("camsift-model-load") { [self] in
            do {
                let model = try ModelLoader.loadServing(modelsDir: modelsDir, threads: threads, fit: fit)
                serving.withLock { $0 = now }
                pipeline.install(model)
            } catch {
                OperationalLog.error("pipeline", "model change in \(modelsDir) not applied: \(error)")
            }
        }
    }
}

extension ModelLoader {
    /// Where an optional model beside the frame model (`window.csm`, `tags.csm`) is looked for: the promoted
    /// bundle's own file, else `MODELS/<file>` (written by `camsift train --clips` / `--tags`). Nil when neither
    /// exists.
    public static func optionalModelPath(_ file: String, modelsDir: String) -> String? {
        var candidates: [String] = []
        if let current = BundleStore(root: modelsDir).current { candidates.append(current + "/" + file) }
        candidates.append(modelsDir + "/" + file)
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The window model, if the models directory has one. A window model that does not load is reported and
    /// skipped: windows are extra, the frame log must go on.
    public static func loadWindow(modelsDir: String) -> WindowClassifier? {
        guard let path = optionalModelPath("window.csm", modelsDir: modelsDir) else { return nil }
        do {
            return try WindowClassifier(path: path)
        } catch {
            OperationalLog.error("pipeline", "window model not loaded, no window events: \(error)")
            return nil
        }
    }
}

extension ModelLoader {
    /// The tags model: the promoted bundle's `tags.csm`, else `MODELS/tags.csm` (`camsift train --tags`); one that
    /// does not load is reported and skipped (tags are extra, the frame log goes on).
    public static func loadTags(modelsDir: String) -> TagClassifier? {
        guard let path = optionalModelPath("tags.csm", modelsDir: modelsDir) else { return nil }
        do {
            return try TagClassifier(path: path)
        } catch {
            OperationalLog.error("pipeline", "tags model not loaded, no tags: \(error)")
            return nil
        }
    }
}
