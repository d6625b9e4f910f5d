import CordonCore
import Crypto
import Foundation

/// How far an ingest run has come, for the progress line on a terminal.
public struct IngestProgress: Sendable {
    public var file: String
    public var records: Int
    public var bytesRead: Int
    /// Size of the file, nil when it is read through a decompressor.
    public var totalBytes: Int?
}

/// Reads cargo files of one format and hands validated records to the store in atomic batches.
/// Memory stays flat: one batch is parsed while the previous one is being committed.
public struct IngestPipeline: Sendable {
    public var format: CargoFormat
    public var mapping: ColumnMapping?
    public var batchSize: Int
    /// EDIFACT interchanges are read whole; larger files are refused rather than exhausting memory.
    public var maxInterchangeBytes = 512 << 20
    /// How many batches of a CSV file are mapped at once: one core fewer than there are, so that the store's writer
    /// (one thread, the slowest part) has a core of its own. A run that stores nothing (a dry run) may take them all.
    public var mappers = max(1, IngestPipeline.cores - 1)
    /// Whether a CSV file's fingerprint (SHA-256 of all of it) is worked out: a store needs it to know the file again;
    /// a dry run, which stores nothing, does not.
    public var fingerprints = true

    /// Records per batch unless told otherwise: a larger batch puts more of its search entries into each page of
    /// the store it writes. Of 5,000 to 50,000, 20,000 took 1,000,000 BACUDA rich rows into SQLite fastest (in 60 %
    /// of the time 5,000 took), with about 600 MB of memory at the peak.
    public static let defaultBatchSize = 20_000

    /// The processor's cores, counted up to 4: what sizes the batches on their way and those mapped at once.
    public static var cores: Int { max(1, min(4, ProcessInfo.processInfo.activeProcessorCount)) }

    /// `mapping` is required for `manifest` and replaces the built-in one for `kcs` and `bacuda` when given.
    public init(format: CargoFormat, mapping: ColumnMapping? = nil, batchSize: Int = IngestPipeline.defaultBatchSize) throws(IngestError) {
        if format == .manifest && mapping == nil {
            throw .badMapping("the manifest format needs --mapping FILE (a JSON column mapping)")
        }
        self.format = format
        self.mapping = mapping
        self.batchSize = batchSize
    }

    /// Loads a JSON mapping file, naming the file and the place of any error.
    public static func loadMapping(path: String) throws(IngestError) -> ColumnMapping {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(file: path, reason: error.localizedDescription)
        }
        do {
            let m = try JSONDecoder().decode(ColumnMapping.self, from: data)
            try m.validateTargets()
            return m
        } catch let e as IngestError {
            throw .badMapping("\(path): \(e)")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw .badMapping("\(path): not valid JSON: \(ctx.debugDescription) \(ctx.underlyingError.map { "(\($0))" } ?? "")")
        } catch let DecodingError.keyNotFound(key, _) {
            throw .badMapping("\(path): missing \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw .badMapping("\(path): at \(ctx.codingPath.map(\.stringValue).joined(separator: ".")): \(ctx.debugDescription)")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw .badMapping("\(path): at \(ctx.codingPath.map(\.stringValue).joined(separator: ".")): \(ctx.debugDescription)")
        } catch {
            throw .badMapping("\(path): \(error)")
        }
    }

    /// Ingests one file. `commit` stores a batch atomically and reports what it did.
    public func run(file path: String,
                    commit: @escaping @Sendable (IntakeBatch) async throws -> IntakeCounts,
                    progress: @escaping @Sendable (IngestProgress) -> Void = { _ in }) async throws -> IntakeCounts {
        try await run(file: path, prepare: { $0 }, commit: commit, progress: progress)
    }

    /// Ingests one file: `prepare` readies a batch for the store (serialising it, say) beside the mapping of the
    /// batches around it; `commit` stores prepared batches one at a time, in file order, each atomically.
    public func run<Prepared: Sendable>(file path: String,
                                        prepare: @escaping @Sendable (IntakeBatch) throws -> Prepared,
                                        commit: @escaping @Sendable (Prepared) async throws -> IntakeCounts,
                                        progress: @escaping @Sendable (IngestProgress) -> Void = { _ in }) async throws -> IntakeCounts {
        let name = (path as NSString).lastPathComponent
        if format.isCSV {
            // The file's fingerprint (a hash of all of it) is worked out beside the reading of its first batch, which
            // needs it only once mapped: before, the whole file was read twice in a row.
            let fingerprint = Task { [fingerprints] () throws -> String in fingerprints ? try FileFingerprint.of(path: path) : "" }
            defer { fingerprint.cancel() }
            return try await runCSV(path: path, name: name, fingerprint: fingerprint, prepare: prepare, commit: commit,
                                    progress: progress)
        }
        let source = SourceFile(name: name, fingerprint: try FileFingerprint.of(path: path), format: format.rawValue)
        return try await runEDIFACT(path: path, source: source, commit: { try await commit(try prepare($0)) }, progress: progress)
    }

