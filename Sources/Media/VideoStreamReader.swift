import CFFmpeg
import CamsiftCore

/// One open FFmpeg video input (RTMP, RTSP, HLS, files): demux with libavformat, decode with libavcodec,
/// sample by interval, convert sampled frames with swscale.
///
/// Blocking by design: call it only from a dedicated thread, never the cooperative pool. Every blocking call
/// is bounded by `StreamInterrupt` (open timeout, read timeout, stop). Not `Sendable`: thread-confined.
public final class VideoStreamReader {
    public struct Options: Sendable {
        public var openTimeout: Double = 5
        /// Longest wait for the next packet before the stream is considered stalled.
        public var readTimeout: Double = 10
        /// `analyzeduration` in µs. FFmpeg's default (5 s) makes an RTMP open take ~6 s. Half a second is
        /// plenty for RTSP (SDP carries the parameters) and MPEG-TS/HLS.
        public var analyzeDuration: Int = 500_000
        /// `analyzeduration` for rtmp URLs: FLV's onMetaData and AVC sequence header carry the codec
        /// parameters up front, so 0.2 s suffices. Measured against nginx-rtmp on this box: opens in
        /// 0.6-0.8 s (0.2 s), 0.8-1.2 s (0.5 s), 5.7-6.5 s (FFmpeg defaults, via ffprobe).
        public var rtmpAnalyzeDuration: Int = 200_000
        /// `probesize` in bytes (default 5 MB); 256 KB holds several keyframes of a camera stream.
        public var probeSize: Int = 262_144
        public init() {}
    }

    public let subject: String
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    /// The frame the last `nextSample` returned, still referenced so `sampleAtSourceSize()` can convert it
    /// on demand. Costs one decoded picture per camera, which the decoder's buffer pool would hold anyway.
    private var sampled: UnsafeMutablePointer<AVFrame>?
    /// swscale context for `sampleAtSourceSize()` (source size → RGB24), apart from `scaler`'s so the two
    /// sizes do not evict each other from `sws_getCachedContext`.
    private var sourceSizeSws: OpaquePointer?
    private var streamIndex: Int32 = -1
    private var timeBase: Double = 0
    private let interrupt: StreamInterrupt
    private let options: Options
    private let scaler = VideoFrameScaler()
    private var lastSampled: Double?
    private var draining = false
    /// Seconds open + stream-info probing took.
    public private(set) var openSeconds: Double = 0
    /// Packets and frames seen since open (all decoded, sampled or not).
    public private(set) var framesDecoded = 0
    public private(set) var bytesRead = 0
    /// Stream time (seconds) of the frame the last `nextSample` returned.
    public var lastSampleTime: Double { lastSampled ?? 0 }

