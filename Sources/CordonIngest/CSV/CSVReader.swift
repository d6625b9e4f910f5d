#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One record of a CSV file: its fields and the line on which it starts (1-based, header is line 1).
public struct CSVRecord: Sendable {
    public var fields: [String]
    public var line: Int
    /// Byte offset just past the record, for progress and resumption.
    public var endOffset: Int
    /// Whether a field begins or ends with a space or a tab: only then do its fields need trimming.
    public var padded = true
}

/// Errors that stop a CSV file from being read at all (a bad record never does).
public enum CSVError: Error, CustomStringConvertible, Sendable {
    case cannotOpen(path: String, reason: String)
    case readFailed(path: String, reason: String)
    case recordTooLarge(line: Int, limit: Int)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "cannot open \(path): \(reason)"
        case .readFailed(let path, let reason): return "cannot read \(path): \(reason)"
        case .recordTooLarge(let line, let limit): return "record at line \(line) exceeds \(limit) bytes"
        }
    }
}

/// A streaming RFC 4180 reader over bytes: quoted fields, doubled quotes, embedded newlines, CRLF or LF,
/// a UTF-8 byte-order mark, and a comma, semicolon or tab separator (detected from the header when not given).
/// Written by hand because it must read a 1 GB file in flat memory at several hundred thousand rows a second,
/// which the CSV libraries available here do not do. Not thread-safe: one reader per task.
public final class CSVReader {
    public private(set) var separator: UInt8
    private let fd: Int32
    private let path: String
    private var buffer: [UInt8]
    private var start = 0        // first unconsumed byte in buffer
    private var end = 0          // bytes valid in buffer
    private var eof = false
    private var consumed = 0     // file offset of buffer[0]
    private var line = 1
    private var bomChecked = false
    /// The largest record accepted; a record longer than this is an error (a file with an unclosed quote).
    public let maxRecordBytes: Int

    /// Opens a file; `separator` nil means detect from the first line.
    public convenience init(path: String, separator: UInt8? = nil, maxRecordBytes: Int = 16 << 20) throws(CSVError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        try self.init(fileDescriptor: fd, name: path, separator: separator, maxRecordBytes: maxRecordBytes)
    }

    /// Reads from an open file descriptor (a file, or a pipe from a decompressor); the reader closes it.
    public init(fileDescriptor: Int32, name: String, separator: UInt8? = nil, maxRecordBytes: Int = 16 << 20) throws(CSVError) {
        self.fd = fileDescriptor
        self.path = name
        self.buffer = [UInt8](repeating: 0, count: 1 << 20)
        self.separator = separator ?? 0
        self.maxRecordBytes = maxRecordBytes
        if separator == nil { try detectSeparator() }
    }

    deinit {
        close(fd)
    }

    /// Total bytes read from the file so far.
    public var bytesRead: Int { consumed + end }

    private func fill() throws(CSVError) {
        if start > 0 {
            let remaining = end - start
            if remaining > 0 {
                buffer.withUnsafeMutableBufferPointer { b in
                    _ = memmove(b.baseAddress!, b.baseAddress! + start, remaining)
                }
            }
            consumed += start
            end = remaining
            start = 0
        }
        if end == buffer.count {
            guard buffer.count < maxRecordBytes * 2 else { throw .recordTooLarge(line: line, limit: maxRecordBytes) }
            buffer.append(contentsOf: repeatElement(0, count: buffer.count))
        }
        let n = buffer.withUnsafeMutableBufferPointer { b in
            read(fd, b.baseAddress! + end, b.count - end)
        }
        if n < 0 { throw .readFailed(path: path, reason: String(cString: strerror(errno))) }
        if n == 0 { eof = true }
        end += n
        if !bomChecked && end >= 3 || (!bomChecked && eof) {
            bomChecked = true
            if end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { start = 3 }
        }
    }

    /// Picks the separator that occurs most often outside quotes on the first line.
    private func detectSeparator() throws(CSVError) {
        while !eof && !buffer[start..<end].contains(10) { try fill() }
        var counts: [UInt8: Int] = [44: 0, 59: 0, 9: 0]
        var quoted = false
        for b in buffer[start..<end] {
            if b == 34 { quoted.toggle() }
            else if b == 10 && !quoted { break }
            else if !quoted, counts[b] != nil { counts[b]! += 1 }
        }
        separator = [44, 59, 9].max { (counts[$0] ?? 0) < (counts[$1] ?? 0) } ?? 44
        if counts[separator] == 0 { separator = 44 }
    }

