// swift-tools-version:6.0
// libFuzzer build of camsift's JPEG decode path, kept out of the main package so its sanitizer flags and
// static-library product never touch the normal build. Sources/ holds symlinks to ../Sources/<Module>.
// Built and run by fuzz/jpeg.sh (`make fuzz-jpeg`).
import PackageDescription

let package = Package(
    name: "camsift-fuzz",
    products: [.library(name: "FuzzMedia", type: .static, targets: ["Media"])],
    targets: [
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg"),
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat"),
        .target(name: "CamsiftCore"),
        .target(name: "Media", dependencies: ["CamsiftCore", "CTurboJPEG", "CFFmpeg"]),
    ]
)
