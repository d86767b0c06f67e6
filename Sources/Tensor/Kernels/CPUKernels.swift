import CKernels
#if canImport(Glibc)
import Glibc
#endif

// MARK: Which instruction set the C kernels run with

/// The instruction set of the convolution (and dense-layer) kernels, lowest first. Each CPU runs its own
/// and every lower one; `IMGSEARCH_ISA=avx512|avx2|baseline` lowers the default, never raises it.
public enum KernelPath: Int32, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    /// OpenBLAS sgemm and Swift loops: any CPU.
    case baseline = 0
    /// C kernels with AVX2+FMA: a 6×16 GEMM register tile, 8 channels per depthwise vector.
    case avx2 = 1
    /// C kernels with AVX-512: a 12×32 GEMM register tile, 16 channels per depthwise vector.
    case avx512 = 2

    /// "avx512", "avx2" or "baseline".
    public init?(name: String) {
        guard let path = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = path
    }

    public var description: String {
        switch self {
        case .baseline: return "baseline"
        case .avx2: return "avx2"
        case .avx512: return "avx512"
        }
    }

    public static func < (a: KernelPath, b: KernelPath) -> Bool { a.rawValue < b.rawValue }
}

/// Decides once, from CPUID and `IMGSEARCH_ISA`, which kernels run. Weights are packed for the C
/// kernels whenever the CPU has any of them, so tests and benchmarks can switch `path` at run time
/// to any path this CPU runs.
public enum CPUKernels {
    /// The best path this CPU (and its OS) can run.
    public static let supported = KernelPath(rawValue: ck_cpu_isa()) ?? .baseline

    /// Every path this CPU runs, lowest first: what the kernel tests compare.
    public static var runnable: [KernelPath] { KernelPath.allCases.filter { $0 <= supported } }

    /// The path in use. Setting one above `supported` is a programming error; use `select` for user input.
    public static var path: KernelPath {
        get { current }
        set {
            precondition(newValue <= supported, "CPUKernels: this CPU runs \(supported) at most, not \(newValue)")
            current = newValue
            _ = isk_select_kernel(newValue.description)  // the search distances follow, so one switch measures a path
        }
    }
    nonisolated(unsafe) private static var current: KernelPath = resolveRequest()

    /// Why `IMGSEARCH_ISA` was not followed (a set above this CPU's, or an unknown name); nil when it was,
    /// or is unset. Also written to standard error once, when the kernels are first chosen.
    nonisolated(unsafe) public private(set) static var requestProblem: String?

    /// One line for logs and benchmark output, e.g. "kernels: avx2 (CPU: avx2, IMGSEARCH_ISA unset)".
    public static var summary: String {
        let request = environmentValue.map { "IMGSEARCH_ISA=\($0)" } ?? "IMGSEARCH_ISA unset"
        return "kernels: \(path) (CPU: \(supported), \(request))"
    }

    private static var environmentValue: String? { getenv("IMGSEARCH_ISA").map { String(cString: $0) } }

    private static func resolveRequest() -> KernelPath {
        guard let value = environmentValue, !value.isEmpty else { return supported }
        let names = KernelPath.allCases.reversed().map(\.description).joined(separator: ", ")
        guard let wanted = KernelPath(name: value.lowercased()) else {
            return report("IMGSEARCH_ISA=\(value) is not one of \(names); using \(supported)")
        }
        guard wanted <= supported else {
            return report("IMGSEARCH_ISA=\(value) asks for more than this CPU offers (\(supported)); using \(supported)")
        }
        return wanted
    }

    private static func report(_ problem: String) -> KernelPath {
        requestProblem = problem
        fputs("imgsearch: \(problem)\n", stderr)
        return supported
    }
}

/// B of a GEMM in the 16-column panels `ck_gemm` reads (both instruction sets), 64-byte aligned.
final class PackedWeights: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>

    /// B = `weights`, row-major [rows × columns]: rows are the GEMM's k, columns its n.
    init(_ weights: UnsafePointer<Float>, rows: Int, columns: Int) {
        pointer = Self.allocate(k: rows, n: columns)
        ck_pack_b(weights, Int32(columns), Int32(rows), Int32(columns), pointer)
    }

    /// B = `weights`ᵀ for row-major `weights` [rows × columns] (a [out, in] layer: n = rows, k = columns).
    init(transposing weights: UnsafePointer<Float>, rows: Int, columns: Int) {
        pointer = Self.allocate(k: columns, n: rows)
        ck_pack_b_transposed(weights, Int32(columns), Int32(columns), Int32(rows), pointer)
    }

    private static func allocate(k: Int, n: Int) -> UnsafeMutablePointer<Float> {
        let count = ck_packed_count(Int32(k), Int32(n))
        return UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: 64).bindMemory(to: Float.self, capacity: count)
    }

    deinit { pointer.deallocate() }
}
