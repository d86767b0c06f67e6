import Foundation

/// Rows saved in the Search container (magic, version, length, checksum; written atomically), and
/// mapped back without a copy: derived matrices that are costly to compute (whitened features) are
/// written once at index time and opened for free.
extension VectorMatrix {
    static let fileMagic = "IMGROWS\u{0}"
    static let fileVersion: UInt32 = 1
    /// Payload: row count (UInt64), dimension (UInt32), reserved (UInt32), then the rows.
    static let payloadHeaderSize = 16

    public func save(to url: URL) throws {
        var writer = ByteWriter()
        writer.append(UInt64(count))
        writer.append(UInt32(dimension))
        writer.append(UInt32(0))
        writer.append(buffer: UnsafeBufferPointer(start: baseAddress, count: count * dimension))
        try ChecksummedFile.write(writer.data, to: url, magic: Self.fileMagic, version: Self.fileVersion)
    }

    /// Maps rows written by `save(to:)` after checking the file's magic, version, length and checksum.
    public init(savedFile url: URL) throws {
        var reader = ByteReader(try ChecksummedFile.read(url, magic: Self.fileMagic, version: Self.fileVersion), file: url.path)
        let count = Int(try reader.read(UInt64.self)), dimension = Int(try reader.read(UInt32.self))
        _ = try reader.read(UInt32.self)
        guard dimension > 0, reader.remaining == count * dimension * MemoryLayout<Float>.size else {
            throw SearchError(.truncated, file: url.path, "\(count) rows of \(dimension) do not fill the \(reader.remaining) payload bytes")
        }
        try self.init(mappedFile: url, offset: ChecksummedFile.headerSize + Self.payloadHeaderSize, count: count, dimension: dimension)
    }
}