    private func runCSV<Prepared: Sendable>(path: String, name: String, fingerprint: Task<String, any Error>,
                                            prepare: @escaping @Sendable (IntakeBatch) throws -> Prepared,
                                            commit: @escaping @Sendable (Prepared) async throws -> IntakeCounts,
                                            progress: @escaping @Sendable (IngestProgress) -> Void) async throws -> IntakeCounts {
        guard let mapping = self.mapping ?? ColumnMapping.builtIn(for: format) else {
            throw IngestError.badMapping("the \(format.rawValue) format needs a column mapping")
        }
        let (reader, decompressor, total) = try IngestPipeline.openCSV(path: path, separator: mapping.separator?.utf8.first)
        defer { decompressor?.terminate() }
        guard let header = try reader.next() else {
            return IntakeCounts()
        }
        let mapper = try RowMapper(mapping: mapping, header: header.fields, file: name, separator: reader.separator)
        // Reading splits the file into records and groups the rows of each document (a document is never split across
        // batches); mapping, validating and preparing a batch is most of the work, and runs on the other cores while
        // the next batches are read. Each batch is committed after the one before it, so that a later version of a
        // document is stored after an earlier one (and after a failed commit, none is); reading waits only when
        // `inFlight` batches are on their way, so memory stays flat.
        // (Up to about 100,000 records: more cores do not make larger batches take more memory.)
        let inFlight = max(2, min(2 * IngestPipeline.cores, 100_000 / max(1, batchSize)))
        var flying: [Task<IntakeCounts, any Error>] = []
        // The mapping of a batch waits for the mapping `mappers` batches before it.
        var mappings: [Task<Prepared?, any Error>] = []
        let mappers = max(1, self.mappers)
        var counts = IntakeCounts()
        var chunk = CSVChunk()
        var groupDocument: String?
        var records = 0
        var lastProgress = Date()
        // Maps and prepares a chunk beside the reading, and commits it after the chunk before it.
        func send(_ ready: CSVChunk, last: Bool) async throws {
            let format = self.format
            let gate = mappings.count >= mappers ? mappings[mappings.count - mappers] : nil
            let mapped = Task { () throws -> Prepared? in
                _ = try? await gate?.value
                let source = SourceFile(name: name, fingerprint: try await fingerprint.value, format: format.rawValue)
                let batch = ready.batch(mapper: mapper, source: source)
                return batch.isEmpty ? nil : try prepare(batch)
            }
            mappings.append(mapped)
            if mappings.count > mappers { mappings.removeFirst(mappings.count - mappers) }
            let previous = flying.last
            flying.append(Task {
                let prepared = try await mapped.value
                _ = try await previous?.value
                guard let prepared else { return IntakeCounts() }
                return try await commit(prepared)
            })
            while flying.count > (last ? 0 : inFlight) { counts = counts + (try await flying.removeFirst().value) }
            if Date().timeIntervalSince(lastProgress) >= 1 || last {
                progress(IngestProgress(file: path, records: records, bytesRead: reader.bytesRead, totalBytes: total))
                lastProgress = Date()
            }
        }
        while true {
            let record: CSVRecord?
            do { record = try reader.next() } catch {
                // A record too large to be a record (an unclosed quote) ends the file: keep it aside, say so.
                chunk.rejects.append(RejectedRecord(file: name, line: 0, field: "(file)", reason: String(describing: error), raw: ""))
                record = nil
            }
            guard let record else {
                try await send(chunk, last: true)
                break
            }
            records += 1
            let document = mapping.groupRows ? mapper.documentNumber(of: record) : nil
            let startsDocument = document == nil || document != groupDocument
            groupDocument = document
            // A chunk ends only where a document does.
            if startsDocument && chunk.records.count >= batchSize {
                try await send(chunk, last: false)
                chunk = CSVChunk()
            }
            chunk.add(record, startsDocument: startsDocument)
        }
        if let decompressor {
            decompressor.waitUntilExit()
            if decompressor.terminationStatus != 0 {
                throw IngestError.unreadable(file: path, reason: "gzip could not decompress it (status \(decompressor.terminationStatus)); what was read before the error is stored")
            }
        }
        return counts
    }

