import CamsiftCore
import Media

/// One `rtmp` or `stream` camera's connection: libavformat opens the URL (auth inserted, `openURL`), samples
/// by `camera.interval` at the model size, and hands every sample to the camera's `CameraMonitor`, which owns
/// the filter, health, sink and archive like it does for HTTP cameras. `run` blocks on `SourceLoop`'s
/// dedicated thread until the stream fails, and throws that failure (Media's error mapped once, by
/// `IngestError.init(_: MediaError)`), so the supervisor's backoff and escalation apply unchanged.
///
/// Every blocking FFmpeg call is bounded by the `StreamInterrupt` (open timeout, read stall timeout =
/// `camera.timeout`, stop). All per-connection state is local to `run`, so the source itself is immutable.
struct StreamSource: BlockingSource {
    let camera: Camera
    let options: IngestOptions

    /// Quality of the JPEGs archived for stream cameras: visually lossless for camera footage, and close to
    /// what HTTP cameras send, so both kinds of archived frame look alike to training.
    static let archiveQuality = 90

    private var subject: String { "camera '\(camera.id)' (\(camera.redactedURL))" }

    func run(monitor: CameraMonitor, stop: StreamInterrupt) throws(IngestError) {
        var readerOptions = VideoStreamReader.Options()
        // Connect + RTMP handshake + probing must all fit in the connect timeout.
        readerOptions.openTimeout = options.connectTimeout
        readerOptions.readTimeout = camera.timeout > 0 ? camera.timeout : options.noFrameTimeout
        do throws(MediaError) {
            let reader = try VideoStreamReader(url: Self.openURL(for: camera), subject: subject,
                                               options: readerOptions, interrupt: stop)
            OperationalLog.info("ingest", "stream opened in \(Int(reader.openSeconds * 1000)) ms", camera: camera.id)
            try readSamples(reader, monitor: monitor, stop: stop)
        } catch {
            throw IngestError(error)
        }
    }

    /// Reads until the stream fails (throws). Paces to real time like `ffmpeg -re` when the source runs ahead
    /// of the wall clock (a file, or a server's initial burst), so sampling by interval means wall seconds.
    private func readSamples(_ reader: VideoStreamReader, monitor: CameraMonitor,
                             stop: StreamInterrupt) throws(MediaError) {
        var firstPts: Double?
        var baseWall = StreamInterrupt.wallNow()
        var bytesSeen = 0
        var encoder: JPEGEncoder?
        // A region camera: the cut-out sample is encoded once and the model input decoded from that JPEG
        // (`RegionFrame`), which is also the frame's kept and archived bytes. Created only for region cameras.
        let regionCodec: (frame: RegionFrame, decoder: JPEGDecoder)?
        if camera.region != nil {
            do { regionCodec = (try RegionFrame(), try JPEGDecoder()) } catch {
                throw (error as? MediaError) ?? MediaError(.outOfMemory, "cannot create a JPEG codec for \(subject): \(error)")
            }
        } else {
            regionCodec = nil
        }
        while !stop.isStopped {
            let g = options.geometry.current
            let frame: DecodedFrame
            var regionJPEG: [UInt8]?
            if let region = camera.region, let rc = regionCodec {
                let cut = try reader.nextRegionSample(interval: camera.interval, region: region)
                do {
                    (regionJPEG, frame) = try rc.frame.make(cut, decoder: rc.decoder, geometry: g)
                } catch {
                    throw (error as? MediaError) ?? MediaError(.undecodable, "cannot re-encode the region of \(subject): \(error)")
                }
            } else {
                frame = try reader.nextSample(interval: camera.interval, width: g.size, height: g.size, fit: g.fit,
                                              cropFraction: g.cropFraction)
            }
            let pts = reader.lastSampleTime
            if let first = firstPts {
                let ahead = (pts - first) - (StreamInterrupt.wallNow() - baseWall)
                if ahead > max(5, 2 * camera.interval) || pts < first {
                    // A timestamp jump (publisher restarted, wrapped clock): pace from here instead.
                    firstPts = pts
                    baseWall = StreamInterrupt.wallNow()
                } else if ahead > 0.05, !stop.pause(ahead) {
                    break
                }
            } else {
                firstPts = pts
                baseWall = StreamInterrupt.wallNow()
            }
            monitor.received(reader.bytesRead - bytesSeen)
            bytesSeen = reader.bytesRead
            // Success is a decoded sample, not an open: a server that accepts and then sends nothing is not up.
            monitor.succeeded()
            monitor.sampled()
            _ = monitor.deliver(frame, jpeg: regionJPEG, capturedAt: .now, wall: StreamInterrupt.wallNow(),
                                encodeForArchive: { archiveJPEG(reader, encoder: &encoder) })
        }
        throw MediaError(.cancelled, "\(subject) stopped on request")
    }

    /// The current sample at the source's resolution as JPEG, for the archive (cameras without a region: a
    /// region camera hands its region's JPEG to `deliver` instead); nil (logged) when it cannot be
    /// converted or encoded, which never stops the camera. The encoder is created on first use: most stream
    /// cameras run without an archive.
    private func archiveJPEG(_ reader: VideoStreamReader, encoder: inout JPEGEncoder?) -> [UInt8]? {
        do throws(MediaError) {
            let full = try reader.sampleAtSourceSize()
            if encoder == nil { encoder = try JPEGEncoder(quality: Self.archiveQuality) }
            return try encoder!.encode(full)
        } catch {
            OperationalLog.warning("archive", "cannot encode a frame of \(subject) for the archive: \(error)",
                                   camera: camera.id)
            return nil
        }
    }
}
