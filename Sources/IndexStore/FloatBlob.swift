import Foundation

/// Float32 rows as raw little-endian bytes: the one encoding used by the feature cache's
/// blobs and the vector files (every platform we target is little-endian).
public enum FloatBlob {
    /// The bytes of `values`.
    public static func data(_ values: [Float]) -> Data {
        values.withUnsafeBytes { Data($0) }
    }

    /// The floats in `data`, or nil when its size is not a multiple of 4.
    public static func floats(_ data: Data) -> [Float]? {
        guard data.count % MemoryLayout<Float>.size == 0 else { return nil }
        let count = data.count / MemoryLayout<Float>.size
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            _ = data.copyBytes(to: buffer)
            initialized = count
        }
    }
}
