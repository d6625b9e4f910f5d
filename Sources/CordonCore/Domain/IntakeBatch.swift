/// The file a batch of cargo records came from, identified so that re-reading it is recognised.
public struct SourceFile: Hashable, Codable, Sendable {
    public var name: String
    /// A fingerprint of the file's size and content (see CordonIngest's `FileFingerprint`).
    public var fingerprint: String
    public var format: String

    public init(name: String, fingerprint: String, format: String) {
        self.name = name
        self.fingerprint = fingerprint
        self.format = format
    }
}

/// Records read from one part of a file, to be stored together or not at all.
public struct IntakeBatch: Sendable {
    public var source: SourceFile
    public var consignments: [Consignment]
    public var bayPlans: [BayPlan]
    /// Records kept aside.
    public var rejects: [RejectedRecord]
    /// Problems in the file that did not stop its records from loading (control counts, unknown segments).
    public var warnings: [RejectedRecord]

    public init(source: SourceFile, consignments: [Consignment] = [], bayPlans: [BayPlan] = [],
                rejects: [RejectedRecord] = [], warnings: [RejectedRecord] = []) {
        self.source = source
        self.consignments = consignments
        self.bayPlans = bayPlans
        self.rejects = rejects
        self.warnings = warnings
    }

    public var isEmpty: Bool { consignments.isEmpty && bayPlans.isEmpty && rejects.isEmpty && warnings.isEmpty }
}

/// What storing batches did: the `cordon ingest --json` summary.
public struct IntakeCounts: Hashable, Codable, Sendable {
    /// Records stored: new documents and new versions of known ones.
    public var accepted = 0
    /// Records identical to a version already stored.
    public var duplicates = 0
    public var rejected = 0
    /// Consignments (and bay plans) stored by this run.
    public var consignments = 0
    /// Containers of the stored records.
    public var containers = 0
    /// New versions of documents already stored (included in `accepted`).
    public var newVersions = 0
    /// Warnings kept with the stored records plus new problems in the files' structure.
    public var warnings = 0

    public init() {}

    public static func + (a: IntakeCounts, b: IntakeCounts) -> IntakeCounts {
        var c = a
        c.accepted += b.accepted
        c.duplicates += b.duplicates
        c.rejected += b.rejected
        c.consignments += b.consignments
        c.containers += b.containers
        c.newVersions += b.newVersions
        c.warnings += b.warnings
        return c
    }
}
