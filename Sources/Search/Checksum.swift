import CXXHash
import Foundation

/// The one checksum of every file the index writes: XXH3-64 (Debian's libxxhash, several GB/s).
/// It replaced FNV-1a over 64-bit words, under which two flipped top bits cancel (a multiplication only
/// carries upward); XXH3 mixes every input bit into every output bit, so no small pattern of flips cancels.
///
/// Two uses: a stream of bytes of any length fed in pieces (`Checksum`, the payload of a `ChecksummedFile`),
/// and rows appended over many runs (`Checksum.extend(_:rows:dimension:)`: each row hashed with the checksum
/// so far as the seed, so the value does not depend on how the rows were batched).
public struct Checksum {
    /// The checksum of zero rows (and the seed of the first row).
    public static let initialRows: UInt64 = 0x1d5c_3a0e_77f2_4b91

    private final class State {
        let pointer: OpaquePointer
        init() {
            pointer = XXH3_createState()!  // nil only when malloc fails
            XXH3_64bits_reset(pointer)
        }
        deinit { XXH3_freeState(pointer) }
    }

    private let state = State()

    public init() {}

    /// Adds bytes (pieces of any size give the same value as the whole).
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        XXH3_64bits_update(state.pointer, base, bytes.count)
    }

    /// The checksum of everything added so far.
    public var value: UInt64 { XXH3_64bits_digest(state.pointer) }

    /// The checksum of `data` in one go.
    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return XXH3_64bits(nil, 0) }
        return XXH3_64bits(base, bytes.count)
    }

    /// `checksum` extended by whole rows of `dimension` floats: continuable as rows are appended.
    public static func extend(_ checksum: UInt64, rows values: UnsafeBufferPointer<Float>, dimension: Int) -> UInt64 {
        precondition(dimension > 0 && values.count % dimension == 0, "whole rows only")
        guard let base = values.baseAddress else { return checksum }
        var hash = checksum
        for row in stride(from: 0, to: values.count, by: dimension) {
            hash = XXH3_64bits_withSeed(base + row, dimension * MemoryLayout<Float>.size, hash)
        }
        return hash
    }
}
