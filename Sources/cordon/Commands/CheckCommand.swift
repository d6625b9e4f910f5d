import ArgumentParser
import CordonCore
import Foundation

/// `cordon check`: validate container numbers, UN/LOCODEs or HS codes.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check container numbers (ISO 6346), UN/LOCODEs or HS codes.",
        discussion: """
            Prints one line per value: VALUE<TAB>valid, or VALUE<TAB>invalid<TAB>REASON. A valid value that \
            deserves a remark (a UN/LOCODE not in the bundled list) gets a third column: warning: REMARK. \
            Exits 0 when all values are valid, 1 otherwise.

            Examples:
              cordon check container CSQU3054383 MSKU1234565
              cordon check locode KZALA GEPTI
              cordon check hs --file codes.txt
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case container, locode, hs
    }

    @Argument(help: "What to check: container, locode or hs.")
    var kind: Kind

    @Argument(help: "Values to check.")
    var values: [String] = []

    @Option(help: ArgumentHelp("Read one value per line from FILE (- for stdin).", valueName: "FILE"))
    var file: String?

    func validate() throws {
        if values.isEmpty && file == nil { throw ValidationError("give values or --file FILE") }
    }

    func run() throws {
        var inputs = values
        if let file {
            let data: Data?
            if file == "-" { data = FileHandle.standardInput.readDataToEndOfFile() }
            else { data = FileManager.default.contents(atPath: file) }
            guard let data else { throw ValidationError("cannot read \(file)") }
            inputs += String(decoding: data, as: UTF8.self)
                .split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
                .map(String.init).filter { !$0.isEmpty }
        }
        var out = ""
        out.reserveCapacity(inputs.count * 24)
        var allValid = true
        for value in inputs {
            let result: CheckResult
            switch kind {
            case .container: result = ContainerNumber.check(value)
            case .locode: result = LOCODE.check(value)
            case .hs: result = HSCode.check(value)
            }
            switch result {
            case .valid(_, let warning):
                out += warning.map { "\(value)\tvalid\twarning: \($0)\n" } ?? "\(value)\tvalid\n"
            case .invalid(let reason):
                allValid = false
                out += "\(value)\tinvalid\t\(reason)\n"
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
        if !allValid { throw ExitCode(1) }
    }
}
