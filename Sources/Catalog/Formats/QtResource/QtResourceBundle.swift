import CZlib
import Foundation

// MARK: - Qt resource bundle

/// A Qt binary resource bundle (`.rcc`, as `rcc -binary` writes it): the files of an application packed into one
/// file. Layout, all integers big-endian: a 20-byte header (`qres`, format version, then the offsets of the node
/// tree, the payloads and the names; version 3 adds a flags word), a tree of fixed-size nodes (14 bytes, 22 from
/// version 2 on, which adds a modification time), names as a UTF-16 length-prefixed table, and payloads as a
/// 4-byte length and the bytes, zlib-compressed behind a 4-byte expected size when the node says so.
///
/// The whole tree is read and checked when the bundle opens, so a bad offset is a typed error naming the node,
/// never a read past the end; payloads are inflated on demand.
public struct QtResourceBundle: Sendable {
    /// Why a bundle could not be read.
    public struct ReadError: Error, CustomStringConvertible, Equatable, Sendable {
        public enum Kind: String, Sendable {
            case truncated = "truncated"
            case badMagic = "not a Qt resource bundle"
            case unsupportedVersion = "unsupported format version"
            case badOffset = "offset out of range"
            case badName = "bad name"
            case badTree = "bad node tree"
            case unsupportedCompression = "unsupported compression"
            case badPayload = "payload does not inflate"
            case noSuchFile = "no such file in the bundle"
        }
        public var kind: Kind
        public var file: String
        public var reason: String
        public var description: String { "\(file): \(kind.rawValue): \(reason)" }
    }

    /// One file of the bundle: where its payload starts and how it is stored.
    struct Entry: Sendable {
        var payloadOffset: Int
        var compression: Compression
    }
    enum Compression: Sendable { case none, zlib }

    /// Node flags (`QResourceRoot::Flags`).
    private enum Flag { static let compressed: UInt16 = 1, directory: UInt16 = 2, compressedZstd: UInt16 = 4 }
    /// A payload that would inflate past this is refused (the largest file GCompris ships is a few MB).
    public static let maximumInflatedSize = 256 << 20

    public let name: String
    public let version: UInt32
    private let bytes: [UInt8]
    private let entries: [String: Entry]

    /// Every file's path ("gcompris/src/activities/…/board1.qml"), sorted.
    public var paths: [String] { entries.keys.sorted() }

    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw ReadError(kind: .truncated, file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        try self.init(data: data, name: url.path)
    }

    public init(data: Data, name: String) throws {
        self.name = name
        bytes = [UInt8](data)
        let reader = ByteReader(bytes: bytes, file: name)
        guard bytes.count >= 4, bytes[0..<4].elementsEqual("qres".utf8) else {
            throw ReadError(kind: .badMagic, file: name, reason: "the first bytes are not \"qres\"")
        }
        version = try reader.uint32(at: 4, what: "the header")
        guard (1...3).contains(version) else {
            throw ReadError(kind: .unsupportedVersion, file: name, reason: "version \(version); versions 1 to 3 are known")
        }
        let layout = try Layout(tree: Int(reader.uint32(at: 8, what: "the header")),
                                payloads: Int(reader.uint32(at: 12, what: "the header")),
                                names: Int(reader.uint32(at: 16, what: "the header")),
                                nodeSize: version >= 2 ? 22 : 14, file: name, size: bytes.count)
        entries = try Self.readTree(reader: reader, layout: layout)
    }

    /// The bytes of the file at `path`, inflated when stored compressed.
    public func contents(of path: String) throws -> Data {
        guard let entry = entries[path] else { throw ReadError(kind: .noSuchFile, file: name, reason: path) }
        let reader = ByteReader(bytes: bytes, file: name)
        let length = Int(try reader.uint32(at: entry.payloadOffset, what: "the payload of \(path)"))
        let start = entry.payloadOffset + 4
        guard length <= bytes.count - start else {
            throw ReadError(kind: .truncated, file: name, reason: "the payload of \(path) claims \(length) bytes; \(bytes.count - start) remain")
        }
        switch entry.compression {
        case .none: return Data(bytes[start..<start + length])
        case .zlib: return try inflate(bytes[start..<start + length], path: path)
        }
    }

    // MARK: Tree

    private struct Layout {
        var tree: Int, payloads: Int, names: Int, nodeSize: Int
        init(tree: Int, payloads: Int, names: Int, nodeSize: Int, file: String, size: Int) throws {
            for (what, offset) in [("node tree", tree), ("payloads", payloads), ("names", names)] where offset < 20 || offset > size {
                throw ReadError(kind: .badOffset, file: file, reason: "the \(what) start at \(offset), outside 20…\(size)")
            }
            (self.tree, self.payloads, self.names, self.nodeSize) = (tree, payloads, names, nodeSize)
        }
    }

