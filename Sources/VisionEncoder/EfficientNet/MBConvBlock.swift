import Foundation
import Tensor

// MARK: Mobile inverted bottleneck (MBConv) without squeeze-excitation, as in EfficientNet-Lite

/// expand 1×1 (ReLU6) → depthwise k×k (ReLU6) → project 1×1 (linear), plus the identity
/// shortcut when shape is preserved. Batch norms are folded into the three convolutions.
///
/// The three convolutions run fused, band by band of output rows: only the expanded rows a band's
/// depthwise filter reads are kept (a sliding window), so the 6×-wide activations stay in the core's
/// cache instead of making a round trip through memory.
struct MBConvBlock {
    let expand: Conv2D?
    let depthwise: DepthwiseConv2D
    let project: Conv2D
    var hasShortcut: Bool { depthwise.stride == 1 && project.outChannels == (expand?.inChannels ?? depthwise.channels) }
    var hidden: Int { depthwise.channels }
    var inChannels: Int { expand?.inChannels ?? depthwise.channels }

    /// Floats of expanded activations a band aims to keep (~384 KB, well inside a 1 MB L2).
    static let windowBudget = 96 * 1024

    func outputSize(height: Int, width: Int) -> (height: Int, width: Int) { depthwise.outputSize(height: height, width: width) }

    /// Output rows per band at this input width.
    func bandRows(width: Int) -> Int {
        let windowRows = Swift.max(depthwise.kernelHeight, Self.windowBudget / Swift.max(1, width * hidden))
        return Swift.max(1, (windowRows - depthwise.kernelHeight) / depthwise.stride + 1)
    }

    /// Expanded rows the window holds: one band's worth. (Room for a few bands, moving the shared rows
    /// up only when full, measured no faster: the larger window fell out of L2.)
    func windowCapacity(width: Int) -> Int {
        (bandRows(width: width) - 1) * depthwise.stride + depthwise.kernelHeight
    }

    /// Floats of one thread's band buffers: the expanded window and the filtered band.
    func bandBufferCount(height: Int, width: Int) -> Int {
        let rows = bandRows(width: width), out = outputSize(height: height, width: width)
        return windowCapacity(width: width) * width * hidden + rows * out.width * hidden
    }

    /// Input rows the depthwise filter reads for output rows `rows`.
    private func inputRows(for rows: Range<Int>, height: Int, width: Int) -> Range<Int> {
        let top = depthwise.padding.resolve(height: height, width: width, kernelHeight: depthwise.kernelHeight,
                                            kernelWidth: depthwise.kernelWidth, stride: depthwise.stride).top
        let low = Swift.max(0, rows.lowerBound * depthwise.stride - top)
        let high = Swift.min(height, (rows.upperBound - 1) * depthwise.stride - top + depthwise.kernelHeight)
        return low..<Swift.max(low, high)
    }

