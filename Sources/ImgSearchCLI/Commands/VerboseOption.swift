import ArgumentParser
import Foundation
import Tensor

/// `--verbose` of the commands that run the encoders: which kernels and how many threads they use.
struct VerboseOption: ParsableArguments {
    @Flag(name: .long, help: "Print the kernel path (avx512, avx2 or baseline; IMGSEARCH_ISA can lower it) and the thread count on stderr.")
    var verbose = false

    /// Call after `Parallel.configure`, so the thread count is the one the work will use.
    func report() {
        guard verbose else { return }
        FileHandle.standardError.write(Data("imgsearch: \(CPUKernels.summary), threads: \(Parallel.threads)\n".utf8))
    }
}
