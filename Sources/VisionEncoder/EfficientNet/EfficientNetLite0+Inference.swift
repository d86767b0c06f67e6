import Tensor

// MARK: Inference: scheduling one image or a batch over the threads

extension EfficientNetLite0 {
    public func forward(_ batch: Tensor) -> BackboneOutput {
        let map = featureMap(batch)
        var output = BackboneOutput(pooling: map, logits: nil)
        // The classifier is ~0.2% of the FLOPs but streams 5 MB of weights: on one OpenBLAS thread per part
        // (a multithreaded OpenBLAS call leaves its workers spinning on the cores the next image needs).
        output.logits = BLAS.withThreads(1) { classifier(output.avgPooled, threads: batch.shape[0] == 1 ? Parallel.threads : 1) }
        return output
    }

    /// The last [N, H/32, W/32, 1280] map (ReLU6 applied) for a normalised [N, H, W, 3] batch.
    public func featureMap(_ batch: Tensor, threads: Int = Parallel.threads) -> Tensor {
        precondition(batch.rank == 4 && batch.shape[3] == 3, "EfficientNetLite0: expected [N,H,W,3], got \(batch.shape)")
        let (n, height, width) = (batch.shape[0], batch.shape[1], batch.shape[2])
        let plan = ActivationPlan(self, height: height, width: width)
        let threadsPerImage = n >= threads ? 1 : Swift.max(1, threads)
        var map = Tensor(zeros: [n, plan.outHeight, plan.outWidth, head.outChannels])
        if n >= 2 * threads && plan.tailStart < blocks.count {
            batch.data.withUnsafeBufferPointer { input in
                map.data.withUnsafeMutableBufferPointer { output in
                    runGrouped(input.baseAddress!, batch: n, height: height, width: width, plan: plan, into: output.baseAddress!,
                               threads: threads)
                }
            }
            return map
        }
        batch.data.withUnsafeBufferPointer { input in
            map.data.withUnsafeMutableBufferPointer { output in
                BatchScheduler.run(batch: n, inputCount: height * width * 3, outputCount: plan.outHeight * plan.outWidth * head.outChannels,
                                   workspaceCount: plan.workspaceCount(threads: threadsPerImage), input: input.baseAddress!,
                                   output: output.baseAddress!, threads: threads, blasThreadsPerImage: 1) { image, result, workspace, inner in
                    runImage(image, height: height, width: width, plan: plan, workspace: workspace, into: result, threads: inner)
                }
            }
        }
        return map
    }

    /// Workers claim `groupSize` images at a time; each runs those images alone up to the tail (the blocks
    /// on maps of at most `groupHeight` rows), then together through the tail and the head
    /// (`MBConvBlock.applyLayerwise`), so the tail's weights are read once per group.
    func runGrouped(_ input: UnsafePointer<Float>, batch: Int, height: Int, width: Int, plan: ActivationPlan,
                            into output: UnsafeMutablePointer<Float>, threads: Int) {
        let group = Self.groupSize, tail = plan.tailActivationCount
        let inputCount = height * width * 3, outputCount = plan.outHeight * plan.outWidth * head.outChannels
        BatchScheduler.runRanges(batch: batch, chunk: group, workspaceCount: plan.workspaceCount(threads: 1) + group * (2 * tail + plan.tailLayerCount),
                                 threads: threads) { images, workspace in
            let first = workspace + plan.workspaceCount(threads: 1), layers = first + 2 * group * tail
            for start in stride(from: images.lowerBound, to: images.upperBound, by: group) {
                var current = first, next = first + group * tail
                let count = Swift.min(group, images.upperBound - start)
                var (h, w) = (plan.tailHeight, plan.tailWidth)
                for i in 0..<count {
                    runImage(input + (start + i) * inputCount, height: height, width: width, plan: plan, workspace: workspace,
                             into: current + i * h * w * blocks[plan.tailStart].inChannels, threads: 1, stopBefore: plan.tailStart)
                }
                for block in blocks[plan.tailStart...] {
                    block.applyLayerwise(current, images: count, height: h, width: w, into: next, buffers: layers, threads: 1)
                    (h, w) = block.outputSize(height: h, width: w)
                    swap(&current, &next)
                }
                head.apply(current, height: count * h, width: w, rows: 0..<(count * h), into: output + start * outputCount,
                           scratch: nil, threads: 1)
            }
        }
    }

    /// Images a worker carries through the tail together, and the largest tail map height.
    static let groupSize = 4, groupHeight = 14

