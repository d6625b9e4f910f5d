import CordonCore
import Foundation
import Yams

/// Why a profile file could not be read; names the file and the place in it.
public struct ProfileFileError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// Reads risk profiles from a JSON or YAML file: one profile, or a list of them.
public enum ProfileFile {
    /// The profiles in `path`; YAML unless the file name ends in `.json`.
    public static func load(path: String) throws(ProfileFileError) -> [RiskProfile] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProfileFileError(description: "\(path): cannot read the file")
        }
        return try parse(data, name: path, json: path.lowercased().hasSuffix(".json"))
    }

    /// Profiles from file contents; `name` is used in errors.
    public static func parse(_ data: Data, name: String, json: Bool) throws(ProfileFileError) -> [RiskProfile] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw ProfileFileError(description: "\(name): not UTF-8 text")
        }
        do {
            let profiles: [RiskProfile]
            if json {
                let decoder = JSONDecoder()
                let trimmed = text.drop { $0.isWhitespace }
                profiles = trimmed.first == "[" ? try decoder.decode([RiskProfile].self, from: data)
                                                : [try decoder.decode(RiskProfile.self, from: data)]
            } else {
                // Parsed once; the node says whether the file holds one profile or a list.
                guard let node = try Yams.compose(yaml: text) else {
                    throw ProfileFileError(description: "\(name): the file is empty")
                }
                let decoder = YAMLDecoder()
                if case .sequence = node {
                    profiles = try decoder.decode([RiskProfile].self, from: node)
                } else {
                    profiles = [try decoder.decode(RiskProfile.self, from: node)]
                }
            }
            var seen = Set<String>()
            for p in profiles where !seen.insert(p.name).inserted {
                throw ProfileFileError(description: "\(name): profile '\(p.name)' appears twice")
            }
            return profiles
        } catch let error as ProfileFileError {
            throw error
        } catch let error as DecodingError {
            throw ProfileFileError(description: "\(name): \(describe(error))")
        } catch {
            throw ProfileFileError(description: "\(name): \(error)")
        }
    }

    /// A profile written as YAML in the file format, as an analyst would write it (for editing in the pages).
    public static func yaml(_ profile: RiskProfile) throws -> String {
        try YAMLEncoder().encode(profile)
    }

    /// A decoding error as "where: what", the place written as a path like `[1].conditions[2].regex`.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let p = keys.map { k in k.intValue.map { "[\($0)]" } ?? ".\(k.stringValue)" }.joined()
            return p.hasPrefix(".") ? String(p.dropFirst()) : (p.isEmpty ? "top level" : p)
        }
        switch error {
        case .dataCorrupted(let c): return "\(path(c.codingPath)): \(c.debugDescription)"
        case .keyNotFound(let key, let c): return "\(path(c.codingPath + [key])): missing"
        case .typeMismatch(let type, let c): return "\(path(c.codingPath)): expected \(type)"
        case .valueNotFound(let type, let c): return "\(path(c.codingPath)): expected \(type), found nothing"
        @unknown default: return "\(error)"
        }
    }
}
