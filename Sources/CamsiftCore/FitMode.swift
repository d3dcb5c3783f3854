/// How a camera frame with another aspect ratio becomes the square model input.
public enum FitMode: String, Codable, Sendable, CaseIterable {
    /// Scale the short side to the input size and cut the centre (no bars; loses the edges).
    case crop
    /// Scale the long side to the input size and pad with black bars (keeps the whole view).
    case letterbox
}
