import Foundation

// MARK: - Delimited records

/// Reads CSV/TSV records (RFC 4180 quoting): fields in double quotes may hold the delimiter, newlines
/// and doubled quotes (`""`). A record spanning several lines is reported at the line it starts on.
final class DelimitedReader {
    enum RecordResult {
        case fields([String])
        case invalidEncoding
        case unterminatedQuote
    }

    private let lines: LineReader
    private let delimiter: UInt8
    /// Longest record, so a stray quote cannot swallow the rest of a huge file into one record.
    private let maximumRecordLines = 1_000

    init(lines: LineReader, delimiter: Character) {
        self.lines = lines
        self.delimiter = delimiter.asciiValue ?? UInt8(ascii: ",")
    }

    /// The next record and the line it starts on; nil at the end of the file.
    func next() throws -> (line: Int, result: RecordResult)? {
        guard var bytes = try lines.next() else { return nil }
        let startLine = lines.lineNumber
        var consumedLines = 1
        while true {
            switch split(bytes) {
            case .some(let fields):
                return (startLine, validate(fields))
            case .none:
                guard consumedLines < maximumRecordLines, let more = try lines.next() else {
                    return (startLine, .unterminatedQuote)
                }
                bytes.append(0x0A)
                bytes.append(more)
                consumedLines += 1
            }
        }
    }

    private func validate(_ fields: [[UInt8]]) -> RecordResult {
        var strings: [String] = []
        strings.reserveCapacity(fields.count)
        for field in fields {
            guard let text = String(validating: field, as: UTF8.self) else { return .invalidEncoding }
            strings.append(text)
        }
        return .fields(strings)
    }

    /// Splits one record into raw fields; nil while a quoted field is still open at the end.
    private func split(_ record: Data) -> [[UInt8]]? {
        var fields: [[UInt8]] = []
        var field: [UInt8] = []
        var inQuotes = false
        var index = record.startIndex
        while index < record.endIndex {
            let b = record[index]
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    let following = record.index(after: index)
                    if following < record.endIndex && record[following] == UInt8(ascii: "\"") {
                        field.append(b)
                        index = following
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(b)
                }
            } else if b == UInt8(ascii: "\"") && field.isEmpty {
                inQuotes = true
            } else if b == delimiter {
                fields.append(field)
                field = []
            } else if b != 0x0D {
                field.append(b)
            }
            index = record.index(after: index)
        }
        if inQuotes { return nil }
        fields.append(field)
        return fields
    }
}
