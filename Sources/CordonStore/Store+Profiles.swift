import CordonCore
import Foundation
import SQLKit

/// A profile version as stored, with who saved it and when.
public struct StoredProfile: Sendable, Hashable {
    public var id: Int
    public var versioned: VersionedProfile
    public var savedBy: String
    public var savedAt: String

    public var profile: RiskProfile { versioned.profile }
    public var version: Int { versioned.version }
}

/// What saving a profile did: a new version, or nothing because the stored version says the same.
public struct ProfileSaveOutcome: Sendable, Hashable, Codable {
    public var name: String
    public var version: Int
    public var changed: Bool

    public init(name: String, version: Int, changed: Bool) {
        self.name = name
        self.version = version
        self.changed = changed
    }
}

/// A profile's hits and what controls of them found, per month.
public struct ProfileMonth: Sendable, Hashable, Codable {
    public var month: String
    public var hits: Int
    public var selected: Int
    public var inspected: Int
    public var positive: Int

    public init(month: String, hits: Int, selected: Int, inspected: Int, positive: Int) {
        self.month = month
        self.hits = hits
        self.selected = selected
        self.inspected = inspected
        self.positive = positive
    }

    /// Share of the inspected hits that found something; nil before any inspection.
    public var hitRate: Double? { inspected == 0 ? nil : Double(positive) / Double(inspected) }
}

/// Why a profile operation was refused.
public enum ProfileStoreError: Error, CustomStringConvertible, Sendable {
    case unknown(String)
    case alreadyRetired(String)

    public var description: String {
        switch self {
        case .unknown(let name): "no profile named '\(name)'"
        case .alreadyRetired(let name): "profile '\(name)' is already retired"
        }
    }
}

extension Store {
    static let profileEncoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    /// Saves profiles in one transaction: each one that differs from its latest stored version becomes the
    /// next version; the others are left as they are. Nothing is saved when any one fails.
    public func saveProfiles(_ profiles: [RiskProfile], by user: String) async throws -> [ProfileSaveOutcome] {
        try await transaction {
            var out: [ProfileSaveOutcome] = []
            for p in profiles {
                let latest = try await latestProfile(p.name)
                if let latest, latest.profile == p {
                    out.append(ProfileSaveOutcome(name: p.name, version: latest.version, changed: false))
                    continue
                }
                let version = (latest?.version ?? 0) + 1
                try await insertProfile(p, version: version, by: user)
                out.append(ProfileSaveOutcome(name: p.name, version: version, changed: true))
            }
            return out
        }
    }

    /// Retires a profile: its next version is the same rule with status retired.
    public func retireProfile(_ name: String, by user: String) async throws -> ProfileSaveOutcome {
        try await transaction {
            guard let latest = try await latestProfile(name) else { throw ProfileStoreError.unknown(name) }
            guard latest.profile.status != .retired else { throw ProfileStoreError.alreadyRetired(name) }
            var p = latest.profile
            p.status = .retired
            let version = latest.version + 1
            try await insertProfile(p, version: version, by: user)
            return ProfileSaveOutcome(name: name, version: version, changed: true)
        }
    }

    func insertProfile(_ p: RiskProfile, version: Int, by user: String) async throws {
        let definition = String(decoding: try Store.profileEncoder.encode(p), as: UTF8.self)
        try await sql.insert(into: "risk_profiles")
            .columns("name", "version", "status", "lane", "weight", "valid_from", "valid_until", "author",
                     "definition", "saved_by", "saved_at")
            .values(SQLBind(p.name), SQLBind(version), SQLBind(p.status.rawValue), SQLBind(p.lane.rawValue),
                    SQLBind(p.weight), SQLBind(p.validFrom?.description), SQLBind(p.validUntil?.description),
                    SQLBind(p.author), SQLBind(definition), SQLBind(user), SQLBind(Store.now()))
            .run()
    }

    func latestProfile(_ name: String) async throws -> StoredProfile? {
        try await readProfiles(sql.select().column("*").from("risk_profiles").where("name", .equal, name)
            .orderBy("version", .descending).limit(1)).first
    }

    private func readProfiles(_ query: sending SQLSelectBuilder) async throws -> [StoredProfile] {
        let decoder = JSONDecoder()
        return try await query.all().map { r in
            let definition = try r.decode(column: "definition", as: String.self)
            return StoredProfile(
                id: try r.decode(column: "id", as: Int.self),
                versioned: VersionedProfile(profile: try decoder.decode(RiskProfile.self, from: Data(definition.utf8)),
                                            version: try r.decode(column: "version", as: Int.self)),
                savedBy: try r.decode(column: "saved_by", as: String.self),
                savedAt: try r.decode(column: "saved_at", as: String.self))
        }
    }

    /// The latest version of every profile, by name; retired ones only when asked.
    public func profiles(includeRetired: Bool = false) async throws -> [StoredProfile] {
        try await exclusive {
            let latest = try await readProfiles(sql.select().column("*").from("risk_profiles")
                .where(SQLIdentifier("version"), .equal, SQLRaw(
                    "(SELECT MAX(v.version) FROM risk_profiles v WHERE v.name = risk_profiles.name)"))
                .orderBy("name"))
            return includeRetired ? latest : latest.filter { $0.profile.status != .retired }
        }
    }

    /// Every stored version of one profile, oldest first.
    public func profileVersions(_ name: String) async throws -> [StoredProfile] {
        try await exclusive {
            try await readProfiles(sql.select().column("*").from("risk_profiles").where("name", .equal, name).orderBy("version"))
        }
    }

    /// The profiles in force now (status active in their latest version), for targeting.
    public func activeProfiles() async throws -> [VersionedProfile] {
        try await profiles().filter { $0.profile.status == .active }.map(\.versioned)
    }

    /// Hits of a profile (all its versions) per month of the targeted day, and what controls found.
    public func profileStatistics(_ name: String) async throws -> [ProfileMonth] {
        try await exclusive {
            // A hit counts as inspected when its document has a result from the same unit.
            let rows = try await sql.raw("""
                SELECT SUBSTR(h.day, 1, 7) AS month, COUNT(*) AS hits, SUM(h.selected) AS selected,
                    SUM(CASE WHEN r.outcome IS NULL THEN 0 ELSE 1 END) AS inspected,
                    SUM(CASE WHEN r.outcome IN ('irregularity', 'seizure') THEN 1 ELSE 0 END) AS positive
                FROM profile_hits h
                JOIN risk_profiles p ON p.id = h.profile_id
                JOIN consignments c ON c.id = h.consignment_id
                LEFT JOIN (SELECT document_number, kind, unit_code, MAX(outcome) AS outcome FROM inspection_results
                           GROUP BY document_number, kind, unit_code) r
                    ON r.document_number = c.document_number AND r.kind = c.kind AND r.unit_code = h.unit_code
                WHERE p.name = \(bind: name)
                GROUP BY SUBSTR(h.day, 1, 7) ORDER BY month
                """).all()
            return try rows.map { r in
                ProfileMonth(month: try r.decode(column: "month", as: String.self),
                             hits: try r.decode(column: "hits", as: Int.self),
                             selected: try r.decode(column: "selected", as: Int?.self) ?? 0,
                             inspected: try r.decode(column: "inspected", as: Int?.self) ?? 0,
                             positive: try r.decode(column: "positive", as: Int?.self) ?? 0)
            }
        }
    }
}
