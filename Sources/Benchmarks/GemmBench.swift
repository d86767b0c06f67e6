import CKernels
import Foundation
import Tensor

/// `imgsearch-bench gemm [--runs N]`: our convolution GEMM beside OpenBLAS sgemm on EfficientNet-Lite0's
/// 1×1 layers at 14×14 and 7×7 (one image, and the 4 images carried together through those blocks),
/// on one thread, with the core's FMA peak measured by a loop of independent FMAs in the same run.
///
/// Prints a table: shape, ours and OpenBLAS in GFLOP/s, the ratio, and each as % of the peak of the
/// path's vector width (AVX2: 8 lanes, AVX-512: 16). Times are this thread's CPU time, medians.
enum GemmBenchmark {
    /// (what, M, N, K): M pixels, N output channels, K input channels.
    static let shapes: [(String, Int, Int, Int)] = [
        ("14×14 expand 112→672", 196, 672, 112), ("14×14 project 672→112", 196, 112, 672),
        ("7×7 expand 192→1152", 49, 1152, 192), ("7×7 project 1152→192", 49, 192, 1152),
        ("7×7 project 1152→320", 49, 320, 1152), ("7×7 head 320→1280", 49, 1280, 320),
        ("4×14×14 expand 112→672", 784, 672, 112), ("4×14×14 project 672→112", 784, 112, 672),
        ("4×7×7 expand 192→1152", 196, 1152, 192), ("4×7×7 project 1152→192", 196, 192, 1152),
    ]

    static func run(_ args: [String]) throws {
        let runs = args.firstIndex(of: "--runs").flatMap { Int(args[($0 + 1)...].first ?? "") } ?? 50
        Parallel.configure(threads: 1)
        let path = CPUKernels.path
        print(CPUKernels.summary)
        guard path != .baseline else { return print("the baseline path has no GEMM of its own: nothing to compare") }
        let peak = fmaPeak(path)
        print("FMA peak (\(path), 1 thread): " + String(format: "%.1f GFLOP/s", peak))
        print("shape                          M     N     K   ours GFLOP/s  OpenBLAS  ratio  ours %peak  OpenBLAS %peak")
        for (name, m, n, k) in shapes {
            let a = (0..<(m * k)).map { Float(($0 * 7) % 13) / 13 - 0.5 }, w = (0..<(k * n)).map { Float(($0 * 5) % 11) / 11 - 0.5 }
            let conv = Conv2D(hwioWeights: w, bias: [Float](repeating: 0.1, count: n), kernelHeight: 1, kernelWidth: 1,
                              inChannels: k, outChannels: n, stride: 1, padding: .same, activation: .relu6)
            var c = [Float](repeating: 0, count: m * n)
            let flop = 2 * Double(m * n * k)
            let ours = median(runs) {
                a.withUnsafeBufferPointer { x in c.withUnsafeMutableBufferPointer { y in
                    conv.apply(x.baseAddress!, height: m, width: 1, rows: 0..<m, into: y.baseAddress!, scratch: nil, threads: 1)
                } }
            }
            let blas = median(runs) { BLAS.sgemm(m: m, n: n, k: k, a: a, lda: k, b: w, ldb: n, c: &c, ldc: n) }
            let (g1, g2) = (flop / ours / 1e9, flop / blas / 1e9)
            print(name.padding(toLength: 26, withPad: " ", startingAt: 0)
                  + String(format: " %5d %5d %5d %12.1f %9.1f %6.2f %10.0f%% %14.0f%%", m, n, k, g1, g2, g1 / g2, 100 * g1 / peak, 100 * g2 / peak))
        }
    }

    /// One core's FMA throughput at the path's vector width, best of 5 (the loop is all registers).
    static func fmaPeak(_ path: KernelPath) -> Double {
        let iterations = 20_000_000, lanes = path == .avx512 ? 16.0 : 8.0
        let best = (0..<5).map { _ in seconds { _ = ck_fma_loop(path.rawValue, iterations) } }.min()!
        return 2 * 12 * lanes * Double(iterations) / best / 1e9
    }

    private static func median(_ runs: Int, _ body: () -> Void) -> Double {
        body()
        let times = (0..<runs).map { _ in seconds(body) }.sorted()
        return times[times.count / 2]
    }

    /// CPU time of this thread: single-threaded kernels measured this way keep their figures when other
    /// jobs share the cores (wall time then measures the scheduler).
    private static func seconds(_ body: () -> Void) -> Double {
        func now() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        }
        let start = now()
        body()
        return now() - start
    }
}
