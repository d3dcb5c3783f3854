import Media

extension IngestError {
    /// The one place Media's (FFmpeg's) failures become ingest errors, so the supervisor's escalation treats a
    /// stream camera exactly like an HTTP one: a missing stream or file and refused credentials (Media's
    /// non-retryable codes) get permanent codes and park the camera offline on the slowest step
    /// (`isPermanent` → `Backoff.escalate`), while timeouts, resets and a publisher that stopped are retried
    /// on the stepped backoff.
    ///
    /// The message is Media's description, code first ("notFound: avformat_open_input failed for camera …"),
    /// because it already names the camera, the redacted URL, FFmpeg's text and the fix; wrapping it again as a
    /// `cause` would only print it twice in `lastError`.
    init(_ error: MediaError) {
        let code: Code = switch error.code {
        case .timeout: .timeout
        case .endOfStream: .connectionClosed
        case .notFound: .notFound
        case .unauthorized: .unauthorized
        case .unsupported, .invalidArgument: .unsupportedCamera
        case .outOfMemory: .resource
        default: .stream   // io, library, undecodable/truncated (a corrupt container), cancelled
        }
        self.init(code, error.description)
        location = error.location
    }
}
