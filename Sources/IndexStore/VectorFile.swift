import Foundation
import Search
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Format

/// One append-only file of float32 rows behind a 256-byte header:
///
///     0   magic "IMGSVEC\0"     8   version u32 (1)     12  dimension u32
///     16  count u64             24  checksum u64        32  model identifier length u16
///     34  model identifier UTF-8 (≤ 190 bytes), zero-padded to 256; rows follow, little-endian.
///
/// The header's count and checksum are a copy for tools that read the file alone; the index's
/// SQLite database holds the authoritative row count. Rows past that count are a torn tail from
/// a crash and are cut off when the store is next opened for writing. The checksum is `Checksum`'s XXH3
/// chained row by row over rows 0..<count, so it extends as rows are appended. Version 1 used FNV-1a,
/// which misses pairs of flipped top bits: such files are refused (the index is rebuilt).
struct VectorFileHeader: Equatable {
    static let size = 256
    static let magic = Array("IMGSVEC\0".utf8)
    static let version: UInt32 = 2
    static let maximumIdentifierBytes = 190

    var dimension: Int
    var count: Int
    var checksum: UInt64
    var modelIdentifier: String

    func encoded() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<offset + MemoryLayout<T>.size, with: $0) }
        }
        bytes.replaceSubrange(0..<8, with: Self.magic)
        put(Self.version, at: 8)
        put(UInt32(dimension), at: 12)
        put(UInt64(count), at: 16)
        put(checksum, at: 24)
        let identifier = Array(modelIdentifier.utf8.prefix(Self.maximumIdentifierBytes))
        put(UInt16(identifier.count), at: 32)
        bytes.replaceSubrange(34..<34 + identifier.count, with: identifier)
        return bytes
    }

    /// Parses a header, or explains why these bytes are not one.
    static func decode(_ bytes: [UInt8], file: String) throws -> VectorFileHeader {
        guard bytes.count == size, Array(bytes[0..<8]) == magic else {
            throw StoreError(.corrupt, file: file, reason: "not a vector file (bad magic)")
        }
        func get<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
            bytes[offset..<offset + MemoryLayout<T>.size].reversed().reduce(T(0)) { $0 << 8 | T($1) }
        }
        let version = get(UInt32.self, at: 8)
        guard version == Self.version else {
            throw StoreError(version < Self.version ? .outdated : .corrupt, file: file,
                             reason: "vector file version \(version), this build reads \(Self.version)")
        }
        let length = Int(get(UInt16.self, at: 32))
        guard length <= maximumIdentifierBytes,
              let identifier = String(bytes: bytes[34..<34 + length], encoding: .utf8) else {
            throw StoreError(.corrupt, file: file, reason: "bad model identifier in the header")
        }
        // Every header byte means something: a flipped bit in the padding is damage too.
        guard bytes[(34 + length)...].allSatisfy({ $0 == 0 }) else {
            throw StoreError(.corrupt, file: file, reason: "header padding is not zero (damaged header)")
        }
        return VectorFileHeader(dimension: Int(get(UInt32.self, at: 12)), count: Int(get(UInt64.self, at: 16)),
                                checksum: get(UInt64.self, at: 24), modelIdentifier: identifier)
    }
}

/// The checksum of a vector file's rows (see `Checksum.extend`), continuable across appended rows.
enum VectorChecksum {
    static let initial = Checksum.initialRows

    static func extend(_ hash: UInt64, with values: UnsafeBufferPointer<Float>, dimension: Int) -> UInt64 {
        Checksum.extend(hash, rows: values, dimension: dimension)
    }
}

// MARK: - File access

/// Positioned reads and writes on one vector file, with every failure (EACCES, ENOSPC, EFBIG)
/// turned into a `StoreError` that names the file.
final class VectorFile {
    let url: URL
    private let descriptor: Int32

    /// Opens an existing file, or creates one with `header` when `create` is set.
    init(url: URL, create header: VectorFileHeader? = nil, writable: Bool) throws {
        self.url = url
        let flags = writable ? (O_RDWR | (header != nil ? O_CREAT | O_EXCL : 0)) : O_RDONLY
        descriptor = open(url.path, flags | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.error(url, "cannot open") }
        if let header {
            do { try write(header.encoded(), at: 0); try sync() } catch { close(descriptor); throw error }
        }
    }

    deinit { close(descriptor) }

    func readHeader() throws -> VectorFileHeader {
        try VectorFileHeader.decode(read(byteCount: VectorFileHeader.size, at: 0), file: url.path)
    }

    func writeHeader(_ header: VectorFileHeader) throws { try write(header.encoded(), at: 0) }

    /// Writes `values` (whole rows) starting at row `row`.
    func writeRows(_ values: [Float], atRow row: Int, dimension: Int) throws {
        let bytes = values.withUnsafeBytes { Array($0) }
        try write(bytes, at: VectorFileHeader.size + row * dimension * MemoryLayout<Float>.size)
    }

    /// Rows `range` read back into memory (for checks and compaction).
    func readRows(_ range: Range<Int>, dimension: Int) throws -> [Float] {
        let bytes = try read(byteCount: range.count * dimension * MemoryLayout<Float>.size,
                             at: VectorFileHeader.size + range.lowerBound * dimension * MemoryLayout<Float>.size)
        return bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    var byteCount: Int {
        var info = stat()
        return fstat(descriptor, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Cuts the file after `rows` rows: drops a torn tail left by a crash.
    func truncate(rows: Int, dimension: Int) throws {
        guard ftruncate(descriptor, off_t(VectorFileHeader.size + rows * dimension * MemoryLayout<Float>.size)) == 0 else {
            throw Self.error(url, "cannot truncate")
        }
    }

    /// Forces written rows to the disk: SQLite may only reference rows after this returns.
    func sync() throws {
        guard fsync(descriptor) == 0 else { throw Self.error(url, "cannot sync to disk") }
    }

    // MARK: Raw I/O

    private func write(_ bytes: [UInt8], at offset: Int) throws {
        var written = 0
        try bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = pwrite(descriptor, raw.baseAddress! + written, raw.count - written, off_t(offset + written))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw Self.error(url, "cannot write") }
                written += n
            }
        }
    }

    private func read(byteCount: Int, at offset: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: byteCount)
        var done = 0
        try bytes.withUnsafeMutableBytes { raw in
            while done < byteCount {
                let n = pread(descriptor, raw.baseAddress! + done, byteCount - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw StoreError(.corrupt, file: url.path, reason: "ends at byte \(offset + done), \(offset + byteCount) expected")
                }
                done += n
            }
        }
        return bytes
    }

    private static func error(_ url: URL, _ action: String) -> StoreError {
        let code = errno
        let hint = code == ENOSPC || code == EFBIG ? " (disk full or file size limit)" : code == EACCES || code == EROFS ? " (not writable)" : ""
        return StoreError(.io, file: url.path, reason: "\(action): \(String(cString: strerror(code)))\(hint)")
    }
}
