import CKernels

// MARK: Conv2D on the AVX-512 GEMM (CKernels), bias, activation and residual fused

extension Conv2D {
    /// Floats of the zero-padded input band that `rows` output rows read.
    func paddedBandCount(rows: Int, outWidth: Int) -> Int {
        ((rows - 1) * stride + kernelHeight) * ((outWidth - 1) * stride + kernelWidth) * inChannels
    }

    func applyAVX512(_ packed: PackedWeights, _ image: UnsafePointer<Float>, height: Int, width: Int, rows: Range<Int>,
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
        let (lower, upper) = activation.bounds, n = outChannels, depth = kernelHeight * kernelWidth * inChannels
        bias.withUnsafeBufferPointer { b in
            let panels = (n + 15) / 16
            if threads > 1 && n > pixels && panels >= 2 * threads {
                // Few pixels, many outputs (7×7 and 14×14 maps): threads take 16-column panels, so each reads
                // half the weights, which outweigh the activations here.
                Parallel.forEach(threads, threads: threads) { part in
                    let p0 = panels * part / threads, p1 = panels * (part + 1) / threads
                    let j0 = p0 * 16, j1 = Swift.min(n, p1 * 16)
                    ck_gemm(Int32(pixels), Int32(j1 - j0), Int32(depth), a, Int32(lda), offsets, packed.pointer + p0 * 16 * depth,
                            b.baseAddress! + j0, lower, upper, residual.map { $0 + j0 }, Int32(n), c + j0, Int32(n))
                }
                return
            }
            // Rows split over threads in multiples of the kernel's 12-row tile.
            let parts = Swift.max(1, Swift.min(threads, pixels / 48))
            Parallel.forEach(parts, threads: parts) { part in
                let lo = pixels * part / parts / 12 * 12, hi = part == parts - 1 ? pixels : pixels * (part + 1) / parts / 12 * 12
                ck_gemm(Int32(hi - lo), Int32(n), Int32(depth), a + lo * lda, Int32(lda), offsets, packed.pointer, b.baseAddress!,
                        lower, upper, residual.map { $0 + lo * n }, Int32(n), c + lo * n, Int32(n))
            }
        }
    }
}
