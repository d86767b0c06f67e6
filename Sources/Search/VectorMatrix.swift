import Foundation
import Tensor
#if canImport(Glibc)
import Glibc
#endif

/// `count` rows of `dimension` float32 values, contiguous and row-major, either owned or
/// memory-mapped read-only from a file. Immutable once made, so it is safe to share across threads.
///
/// ```swift
/// let m = VectorMatrix(dimension: 2, values: [0, 0, 1, 1])
/// m.row(1)  // [1, 1]
/// ```
public struct VectorMatrix: @unchecked Sendable {
    public let count: Int
    public let dimension: Int
    /// First value of row 0; rows follow each other without padding.
    public let baseAddress: UnsafePointer<Float>
    private let storage: Storage

    // MARK: Making

    /// An owned copy of `values` (`count × dimension` floats, row-major).
    public init(dimension: Int, values: [Float]) {
        precondition(dimension > 0 && values.count % dimension == 0,
                     "VectorMatrix: \(values.count) values are not rows of \(dimension)")
        let owned = OwnedStorage(count: values.count)
        values.withUnsafeBufferPointer { owned.pointer.update(from: $0.baseAddress!, count: values.count) }
        self.init(count: values.count / dimension, dimension: dimension, base: owned.pointer, storage: owned)
    }

    /// An owned `count × dimension` matrix whose values `fill` writes in place (all of them): large derived
    /// matrices are built without a second full-size copy.
    public init(count: Int, dimension: Int, filling fill: (UnsafeMutablePointer<Float>) -> Void) {
        precondition(dimension > 0 && count >= 0, "VectorMatrix: \(count) rows of \(dimension)")
        let owned = OwnedStorage(count: count * dimension)
        fill(owned.pointer)
        self.init(count: count, dimension: dimension, base: owned.pointer, storage: owned)
    }

    /// An owned matrix from equally long rows.
    public init(rows: [[Float]]) {
        let dimension = rows.first?.count ?? 1
        precondition(rows.allSatisfy { $0.count == dimension }, "VectorMatrix: rows differ in length")
        self.init(dimension: dimension, values: Array(rows.joined()))
    }

    /// Maps `count × dimension` floats starting `offset` bytes into `file`, read-only.
    /// The pages are shared with the OS page cache: opening a large index costs no copy.
    public init(mappedFile file: URL, offset: Int, count: Int, dimension: Int) throws {
        guard dimension > 0, count >= 0, offset >= 0, offset % MemoryLayout<Float>.alignment == 0 else {
            throw SearchError(.invalidArgument, file: file.path,
                              "cannot map \(count)×\(dimension) floats at byte offset \(offset)")
        }
        let byteCount = count * dimension * MemoryLayout<Float>.stride
        let mapped = try MappedStorage(file: file, length: offset + byteCount)
        let base = UnsafeRawPointer(mapped.address + offset).assumingMemoryBound(to: Float.self)
        self.init(count: count, dimension: dimension, base: base, storage: mapped)
    }

    private init(count: Int, dimension: Int, base: UnsafePointer<Float>, storage: Storage) {
        self.count = count
        self.dimension = dimension
        self.baseAddress = base
        self.storage = storage
    }

    // MARK: Reading

    /// Row `index` as a buffer valid while this matrix is alive.
    @inlinable
    public func row(_ index: Int) -> UnsafeBufferPointer<Float> {
        precondition(index >= 0 && index < count, "VectorMatrix: row \(index) out of 0..<\(count)")
        return UnsafeBufferPointer(start: baseAddress + index * dimension, count: dimension)
    }

    /// Row `index` copied into an array.
    public func rowArray(_ index: Int) -> [Float] { Array(row(index)) }

    /// All values copied into one array (row-major).
    public var values: [Float] { Array(UnsafeBufferPointer(start: baseAddress, count: count * dimension)) }

    /// The squared Euclidean norm of every row (the ‖x‖² term of exact search).
    public func squaredNorms() -> [Float] {
        var norms = [Float](repeating: 0, count: count)
        norms.withUnsafeMutableBufferPointer { out in
            let out = out
            Parallel.forEach(count) { i in
                out[i] = Distance.dot(baseAddress + i * dimension, baseAddress + i * dimension, dimension)
            }
        }
        return norms
    }
}

// MARK: - Storage

private class Storage {}

private final class OwnedStorage: Storage {
    let pointer: UnsafeMutablePointer<Float>
    init(count: Int) {
        pointer = .allocate(capacity: max(1, count))
    }
    deinit { pointer.deallocate() }
}

private final class MappedStorage: Storage {
    let address: UnsafeMutableRawPointer
    let length: Int

    init(file: URL, length: Int) throws {
        let descriptor = open(file.path, O_RDONLY)
        guard descriptor >= 0 else {
            throw SearchError(.io, file: file.path, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw SearchError(.io, file: file.path, "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard Int(info.st_size) >= length else {
            throw SearchError(.truncated, file: file.path, "holds \(info.st_size) bytes, \(length) needed")
        }
        // mmap of zero bytes fails; an empty matrix still needs a valid, aligned base address.
        let mapLength = max(length, 1)
        guard length > 0, let address = mmap(nil, mapLength, PROT_READ, MAP_SHARED, descriptor, 0),
              address != MAP_FAILED else {
            if length == 0 {
                self.address = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)
                self.length = 0
                return
            }
            throw SearchError(.io, file: file.path, "mmap failed: \(String(cString: strerror(errno)))")
        }
        self.address = address
        self.length = length
    }

    deinit {
        if length == 0 { address.deallocate() } else { munmap(address, length) }
    }
}
