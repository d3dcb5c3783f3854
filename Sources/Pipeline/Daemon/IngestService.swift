import CamsiftCore

/// Ingest's shared machinery (the curl-multi loop, the decode pool) across the daemon's life: the factory is
/// built before the group runs, the cameras' workers come and go with `CameraFleet`, and on stop — after every
/// worker stopped and the pipeline drained — this shuts the shared loops down.
public struct IngestService: Service {
    public let factory: any CameraWorkerFactory

    public init(factory: any CameraWorkerFactory) { self.factory = factory }

    public func run() async throws {
        reportServiceStarted()
        try? await gracefulShutdown()
        await factory.shutdown()
    }
}
