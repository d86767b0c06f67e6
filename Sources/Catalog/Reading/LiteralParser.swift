// MARK: - Values

/// A value of one catalog line: JSON, or the Python literal style of the older Amazon metadata dumps.
enum LiteralValue: Equatable {
    case string(String)
    /// Numbers keep their source text: catalogs only ever show them (prices, ranks).
    case number(String)
    case bool(Bool)
    case null
    case list([LiteralValue])
    case object([String: LiteralValue])

    /// Text for a scalar field; nil for null, lists and objects.
    var text: String? {
        switch self {
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }
}

/// Why a line did not parse, with the 1-based column where the parser stopped.
struct LiteralSyntaxError: Error, CustomStringConvertible {
    var column: Int
    var reason: String
    var description: String { "column \(column): \(reason)" }
}

// MARK: - Parser

/// Parses one value that is either strict JSON or a Python literal (`'single quotes'`, `True/False/None`,
/// tuples). Both dialects are accepted at once, since a JSON line is almost a Python literal and
/// real dumps mix them. Nesting is capped so hostile input cannot exhaust the stack.
struct LiteralParser {
    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0
    private static let maximumDepth = 64

    static func parse(_ text: String) throws -> LiteralValue {
        var parser = LiteralParser(bytes: Array(text.utf8))
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.position == parser.bytes.count else { throw parser.error("unexpected text after the value") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ reason: String) -> LiteralSyntaxError {
        LiteralSyntaxError(column: position + 1, reason: reason)
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let b = current, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { position += 1 }
    }

    private mutating func parseValue() throws -> LiteralValue {
        guard let b = current else { throw error("unexpected end of line") }
        switch b {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return .list(try parseSequence(close: UInt8(ascii: "]")))
        case UInt8(ascii: "("): return .list(try parseSequence(close: UInt8(ascii: ")")))
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."):
            return try parseNumber()
        default: return try parseWord()
        }
    }

    private mutating func enter() throws {
        depth += 1
        guard depth <= Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func parseObject() throws -> LiteralValue {
        try enter(); defer { depth -= 1 }
        position += 1
        var members: [String: LiteralValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") || current == UInt8(ascii: "'") else { throw error("expected a quoted key") }
            let key = try parseString()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after key '\(key)'") }
            position += 1
            skipWhitespace()
            members[key] = try parseValue()
            skipWhitespace()
            if current == UInt8(ascii: ",") { position += 1; skipWhitespace()
                if current == UInt8(ascii: "}") { position += 1; return .object(members) }  // Python allows a trailing comma
                continue
            }
            if current == UInt8(ascii: "}") { position += 1; return .object(members) }
            throw error(current == nil ? "unterminated object" : "expected ',' or '}'")
        }
    }

    private mutating func parseSequence(close: UInt8) throws -> [LiteralValue] {
        try enter(); defer { depth -= 1 }
        position += 1
        var elements: [LiteralValue] = []
        skipWhitespace()
        if current == close { position += 1; return elements }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            if current == UInt8(ascii: ",") { position += 1; skipWhitespace()
                if current == close { position += 1; return elements }
                continue
            }
            if current == close { position += 1; return elements }
            throw error(current == nil ? "unterminated list" : "expected ',' or '\(Character(Unicode.Scalar(close)))'")
        }
    }

    /// A quoted string. `\xNN` escapes are bytes first: old Amazon dumps (Python 2 byte strings) spell UTF-8
    /// that way ('caf\xc3\xa9'); when those bytes are not UTF-8 they are code points (Python 3's 'caf\xe9').
    private mutating func parseString() throws -> String {
        let quote = bytes[position]
        position += 1
        var out: [UInt8] = []
        var hexBytes: [Int] = []  // positions in `out` written by \x escapes
        while let b = current {
            position += 1
            if b == quote {
                if hexBytes.isEmpty { return String(decoding: out, as: UTF8.self) }
                if let text = String(validating: out, as: UTF8.self) { return text }
                var latin: [UInt8] = []
                var next = hexBytes.makeIterator()
                var pending = next.next()
                for (index, byte) in out.enumerated() {
                    if index == pending { appendScalar(UInt32(byte), to: &latin); pending = next.next() } else { latin.append(byte) }
                }
                return String(decoding: latin, as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") {
                if current == UInt8(ascii: "x") {
                    position += 1
                    hexBytes.append(out.count)
                    out.append(UInt8(try parseHex(digits: 2)))
                } else {
                    try parseEscape(into: &out)
                }
            } else {
                out.append(b)
            }
        }
        throw error("unterminated string")
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws {
        guard let b = current else { throw error("unterminated escape") }
        position += 1
        switch b {
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "0"): out.append(0x00)
        case UInt8(ascii: "U"): appendScalar(try parseHex(digits: 8), to: &out)
        case UInt8(ascii: "u"):
            var value = try parseHex(digits: 4)
            // JSON writes astral characters as a UTF-16 surrogate pair.
            if (0xD800..<0xDC00).contains(value), current == UInt8(ascii: "\\"),
               position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") {
                position += 2
                let low = try parseHex(digits: 4)
                if (0xDC00..<0xE000).contains(low) { value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00) }
            }
            appendScalar(value, to: &out)
        default: out.append(b)  // \" \' \\ \/ and Python's unknown escapes keep the character
        }
    }

    private mutating func parseHex(digits: Int) throws -> UInt32 {
        guard position + digits <= bytes.count else { throw error("short \\x/\\u escape") }
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let digit = Self.hexValue(bytes[position]) else { throw error("bad hex digit in escape") }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private func appendScalar(_ value: UInt32, to out: inout [UInt8]) {
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"  // lone surrogates become the replacement character
        out.append(contentsOf: Array(String(Character(scalar)).utf8))
    }

    private mutating func parseNumber() throws -> LiteralValue {
        let start = position
        while let b = current, b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: ".")
                || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) {
            position += 1
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard Double(text) != nil else { position = start; throw error("bad number '\(text)'") }
        return .number(text)
    }

    private mutating func parseWord() throws -> LiteralValue {
        let start = position
        while let b = current, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b | 0x20) { position += 1 }
        switch String(decoding: bytes[start..<position], as: UTF8.self) {
        case "true", "True": return .bool(true)
        case "false", "False": return .bool(false)
        case "null", "None": return .null
        case "NaN", "nan": return .number("nan")
        default:
            position = start
            throw error("unexpected character '\(Character(Unicode.Scalar(bytes[start])))'")
        }
    }
}