    /// Opens a CSV file, through `gzip -dc` when it ends in .gz; also returns the decompressor and the size.
    static func openCSV(path: String, separator: UInt8?) throws(IngestError) -> (CSVReader, Process?, Int?) {
        do {
            if path.hasSuffix(".gz") {
                let (fd, process) = try FileFingerprint.gunzip(path)
                return (try CSVReader(fileDescriptor: fd, name: path, separator: separator), process, nil)
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            return (try CSVReader(path: path, separator: separator), nil, size)
        } catch {
            throw .unreadable(file: path, reason: String(describing: error))
        }
    }

    private func runEDIFACT(path: String, source: SourceFile,
                            commit: @escaping @Sendable (IntakeBatch) async throws -> IntakeCounts,
                            progress: @escaping @Sendable (IngestProgress) -> Void) async throws -> IntakeCounts {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= maxInterchangeBytes else {
            throw IngestError.unreadable(file: path, reason: "\(size) bytes is more than the \(maxInterchangeBytes)-byte limit for one interchange")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngestError.unreadable(file: path, reason: "cannot read the file")
        }
        let batch = EDIFACTIngest.batch(Array(data), format: format, source: source)
        progress(IngestProgress(file: path, records: batch.consignments.count + batch.bayPlans.count + batch.rejects.count,
                                bytesRead: size, totalBytes: size))
        return try await commit(batch)
    }
}

/// The records of a CSV file read for one batch, grouped by document, waiting to be mapped.
struct CSVChunk: Sendable {
    /// In file order; a document's rows are together. Flat rather than an array per document: most documents
    /// are one row, and an array each cost every row an allocation.
    var records: [CSVRecord] = []
    /// Where each document's rows begin in `records`.
    var documentStarts: [Int] = []
    /// Records kept aside while reading.
    var rejects: [RejectedRecord] = []

    mutating func add(_ record: CSVRecord, startsDocument: Bool) {
        if startsDocument || records.isEmpty { documentStarts.append(records.count) }
        records.append(record)
    }

    /// The batch of these records: each document's rows mapped and validated.
    func batch(mapper: RowMapper, source: SourceFile) -> IntakeBatch {
        var batch = IntakeBatch(source: source, rejects: rejects)
        batch.consignments.reserveCapacity(documentStarts.count)
        // Consumed: the consignment moves into the batch without a copy of its texts.
        func add(_ outcome: consuming RowOutcome) {
            switch consume outcome {
            case .accepted(let c): batch.consignments.append(c)
            case .rejected(let r): batch.rejects.append(r)
            case .merged: break
            }
        }
        for (k, start) in documentStarts.enumerated() {
            let end = k + 1 < documentStarts.count ? documentStarts[k + 1] : records.count
            if end - start == 1 {
                add(mapper.map(records[start], file: source.name))
                continue
            }
            let rows = (start..<end).map { i in (records[i], mapper.build(records[i], file: source.name, continuation: i > start)) }
            for outcome in mapper.finish(rows, file: source.name) { add(outcome) }
        }
        return batch
    }
}

/// Turns an interchange into one batch: messages of the expected type mapped, the others and the truncated
/// ones kept aside, envelope problems reported as warnings.
public enum EDIFACTIngest {
    public static func batch(_ bytes: [UInt8], format: CargoFormat, source: SourceFile,
                             validator: ConsignmentValidator = ConsignmentValidator()) -> IntakeBatch {
        let interchange = EDIFACTLexer.parse(bytes)
        var batch = IntakeBatch(source: source)
        for issue in interchange.issues {
            batch.warnings.append(RejectedRecord(file: source.name, line: issue.segment, unit: "segment", field: issue.field,
                                                 reason: issue.reason, raw: ""))
        }
        let expected = format.rawValue.uppercased()
        for m in interchange.messages {
            let at = m.segments[0].index
            if !m.complete {
                batch.rejects.append(RejectedRecord(file: source.name, line: at, unit: "segment", field: "UNT",
                                                    reason: "message \(m.reference) (\(m.type)) has no UNT trailer: it is truncated",
                                                    raw: m.raw))
                continue
            }
            guard m.type == expected else {
                batch.rejects.append(RejectedRecord(file: source.name, line: at, unit: "segment", field: "UNH",
                                                    reason: "message \(m.reference) is \(m.type.isEmpty ? "of no type" : m.type), not \(expected)",
                                                    raw: m.raw))
                continue
            }
            let outcome = format == .cuscar
                ? CUSCARMapper(validator: validator).map(m, file: source.name)
                : BAPLIEMapper(validator: validator).map(m, file: source.name)
            batch.consignments += outcome.consignments.map(\.0)
            batch.bayPlans += outcome.bayPlans.map(\.0)
            batch.rejects += outcome.rejects
            batch.warnings += outcome.warnings
        }
        return batch
    }
}

/// Identifies a file by its content, so that reading it again is recognised (SHA-256 of its bytes).
public enum FileFingerprint {
    public static func of(path: String) throws(IngestError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadable(file: path, reason: "cannot open it")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 4 << 20) ?? Data() } catch {
                throw .unreadable(file: path, reason: error.localizedDescription)
            }
            if chunk.isEmpty { break }
            if Task.isCancelled { throw .unreadable(file: path, reason: "reading stopped") }
            hasher.update(data: chunk)
        }
        return hasher.finalize().hexString
    }

    /// Starts `gzip -dc FILE` and returns the read end of its output.
    static func gunzip(_ path: String) throws -> (Int32, Process) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", "--", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let fd = dup(pipe.fileHandleForReading.fileDescriptor)
        try? pipe.fileHandleForReading.close()
        return (fd, process)
    }
}
