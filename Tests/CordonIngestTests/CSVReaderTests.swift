import CordonIngest
import Foundation
import Testing
import TestSupport

@Suite("CSV reader")
struct CSVReaderTests {
    func records(_ text: String, bom: Bool = false, separator: UInt8? = nil) throws -> [CSVRecord] {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var data = Data(text.utf8)
        if bom { data.insert(contentsOf: [0xEF, 0xBB, 0xBF], at: 0) }
        FileManager.default.createFile(atPath: dir.file("t.csv"), contents: data)
        let reader = try CSVReader(path: dir.file("t.csv"), separator: separator)
        var out: [CSVRecord] = []
        while let r = try reader.next() { out.append(r) }
        return out
    }

    @Test("quoted fields, doubled quotes, embedded newlines and their line numbers")
    func quoting() throws {
        let r = try records("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",z\n3,,\n")
        #expect(r.map(\.fields) == [["a", "b", "c"], ["1", "x, y", "say \"hi\""], ["2", "two\nlines", "z"], ["3", "", ""]])
        #expect(r.map(\.line) == [1, 2, 3, 5])
    }

    @Test("BOM, CRLF, semicolon and tab separators, no final newline, blank lines")
    func dialects() throws {
        let semi = try records("a;b\r\n1,5;\"q\r\nr\"\r\n\r\n2;3", bom: true)
        #expect(semi.map(\.fields) == [["a", "b"], ["1,5", "q\r\nr"], ["2", "3"]])
        let tab = try records("a\tb\tc\nx\ty\tz\n")
        #expect(tab.map(\.fields) == [["a", "b", "c"], ["x", "y", "z"]])
        let forced = try records("a;b,c\n", separator: UInt8(ascii: ","))
        #expect(forced.map(\.fields) == [["a;b", "c"]])
    }

    @Test("a record says whether any field has spaces or tabs around it (only those are trimmed)")
    func padding() throws {
        let r = try records("a,b\n1,2\n 1,2\n1,2\t\n\"1 \",2\n1,\"2\" \n\"\",\n")
        #expect(r.map(\.padded) == [false, false, true, true, true, true, false])
        #expect(r[4].fields == ["1 ", "2"])
    }

    @Test("records spanning buffer refills are read whole")
    func largeFile() throws {
        // 60,000 records with quoted, multi-line and long fields: several refills of the 1 MB buffer.
        var expected: [[String]] = []
        var text = "id,text,n\n"
        for i in 0..<60_000 {
            let body = i % 7 == 0 ? "line one\nline \"two\", \(i)" : String(repeating: "x", count: i % 50)
            expected.append(["\(i)", body, "\(i * 3)"])
            text += "\(i),\"\(body.replacingOccurrences(of: "\"", with: "\"\""))\",\(i * 3)\r\n"
        }
        let r = try records(text)
        #expect(r.count == 60_001)
        #expect(Array(r.dropFirst().map(\.fields)) == expected)
        #expect(r.last?.line == 60_001 + 60_000 / 7 + 1)
    }

    @Test("a file through a pipe in small pieces: records cut anywhere, between doubled quotes too, and a 3 MB record")
    func pipedInPieces() throws {
        var expected: [[String]] = [["id", "text"]]
        var text = "id,text\n"
        for i in 0..<2_000 {
            let body = i == 1_000 ? String(repeating: "long \"quoted\" text,\n", count: 150_000)
                : i % 3 == 0 ? "say \"\(i)\", \"\"" : "plain \(i)"
            expected.append(["\(i)", body])
            text += "\(i),\"\(body.replacingOccurrences(of: "\"", with: "\"\""))\"\n"
        }
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let bytes = Array(text.utf8), writeEnd = ends[1]
        // Pieces of 1 to 61 bytes: a read returns what has been written so far, cutting records at every place.
        let writer = Thread {
            var at = 0, size = 1
            while at < bytes.count {
                let n = min(size, bytes.count - at)
                let written = bytes[at..<at + n].withUnsafeBytes { write(writeEnd, $0.baseAddress, n) }
                if written < 0 && errno != EINTR { break }
                at += max(0, written)
                size = size % 61 + 1
            }
            close(writeEnd)
        }
        writer.start()
        let reader = try CSVReader(fileDescriptor: ends[0], name: "pipe")
        var got: [[String]] = []
        while let r = try reader.next() { got.append(r.fields) }
        #expect(got.count == expected.count)
        #expect(got == expected)
    }

    @Test("an unclosed quote is an error, not endless memory")
    func unclosedQuote() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let text = "a,b\n1,\"" + String(repeating: "y", count: 3_000_000)
        FileManager.default.createFile(atPath: dir.file("t.csv"), contents: Data(text.utf8))
        let reader = try CSVReader(path: dir.file("t.csv"), maxRecordBytes: 1 << 20)
        _ = try reader.next()
        #expect(throws: CSVError.self) { _ = try reader.next() }
    }
}
