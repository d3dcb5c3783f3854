import CFFmpeg
import CamsiftCore

/// Reads a stretch of a camera's audio (issue 19's audio modality): the first audio stream of a file or network
/// stream (RTMP, RTSP, HLS, HTTP: whatever libavformat opens), decoded and resampled by libswresample to mono
/// float at `sampleRate` — what `LogMel` takes. Cameras without an audio stream get `.unsupported` (the tags model
/// then treats the audio modality as missing). Opens and reads under the same interrupt deadline as video, so a
/// silent server cannot block the caller past `timeout`.
public enum AudioClipReader {
    public static let sampleRate = 16_000

    /// Up to `seconds` of audio from `url` (`subject`: the camera or URL as printed, credentials stripped).
    public static func read(url: String, subject: String, seconds: Double, timeout: Double = 10,
                            interrupt: StreamInterrupt = StreamInterrupt()) throws(MediaError) -> [Float] {
        let wanted = Int(seconds * Double(sampleRate))
        guard wanted > 0 else { return [] }
        var fmt: UnsafeMutablePointer<AVFormatContext>? = try interrupt.formatContext(subject: subject)
        interrupt.arm(seconds: timeout)
        defer { interrupt.disarm() }
        try FFmpeg.check(avformat_open_input(&fmt, url, nil, nil), "avformat_open_input", subject)
        var codec: UnsafeMutablePointer<AVCodecContext>?
        var swr: OpaquePointer?
        var packet = av_packet_alloc(), frame = av_frame_alloc()
        defer {
            av_frame_free(&frame)
            av_packet_free(&packet)
            swr_free(&swr)
            avcodec_free_context(&codec)
            avformat_close_input(&fmt)
        }
        guard let packet, let frame else { throw MediaError(.outOfMemory, "av_packet_alloc failed for \(subject)") }
        try FFmpeg.check(avformat_find_stream_info(fmt, nil), "avformat_find_stream_info", subject)
        var decoder: UnsafePointer<AVCodec>?
        let index = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, &decoder, 0)
        guard index >= 0, let decoder else {
            throw MediaError(.unsupported, "\(subject) has no decodable audio stream; its tags use the other modalities")
        }
        let stream = fmt!.pointee.streams[Int(index)]!
        codec = avcodec_alloc_context3(decoder)
        guard let cc = codec else { throw MediaError(.outOfMemory, "avcodec_alloc_context3 failed for \(subject)") }
        try FFmpeg.check(avcodec_parameters_to_context(cc, stream.pointee.codecpar), "avcodec_parameters_to_context", subject)
        cc.pointee.thread_count = 1
        try FFmpeg.check(avcodec_open2(cc, decoder, nil), "avcodec_open2", subject)
        var mono = cffmpeg_layout_mono()
        try FFmpeg.check(swr_alloc_set_opts2(&swr, &mono, AV_SAMPLE_FMT_FLT, Int32(sampleRate), &cc.pointee.ch_layout,
                                             cc.pointee.sample_fmt, cc.pointee.sample_rate, 0, nil),
                         "swr_alloc_set_opts2", subject, fix: "the stream's audio format is not one libswresample converts")
        try FFmpeg.check(swr_init(swr), "swr_init", subject)
        var out: [Float] = []
        out.reserveCapacity(wanted)
        var draining = false
        func convert(_ f: UnsafeMutablePointer<AVFrame>?) throws(MediaError) {
            let inCount = f.map { Int($0.pointee.nb_samples) } ?? 0
            let room = Int(swr_get_out_samples(swr, Int32(inCount)))
            guard room > 0 else { return }
            var buf = [Float](repeating: 0, count: room)
            let got: Int32 = buf.withUnsafeMutableBytes { raw in
                var dst: UnsafeMutablePointer<UInt8>? = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                return withUnsafeMutablePointer(to: &dst) { d in
                    guard let f else { return swr_convert(swr, d, Int32(room), nil, 0) }
                    return f.pointee.extended_data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) {
                        swr_convert(swr, d, Int32(room), $0, Int32(inCount))
                    }
                }
            }
            try FFmpeg.check(got, "swr_convert", subject)
            out.append(contentsOf: buf.prefix(Int(got)))
        }
        while out.count < wanted {
            let r = avcodec_receive_frame(cc, frame)
            if r == 0 {
                try convert(frame)
                av_frame_unref(frame)
                continue
            }
            if r == cffmpeg_AVERROR_EOF() { break }
            if r != cffmpeg_AVERROR_EAGAIN() { try FFmpeg.check(r, "avcodec_receive_frame", subject) }
            if draining { break }
            let rd = av_read_frame(fmt, packet)
            if rd == cffmpeg_AVERROR_EOF() {
                draining = true
                avcodec_send_packet(cc, nil)
                continue
            }
            try FFmpeg.check(rd, "av_read_frame", subject)
            if packet.pointee.stream_index == index {
                let s = avcodec_send_packet(cc, packet)
                if s < 0 && s != cffmpeg_AVERROR_INVALIDDATA() && s != cffmpeg_AVERROR_EAGAIN() {
                    av_packet_unref(packet)
                    try FFmpeg.check(s, "avcodec_send_packet", subject)
                }
            }
            av_packet_unref(packet)
        }
        try convert(nil)  // what the resampler still holds
        return Array(out.prefix(wanted))
    }
}
