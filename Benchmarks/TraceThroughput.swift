// Trace throughput on the real models (filled in once the model and tokenizer modules land).
enum TraceThroughputBenchmark {
    static func run(sgemmPeakGFLOPS: Double, quick: Bool) {
        print("trace throughput: waiting for the models module")
    }
}
