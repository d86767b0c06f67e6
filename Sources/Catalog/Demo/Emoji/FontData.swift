import Foundation

// MARK: - Errors

/// A font file that cannot be read as the emoji source expects; names the table and the reason.
public struct FontError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var table: String
    public var reason: String
    public var description: String { "\(file): \(table) table: \(reason)" }
}

// MARK: - Big-endian reads

/// Bounds-checked big-endian reads over a font's bytes; an offset outside the file is an error, never a crash.
struct FontBytes {
    let bytes: [UInt8]
    let file: String

    func fail(_ table: String, _ reason: String) -> FontError { FontError(file: file, table: table, reason: reason) }

    func check(_ offset: Int, _ length: Int, _ table: String) throws {
        guard offset >= 0, length >= 0, offset <= bytes.count - length else {
            throw fail(table, "offset \(offset)+\(length) is outside the file (\(bytes.count) bytes)")
        }
    }

    func u8(_ offset: Int, _ table: String) throws -> Int {
        try check(offset, 1, table)
        return Int(bytes[offset])
    }

    func u16(_ offset: Int, _ table: String) throws -> Int {
        try check(offset, 2, table)
        return Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
    }

    func u32(_ offset: Int, _ table: String) throws -> Int {
        try check(offset, 4, table)
        return Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
    }

    func slice(_ offset: Int, _ length: Int, _ table: String) throws -> Data {
        try check(offset, length, table)
        return Data(bytes[offset..<offset + length])
    }
}

// MARK: - Table directory

/// An OpenType/TrueType file's tables by tag ("cmap", "GSUB", "CBLC", "CBDT").
struct FontTables {
    let data: FontBytes
    private let offsets: [String: (offset: Int, length: Int)]

    init(contentsOf url: URL) throws {
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            throw FontError(file: url.path, table: "file", reason: error.localizedDescription)
        }
        try self.init(bytes: bytes, file: url.path)
    }

    init(bytes: [UInt8], file: String) throws {
        data = FontBytes(bytes: bytes, file: file)
        let version = try data.u32(0, "header")
        guard version == 0x0001_0000 || version == 0x4F54_544F || version == 0x7472_7565 else {
            throw data.fail("header", "not an OpenType font (version tag \(String(version, radix: 16)))")
        }
        let count = try data.u16(4, "header")
        var offsets: [String: (Int, Int)] = [:]
        for index in 0..<count {
            let record = 12 + 16 * index
            try data.check(record, 16, "table directory")
            let tag = String(decoding: bytes[record..<record + 4], as: UTF8.self)
            offsets[tag] = (try data.u32(record + 8, "table directory"), try data.u32(record + 12, "table directory"))
        }
        self.offsets = offsets
    }

    /// Offset of a table in the file; throws when the font has no such table.
    func offset(of tag: String) throws -> Int {
        guard let entry = offsets[tag] else { throw data.fail(tag, "the font has no \(tag) table") }
        try data.check(entry.offset, entry.length, tag)
        return entry.offset
    }
}
