import ArgumentParser
import Foundation

/// Who runs a command that changes shared data, for the record (saved-by, recorded-by).
struct UserOption: ParsableArguments {
    @Option(name: .customLong("user"), help: ArgumentHelp("Who does this, for the record (env CORDON_USER, else the login name).",
                                                         valueName: "NAME"))
    var explicit: String?

    var name: String {
        let env = ProcessInfo.processInfo.environment
        return explicit ?? env["CORDON_USER"] ?? env["USER"] ?? env["LOGNAME"] ?? "unknown"
    }
}
