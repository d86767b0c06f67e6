import Foundation

// MARK: - Uploaded images

/// Extracts the image of a `POST /api/search/image` body: either the raw bytes of an image
/// or a `multipart/form-data` form whose file part (preferably named `image`) holds it.
enum ImageUpload {
    /// The image bytes of a request body, checked to be a format the decoder reads.
    static func imageData(body: Data, contentType: String?) throws -> Data {
        guard !body.isEmpty else { throw APIError.badRequest("empty request body: send an image (raw bytes or multipart/form-data)") }
        let mediaType = contentType.map(ContentType.init) ?? ContentType("application/octet-stream")
        let data: Data
        if mediaType.essence == "multipart/form-data" {
            guard let boundary = mediaType.parameters["boundary"], !boundary.isEmpty else {
                throw APIError.badRequest("multipart/form-data without a boundary parameter")
            }
            data = try MultipartForm.fileData(in: body, boundary: boundary)
        } else {
            data = body
        }
        guard ImageFormat.sniff(data) != nil else {
            throw APIError(.unsupportedMediaType, "not an image: expected JPEG, PNG or WebP bytes")
        }
        return data
    }
}

/// The image formats `ImageDecoder` reads, recognised by their magic numbers.
enum ImageFormat: String {
    case jpeg = "image/jpeg", png = "image/png", webp = "image/webp"

    static func sniff(_ data: Data) -> ImageFormat? {
        let head = [UInt8](data.prefix(12))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.count == 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) { return .webp }
        return nil
    }
}

// MARK: - Header values

/// `type/subtype; name=value; …` with the type lower-cased and quotes removed from values.
struct ContentType {
    var essence: String
    var parameters: [String: String] = [:]

    init(_ header: String) {
        let pieces = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        essence = pieces.first?.lowercased() ?? ""
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let name = piece[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            parameters[name] = value
        }
    }
}

// MARK: - multipart/form-data (RFC 7578)

enum MultipartForm {
    struct Part {
        var headers: [String: String]
        var body: Data
        var disposition: ContentType { ContentType(headers["content-disposition"] ?? "") }
    }

    /// The bytes of the file part: the one named `image`, else the first with a filename, else the only part.
    static func fileData(in body: Data, boundary: String) throws -> Data {
        let parts = try parse(body, boundary: boundary)
        let chosen = parts.first { $0.disposition.parameters["name"] == "image" }
            ?? parts.first { $0.disposition.parameters["filename"] != nil }
            ?? (parts.count == 1 ? parts[0] : nil)
        guard let part = chosen else { throw APIError.badRequest("multipart form has no file part (use a field named 'image')") }
        return part.body
    }

    static func parse(_ body: Data, boundary: String) throws -> [Part] {
        let delimiter = Data("--\(boundary)".utf8)
        let crlf = Data("\r\n".utf8)
        guard var cursor = body.range(of: delimiter)?.upperBound else {
            throw APIError.badRequest("multipart body does not contain its boundary")
        }
        var parts: [Part] = []
        while true {
            // After a delimiter: "--" ends the form, CRLF starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { return parts }
            guard body[cursor...].starts(with: crlf) else { throw APIError.badRequest("malformed multipart delimiter line") }
            let partStart = cursor + crlf.count
            guard let next = body.range(of: crlf + delimiter, in: partStart..<body.endIndex) else {
                throw APIError.badRequest("multipart body is missing its closing boundary")
            }
            parts.append(try part(body[partStart..<next.lowerBound]))
            cursor = next.upperBound
        }
    }

    private static func part(_ bytes: Data) throws -> Part {
        let separator = Data("\r\n\r\n".utf8)
        guard let split = bytes.range(of: separator) else { throw APIError.badRequest("multipart part without a header block") }
        guard let headerText = String(data: bytes[bytes.startIndex..<split.lowerBound], encoding: .utf8) else {
            throw APIError.badRequest("multipart part headers are not UTF-8")
        }
        var headers: [String: String] = [:]
        for line in headerText.components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw APIError.badRequest("malformed multipart header '\(line)'") }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Part(headers: headers, body: Data(bytes[split.upperBound...]))
    }
}
