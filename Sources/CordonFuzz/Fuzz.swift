import CordonCore
import CordonExchange
import CordonIngest
import Foundation

/// Fuzz targets for the parsers that read what others send: the UN/EDIFACT lexer with the CUSCAR and BAPLIE mappers,
/// the CSV reader with the KCS and BACUDA row mappers, and the envelope verifier. Built by `scripts/fuzz` with
/// libFuzzer (`-sanitize=fuzzer,address -DFUZZING`), the target chosen by CORDON_FUZZ_TARGET; built normally, it
/// replays files through a target (`cordon-fuzz TARGET FILE...`), which is how the tests run the crash fixtures.
enum FuzzTarget: String, CaseIterable {
    case edifact, csv, envelope

    /// Feeds one input to the target. Anything may be refused with an error; nothing may crash or hang.
    func run(_ bytes: [UInt8]) {
        switch self {
        case .edifact:
            // The first byte picks the message type the interchange is read as.
            let format: CargoFormat = bytes.first.map { $0 & 1 == 0 } ?? true ? .cuscar : .baplie
            let source = SourceFile(name: "fuzz.edi", fingerprint: "fuzz", format: format.rawValue)
            _ = EDIFACTIngest.batch(Array(bytes.dropFirst()), format: format, source: source)
        case .csv:
            // The first byte picks the built-in format; the rest is a file, header first.
            let format: CargoFormat = bytes.first.map { $0 & 1 == 0 } ?? true ? .kcs : .bacuda
            guard let mapping = ColumnMapping.builtIn(for: format) else { return }
            FuzzTarget.readCSV(Array(bytes.dropFirst().prefix(FuzzTarget.pipeCapacity)), mapping: mapping)
        case .envelope:
            guard let signed = try? JSONDecoder().decode(SignedEnvelope.self, from: Data(bytes)) else { return }
            let now = Date(timeIntervalSince1970: 1_795_000_000)
            _ = try? FuzzTarget.verifier.verify(signed, now: now)
            // Signed again with the peer's key, so that the checks after the signature (sender, times, content) are reached too.
            if let resigned = try? signed.envelope.signed(by: FuzzTarget.peer) { _ = try? FuzzTarget.verifier.verify(resigned, now: now) }
        }
    }

    /// A pipe holds this much without a reader; the CSV input is cut to it so that writing never blocks.
    static let pipeCapacity = 60_000

    static func readCSV(_ file: [UInt8], mapping: ColumnMapping) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        _ = file.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        guard let reader = try? CSVReader(fileDescriptor: fds[0], name: "fuzz.csv", maxRecordBytes: 1 << 16) else { return }
        guard let header = try? reader.next(),
              let mapper = try? RowMapper(mapping: mapping, header: header.fields, file: "fuzz.csv", separator: reader.separator) else { return }
        while let record = try? reader.next() { _ = mapper.map(record, file: "fuzz.csv") }
    }

    /// The one peer the verifier knows, and the verifier.
    static let peer = NodeIdentity()
    static let verifier = EnvelopeVerifier(peers: [Peer(name: "kz-node", country: "KZ", baseURL: "http://127.0.0.1:1",
                                                        publicKey: peer.publicKeyBase64)])

    static var chosen: FuzzTarget {
        FuzzTarget(rawValue: ProcessInfo.processInfo.environment["CORDON_FUZZ_TARGET"] ?? "") ?? .edifact
    }
}

#if FUZZING
/// libFuzzer's driver, from the fuzzer runtime linked in by -sanitize=fuzzer.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// Runs libFuzzer on the target named by CORDON_FUZZ_TARGET. SwiftPM renames an executable's entry point, so
/// libFuzzer's own main cannot be used: this one hands the command line to libFuzzer's driver.
@main
struct FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzTarget.chosen.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        }
        exit(status)
    }
}
#else
/// Replays files through a target: `cordon-fuzz edifact crash-1 crash-2`. Exit 0 when every input was read
/// without a crash (a crash ends the process, which is what a regression test looks for).
@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("usage: cordon-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE...\n".utf8))
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("cordon-fuzz: cannot read \(path)\n".utf8))
                exit(2)
            }
            target.run(Array(data))
            print("\(target.rawValue)\t\(path)\tok")
        }
    }
}
#endif
