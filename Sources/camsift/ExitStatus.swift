/// sysexits(3) codes used by camsift commands, so scripts and systemd's RestartPreventExitStatus can tell
/// a bad registry/config (do not restart) from a crash (restart).
enum ExitStatus {
    static let ok: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let unavailable: Int32 = 69
    static let software: Int32 = 70
    static let config: Int32 = 78
}
