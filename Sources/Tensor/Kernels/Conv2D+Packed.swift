import CKernels

// MARK: Conv2D on the C GEMM (CKernels, AVX-512 or AVX2), bias, activation and residual fused

extension Conv2D {
    /// Floats of the zero-padded input band that `rows` output rows read.
    func paddedBandCount(rows: Int, outWidth: Int) -> Int {
        ((rows - 1) * stride + kernelHeight) * ((outWidth - 1) * stride + kernelWidth) * inChannels
    }

    func applyPacked(_ packed: PackedWeights, _ image: UnsafePointer<Float>, height: Int, width: Int, rows: Range<Int>,
                     resolved r: (outHeight: Int, outWidth: Int, top: Int, left: Int), into output: UnsafeMutablePointer<Float>,
                     scratch: UnsafeMutablePointer<Float>?, threads: Int, residual: UnsafePointer<Float>?) {
        if isPointwise {
            return gemm(packed, pixels: rows.count * r.outWidth, a: image + rows.lowerBound * width * inChannels, lda: inChannels,
                        offsets: nil, into: output, threads: threads, residual: residual)
        }
        // k×k: copy the band's input rows into a zero-padded buffer; then output row t is a GEMM whose A row
        // for pixel x starts at column x·stride of padded row t·stride, and whose k index walks the patch
        // through a table of offsets. No im2col copy of every patch.
        guard let scratch else { preconditionFailure("Conv2D: a \(kernelHeight)×\(kernelWidth) convolution needs scratch") }
        let paddedWidth = (r.outWidth - 1) * stride + kernelWidth, rowFloats = paddedWidth * inChannels
        let firstRow = rows.lowerBound * stride - r.top, bandRows = (rows.count - 1) * stride + kernelHeight
        let copied = Swift.max(0, Swift.min(width, paddedWidth - r.left))
        for y in 0..<bandRows {
            let iy = firstRow + y, row = scratch + y * rowFloats
            guard iy >= 0 && iy < height && copied > 0 else { row.update(repeating: 0, count: rowFloats); continue }
            row.update(repeating: 0, count: r.left * inChannels)
            (row + r.left * inChannels).update(from: image + iy * width * inChannels, count: copied * inChannels)
            let tail = r.left + copied
            (row + tail * inChannels).update(repeating: 0, count: (paddedWidth - tail) * inChannels)
        }
        var offsets = [Int32](repeating: 0, count: kernelHeight * kernelWidth * inChannels)
        for ky in 0..<kernelHeight { for kx in 0..<kernelWidth { for c in 0..<inChannels {
            offsets[(ky * kernelWidth + kx) * inChannels + c] = Int32((ky * paddedWidth + kx) * inChannels + c)
        } } }
        let rowOut = r.outWidth * outChannels
        offsets.withUnsafeBufferPointer { table in
            Parallel.forEach(rows.count, threads: threads) { t in
                gemm(packed, pixels: r.outWidth, a: scratch + t * stride * rowFloats, lda: stride * inChannels,
                     offsets: table.baseAddress, into: output + t * rowOut, threads: 1, residual: residual.map { $0 + t * rowOut })
            }
        }
    }

    /// C[pixels × out] for A rows `lda` apart, spread over `threads`.
    private func gemm(_ packed: PackedWeights, pixels: Int, a: UnsafePointer<Float>, lda: Int, offsets: UnsafePointer<Int32>?,
                      into c: UnsafeMutablePointer<Float>, threads: Int, residual: UnsafePointer<Float>?) {
        let (lower, upper) = activation.bounds
        bias.withUnsafeBufferPointer { b in
            PackedGEMM.run(packed, m: pixels, n: outChannels, k: kernelHeight * kernelWidth * inChannels, a: a, lda: lda,
                           offsets: offsets, bias: b.baseAddress!, lower: lower, upper: upper, residual: residual, into: c,
                           threads: threads)
        }
    }
}
