import Foundation
import HDF5
import Testing

@Suite("Attributes of every kind round-trip on groups and datasets")
struct AttributeTests {
    static let values: [String: H5AttributeValue] = [
        "int": .int(-(1 << 40)),
        "double": .double(0.1),
        "string": .string("中文 and हिन्दी"),
        "ints": .ints([0, 15, 30, Int64.max]),
        "doubles": .doubles([-0.5, 1e-9]),
        "strings": .strings(["Ελληνικά", "", "English"]),
        "no_ints": .ints([]),
        "no_strings": .strings([]),
    ]

    @Test func everyValueKindRoundTripsOnEveryOwner() throws {
        let url = try scratchFile()
        do {
            let file = try H5File.create(url)
            let owners: [any H5AttributeOwner] = [
                file.root, try file.root.createGroup("g/h"),
                try file.root.writeDataset("g/d", [1] as [Float], shape: [1]),
            ]
            for owner in owners {
                for (name, value) in Self.values { try owner.setAttribute(name, value) }
            }
        }
        let file = try H5File.open(url)
        let owners: [any H5AttributeOwner] = [file.root, try file.root.group("g/h"), try file.root.dataset("g/d")]
        for owner in owners {
            #expect(try owner.attributeNames() == Self.values.keys.sorted())
            for (name, value) in Self.values {
                #expect(try owner.attribute(name) == value, "attribute \(name)")
            }
        }
    }

    @Test func settingAnAttributeAgainReplacesItsValueAndType() throws {
        let file = try H5File.create(try scratchFile())
        let group = try file.root.createGroup("g")
        try group.setAttribute("complete", .int(0))
        try group.setAttribute("complete", .int(1))
        #expect(try group.attribute("complete") == .int(1))
        try group.setAttribute("complete", .string("yes"))
        #expect(try group.attribute("complete") == .string("yes"))
        #expect(try group.attributeNames() == ["complete"])
    }

    @Test func aScalarIntegerIsRewrittenInPlaceWithoutGrowingTheFile() throws {
        let url = try scratchFile()
        do {
            let file = try H5File.create(url)
            try file.root.setAttribute("complete", .int(0))
        }
        let before = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int
        do {
            let file = try H5File.open(url, writable: true)
            try file.root.setAttribute("complete", .int(1))
        }
        let after = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int
        #expect(try H5File.open(url).root.attribute("complete") == .int(1))
        #expect(before == after)
    }

    @Test func missingAttributesAreReportedByName() throws {
        let url = try scratchFile()
        let file = try H5File.create(url)
        let dataset = try file.root.writeDataset("d", [1] as [Int32], shape: [1])
        #expect(!dataset.hasAttribute("units"))
        try dataset.setAttribute("units", .string("nats"))
        #expect(dataset.hasAttribute("units"))
        #expect(throws: HDF5Error.objectNotFound(file: url.path, path: "/d attribute 'unit'")) {
            try dataset.attribute("unit")
        }
        #expect(try file.root.attributeNames() == [])
    }
}
