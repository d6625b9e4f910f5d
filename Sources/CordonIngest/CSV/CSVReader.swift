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
        var fields: [String] = []
        fields.reserveCapacity(24)
        let firstLine = line
        var pos = start
        var field: [UInt8] = []
        var fieldStart = pos
        var inQuotes = false
        var wasQuoted = false
        var newlines = 0
        var padded = false
        let sep = separator
        while true {
            if pos >= end {
                if eof {
                    // Last record without a trailing newline.
                    if pos == start && fields.isEmpty { start = pos; return nil }
                    finishField(&fields, &field, fieldStart, pos, wasQuoted, &padded)
                    start = pos
                    line += newlines
                    return CSVRecord(fields: fields, line: firstLine, endOffset: consumed + pos, padded: padded)
                }
                // Keep the partial record: rebase positions after the buffer moves.
                let shift = start
                let fieldOffset = fieldStart - start
                let posOffset = pos - start
                try fill()
                _ = shift
                fieldStart = start + fieldOffset
                pos = start + posOffset
                if pos - start > maxRecordBytes { throw .recordTooLarge(line: firstLine, limit: maxRecordBytes) }
                continue
            }
            let b = buffer[pos]
            if inQuotes {
                if b == 34 {
                    if pos + 1 >= end && !eof {
                        let fieldOffset = fieldStart - start, posOffset = pos - start
                        try fill()
                        fieldStart = start + fieldOffset
                        pos = start + posOffset
                        continue
                    }
                    if pos + 1 < end && buffer[pos + 1] == 34 {
                        field.append(contentsOf: buffer[fieldStart..<pos + 1])
                        pos += 2
                        fieldStart = pos
                        continue
                    }
                    field.append(contentsOf: buffer[fieldStart..<pos])
                    inQuotes = false
                    pos += 1
                    fieldStart = pos
                    continue
                }
                if b == 10 { newlines += 1 }
                pos += 1
                continue
            }
            if b == sep {
                finishField(&fields, &field, fieldStart, pos, wasQuoted, &padded)
                wasQuoted = false
                pos += 1
                fieldStart = pos
            } else if b == 10 {
                var fieldEnd = pos
                if fieldEnd > fieldStart && buffer[fieldEnd - 1] == 13 { fieldEnd -= 1 }
                finishField(&fields, &field, fieldStart, fieldEnd, wasQuoted, &padded)
                start = pos + 1
                line += newlines + 1
                return CSVRecord(fields: fields, line: firstLine, endOffset: consumed + start, padded: padded)
            } else if b == 34 && pos == fieldStart && field.isEmpty && !wasQuoted {
                inQuotes = true
                wasQuoted = true
                pos += 1
                fieldStart = pos
            } else {
                pos += 1
            }
        }
    }

    private func finishField(_ fields: inout [String], _ field: inout [UInt8], _ from: Int, _ to: Int, _ quoted: Bool,
                             _ padded: inout Bool) {
        func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 }
        var to = to
        if !quoted && to > from && buffer[to - 1] == 13 { to -= 1 }
        if field.isEmpty {
            if to > from && (isSpace(buffer[from]) || isSpace(buffer[to - 1])) { padded = true }
            fields.append(buffer.withUnsafeBufferPointer { b in
                String(decoding: UnsafeBufferPointer(rebasing: b[from..<max(from, to)]), as: UTF8.self)
            })
        } else {
            field.append(contentsOf: buffer[from..<max(from, to)])
            if let first = field.first, let last = field.last, isSpace(first) || isSpace(last) { padded = true }
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
    }
}
