import Foundation

/// Rows saved in the Search container (magic, version, length, checksum; written atomically), and
/// mapped back without a copy: derived matrices that are costly to compute (whitened features) are
/// written once at index time and opened for free.
extension VectorMatrix {
    static let fileMagic = "IMGROWS\u{0}"
    static let fileVersion: UInt32 = 1
    /// Payload: row count (UInt64), dimension (UInt32), reserved (UInt32), then the rows.
    static let payloadHeaderSize = 16

    /// Writes the rows straight from memory (or the mapped file they come from): no copy of the matrix.
    public func save(to url: URL) throws {
        try Self.save(count: count, dimension: dimension, to: url) { rows, _ in
            baseAddress + rows.lowerBound * dimension
        }
    }

    /// Writes `count × dimension` rows that `derive(rows, scratch)` makes block by block, into `scratch`
    /// (room for `blockRows` rows) or anywhere it returns: a derived matrix (whitened, fused rows) of a million
    /// items goes to disk without ever existing whole in memory.
    public static func save(count: Int, dimension: Int, to url: URL, blockRows: Int = 4096,
                            derive: (Range<Int>, UnsafeMutablePointer<Float>) -> UnsafePointer<Float>) throws {
        precondition(dimension > 0 && count >= 0 && blockRows > 0, "VectorMatrix.save: \(count) rows of \(dimension)")
        var header = ByteWriter()
        header.append(UInt64(count))
        header.append(UInt32(dimension))
        header.append(UInt32(0))
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: min(count, blockRows) * dimension)
        defer { scratch.deallocate() }
        try ChecksummedFile.write(to: url, magic: fileMagic, version: fileVersion) { sink in
            try header.data.withUnsafeBytes { try sink.write($0) }
            for start in stride(from: 0, to: count, by: blockRows) {
                let rows = start..<min(count, start + blockRows)
                try sink.write(UnsafeBufferPointer(start: derive(rows, scratch), count: rows.count * dimension))
            }
        }
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
