import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one binary container of the Search module (HNSW graphs, whitening, quantised vectors):
/// an 8-byte magic, the kind's format version, the container version, the payload length and the
/// payload's `Checksum` (XXH3-64), then the payload. Written to a temporary file and renamed, so readers
/// never see half a file.
enum ChecksummedFile {
    static let headerSize = 8 + 4 + 4 + 8 + 8
    /// Container version 2: XXH3 checksums. Version 0 (the field was reserved) checksummed with FNV-1a, which
    /// misses pairs of flipped top bits: such files are refused as outdated, and rebuilt by their owners.
    static let containerVersion: UInt32 = 2

    static func write(_ payload: Data, to url: URL, magic: String, version: UInt32) throws {
        try write(to: url, magic: magic, version: version) { sink in
            try payload.withUnsafeBytes { try sink.write($0) }
        }
    }

    /// Streams the payload `body` writes, checksumming as it goes and filling in the header last, so a payload
    /// of gigabytes (whitened rows of a million items) never has to exist in memory as one block.
    static func write(to url: URL, magic: String, version: UInt32, body: (inout PayloadSink) throws -> Void) throws {
        precondition(magic.utf8.count == 8, "magic must be 8 bytes")
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        removeOrphanedTemporaries(of: url)
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw SearchError(.io, file: url.path, "cannot write: \(String(cString: strerror(errno)))")
        }
        do {
            defer { close(descriptor) }
            var sink = PayloadSink(descriptor: descriptor, file: temporary.path, offset: headerSize)
            try body(&sink)
            var header = ByteWriter()
            header.append(bytes: Array(magic.utf8))
            header.append(version)
            header.append(containerVersion)
            header.append(UInt64(sink.offset - headerSize))
            header.append(sink.checksum.value)
            var headerSink = PayloadSink(descriptor: descriptor, file: temporary.path, offset: 0)
            try header.data.withUnsafeBytes { try headerSink.write($0) }
            // POSIX rename replaces atomically; Foundation's replaceItemAt fails intermittently on Linux.
            guard rename(temporary.path, url.path) == 0 else {
                throw SearchError(.io, file: url.path, "cannot replace: \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temporary.path)
            throw error as? SearchError ?? SearchError(.io, file: url.path, "cannot write: \(error.localizedDescription)")
        }
    }

    /// Temporary files of `url` left by writers that were killed (their process is gone): at a million rows they
    /// are gigabytes, and nothing else would ever remove them.
    private static func removeOrphanedTemporaries(of url: URL) {
        let directory = url.deletingLastPathComponent(), prefix = ".\(url.lastPathComponent)."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            guard let pid = Int32(name.dropFirst(prefix.count).dropLast(4)), pid != getpid(),
                  kill(pid, 0) != 0 && errno == ESRCH else { continue }
            unlink(directory.appendingPathComponent(name).path)
        }
    }

    /// Where a streamed payload goes: positioned writes (no seeking), with the checksum kept up to date.
    struct PayloadSink {
        let descriptor: Int32
        let file: String
        fileprivate(set) var offset: Int
        fileprivate(set) var checksum = Checksum()

        fileprivate init(descriptor: Int32, file: String, offset: Int) {
            self.descriptor = descriptor
            self.file = file
            self.offset = offset
        }

        mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
            checksum.add(bytes)
            var done = 0
            while done < bytes.count {
                let written = pwrite(descriptor, bytes.baseAddress! + done, min(bytes.count - done, 1 << 30), off_t(offset))
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    throw SearchError(.io, file: file, "cannot write: \(written < 0 ? String(cString: strerror(errno)) : "no space")")
                }
                done += written
                offset += written
            }
        }

        mutating func write<T>(_ values: UnsafeBufferPointer<T>) throws { try write(UnsafeRawBufferPointer(values)) }
    }

    /// The payload after checking magic, version, length and checksum: a slice of the memory-mapped file.
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
        let foundContainer: UInt32 = try reader.read()
        guard foundContainer == containerVersion else {
            throw SearchError(.versionMismatch, file: url.path,
                              "container version \(foundContainer) (an older checksum), this build reads \(containerVersion): rebuilt on the next run")
        }
        let length: UInt64 = try reader.read()
        let expected: UInt64 = try reader.read()
        guard UInt64(data.count - headerSize) == length else {  // never Int(length): a damaged length may exceed Int
            throw SearchError(.truncated, file: url.path, "payload is \(data.count - headerSize) bytes, header says \(length)")
        }
        let payload = data[headerSize...]  // a slice of the mapping, not a copy (readers index it from 0 through ByteReader)
        guard checksum(payload) == expected else {
            throw SearchError(.checksumMismatch, file: url.path, "payload checksum does not match: the file is damaged")
        }
        return payload
    }

    static func checksum(_ data: Data) -> UInt64 {
        data.withUnsafeBytes { Checksum.of($0) }
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
