// Layer normalization (Ba, Kiros & Hinton 2016), with or without a bias, as BLOOM and Cohere apply it.

/// LayerNorm: y = (x − mean(x)) · (var(x) + ε)^(−1/2) · w (+ b), var the population variance, in Float32
/// (transformers' `nn.LayerNorm`; Cohere's `CohereLayerNorm` is the same without a bias).
public enum LayerNorm {
    /// Normalizes one vector of `count` elements from `input` into `output` (they may alias).
    public static func normalize(_ input: UnsafePointer<Float>, count: Int, weight: UnsafePointer<Float>,
                                 bias: UnsafePointer<Float>?, epsilon: Float, into output: UnsafeMutablePointer<Float>) {
        var sum: Float = 0
        for i in 0..<count { sum += input[i] }
        let mean = sum / Float(count)
        var squares: Float = 0
        for i in 0..<count {
            let c = input[i] - mean
            squares += c * c
        }
        let inverse = 1 / (squares / Float(count) + epsilon).squareRoot()
        if let bias {
            for i in 0..<count { output[i] = (input[i] - mean) * inverse * weight[i] + bias[i] }
        } else {
            for i in 0..<count { output[i] = (input[i] - mean) * inverse * weight[i] }
        }
    }

    /// Normalizes each of `rows` rows (`count` elements, row strides `inputStride` / `outputStride`).
    public static func normalizeRows(_ input: UnsafePointer<Float>, inputStride: Int, rows: Int, count: Int,
                                     weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, epsilon: Float,
                                     into output: UnsafeMutablePointer<Float>, outputStride: Int) {
        for r in 0..<rows {
            normalize(input + r * inputStride, count: count, weight: weight, bias: bias, epsilon: epsilon,
                      into: output + r * outputStride)
        }
    }
}
