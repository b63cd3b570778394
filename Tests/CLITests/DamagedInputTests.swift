// align, plot and report on damaged inputs (issue #15.6): each ends in one `error:` line that says where
// the damage is, exit 1, and no output drawn from it.
import Foundation
import HDF5
import Testing
import TestSupport

/// A copy of the synthetic activation fixture (en, ar, hi, zh × 60 sentences × 9 layers, d = 48) in a
/// fresh folder, edited by `edit` through the HDF5 layer.
private func editedActivations(_ tag: String, _ edit: (H5File) throws -> Void) throws -> (dir: URL, file: URL) {
    let dir = try TestPaths.temporaryDirectory(tag)
    let file = dir.appendingPathComponent("activations.h5")
    try FileManager.default.copyItem(at: URL(fileURLWithPath: CLI.activations), to: file)
    do {
        let h5 = try H5File.open(file, writable: true)
        try edit(h5)
        try h5.flush()
    }
    return (dir, file)
}

private let quickAlign = ["--metrics", "cosine,retrieval_p1", "--bootstrap", "0"]

@Suite("align names the file, language, layer and row of a NaN or infinite sentence vector")
struct NonFiniteRowTests {
    @Test(arguments: [Float.nan, -Float.infinity])
    func nonFiniteRow(value: Float) throws {
        let (dir, file) = try editedActivations("cli-nan") { h5 in
            let ds = try h5.root.dataset("/pooled/mean/zh")
            let d = ds.shape[2]
            var row = try ds.read(Float.self, offset: [4, 17, 0], count: [1, 1, d])
            row[3] = value
            try ds.write(row, offset: [4, 17, 0], count: [1, 1, d])
        }
        let ids = try H5File.open(file).root.dataset("/ids").readStrings()
        // --quiet: the layers measured before the bad one print progress; the error itself is one line.
        let result = try CLI.run(["align", file.path, "--output", "a", "--quiet"] + quickAlign, in: dir)
        expectRuntimeError(result, file.path, "language 'zh'", "layer 4", "row 17", "sentence id '\(ids[17])'",
                           value.isNaN ? "NaN" : "-inf", "dimension 3")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a/alignment.json").path))
    }
}

@Suite("The complete attribute is read as the scalar 0 or 1; any other value is refused by value")
struct CompleteAttributeTests {
    @Test("complete = [1, 1] is refused naming the value, not reported as an unfinished trace")
    func twoElementArray() throws {
        let (dir, file) = try editedActivations("cli-complete") { try $0.root.setAttribute("complete", .ints([1, 1])) }
        let result = try CLI.run(["align", file.path, "--output", "a"] + quickAlign, in: dir)
        expectRuntimeError(result, file.path, "attribute 'complete' is [1, 1]", "expected the scalar 0")
        #expect(!result.stderr.contains("did not finish"))
    }

    @Test("complete = [1] (h5py's one-element array) and complete = 2", arguments: [
        (H5AttributeValue.ints([1]), nil as String?), (.int(2), "attribute 'complete' is 2"), (.string("yes"), "is \"yes\""),
    ])
    func otherShapes(value: H5AttributeValue, refusal: String?) throws {
        let (dir, file) = try editedActivations("cli-complete") { try $0.root.setAttribute("complete", value) }
        let result = try CLI.run(["align", file.path, "--output", "a"] + quickAlign, in: dir)
        if let refusal {
            expectRuntimeError(result, refusal)
        } else {
            #expect(result.status == 0, "\(result.stderr)")
        }
    }
}

@Suite("plot and report refuse an alignment.json whose parts contradict each other")
struct InconsistentReportTests {
    /// A real alignment.json (align on the fixture), edited by `edit`.
    private func edited(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        let dir = try TestPaths.temporaryDirectory("cli-inconsistent")
        let align = try CLI.run(["align", CLI.activations, "--output", "a", "--bootstrap", "20"], in: dir)
        try #require(align.status == 0, "\(align.stderr)")
        let url = dir.appendingPathComponent("a/alignment.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        return dir
    }

    @Test("peak layer 999, a short curve, a language not in the report: one line each, no figure")
    func contradictions() throws {
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("the peak (retrieval_p1) is layer 999, not one of the report's layers (0…8)", { o in
                var peak = o["peak"] as? [String: Any] ?? [:]
                peak["layer"] = 999
                o["peak"] = peak
            }),
            ("has 3 values for 9 layers", { o in
                var series = o["pair_metrics"] as? [[String: Any]] ?? []
                series[0]["values"] = Array((series[0]["values"] as? [Any] ?? []).prefix(3))
                o["pair_metrics"] = series
            }),
            ("names language 'xx'", { o in
                var series = o["pair_metrics"] as? [[String: Any]] ?? []
                series[1]["target"] = "xx"
                o["pair_metrics"] = series
            }),
        ]
        for (message, edit) in cases {
            let dir = try edited(edit)
            for command in ["plot", "report"] {
                let result = try CLI.run([command, "a"], in: dir)
                expectRuntimeError(result, "inconsistent alignment report", message)
            }
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a/figures").path))
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a/report.html").path))
        }
    }
}
