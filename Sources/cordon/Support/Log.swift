import Foundation
import Logging

/// Logging to stderr, level from CORDON_LOG_LEVEL (default `warning` for the command line).
enum Log {
    private static let once: Void = {
        let level = ProcessInfo.processInfo.environment["CORDON_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }()

    static func bootstrap() { _ = once }
}

/// Writes to stderr (progress and messages that are not the command's output).
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static var isTerminal: Bool { isatty(2) == 1 }
}

/// Writes the command's output to stdout unbuffered, so that it interleaves correctly with stderr.
enum StandardOutput {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
