import Foundation
import Yams

/// Why the configuration file cannot be used, naming the file and the place.
struct ConfigError: Error, CustomStringConvertible {
    let description: String
}

/// A node's settings in one YAML file (`--config FILE` or CORDON_CONFIG), for `cordon serve` and every command that
/// opens the database. A flag wins over the environment, which wins over the file, which wins over the defaults;
/// docs/deployment.md lists every key. Secrets are named by file (`database_password_file`, `metrics_token_file`,
/// `key_file`), never written in it.
struct NodeConfig: Decodable, Equatable {
    var database: String?
    var databasePasswordFile: String?
    var host: String?
    var port: Int?
    var keyFile: String?
    var watchlist: String?
    var checkpointMinutes: Int?
    var signInRate: Int?
    var apiRate: Int?
    var exchangeRate: Int?
    var logLevel: String?
    var logFormat: String?
    var metricsTokenFile: String?
    var trustedProxies: [String]?
    var insecureCookies: Bool?
    var retentionDays: Int?
    var retrainDays: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case database, host, port, watchlist
        case databasePasswordFile = "database_password_file", keyFile = "key_file", checkpointMinutes = "checkpoint_minutes"
        case signInRate = "sign_in_rate", apiRate = "api_rate", exchangeRate = "exchange_rate", logLevel = "log_level"
        case logFormat = "log_format", metricsTokenFile = "metrics_token_file", trustedProxies = "trusted_proxies"
        case insecureCookies = "insecure_cookies", retentionDays = "retention_days", retrainDays = "retrain_days"
    }

    static let empty = NodeConfig()

    /// The file named by `path`, else by CORDON_CONFIG, else no file.
    static func load(_ path: String?) throws(ConfigError) -> NodeConfig {
        guard let path = path ?? ProcessInfo.processInfo.environment["CORDON_CONFIG"], !path.isEmpty else { return .empty }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(description: "\(path): cannot read the configuration file")
        }
        return try parse(text, file: path)
    }

    /// Reads the YAML text: a mapping of known keys; anything else is an error naming the file, line and key.
    static func parse(_ text: String, file: String) throws(ConfigError) -> NodeConfig {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ConfigError(description: "\(file): not valid YAML: \(error)")
        }
        guard let node else { return .empty }
        guard let mapping = node.mapping else { throw ConfigError(description: "\(file): the file must be a mapping of settings (key: value)") }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        for key in mapping.keys {
            guard let name = key.string, known.contains(name) else {
                let line = key.mark.map { "line \($0.line): " } ?? ""
                throw ConfigError(description: "\(file): \(line)unknown setting '\(key.string ?? "?")' (known: \(known.sorted().joined(separator: ", ")))")
            }
        }
        do {
            return try YAMLDecoder().decode(NodeConfig.self, from: node)
        } catch let DecodingError.typeMismatch(_, context) {
            throw ConfigError(description: "\(file): '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            throw ConfigError(description: "\(file): '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)")
        } catch {
            throw ConfigError(description: "\(file): \(error)")
        }
    }

    /// A secret kept in a file of its own: the file's first line, or nil when there is none.
    static func secret(inFile path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let line = text.split(whereSeparator: \.isNewline).first, !line.isEmpty else { return nil }
        return String(line)
    }

    /// The database URL of the file, with the password from `database_password_file` put in (PostgreSQL).
    func databaseURL() throws(ConfigError) -> String? {
        guard let database else { return nil }
        guard let passwordFile = databasePasswordFile else { return database }
        guard let password = NodeConfig.secret(inFile: passwordFile) else {
            throw ConfigError(description: "database_password_file: cannot read a password from \(passwordFile)")
        }
        guard database.hasPrefix("postgres"), var url = URLComponents(string: database) else {
            throw ConfigError(description: "database_password_file is for a postgres:// database")
        }
        url.password = password
        guard let full = url.string else { throw ConfigError(description: "database: cannot add the password to the URL") }
        return full
    }
}