    /// The next record, or nil at the end of the file. Blank lines are skipped.
    public func next() throws(CSVError) -> CSVRecord? {
        while true {
            if start >= end {
                if eof { return nil }
                try fill()
                continue
            }
            if let record = try parseRecord() {
                if record.fields.count == 1 && record.fields[0].isEmpty { continue }
                return record
            }
        }
    }

    /// Parses one record from the buffer, refilling as needed.
    private func parseRecord() throws(CSVError) -> CSVRecord? {
        while true {
            let scanned = buffer.withUnsafeBufferPointer { b in scan(b, from: start, to: end, atEnd: eof) }
            switch scanned {
            case .record(let record, let next, let lines):
                start = next
                line += lines
                return record
            case .endOfFile:
                start = end
                return nil
            case .incomplete:
                if end - start > maxRecordBytes { throw .recordTooLarge(line: line, limit: maxRecordBytes) }
                // As much again as the record so far is read before it is scanned again (a pipe gives 64 KB a read):
                // a long record is scanned a few times, not once per read.
                let wanted = 2 * (end - start)
                repeat { try fill() } while !eof && end - start < wanted
            }
        }
    }

    /// What a scan of the buffer found at `start`.
    private enum Scan {
        /// A whole record, where the next one starts and how many lines it took.
        case record(CSVRecord, next: Int, lines: Int)
        /// Nothing left in the file.
        case endOfFile
        /// The record goes on past the bytes read so far.
        case incomplete
    }

    /// Parses the record at `from` if the bytes up to `to` hold all of it (or the file ends in it). One pass over
    /// the bytes in place: the buffer reached through the object for each byte and each field cost a retain, a
    /// release and a bounds check; a record cut by the end of the buffer is scanned again after the refill.
    private func scan(_ b: UnsafeBufferPointer<UInt8>, from: Int, to end: Int, atEnd: Bool) -> Scan {
        var fields: [String] = []
        fields.reserveCapacity(24)
        // Only a quoted field with a doubled quote inside is put together here; other fields are made from the buffer.
        var field: [UInt8] = []
        var pos = from, fieldStart = from
        var inQuotes = false, wasQuoted = false, padded = false
        var newlines = 0
        let sep = separator
        func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 }
        func finishField(_ from: Int, _ to: Int) {
            var to = max(from, to)
            if !wasQuoted && to > from && b[to - 1] == 13 { to -= 1 }
            if field.isEmpty {
                if to > from && (isSpace(b[from]) || isSpace(b[to - 1])) { padded = true }
                fields.append(String(decoding: UnsafeBufferPointer(rebasing: b[from..<to]), as: UTF8.self))
            } else {
                field.append(contentsOf: b[from..<to])
                if let first = field.first, let last = field.last, isSpace(first) || isSpace(last) { padded = true }
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            }
            wasQuoted = false
        }
        while pos < end {
            let c = b[pos]
            if inQuotes {
                if c == 34 {
                    // A quote at the end of what is read may be the first of a doubled pair.
                    if pos + 1 >= end && !atEnd { return .incomplete }
                    if pos + 1 < end && b[pos + 1] == 34 {
                        field.append(contentsOf: b[fieldStart...pos])
                        pos += 2
                    } else {
                        field.append(contentsOf: b[fieldStart..<pos])
                        inQuotes = false
                        pos += 1
                    }
                    fieldStart = pos
                } else {
                    if c == 10 { newlines += 1 }
                    pos += 1
                }
            } else if c == sep {
                finishField(fieldStart, pos)
                pos += 1
                fieldStart = pos
            } else if c == 10 {
                finishField(fieldStart, pos > fieldStart && b[pos - 1] == 13 ? pos - 1 : pos)
                return .record(CSVRecord(fields: fields, line: line, endOffset: consumed + pos + 1, padded: padded),
                               next: pos + 1, lines: newlines + 1)
            } else if c == 34 && pos == fieldStart && field.isEmpty && !wasQuoted {
                inQuotes = true
                wasQuoted = true
                pos += 1
                fieldStart = pos
            } else {
                pos += 1
            }
        }
        guard atEnd else { return .incomplete }
        // The last record, without a final newline.
        if pos == from { return .endOfFile }
        finishField(fieldStart, pos)
        return .record(CSVRecord(fields: fields, line: line, endOffset: consumed + pos, padded: padded), next: pos,
                       lines: newlines)
    }
}
