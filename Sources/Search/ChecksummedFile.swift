import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one binary container of the Search module (HNSW graphs, whitening, quantised vectors):
/// an 8-byte magic, a format version, the payload length and a 64-bit checksum of the payload,
/// then the payload. Written to a temporary file and renamed, so readers never see half a file.
enum ChecksummedFile {
    static let headerSize = 8 + 4 + 4 + 8 + 8

    static func write(_ payload: Data, to url: URL, magic: String, version: UInt32) throws {
        precondition(magic.utf8.count == 8, "magic must be 8 bytes")
        var header = ByteWriter()
        header.append(bytes: Array(magic.utf8))
        header.append(version)
        header.append(UInt32(0))  // reserved, keeps the fields 8-byte aligned
        header.append(UInt64(payload.count))
        header.append(checksum(payload))
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            var whole = header.data
            whole.append(payload)
            try whole.write(to: temporary)
            // POSIX rename replaces atomically; Foundation's replaceItemAt fails intermittently on Linux.
            guard rename(temporary.path, url.path) == 0 else {
                throw SearchError(.io, file: url.path, "cannot replace: \(String(cString: strerror(errno)))")
            }
        } catch let error as SearchError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw SearchError(.io, file: url.path, "cannot write: \(error.localizedDescription)")
        }
    }

    /// The payload after checking magic, version, length and checksum. The file is memory-mapped.
    static func read(_ url: URL, magic: String, version: UInt32) throws -> Data {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw SearchError(.io, file: url.path, "cannot read: \(error.localizedDescription)")
        }
        var reader = ByteReader(data, file: url.path)
        let foundMagic = try reader.bytes(8)
        guard foundMagic == Array(magic.utf8) else {
            throw SearchError(.badHeader, file: url.path, "not a \(magic.trimmingCharacters(in: .controlCharacters)) file (magic \(foundMagic))")
        }
        let foundVersion: UInt32 = try reader.read()
        guard foundVersion == version else {
            throw SearchError(.versionMismatch, file: url.path, "format version \(foundVersion), this build reads \(version)")
        }
        _ = try reader.read() as UInt32
        let length: UInt64 = try reader.read()
        let expected: UInt64 = try reader.read()
        guard data.count - headerSize == Int(length) else {
            throw SearchError(.truncated, file: url.path, "payload is \(data.count - headerSize) bytes, header says \(length)")
        }
        let payload = data.subdata(in: headerSize..<data.count)
        guard checksum(payload) == expected else {
            throw SearchError(.checksumMismatch, file: url.path, "payload checksum does not match: the file is damaged")
        }
        return payload
    }

    /// FNV-1a over 64-bit words (then the tail bytes): fast enough for hundreds of MB, catches damage.
    static func checksum(_ data: Data) -> UInt64 {
        data.withUnsafeBytes { raw in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            let prime: UInt64 = 0x100_0000_01b3
            let words = raw.count / 8
            for i in 0..<words {
                hash = (hash ^ raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* prime
            }
            for i in (words * 8)..<raw.count {
                hash = (hash ^ UInt64(raw[i])) &* prime
            }
            return hash
        }
    }
}

// MARK: - Bytes in and out

/// Little-endian appends of fixed-width values and raw arrays.
struct ByteWriter {
    var data = Data()

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }
    mutating func append(_ value: Float) { append(value.bitPattern) }
    mutating func append(bytes: [UInt8]) { data.append(contentsOf: bytes) }
    /// Raw little-endian contents of an array of trivial values (we only run on little-endian CPUs).
    mutating func append<T>(array: [T]) { array.withUnsafeBytes { data.append(contentsOf: $0) } }
    mutating func append<T>(buffer: UnsafeBufferPointer<T>) { data.append(contentsOf: UnsafeRawBufferPointer(buffer)) }
}

/// Bounds-checked reads; running off the end is a `.truncated` error naming the file.
struct ByteReader {
    let data: Data
    let file: String
    private(set) var offset = 0

    init(_ data: Data, file: String) {
        self.data = data
        self.file = file
    }

    var remaining: Int { data.count - offset }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type = T.self) throws -> T {
        try need(MemoryLayout<T>.size, "a \(T.self)")
        let value = data.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        offset += MemoryLayout<T>.size
        return value
    }

    mutating func readFloat() throws -> Float { Float(bitPattern: try read(UInt32.self)) }

    mutating func bytes(_ count: Int) throws -> [UInt8] { try array(count) }

    mutating func array<T>(_ count: Int, of type: T.Type = T.self) throws -> [T] {
        guard count >= 0 else { throw SearchError(.badHeader, file: file, "negative element count \(count)") }
        let byteCount = count * MemoryLayout<T>.stride
        try need(byteCount, "\(count) values of \(T.self)")
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            data.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + byteCount)]))
            }
            initialized = count
        }
        offset += byteCount
        return values
    }

    /// Copies `count` values straight into caller-owned memory.
    mutating func copy<T>(_ count: Int, into destination: UnsafeMutablePointer<T>) throws {
        let byteCount = count * MemoryLayout<T>.stride
        try need(byteCount, "\(count) values of \(T.self)")
        data.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(destination).copyMemory(from: raw.baseAddress! + offset, byteCount: byteCount)
        }
        offset += byteCount
    }

    private func need(_ byteCount: Int, _ what: String) throws {
        guard byteCount <= remaining else {
            throw SearchError(.truncated, file: file, "ends at byte \(data.count) while reading \(what) at \(offset)")
        }
    }
}
