import Foundation

/// Reads the strings GCompris board files (QML and JavaScript object literals) give their fields, without a
/// JavaScript parser: `"title": qsTr("Jaguar")` and `"image2": "qrc:/…/jaguar.webp"`.
enum BoardText {
    /// The translatable string of `field` (`"field": qsTr("…")`) in `text`, unescaped; nil when absent.
    static func translated(_ field: String, in text: Substring) -> String? {
        value(of: field, in: text, pattern: #"qsTr\(\s*"((?:[^"\\]|\\.)*)"\s*\)"#)
    }

    /// The plain string literal of `field` (`"field": "…"`) in `text`, unescaped; nil when absent.
    static func literal(_ field: String, in text: Substring) -> String? {
        value(of: field, in: text, pattern: #""((?:[^"\\]|\\.)*)""#)
    }

    /// `property string NAME: qsTr("…")`, as the board files of `details` state their instruction.
    static func translatedProperty(_ name: String, in text: String) -> String? {
        firstCapture(#"property\s+string\s+\#(name)\s*:\s*qsTr\(\s*"((?:[^"\\]|\\.)*)"\s*\)"#, in: Substring(text)).map(unescaped)
    }

    /// The text split at each occurrence of `"field":`, one piece per object literal that names it.
    static func objects(keyedBy field: String, in text: String) -> [Substring] {
        let marker = "\"\(field)\""
        var pieces: [Substring] = []
        var rest = Substring(text)
        guard let first = rest.range(of: marker) else { return [] }
        rest = rest[first.lowerBound...]
        while !rest.isEmpty {
            let next = rest.dropFirst(marker.count).range(of: marker)?.lowerBound ?? rest.endIndex
            pieces.append(rest[rest.startIndex..<next])
            rest = rest[next...]
        }
        return pieces
    }

    /// Every string literal inside the `[…]` that follows `"field":` in `text`.
    static func list(_ field: String, in text: Substring) -> [String] {
        guard let body = firstCapture(#""\#(field)"\s*:\s*\[([^\]]*)\]"#, in: text) else { return [] }
        return matches(#""((?:[^"\\]|\\.)*)""#, in: Substring(body)).map(unescaped)
    }

    /// JavaScript string escapes (\" \' \\ \n \t and \uXXXX) resolved.
    static func unescaped(_ raw: String) -> String {
        guard raw.contains("\\") else { return raw }
        var out = ""
        var iterator = raw.makeIterator()
        while let character = iterator.next() {
            guard character == "\\", let escaped = iterator.next() else { out.append(character); continue }
            switch escaped {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "u":
                let hex = String([iterator.next(), iterator.next(), iterator.next(), iterator.next()].compactMap { $0 })
                if let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) { out.unicodeScalars.append(scalar) }
            default: out.append(escaped)
            }
        }
        return out
    }

    // MARK: Regular expressions

    private static func value(of field: String, in text: Substring, pattern: String) -> String? {
        firstCapture(#""\#(NSRegularExpression.escapedPattern(for: field))"\s*:\s*"# + pattern, in: text).map(unescaped)
    }

    private static func firstCapture(_ pattern: String, in text: Substring) -> String? {
        matches(pattern, in: text).first
    }

    private static func matches(_ pattern: String, in text: Substring) -> [String] {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return [] }
        let string = String(text)
        return expression.matches(in: string, range: NSRange(string.startIndex..., in: string)).compactMap { match in
            Range(match.range(at: 1), in: string).map { String(string[$0]) }
        }
    }
}
