#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Ingest
import Pipeline

enum RunCommand: CamsiftCommand {
    static let name = "run"
    static let abstract = "run the daemon in the foreground"
    static let usage = "[--config FILE] [--cameras DIR] [--log FILE] [--state DIR] [--archive DIR] [--models DIR] "
        + "[--shard K/N]"

    static func run(_ args: [String]) async throws -> Int32 {
        // First, before anything starts a thread: every thread must inherit the blocked signal mask.
        SignalCenter.blockInCurrentThread()
        let a = try CommandLineArguments(
            args, valued: ["config", "cameras", "log", "state", "archive", "models", "shard"], booleans: [])
        guard a.positionals.isEmpty else { throw UsageError("unexpected argument '\(a.positionals[0])'") }
        do {
            return try await runDaemon(a)
        } catch {
            Console.error("camsift run: \(error)")
            switch error.code {
            case .config: return ExitStatus.config
            case .alreadyRunning: return ExitStatus.unavailable
            default: return ExitStatus.failure
            }
        }
    }

    private static func runDaemon(_ a: CommandLineArguments) async throws(PipelineError) -> Int32 {
        HeapTrim.configure()  // before the model and ingest allocate: keeps RSS flat across retrains
        let resolved = try DaemonConfiguration.resolve(
            configPath: a.value("config"),
            overrides: .init(cameras: a.value("cameras"), log: a.value("log"), state: a.value("state"),
                             archive: a.value("archive"), models: a.value("models"), shard: a.value("shard")))
        for w in resolved.warnings { OperationalLog.warning("config", w) }
        let config = resolved.config
        OperationalLog.info(
            "daemon", "config: \(resolved.source ?? "defaults (no \(DaemonConfiguration.defaultPath))"); "
                + "cameras \(config.cameras), log \(config.log), state \(config.state)")
        var options = DaemonOptions(config: config, shard: try ShardSpec(parsing: config.shard))
        options.watchRegistry = true
        let notifier = try SystemdNotifier(environment: ProcessInfo.processInfo.environment)
        let logDir = (config.log as NSString).deletingLastPathComponent
        if !logDir.isEmpty { try? FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true) }
        let log = try ClassificationLogWriter(path: config.log, maxBytes: config.logMaxBytes)
        // The model first: a daemon that cannot classify should fail at start-up, not after READY.
        // Scoped so that only the model slot holds the first model: after a promotion it must be freed, not
        // kept alive by this frame for the daemon's lifetime (the soak bench measured ~50 MB held).
        let progress = PipelineProgress()
        let pipeline: LivePipeline
        let inputSize: Int
        do {
            let classifier = try ModelLoader.loadServing(modelsDir: config.models, threads: max(1, config.computeThreads))
            OperationalLog.info("daemon", "classifying with model \(classifier.version) (input \(classifier.inputSize)px)")
            inputSize = classifier.inputSize
            pipeline = LivePipeline(config: config, classifier: classifier, log: log, progress: progress)
        }
        let factory: IngestRuntime
        do {
            var ingest = try IngestOptions(config: config)
            ingest.inputSize = inputSize  // decode straight to what the serving model takes
            factory = try IngestRuntime(options: ingest, sink: pipeline.sink)
        } catch {
            throw PipelineError.config("cannot start ingest: \(error)")
        }
        let daemon = Daemon(options: options, factory: factory, notifier: notifier, log: log, progress: progress)
        let models = ServingModelReloader(modelsDir: config.models, threads: max(1, config.computeThreads), pipeline: pipeline)
        let retrainer = Retrainer(config: config) { model, path in
            models.served(path)
            pipeline.install(model)
        }
        daemon.setHooks { hooks in
            hooks.drain = { await pipeline.drainInBackground(timeout: 2) }
            hooks.retrain = { retrainer.coordinator.request(reason: "SIGUSR1") }
        }
        pipeline.registerMetrics(health: { daemon.cameraHealth() }, retrain: { retrainer.coordinator.status })
        pipeline.start(metricsAddress: config.metrics)
        retrainer.startSchedule()
        let signals = SignalCenter()
        signals.install { [requests = daemon.requests] sig in
            switch sig {
            case .hangup:
                OperationalLog.info("daemon", "SIGHUP: reopening the log and reloading the registry")
                requests.reopenLog()
                requests.reload("SIGHUP")
                models.reloadIfChanged()
            case .user1:
                requests.retrain()
            case .terminate, .interrupt:
                requests.stop(sig.name)
            }
        }
        let status = try await daemon.run()
        signals.stop()
        retrainer.stopSchedule()
        return status
    }
}
