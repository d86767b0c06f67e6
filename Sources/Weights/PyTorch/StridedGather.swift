import Tensor

/// Turns a (storage bytes, offset, shape, strides) view into a contiguous float32 tensor.
enum StridedGather {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func contiguous(_ reference: TensorReference, raw: ArraySlice<UInt8>) -> Result<Tensor, Failure> {
        let shape = reference.shape, strides = reference.strides
        let width = reference.storageType.byteWidth
        let available = raw.count / width
        guard let count = SafeTensors.elementCount(shape), reference.offset >= 0 else {
            return .failure(Failure(description: "negative size or offset, or too many elements, in shape \(shape)"))
        }
        if count == 0 { return .success(Tensor(shape: shape, data: [])) }
        // The furthest element the view touches must lie inside the storage (sums checked: a hostile view overflows).
        var last = reference.offset
        for (size, stride) in zip(shape, strides) {
            guard stride >= 0 else { return .failure(Failure(description: "negative stride \(stride)")) }
            let (step, overflow) = (size - 1).multipliedReportingOverflow(by: stride)
            let (next, overflowAgain) = last.addingReportingOverflow(step)
            guard !overflow && !overflowAgain else { return .failure(Failure(description: "view of shape \(shape), strides \(strides) overflows")) }
            last = next
        }
        guard last < available else {
            return .failure(Failure(description: "view (offset \(reference.offset), shape \(shape), strides \(strides)) reaches element \(last) of a storage holding \(available); truncated?"))
        }
        let values: [Float] = raw.withUnsafeBytes { storage in
            let element = decoder(for: reference.storageType, storage)
            var out = [Float](repeating: 0, count: count)
            var index = [Int](repeating: 0, count: shape.count)
            var source = reference.offset
            for position in 0..<count {
                out[position] = element(source)
                // Odometer increment over the shape, updating the storage index incrementally.
                var axis = shape.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    source += strides[axis]
                    if index[axis] < shape[axis] { break }
                    source -= strides[axis] * shape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
            return out
        }
        return .success(Tensor(shape: shape, data: values))
    }

    /// Reads element `i` of a little-endian storage as Float.
    private static func decoder(for type: StorageType, _ raw: UnsafeRawBufferPointer) -> (Int) -> Float {
        switch type {
        case .float32: return { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        case .float16: return { Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)))) }
        case .bfloat16: return { Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) << 16) }
        case .float64: return { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))) }
        case .int64: return { Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
        case .int32: return { Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
        case .int16: return { Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self))) }
        case .int8: return { Float(raw.load(fromByteOffset: $0, as: Int8.self)) }
        case .uint8, .bool: return { Float(raw.load(fromByteOffset: $0, as: UInt8.self)) }
        }
    }
}
