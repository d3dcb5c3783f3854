import CFFmpeg

extension StreamInterrupt {
    /// A fresh `AVFormatContext` whose `interrupt_callback` polls this token (`shouldAbort`: stopped or past the
    /// armed deadline), so `avformat_open_input` and every later read on it can be cut short. The one place video
    /// (`VideoStreamReader`) and audio (`AudioClipReader`) streams get their context; the caller owns it (freed by
    /// `avformat_open_input` on failure, else by `avformat_close_input`). The token must outlive the context.
    func formatContext(subject: String) throws(MediaError) -> UnsafeMutablePointer<AVFormatContext> {
        guard let fmt = avformat_alloc_context() else {
            throw MediaError(.outOfMemory, "avformat_alloc_context failed for \(subject)")
        }
        fmt.pointee.interrupt_callback = AVIOInterruptCB(
            callback: { opaque in
                guard let opaque else { return 0 }
                return Unmanaged<StreamInterrupt>.fromOpaque(opaque).takeUnretainedValue().shouldAbort ? 1 : 0
            },
            opaque: Unmanaged.passUnretained(self).toOpaque())
        return fmt
    }
}