    /// Output rows `rows` of one image (`output` points at output row 0); `buffers` holds `bandBufferCount` floats.
    func apply(_ input: UnsafePointer<Float>, height: Int, width: Int, rows: Range<Int>,
               into output: UnsafeMutablePointer<Float>, buffers: UnsafeMutablePointer<Float>) {
        let out = outputSize(height: height, width: width)
        let bandSize = bandRows(width: width)
        let window = buffers, capacity = windowCapacity(width: width)
        let filtered = buffers + capacity * width * hidden
        let rowFloats = width * hidden
        var present = 0..<0, base = 0  // input rows currently expanded in `window`; window row 0 holds row `base`
        for bandStart in stride(from: rows.lowerBound, to: rows.upperBound, by: bandSize) {
            let band = bandStart..<Swift.min(bandStart + bandSize, rows.upperBound)
            let needed = inputRows(for: band, height: height, width: width)
            var source = input, firstRow = 0
            if let expand {
                // Keep the rows this band shares with the last one; expand the new ones after them.
                let kept = Swift.max(needed.lowerBound, present.lowerBound)..<Swift.max(needed.lowerBound, present.upperBound)
                if kept.isEmpty {
                    base = needed.lowerBound
                } else if needed.upperBound - base > capacity {  // out of room: move the kept rows to the top
                    memmove(window, window + (kept.lowerBound - base) * rowFloats, kept.count * rowFloats * 4)
                    base = kept.lowerBound
                }
                let fresh = Swift.max(kept.upperBound, needed.lowerBound)..<needed.upperBound
                if !fresh.isEmpty {
                    expand.apply(input + fresh.lowerBound * width * expand.inChannels, height: fresh.count, width: width,
                                 rows: 0..<fresh.count, into: window + (fresh.lowerBound - base) * rowFloats,
                                 scratch: nil, threads: 1)
                }
                present = needed
                (source, firstRow) = (UnsafePointer(window + (needed.lowerBound - base) * rowFloats), needed.lowerBound)
            }
            depthwise.apply(window: source, windowFirstRow: firstRow, height: height, width: width, rows: band,
                            into: filtered, threads: 1)
            let destination = output + band.lowerBound * out.width * project.outChannels
            project.apply(filtered, height: band.count, width: out.width, rows: 0..<band.count, into: destination,
                          scratch: nil, threads: 1,
                          residual: hasShortcut ? input + band.lowerBound * width * project.outChannels : nil)
        }
    }

    /// `images` whole images (consecutive in `input`) layer by layer, each convolution spread over
    /// `threads` (rows, or output channels on small maps). Two uses:
    /// - one image on several threads at 28×28 and below: splitting the fused bands between threads there
    ///   makes each re-expand the rows its neighbour's band needs (up to +57% of the expansion at 7×7 with
    ///   5×5 filters), and 7 rows split 4/3;
    /// - several images on one thread at 14×14 and 7×7: the 1×1 convolutions see the images stacked as one
    ///   tall map, so each weight matrix (up to 1.5 MB, from L3) is read once per group instead of per image.
    /// `buffers` holds `images · layerBufferCount` floats.
    func applyLayerwise(_ input: UnsafePointer<Float>, images: Int = 1, height: Int, width: Int,
                        into output: UnsafeMutablePointer<Float>, buffers: UnsafeMutablePointer<Float>, threads: Int) {
        let out = outputSize(height: height, width: width)
        var source = input
        if let expand {
            expand.apply(input, height: images * height, width: width, rows: 0..<(images * height), into: buffers,
                         scratch: nil, threads: threads)
            source = UnsafePointer(buffers)
        }
        let filtered = buffers + images * height * width * hidden
        if images == 1 && threads > 1 && out.height >= 4 * threads {
            // 14 or 28 rows: each thread filters its rows and projects them at once (one barrier fewer).
            let (rowIn, rowOut) = (out.width * hidden, out.width * project.outChannels)
            Parallel.forEach(threads, threads: threads) { t in
                let rows = (out.height * t / threads)..<(out.height * (t + 1) / threads)
                depthwise.apply(window: source, height: height, width: width, rows: rows, into: filtered + rows.lowerBound * rowIn,
                                threads: 1)
                project.apply(filtered + rows.lowerBound * rowIn, height: rows.count, width: out.width, rows: 0..<rows.count,
                              into: output + rows.lowerBound * rowOut, scratch: nil, threads: 1,
                              residual: hasShortcut ? input + rows.lowerBound * rowOut : nil)
            }
            return
        }
        for image in 0..<images {  // per image: the filter must not reach across images
            depthwise.apply(window: source + image * height * width * hidden, height: height, width: width,
                            rows: 0..<out.height, into: filtered + image * out.height * out.width * hidden, threads: threads)
        }
        project.apply(filtered, height: images * out.height, width: out.width, rows: 0..<(images * out.height), into: output,
                      scratch: nil, threads: threads, residual: hasShortcut ? input : nil)
    }

    func layerBufferCount(height: Int, width: Int) -> Int {
        let out = outputSize(height: height, width: width)
        return (height * width + out.height * out.width) * hidden
    }
}
