import CamsiftCore

extension IngestOptions {
    /// The ingest options the daemon's config asks for: model input size and fit, decode threads, and the
    /// archiver when `archiveFrames` is on. Errors name the config field and the accepted values.
    public init(config: CamsiftConfig) throws {
        self.init()
        inputSize = config.inputSize
        guard let f = FitMode(rawValue: config.fit) else {
            throw IngestError(.invalidOptions, "config field 'fit' is '\(config.fit)'; use one of "
                              + FitMode.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", "))
        }
        fit = f
        decodeThreads = config.decodeThreads
        refreshUnchanged = config.maxReuse
        if config.archiveFrames {
            archiver = FrameArchiver(root: config.archive, minInterval: config.archiveEvery,
                                     maxBytes: config.archiveMaxBytes, maxAgeDays: config.archiveMaxDays)
        }
        try validate()
    }
}
