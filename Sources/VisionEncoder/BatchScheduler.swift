import Tensor

// MARK: Spreading a batch over the cores

/// Runs a per-image network over a batch. With at least as many images as threads, each
/// thread takes whole images in turn (OpenBLAS single-threaded), so one image's activations
/// stay in that core's cache; with fewer images, each image uses every thread inside its layers.
enum BatchScheduler {
    /// `body(input, output, workspace, threads)` transforms one image; `workspaceCount` floats of
    /// scratch are given per worker and reused across its images. A network that splits an image
    /// over threads itself passes `blasThreadsPerImage: 1`.
    static func run(batch: Int, inputCount: Int, outputCount: Int, workspaceCount: Int,
                    input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, threads: Int = Parallel.threads,
                    blasThreadsPerImage: Int? = nil, _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) {
        let workers = Swift.min(Swift.max(1, threads), Swift.max(1, batch))
        let innerThreads = workers > 1 ? 1 : Swift.max(1, threads)
        BLAS.withThreads(blasThreadsPerImage ?? innerThreads) {
            Parallel.forEach(workers, threads: workers) { worker in
                let workspace = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, workspaceCount))
                defer { workspace.deallocate() }
                for image in stride(from: worker, to: batch, by: workers) {
                    body(input + image * inputCount, output + image * outputCount, workspace, innerThreads)
                }
            }
        }
    }

    /// Like `run` with one thread per image, but each worker gets a contiguous range of the batch, so that
    /// it can carry several images through a layer together. `body(images, workspace)`.
    static func runRanges(batch: Int, workspaceCount: Int, threads: Int, _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        let workers = Swift.min(Swift.max(1, threads), Swift.max(1, batch))
        BLAS.withThreads(1) {
            Parallel.forEach(workers, threads: workers) { worker in
                let workspace = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, workspaceCount))
                defer { workspace.deallocate() }
                body((batch * worker / workers)..<(batch * (worker + 1) / workers), workspace)
            }
        }
    }
}