    /// One image through the network. Each layer's output rows are split over `threads`, each thread
    /// with its own band buffers; layers follow one another (a barrier between them). With `stopBefore`
    /// below the block count, the input of that block is copied to `result` instead of running the rest.
    func runImage(_ image: UnsafePointer<Float>, height: Int, width: Int, plan: ActivationPlan,
                          workspace: UnsafeMutablePointer<Float>, into result: UnsafeMutablePointer<Float>, threads: Int,
                          stopBefore: Int? = nil) {
        var current = workspace, next = workspace + plan.activationCount
        let bands = next + plan.activationCount
        func split(_ rows: Int, _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
            Parallel.forEach(Swift.min(threads, rows), threads: threads) { t in
                let parts = Swift.min(threads, rows)
                body((rows * t / parts)..<(rows * (t + 1) / parts), bands + t * plan.bandCount)
            }
        }
        var (h, w) = stem.outputSize(height: height, width: width)
        split(h) { rows, scratch in   // the stem's im2col in bands of `stemBand` rows, reusing the band buffers
            for start in stride(from: rows.lowerBound, to: rows.upperBound, by: plan.stemBand) {
                let band = start..<Swift.min(start + plan.stemBand, rows.upperBound)
                stem.apply(image, height: height, width: width, rows: band, into: current + start * w * stem.outChannels,
                           scratch: scratch, threads: 1)
            }
        }
        for block in blocks[..<(stopBefore ?? blocks.count)] {
            let out = block.outputSize(height: h, width: w)
            let (source, destination, inHeight, inWidth) = (current, next, h, w)
            if threads > 1 && h <= Self.layerwiseHeight {
                block.applyLayerwise(source, height: h, width: w, into: destination, buffers: bands, threads: threads)
            } else {
                split(out.height) { rows, buffers in
                    block.apply(source, height: inHeight, width: inWidth, rows: rows, into: destination, buffers: buffers)
                }
            }
            (h, w) = out
            swap(&current, &next)
        }
        if let stopBefore, stopBefore < blocks.count {
            result.update(from: current, count: h * w * blocks[stopBefore].inChannels)
            return
        }
        // 49 pixels × 1280 outputs: Conv2D spreads the columns over the threads.
        head.apply(current, height: h, width: w, rows: 0..<h, into: result, scratch: nil, threads: threads)
    }

    /// One image on several threads runs blocks with inputs of at most this many rows layer by layer
    /// (`MBConvBlock.applyLayerwise`) rather than as fused bands split between the threads.
    static let layerwiseHeight = 28

    /// Buffer sizes for one image: two ping-pong activations, and per thread the largest band buffers.
    struct ActivationPlan {
        var activationCount = 0, bandCount = 0, stemBand = 16, outHeight = 0, outWidth = 0
        var layerCount = 0
        /// The tail: blocks from `tailStart` on have inputs of at most `groupHeight` rows, `tailHeight`×`tailWidth`
        /// at its start; per image, `tailActivationCount` floats hold any of its maps, `tailLayerCount` its buffers.
        var tailStart = 0, tailHeight = 0, tailWidth = 0, tailActivationCount = 0, tailLayerCount = 0
        func workspaceCount(threads: Int) -> Int { 2 * activationCount + Swift.max(threads * bandCount, threads > 1 ? layerCount : 0) }

        init(_ model: EfficientNetLite0, height: Int, width: Int) {
            var (h, w) = model.stem.outputSize(height: height, width: width)
            activationCount = h * w * model.stem.outChannels
            bandCount = stemBand * w * model.stem.kernelHeight * model.stem.kernelWidth * model.stem.inChannels
            tailStart = model.blocks.count
            for (index, block) in model.blocks.enumerated() {
                if h <= EfficientNetLite0.groupHeight {
                    if tailStart == model.blocks.count { (tailStart, tailHeight, tailWidth) = (index, h, w) }
                    let out = block.outputSize(height: h, width: w)
                    tailActivationCount = Swift.max(tailActivationCount, h * w * (block.expand?.inChannels ?? block.hidden),
                                                    out.height * out.width * block.project.outChannels)
                    tailLayerCount = Swift.max(tailLayerCount, block.layerBufferCount(height: h, width: w))
                }
                bandCount = Swift.max(bandCount, block.bandBufferCount(height: h, width: w))
                if h <= EfficientNetLite0.layerwiseHeight { layerCount = Swift.max(layerCount, block.layerBufferCount(height: h, width: w)) }
                (h, w) = block.outputSize(height: h, width: w)
                activationCount = Swift.max(activationCount, h * w * block.project.outChannels)
            }
            (outHeight, outWidth) = (h, w)
        }
    }
}