    /// Opens `url` and its best video stream. `subject` names it in errors (camera id + redacted URL).
    public init(url: String, subject: String, options: Options = .init(), interrupt: StreamInterrupt) throws(MediaError) {
        FFmpegLog.install()
        self.subject = subject
        self.interrupt = interrupt
        self.options = options
        let t0 = StreamInterrupt.now()

        var fmt: UnsafeMutablePointer<AVFormatContext>? = try interrupt.formatContext(subject: subject)
        var dict: OpaquePointer?
        let isRTMP = url.hasPrefix("rtmp")
        av_dict_set(&dict, "analyzeduration", String(isRTMP ? options.rtmpAnalyzeDuration : options.analyzeDuration), 0)
        av_dict_set(&dict, "probesize", String(options.probeSize), 0)
        if isRTMP { av_dict_set(&dict, "rtmp_live", "live", 0) }
        interrupt.arm(seconds: options.openTimeout)
        let rc = avformat_open_input(&fmt, url, nil, &dict)
        av_dict_free(&dict)
        // On failure avformat_open_input frees the context and nulls `fmt`.
        if rc < 0 { throw Self.failure(rc, "avformat_open_input", subject, interrupt) }
        format = fmt
        do throws(MediaError) {
            try Self.check(avformat_find_stream_info(fmt, nil), "avformat_find_stream_info", subject, interrupt)
            var decoder: UnsafePointer<AVCodec>?
            let idx = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0)
            if idx < 0 || decoder == nil {
                throw MediaError(.unsupported, "no decodable video stream in \(subject); point the camera at a video stream (an audio-only or data stream cannot be classified)")
            }
            streamIndex = idx
            // Skip demuxing work for audio/data streams we never decode.
            for i in 0..<Int(fmt!.pointee.nb_streams) where Int32(i) != idx {
                fmt!.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL
            }
            let st = fmt!.pointee.streams[Int(idx)]!
            timeBase = cffmpeg_q2d(st.pointee.time_base)
            guard let cc = avcodec_alloc_context3(decoder) else {
                throw MediaError(.outOfMemory, "avcodec_alloc_context3 failed for \(subject)")
            }
            codec = cc
            try Self.check(avcodec_parameters_to_context(cc, st.pointee.codecpar), "avcodec_parameters_to_context", subject, interrupt)
            // One decode thread per camera: the core budget is spent across cameras, not within one.
            cc.pointee.thread_count = 1
            try Self.check(avcodec_open2(cc, decoder, nil), "avcodec_open2", subject, interrupt)
            packet = av_packet_alloc()
            frame = av_frame_alloc()
            sampled = av_frame_alloc()
            guard packet != nil, frame != nil, sampled != nil else { throw MediaError(.outOfMemory, "av_packet_alloc failed for \(subject)") }
        } catch {
            release()
            throw error
        }
        openSeconds = Double(StreamInterrupt.now() - t0) / 1e9
        interrupt.disarm()
    }

    deinit { release() }

    private func release() {
        if frame != nil { av_frame_free(&frame) }
        if sampled != nil { av_frame_free(&sampled) }
        sws_freeContext(sourceSizeSws)
        sourceSizeSws = nil
        if packet != nil { av_packet_free(&packet) }
        if codec != nil { avcodec_free_context(&codec) }
        if format != nil { avformat_close_input(&format) }
    }

    /// Reads and decodes until the next frame due for sampling (`interval` seconds of stream time after the
    /// previous sampled one; the first frame is always due), converts it, and returns it. Every frame of an
    /// inter-frame codec is decoded (later frames reference it) but only sampled ones go through swscale.
    /// Throws `.endOfStream` at the end, `.timeout` after `readTimeout` without a packet, `.cancelled` on stop.
    ///
    /// With a `region` (a camera's registry `region`) the sampled frame is cropped to `Region.pixels` of its size
    /// first (`av_frame_apply_cropping`: plane pointers move, no copy), so the returned frame and
    /// `sampleAtSourceSize()` are both that rectangle. (The daemon reads region cameras with
    /// `nextRegionSample`: their model input is decoded from the region's JPEG, see `RegionFrame`.)
    public func nextSample(interval: Double, width: Int, height: Int, fit: FitMode,
                           cropFraction: Double = 1, region: Region? = nil) throws(MediaError) -> DecodedFrame {
        try advance(interval: interval, region: region)
        return try scaler.convert(sampled!, width: width, height: height, fit: fit, subject: subject)
    }

    /// Like `nextSample`, but returns the sampled frame cropped to `region` at the source's resolution (RGB24,
    /// `sampleAtSourceSize()`), without converting it to the model size: a region camera's one cut-out, which
    /// `RegionFrame` encodes and the model input is decoded from.
    public func nextRegionSample(interval: Double, region: Region) throws(MediaError) -> DecodedFrame {
        try advance(interval: interval, region: region)
        return try sampleAtSourceSize()
    }

    /// Reads and decodes until the next frame due for sampling and leaves it in `sampled` (cropped to `region`).
    private func advance(interval: Double, region: Region?) throws(MediaError) {
        guard let format, let codec, let packet, let frame, let sampled else {
            throw MediaError(.invalidArgument, "reader for \(subject) is closed")
        }
        av_frame_unref(sampled)
        while true {
            // Drain frames the decoder already has.
            while true {
                let r = avcodec_receive_frame(codec, frame)
                if r == cffmpeg_AVERROR_EAGAIN() { break }
                if r == cffmpeg_AVERROR_EOF() {
                    throw MediaError(.endOfStream, "\(subject) ended; camsift reconnects with backoff")
                }
                try Self.check(r, "avcodec_receive_frame", subject, interrupt)
                framesDecoded += 1
                if due(frame, interval: interval) {
                    av_frame_move_ref(sampled, frame)
                    if let region { try Self.crop(sampled, to: region, subject: subject) }
                    return
                }
                av_frame_unref(frame)
            }
            if draining { throw MediaError(.endOfStream, "\(subject) ended; camsift reconnects with backoff") }
            interrupt.arm(seconds: options.readTimeout)
            let r = av_read_frame(format, packet)
            interrupt.disarm()
            if r == cffmpeg_AVERROR_EOF() {
                // Flush: the decoder may still hold delayed frames.
                draining = true
                avcodec_send_packet(codec, nil)
                continue
            }
            if r < 0 { throw Self.failure(r, "av_read_frame", subject, interrupt) }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            bytesRead += Int(packet.pointee.size)
            let s = avcodec_send_packet(codec, packet)
            // A corrupt packet is the stream's problem for one frame, not a reason to drop the connection.
            if s < 0 && s != cffmpeg_AVERROR_INVALIDDATA() && s != cffmpeg_AVERROR_EAGAIN() {
                try Self.check(s, "avcodec_send_packet", subject, interrupt)
            }
        }
    }

    /// The frame the last `nextSample` returned, at the source's own size (swscale to RGB24, no resizing):
    /// what the archive keeps for stream cameras, so frames labelled later for training have the camera's
    /// resolution, not the model's. Converted only when asked (most samples are never archived), and only
    /// until the next `nextSample` call.
    public func sampleAtSourceSize() throws(MediaError) -> DecodedFrame {
        guard let sampled, sampled.pointee.width > 0, sampled.pointee.height > 0 else {
            throw MediaError(.invalidArgument, "no sampled frame of \(subject) to convert; call nextSample first")
        }
        let w = Int(sampled.pointee.width), h = Int(sampled.pointee.height)
        sourceSizeSws = sws_getCachedContext(sourceSizeSws, Int32(w), Int32(h), AVPixelFormat(rawValue: sampled.pointee.format),
                                             Int32(w), Int32(h), AV_PIX_FMT_RGB24, SWS_BILINEAR, nil, nil, nil)
        guard let sws = sourceSizeSws else {
            throw MediaError(.unsupported, "swscale cannot convert \(w)x\(h) pixel format \(sampled.pointee.format) for \(subject)")
        }
        var rc: Int32 = 0
        let rgb = [UInt8](unsafeUninitializedCapacity: w * h * 3) { out, n in
            var dst: [UnsafeMutablePointer<UInt8>?] = [out.baseAddress, nil, nil, nil]
            var dstStride: [Int32] = [Int32(w * 3), 0, 0, 0]
            rc = withUnsafePointer(to: &sampled.pointee.data) { dp in
                dp.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { src in
                    withUnsafePointer(to: &sampled.pointee.linesize) { lp in
                        lp.withMemoryRebound(to: Int32.self, capacity: 8) { strides in
                            sws_scale(sws, src, strides, 0, Int32(h), &dst, &dstStride)
                        }
                    }
                }
            }
            // sws_scale writes every row it reports; the rest (only on failure) must not be read as pixels.
            if rc != Int32(h) { out.initialize(repeating: 0) }
            n = w * h * 3
        }
        try FFmpeg.check(rc, "sws_scale", subject)
        guard rc == Int32(h) else {
            throw MediaError(.library, "sws_scale converted \(rc) of \(h) rows of a \(w)x\(h) frame of \(subject)")
        }
        return DecodedFrame(width: w, height: h, rgb: rgb)
    }

    /// Crops `frame` to `region` in place. Unaligned: the region's edges are exact for luma; subsampled chroma
    /// starts at the chroma sample covering the left/top edge (half a pixel at worst for an odd edge in 4:2:0).
    static func crop(_ frame: UnsafeMutablePointer<AVFrame>, to region: Region, subject: String) throws(MediaError) {
        let fw = Int(frame.pointee.width), fh = Int(frame.pointee.height)
        guard fw > 0, fh > 0 else { return }
        let r = region.pixels(width: fw, height: fh)
        frame.pointee.crop_left = Int(r.x)
        frame.pointee.crop_top = Int(r.y)
        frame.pointee.crop_right = Int(fw - r.x - r.width)
        frame.pointee.crop_bottom = Int(fh - r.y - r.height)
        let rc = av_frame_apply_cropping(frame, Int32(AV_FRAME_CROP_UNALIGNED))
        guard rc >= 0, Int(frame.pointee.width) == r.width, Int(frame.pointee.height) == r.height else {
            throw MediaError(.unsupported, "cannot crop a \(fw)x\(fh) frame (pixel format \(frame.pointee.format)) of \(subject) "
                             + "to its region \(r); remove the camera's \"region\" or decode in software")
        }
    }

    private func due(_ frame: UnsafeMutablePointer<AVFrame>, interval: Double) -> Bool {
        let ts = frame.pointee.best_effort_timestamp
        let t = ts == cffmpeg_AV_NOPTS_VALUE()
            ? Double(StreamInterrupt.now()) / 1e9 : Double(ts) * timeBase
        // A timestamp going backwards is a discontinuity (publisher restarted): start sampling afresh.
        if let last = lastSampled, t >= last, t - last < interval - 1e-6 { return false }
        lastSampled = t
        return true
    }

    private static func check(_ rc: Int32, _ what: String, _ subject: String, _ interrupt: StreamInterrupt) throws(MediaError) {
        if rc < 0 { throw failure(rc, what, subject, interrupt) }
    }

    /// An interrupted call reports AVERROR_EXIT (or EIO); the interrupt state says whether it was a stop or a
    /// timeout, which the supervisor treats differently.
    private static func failure(_ rc: Int32, _ what: String, _ subject: String, _ interrupt: StreamInterrupt) -> MediaError {
        if interrupt.isStopped {
            return MediaError(.cancelled, "\(what) for \(subject) stopped on request")
        }
        if interrupt.isExpired {
            return MediaError(.timeout, "\(what) for \(subject) timed out; the server is not sending (stream not published?) or is too slow; raise the camera's timeout if it is just slow",
                              cause: .init(library: "ffmpeg", code: rc, text: FFmpeg.errorText(rc)))
        }
        return FFmpeg.error(rc, what, subject)
    }
}
