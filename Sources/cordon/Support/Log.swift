import CordonCore
import Foundation
import Logging
import Synchronization

/// Logging to stderr: level from CORDON_LOG_LEVEL (default `warning` for the command line), lines as text or, with
/// CORDON_LOG_FORMAT=json (or `cordon serve --log-format json`), one JSON object per line for a log collector.
enum Log {
    /// How log lines are written.
    enum Format: String, CaseIterable {
        case text, json
    }

    private static let installed = Mutex(false)

    /// Installs the log handler once per process; later calls change nothing.
    /// The format is `flag`, else CORDON_LOG_FORMAT, else the configuration file's; the level CORDON_LOG_LEVEL, else
    /// the file's.
    static func bootstrap(format flag: Format? = nil, config: NodeConfig = .empty) {
        let first = installed.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        let env = ProcessInfo.processInfo.environment
        let level = (env["CORDON_LOG_LEVEL"] ?? config.logLevel).flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let format = flag ?? (env["CORDON_LOG_FORMAT"] ?? config.logFormat).flatMap(Format.init(rawValue:)) ?? .text
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}

/// One JSON object per log line on stderr: time (UTC, milliseconds), level, logger label, message, the source module
/// and every metadata value (the request id `hb.request.id`, `trace_id`, `user`, ...) as strings.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadata.merging(metadataProvider?.get() ?? [:], uniquingKeysWith: { _, new in new })
            .merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) {
            fields[key] = value.description
        }
        if let error = event.error { fields["error"] = "\(error)" }
        // The fixed keys win over metadata of the same name.
        fields["time"] = Timestamp.iso(Date(), milliseconds: true)
        fields["level"] = event.level.rawValue
        fields["logger"] = label
        fields["message"] = event.message.description
        fields["source"] = event.source
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var data = try? encoder.encode(fields) else { return }
        data.append(10)
        FileHandle.standardError.write(data)
    }
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
