import ArgumentParser
import CordonCore
import CordonIngest
import CordonStore
import Foundation
import Metrics

/// `cordon ingest`: take in cargo files, validate them, store what is good and quarantine what is not.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Take in manifests and declarations (CSV or UN/EDIFACT).",
        discussion: """
            Every record is validated (ISO 6346 containers, UN/LOCODE, HS codes, ISO 3166, ISO 4217). \
            Accepted records are stored; the same document again is a duplicate, a changed one a new version. \
            Rejected records go to the quarantine with file, line, field and reason (see `cordon rejects`). \
            Files are stored in atomic batches: an interrupted run leaves whole batches, and running the \
            same command again completes it without duplicates. Files ending in .gz are decompressed.

            Formats: kcs (KCS declarations), bacuda (BACUDA/DATE, plain or rich), manifest (any CSV with \
            --mapping FILE, see docs/ingest.md), cuscar and baplie (UN/EDIFACT).

            Examples:
              cordon ingest --format bacuda A_s1_rich.csv.gz --json
              cordon ingest --format manifest \\
                --mapping port-manifest.json manifest-2026-11.csv
              cordon ingest --format cuscar cargo-report.edi
            """)

    @Option(help: "Format of the files: \(CargoFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String

    @Option(help: ArgumentHelp("JSON column mapping (required for manifest).", valueName: "FILE"))
    var mapping: String?

    @Flag(help: "Print one JSON summary object on stdout.")
    var json = false

    @Option(help: "Records per atomic batch (larger batches write the store's search tables faster and take more memory).")
    var batchSize = IngestPipeline.defaultBatchSize

    @Flag(help: "Read and validate only: store nothing (the summary counts what would be accepted).")
    var dryRun = false

    @OptionGroup var user: UserOption
    @OptionGroup var store: StoreOptions

    @Argument(help: "Files to ingest.")
    var files: [String]

    func validate() throws {
        guard CargoFormat(rawValue: format) != nil else {
            throw ValidationError("unknown format '\(format)': use \(CargoFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if files.isEmpty { throw ValidationError("name at least one file") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        guard let format = CargoFormat(rawValue: format) else { throw ValidationError("unknown format '\(format)'") }
        let pipeline: IngestPipeline
        do {
            let mapping = try mapping.map { path throws(IngestError) in try IngestPipeline.loadMapping(path: path) }
            var made = try IngestPipeline(format: format, mapping: mapping, batchSize: batchSize)
            if dryRun {
                made.mappers = IngestPipeline.cores
                made.fingerprints = false
            }
            pipeline = made
        } catch {
            StandardError.write("cordon ingest: \(error)\n")
            throw ExitCode(2)
        }
        let db = dryRun ? nil : try await store.open()
        var total = IntakeCounts()
        let accepted = Counter(label: "cordon_ingest_records_total", dimensions: [("outcome", "accepted")])
        let rejected = Counter(label: "cordon_ingest_records_total", dimensions: [("outcome", "rejected")])
        let duplicate = Counter(label: "cordon_ingest_records_total", dimensions: [("outcome", "duplicate")])
        let terminal = StandardError.isTerminal
        do {
            for file in files {
                // Batches are serialised beside the mapping, off the store, so that it overlaps with the batch being written.
                // A dry run counts a batch where it was mapped: freed on the thread that made it, its many small
                // allocations go back to that thread's own free lists.
                let prepare = { @Sendable (batch: IntakeBatch) throws -> ReadyBatch in
                    db == nil ? .dry(IngestCommand.wouldStore(batch)) : .ready(try Store.prepare(batch))
                }
                let counts = try await pipeline.run(file: file, prepare: prepare, commit: { batch in
                    switch batch {
                    case .ready(let prepared): return try await db?.commit(prepared) ?? IntakeCounts()
                    case .dry(let counts): return counts
                    }
                },
                                                    progress: { p in
                    guard terminal else { return }
                    let share = p.totalBytes.map { $0 > 0 ? String(format: " %3.0f%%", Double(p.bytesRead) * 100 / Double($0)) : "" } ?? ""
                    StandardError.write("\r\(p.file):\(share) \(p.records) records")
                })
                if terminal { StandardError.write("\n") }
                accepted.increment(by: counts.accepted)
                rejected.increment(by: counts.rejected)
                duplicate.increment(by: counts.duplicates)
                if !json {
                    StandardOutput.write("\(file): \(counts.accepted) accepted (\(counts.newVersions) new versions), \(counts.duplicates) duplicates, \(counts.rejected) rejected, \(counts.warnings) warnings; \(counts.consignments) consignments, \(counts.containers) containers\n")
                }
                if let db {
                    try await user.audit(db, "ingest", subject: (file as NSString).lastPathComponent,
                                         details: "\(format.rawValue): \(counts.accepted) accepted, \(counts.duplicates) duplicates, \(counts.rejected) rejected")
                }
                total = total + counts
            }
        } catch {
            await db?.close()
            StandardError.write("cordon ingest: \(error)\n")
            throw ExitCode(2)
        }
        await db?.close()
        if json {
            StandardOutput.write(#"{"accepted":\#(total.accepted),"duplicates":\#(total.duplicates),"rejected":\#(total.rejected),"consignments":\#(total.consignments),"containers":\#(total.containers),"new_versions":\#(total.newVersions),"warnings":\#(total.warnings)}"# + "\n")
        } else if total.rejected > 0 {
            StandardError.write("See the rejected records with: cordon rejects\n")
        }
    }

    /// A batch ready for the store, or what a dry run found in it.
    enum ReadyBatch: Sendable {
        case ready(Store.PreparedBatch)
        case dry(IntakeCounts)
    }

    /// What a batch would add to an empty store (for --dry-run).
    static func wouldStore(_ batch: IntakeBatch) -> IntakeCounts {
        var c = IntakeCounts()
        c.accepted = batch.consignments.count + batch.bayPlans.count
        c.consignments = batch.consignments.count
        c.containers = batch.consignments.reduce(0) { $0 + $1.containers.count } + batch.bayPlans.reduce(0) { $0 + $1.containers.count }
        c.rejected = batch.rejects.count
        // As the store counts them: the records' own warnings and the file's.
        c.warnings = batch.warnings.count + batch.consignments.reduce(0) { $0 + $1.warnings.count }
            + batch.bayPlans.reduce(0) { $0 + $1.warnings.count }
        return c
    }
}
