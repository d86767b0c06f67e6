import CKernels
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

    /// Like `run` with one thread per image, but workers take ranges of `chunk` consecutive images, so that
    /// each can carry several images through a layer together. `body(images, workspace)`. Ranges are claimed
    /// as workers finish, not dealt out in advance: with a fixed half of the batch each, a core that another
    /// process shared made the other wait at the end (batch 32 on 2 busy cores: 1.7× one thread, not 2×).
    static func runRanges(batch: Int, chunk: Int, workspaceCount: Int, threads: Int,
                          _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        let workers = Swift.min(Swift.max(1, threads), Swift.max(1, (batch + chunk - 1) / chunk))
        var next: Int32 = 0
        withUnsafeMutablePointer(to: &next) { counter in
            BLAS.withThreads(1) {
                Parallel.forEach(workers, threads: workers) { _ in
                    let workspace = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, workspaceCount))
                    defer { workspace.deallocate() }
                    while true {
                        let start = Int(ck_claim(counter, Int32(chunk)))
                        guard start < batch else { break }
                        body(start..<Swift.min(start + chunk, batch), workspace)
                    }
                }
            }
        }
    }
}
