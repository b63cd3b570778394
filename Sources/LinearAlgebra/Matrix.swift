// A dense row-major matrix with Float or Double elements: the one array type every numeric module shares.

/// Element types that BLAS and LAPACK compute with (`s…` routines for `Float`, `d…` for `Double`).
/// The requirements are the type's BLAS routines (implemented in `BLAS.swift`); call the generic
/// `BLAS.gemm`, `matmul` and `gram` rather than these.
public protocol BLASScalar: BinaryFloatingPoint, Sendable {
    /// `cblas_?gemm`, row-major.
    static func _gemm(_ transA: Transpose, _ transB: Transpose, _ m: Int, _ n: Int, _ k: Int, _ alpha: Self,
                      _ a: UnsafePointer<Self>, _ lda: Int, _ b: UnsafePointer<Self>, _ ldb: Int, _ beta: Self,
                      _ c: UnsafeMutablePointer<Self>, _ ldc: Int)
    /// `cblas_?syrk` filling the upper triangle, row-major.
    static func _syrkUpper(_ trans: Transpose, _ n: Int, _ k: Int, _ alpha: Self, _ a: UnsafePointer<Self>,
                           _ lda: Int, _ c: UnsafeMutablePointer<Self>, _ ldc: Int)
}

/// A dense matrix stored row-major: element (i, j) is at `storage[i * cols + j]`.
///
/// Value semantics (copy on write through `Array`). Heavy products go through the BLAS wrappers in
/// `BLAS.swift`; elementwise work is written against `withUnsafe…BufferPointer` so the optimizer vectorizes it.
public struct Matrix<Element: BLASScalar>: Sendable, Equatable {
    public private(set) var rows: Int
    public private(set) var cols: Int
    public var storage: [Element]

    /// A `rows × cols` matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Element = 0) {
        precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.cols = cols
        self.storage = Array(repeating: value, count: rows * cols)
    }

    /// A `rows × cols` matrix whose elements `initialize` writes, every one of them: no fill first, for
    /// results that overwrite the whole matrix (a zero fill of an N × d Double matrix costs as much as a
    /// pass that writes it).
    public init(rows: Int, cols: Int, initializingWith initialize: (UnsafeMutableBufferPointer<Element>) throws -> Void) rethrows {
        precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.cols = cols
        let count = rows * cols
        self.storage = try Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            try initialize(UnsafeMutableBufferPointer(rebasing: buffer[0..<count]))
            initialized = count
        }
    }

    /// Wraps row-major `storage`; its count must be `rows * cols`.
    public init(rows: Int, cols: Int, storage: [Element]) {
        precondition(storage.count == rows * cols, "storage count \(storage.count) ≠ \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// Builds a matrix from nested rows (tests and small constants); all rows must have equal length.
    public init(_ nested: [[Element]]) {
        let cols = nested.first?.count ?? 0
        precondition(nested.allSatisfy { $0.count == cols }, "ragged rows")
        self.init(rows: nested.count, cols: cols, storage: nested.flatMap { $0 })
    }

    /// The `n × n` identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m.storage[i * n + i] = 1 }
        return m
    }

    public subscript(row: Int, col: Int) -> Element {
        get { storage[row * cols + col] }
        set { storage[row * cols + col] = newValue }
    }

    /// Row `i` as an array (a copy).
    public func row(_ i: Int) -> [Element] { Array(storage[(i * cols)..<((i + 1) * cols)]) }

    /// Rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, cols: cols, storage: Array(storage[(range.lowerBound * cols)..<(range.upperBound * cols)]))
    }

    /// The rows at `indices`, in that order (used by the bootstrap to resample sentences).
    public func gatherRows(_ indices: [Int]) -> Matrix {
        var out = Matrix(rows: indices.count, cols: cols)
        storage.withUnsafeBufferPointer { src in
            out.storage.withUnsafeMutableBufferPointer { dst in
                for (k, i) in indices.enumerated() {
                    for j in 0..<cols { dst[k * cols + j] = src[i * cols + j] }
                }
            }
        }
        return out
    }

    /// The transpose (a copy).
    public var transposed: Matrix {
        var t = Matrix(rows: cols, cols: rows)
        storage.withUnsafeBufferPointer { src in
            t.storage.withUnsafeMutableBufferPointer { dst in
                for i in 0..<rows {
                    for j in 0..<cols { dst[j * rows + i] = src[i * cols + j] }
                }
            }
        }
        return t
    }

    /// Changes the shape keeping the storage order (`rows * cols` must not change).
    public mutating func reshape(rows: Int, cols: Int) {
        precondition(rows * cols == storage.count, "reshape must keep the element count")
        self.rows = rows
        self.cols = cols
    }
}

extension Matrix where Element == Float {
    /// Widens to Double (for accumulation-sensitive statistics).
    public var asDouble: Matrix<Double> {
        Matrix<Double>(rows: rows, cols: cols, storage: storage.map { Double($0) })
    }
}

extension Matrix where Element == Double {
    /// Narrows to Float.
    public var asFloat: Matrix<Float> {
        Matrix<Float>(rows: rows, cols: cols, storage: storage.map { Float($0) })
    }
}