    /// Walks the tree from the root (node 0). Every node is visited at most once, so a tree whose children point
    /// back at their ancestors is an error rather than an endless walk.
    private static func readTree(reader: ByteReader, layout: Layout) throws -> [String: Entry] {
        var entries: [String: Entry] = [:]
        var visited = Set<Int>()
        var pending: [(node: Int, prefix: String)] = [(0, "")]
        while let (node, prefix) = pending.popLast() {
            guard visited.insert(node).inserted else {
                throw ReadError(kind: .badTree, file: reader.file, reason: "node \(node) is reached twice")
            }
            let offset = layout.tree + node * layout.nodeSize
            let what = "node \(node)"
            guard offset + layout.nodeSize <= reader.bytes.count else {
                throw ReadError(kind: .badOffset, file: reader.file, reason: "\(what) lies past the end of the file")
            }
            let flags = try reader.uint16(at: offset + 4, what: what)
            let path = node == 0 ? "" : prefix + (try name(at: layout.names + Int(reader.uint32(at: offset, what: what)), reader: reader, node: node))
            if flags & Flag.directory != 0 {
                let count = Int(try reader.uint32(at: offset + 6, what: what))
                let first = Int(try reader.uint32(at: offset + 10, what: what))
                let nodesInFile = (reader.bytes.count - layout.tree) / layout.nodeSize
                guard count <= nodesInFile, first <= nodesInFile, first > node || count == 0 else {
                    throw ReadError(kind: .badTree, file: reader.file, reason: "\(what) lists \(count) children from node \(first)")
                }
                for child in (first..<first + count).reversed() { pending.append((child, node == 0 ? "" : path + "/")) }
            } else {
                if flags & Flag.compressedZstd != 0 {
                    throw ReadError(kind: .unsupportedCompression, file: reader.file, reason: "\(path) is zstd-compressed")
                }
                let payload = layout.payloads + Int(try reader.uint32(at: offset + 10, what: what))
                guard payload + 4 <= reader.bytes.count else {
                    throw ReadError(kind: .badOffset, file: reader.file, reason: "the payload of \(path) starts at \(payload), past the end")
                }
                entries[path] = Entry(payloadOffset: payload, compression: flags & Flag.compressed != 0 ? .zlib : .none)
            }
        }
        return entries
    }

    /// A name: 2-byte length in UTF-16 units, 4-byte hash (unused here), then the units, big-endian.
    private static func name(at offset: Int, reader: ByteReader, node: Int) throws -> String {
        let length = Int(try reader.uint16(at: offset, what: "the name of node \(node)"))
        let start = offset + 6
        guard start + 2 * length <= reader.bytes.count else {
            throw ReadError(kind: .badOffset, file: reader.file, reason: "the name of node \(node) runs past the end")
        }
        let units = (0..<length).map { UInt16(reader.bytes[start + 2 * $0]) << 8 | UInt16(reader.bytes[start + 2 * $0 + 1]) }
        guard let name = String(validating: units, as: UTF16.self), !name.isEmpty, !name.contains("/") else {
            throw ReadError(kind: .badName, file: reader.file, reason: "node \(node) has an empty, slashed or invalid UTF-16 name")
        }
        return name
    }

    // MARK: Payloads

    /// `qCompress` layout: the inflated size as 4 big-endian bytes, then a zlib stream.
    private func inflate(_ stored: ArraySlice<UInt8>, path: String) throws -> Data {
        guard stored.count >= 4 else { throw ReadError(kind: .truncated, file: name, reason: "the compressed payload of \(path) is \(stored.count) bytes") }
        let base = stored.startIndex
        let expected = Int(stored[base]) << 24 | Int(stored[base + 1]) << 16 | Int(stored[base + 2]) << 8 | Int(stored[base + 3])
        guard expected <= Self.maximumInflatedSize else {
            throw ReadError(kind: .badPayload, file: name, reason: "\(path) would inflate to \(expected) bytes, over the \(Self.maximumInflatedSize)-byte limit")
        }
        var output = [UInt8](repeating: 0, count: max(expected, 1))
        var outputLength = uLongf(expected)
        let input = Array(stored.dropFirst(4))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { uncompress(out.baseAddress, &outputLength, $0.baseAddress, uLong($0.count)) }
        }
        guard status == Z_OK, Int(outputLength) == expected else {
            throw ReadError(kind: .badPayload, file: name, reason: "\(path): zlib status \(status), \(outputLength) of \(expected) bytes")
        }
        return Data(output.prefix(expected))
    }
}

// MARK: - Bounds-checked big-endian reads

private struct ByteReader {
    let bytes: [UInt8]
    let file: String

    func uint16(at offset: Int, what: String) throws -> UInt16 {
        try check(offset, 2, what)
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    func uint32(at offset: Int, what: String) throws -> UInt32 {
        try check(offset, 4, what)
        return (offset..<offset + 4).reduce(0) { $0 << 8 | UInt32(bytes[$1]) }
    }

    private func check(_ offset: Int, _ width: Int, _ what: String) throws {
        guard offset >= 0, offset <= bytes.count - width else {
            throw QtResourceBundle.ReadError(kind: .truncated, file: file, reason: "\(what) needs bytes \(offset)…\(offset + width - 1); the file has \(bytes.count)")
        }
    }
}
