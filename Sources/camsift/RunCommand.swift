#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Ingest
import Pipeline
import Retraining
import Console
import Events

enum RunCommand: CamsiftCommand {
    static let name = "run"
    static let abstract = "run the daemon in the foreground"
    static let options: [OptionSpec] = [
        .config("(the flags below override its fields; a bad config exits 78)", asRunReadsIt: false),
        .configPath("cameras", "DIR", "registry directory, watched for changes", default: CamsiftConfig().cameras),
        .configPath("log", "FILE", "classification log (JSON Lines)", default: CamsiftConfig().log),
        .configPath("state", "DIR", "state directory (pid file, camera health)", default: CamsiftConfig().state),
        .configPath("archive", "DIR", "frame archive and labeled archive", default: CamsiftConfig().archive),
        .configPath("models", "DIR", "model bundles", default: CamsiftConfig().models),
        .configPath("shard", "K/N", "run only shard K of N (1 ≤ K ≤ N) of the cameras", default: "every camera"),
    ]

    static func run(_ args: [String]) async throws -> Int32 {
        // First, before anything starts a thread: every thread must inherit the blocked signal mask.
        SignalCenter.blockInCurrentThread()
        let a = try parse(args)
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
        let access = try consoleAccess(config)
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
        let fit = FitMode(rawValue: config.fit) ?? .crop
        do {
            let classifier = try ModelLoader.loadServing(modelsDir: config.models, threads: max(1, config.computeThreads), fit: fit)
            OperationalLog.info("daemon", "classifying with model \(classifier.version) (input \(classifier.geometry))" + LivePipeline.cascadeNote(classifier))
            pipeline = LivePipeline(config: config, classifier: classifier, log: log, progress: progress)
            pipeline.installWindow(ModelLoader.loadWindow(modelsDir: config.models))
            pipeline.installTags(ModelLoader.loadTags(modelsDir: config.models))
        }
        let factory: IngestRuntime
        do {
            var ingest = try IngestOptions(config: config)
            // Decode straight to what the serving model takes, and follow it across hot swaps.
            ingest.geometry = pipeline.geometry
            // The console shows and queues the cameras' own JPEGs (HTTP frames keep theirs, no copy; stream frames
            // are encoded once per sampled frame).
            ingest.keepJPEG = !config.metrics.isEmpty
            factory = try IngestRuntime(options: ingest, sink: pipeline.sink)
        } catch {
            throw PipelineError.config("cannot start ingest: \(error)")
        }
        let requests = DaemonRequests()
        let models = ServingModelReloader(modelsDir: config.models, threads: max(1, config.computeThreads), fit: fit,
                                          pipeline: pipeline)
        let retrainer = Retrainer(config: config) { model, path in
            models.served(path)
            pipeline.install(model)
            pipeline.installWindow(ModelLoader.loadWindow(modelsDir: config.models))
            pipeline.installTags(ModelLoader.loadTags(modelsDir: config.models))
        }
        let fleet = CameraFleet(options: options, factory: factory, notifier: notifier, log: log, progress: progress,
                                requests: requests, retrain: retrainer)
        pipeline.engine.setCameraLookup { [fleet] in fleet.camera($0) }
        pipeline.registerMetrics(health: { fleet.cameraHealth() }, retrain: { retrainer.coordinator.status })
        let events: EventPublisher?
        do {
            events = try EventPublisher.make(config: config.events)
        } catch {
            throw PipelineError.config("events: \(error)")
        }
        let console = makeConsole(config: config, access: access, pipeline: pipeline, fleet: fleet, requests: requests,
                                      retrainer: retrainer, models: models,
                                      propagator: makePropagator(config: config))
        let propagator = console?.propagator ?? makePropagator(config: config)(nil)
        // Signals only post requests; SIGTERM/SIGINT's stop request is what shuts the group down.
        let signals = SignalCenter { sig in
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
        // Started in this order, stopped in the reverse one: intake stops, then the pipeline drains, then
        // ingest shuts down, then the log closes and the pid file goes.
        let budget = options.stopBudget
        var services: [ServiceGroup.Entry] = [.init("signals", signals, shutdownDeadline: budget.quick)]
        if options.usePIDFile {
            services.append(.init("pid file", PIDFileService(stateDirectory: config.state), shutdownDeadline: budget.quick))
        }
        services += [
            .init("classification log", ClassificationLogService(log: log)),
            .init("ingest", IngestService(factory: factory), shutdownDeadline: budget.ingest),
        ]
        let observers: [any FrameObserver] = [console?.console.observer, events].compactMap { $0 }
        if !observers.isEmpty { pipeline.engine.setObserver(FrameObservers(observers)) }
        if let events {
            // Before inference in the list, so it stops after the pipeline drained: late label changes still go out.
            services.append(.init("events", events, shutdownDeadline: max(3, budget.ingest)))
        }
        if let c = console?.console {
            // Before the server and inference in the list, so it stops after both: no request and no offer
            // reaches the label store once it closes.
            services.append(.init("console upkeep", ConsoleService(console: c, running: { fleet.runningCameraIDs }),
                                  shutdownDeadline: budget.quick))
        }
        if let metrics = pipeline.makeMetricsServer(address: config.metrics, access: console?.access,
                                                     fallback: console?.console.handler) {
            services.append(.init("console and metrics", metrics, shutdownDeadline: budget.quick))
            if console != nil {
                OperationalLog.notice("console", "console on http://\(metrics.host):\(metrics.port)/")
            }
        }
        services += [
            .init("inference", pipeline.engine, shutdownDeadline: budget.drain),
            .init("retrain schedule", retrainer, shutdownDeadline: budget.quick),
            .init("propagation schedule", propagator, shutdownDeadline: budget.quick),
            .init("cameras", fleet, shutdownDeadline: budget.workers),
        ]
        if options.watchRegistry {
            services.append(.init("registry watcher", RegistryWatcherService(
                directory: config.cameras, debounce: options.reloadDebounce, requests: requests),
                shutdownDeadline: budget.quick))
        }
        services.append(.init("housekeeper", Housekeeper(fleet: fleet), shutdownDeadline: budget.quick))
        do {
            try await ServiceGroup(services, stopRequests: requests).run()
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError(.unavailable, "\(error)", cause: error)
        }
        return 0
    }
}
