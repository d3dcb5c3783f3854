/// Paths public IP cameras serve MJPEG/snapshots on, by brand (from vendor manuals and long-lived camera
/// directories). `camsift probe HOST` tries each one.
public enum ProbePaths {
    public struct Path: Sendable, Equatable {
        public var path: String
        public var brand: String
    }

    public static let all: [Path] = [
        Path(path: "/mjpg/video.mjpg", brand: "Axis"),
        Path(path: "/axis-cgi/jpg/image.cgi", brand: "Axis"),
        Path(path: "/axis-cgi/mjpg/video.cgi", brand: "Axis"),
        Path(path: "/video.cgi", brand: "Foscam"),
        Path(path: "/snapshot.cgi", brand: "Foscam"),
        Path(path: "/video/mjpg.cgi", brand: "D-Link/TRENDnet"),
        Path(path: "/SnapshotJPEG?Resolution=640x480", brand: "Panasonic"),
        Path(path: "/nphMotionJpeg", brand: "Panasonic"),
        Path(path: "/control/faststream.jpg?stream=full", brand: "Mobotix"),
        Path(path: "/video.mjpg", brand: "Vivotek"),
        Path(path: "/stream.jpg", brand: "Y-Cam"),
        Path(path: "/now.jpg?snap=spush", brand: "IQEye"),
        Path(path: "/snapshot.jpg", brand: "generic"),
        Path(path: "/image.jpg", brand: "generic"),
    ]
}
