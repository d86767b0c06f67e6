// MARK: im2col: unfold k×k patches so a convolution becomes one matrix product

enum Im2Col {
    /// Writes, for each output pixel in output rows `rows` of one image, its kh·kw·C input patch (zeros
    /// outside the image) as one row of `columns` [rows·outW × kh·kw·C], in (ky, kx, c) order to match HWIO weights.
    static func unfold(_ image: UnsafePointer<Float>, height: Int, width: Int, channels: Int,
                       kernelHeight: Int, kernelWidth: Int, stride: Int,
                       rows: Range<Int>, outWidth: Int, padTop: Int, padLeft: Int,
                       into columns: UnsafeMutablePointer<Float>, threads: Int) {
        let rowLength = kernelHeight * kernelWidth * channels
        Parallel.forEach(rows.count, threads: threads) { band in
            let oy = rows.lowerBound + band
            for ox in 0..<outWidth {
                var destination = columns + (band * outWidth + ox) * rowLength
                let left = ox * stride - padLeft
                for ky in 0..<kernelHeight {
                    let iy = oy * stride + ky - padTop
                    // A whole kernel row inside the image is one contiguous run of kw·C floats (9 for the
                    // RGB stem): one copy instead of kw small ones.
                    if iy >= 0, iy < height, left >= 0, left + kernelWidth <= width {
                        copy(image + (iy * width + left) * channels, to: destination, count: kernelWidth * channels)
                        destination += kernelWidth * channels
                        continue
                    }
                    for kx in 0..<kernelWidth {
                        let ix = ox * stride + kx - padLeft
                        if iy >= 0, iy < height, ix >= 0, ix < width {
                            destination.update(from: image + (iy * width + ix) * channels, count: channels)
                        } else {
                            destination.update(repeating: 0, count: channels)
                        }
                        destination += channels
                    }
                }
            }
        }
    }

    /// Copies a short run in 8-float vectors: these runs are 9–21 floats, where a memmove call per run
    /// cost more than the copy (~3% of a forward pass at the stem).
    @inline(__always)
    private static func copy(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            UnsafeMutableRawPointer(destination + i).storeBytes(of: UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float>.self),
                                                               as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { destination[i] = source[i]; i += 1 }
    }
}
